DROP TABLE article_revisions;
DROP INDEX articles_by_submission;
UPDATE articles SET status = 'draft' WHERE status = 'pending';
UPDATE users SET role = 'reader' WHERE role = 'contributor';
ALTER TABLE articles DROP COLUMN submitted_at,
    DROP CONSTRAINT articles_status_check,
    ADD CONSTRAINT articles_status_check CHECK (status IN ('draft', 'published', 'archived'));
ALTER TABLE users DROP CONSTRAINT users_role_check,
    ADD CONSTRAINT users_role_check CHECK (role IN ('reader', 'author', 'editor', 'admin'));
