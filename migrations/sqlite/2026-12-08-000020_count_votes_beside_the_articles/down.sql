ALTER TABLE articles ADD COLUMN votes_up INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN votes_down INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN score INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN hot_rank DOUBLE NOT NULL DEFAULT 0;
UPDATE articles SET
    votes_up = (SELECT votes_up FROM article_tallies WHERE article_id = articles.id),
    votes_down = (SELECT votes_down FROM article_tallies WHERE article_id = articles.id),
    score = (SELECT score FROM article_tallies WHERE article_id = articles.id),
    hot_rank = (SELECT hot_rank FROM article_tallies WHERE article_id = articles.id)
    WHERE id IN (SELECT article_id FROM article_tallies);
CREATE INDEX articles_by_score ON articles (status, score, id);
CREATE INDEX articles_by_hot ON articles (status, hot_rank, id);
DROP TABLE article_tallies;
