DROP INDEX articles_by_hot;
ALTER TABLE articles DROP COLUMN hot_rank;
DROP TABLE article_votes;
