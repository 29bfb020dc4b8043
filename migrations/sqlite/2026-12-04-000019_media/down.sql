ALTER TABLE article_revisions DROP COLUMN cover_image_id;
DROP INDEX articles_by_cover;
ALTER TABLE articles DROP COLUMN cover_image_id;
DROP TABLE media;
