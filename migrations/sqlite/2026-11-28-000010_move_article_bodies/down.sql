-- Put the bodies back into `articles`, with the same recipe as up.sql.
PRAGMA foreign_keys = OFF;
BEGIN;

ALTER TABLE articles ADD COLUMN body TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN body_html TEXT NOT NULL DEFAULT '';
UPDATE articles SET
    body = (SELECT body FROM article_bodies WHERE article_id = articles.id),
    body_html = (SELECT body_html FROM article_bodies WHERE article_id = articles.id);
DROP TABLE article_bodies;

PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
