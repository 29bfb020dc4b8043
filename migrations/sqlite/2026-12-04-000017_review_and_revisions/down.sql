-- Back to three statuses and four roles: pending articles become drafts,
-- contributors readers; revisions and submission times are dropped.
PRAGMA foreign_keys = OFF;
BEGIN;
DROP TABLE article_revisions;

CREATE TABLE users_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    bio TEXT,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'reader' CHECK (role IN ('reader', 'author', 'editor', 'admin')),
    disabled BOOLEAN NOT NULL DEFAULT 0,
    token_version INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO users_old SELECT id, email, email_key, display_name, bio, password_hash,
    CASE role WHEN 'contributor' THEN 'reader' ELSE role END, disabled, token_version, created_at, updated_at
    FROM users;
DROP TABLE users;
ALTER TABLE users_old RENAME TO users;
CREATE INDEX users_role_id ON users (role, id);

CREATE TABLE articles_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    excerpt TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    published_at TIMESTAMP,
    category_id INTEGER REFERENCES categories (id) ON DELETE RESTRICT,
    author_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    cover_image_url TEXT,
    reading_time_minutes INTEGER NOT NULL,
    votes_up INTEGER NOT NULL DEFAULT 0,
    votes_down INTEGER NOT NULL DEFAULT 0,
    score INTEGER NOT NULL DEFAULT 0,
    hot_rank DOUBLE NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
INSERT INTO articles_old SELECT id, slug, title, excerpt, CASE status WHEN 'pending' THEN 'draft' ELSE status END,
    published_at, category_id, author_id, cover_image_url, reading_time_minutes, votes_up, votes_down, score,
    hot_rank, created_at, updated_at, deleted_at FROM articles;
DROP TABLE articles;
ALTER TABLE articles_old RENAME TO articles;
CREATE INDEX articles_by_published ON articles (status, published_at, id);
CREATE INDEX articles_by_score ON articles (status, score, id);
CREATE INDEX articles_by_hot ON articles (status, hot_rank, id);
CREATE INDEX articles_by_category ON articles (category_id, status, published_at, id);
CREATE INDEX articles_by_author ON articles (author_id, status, published_at, id);

PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
