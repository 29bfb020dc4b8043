-- The newsroom's own workflow (API.md §3, §4, §12):
-- * a `contributor` role between reader and author, who writes drafts and
--   submits them for review;
-- * a `pending` status (submitted for review), with `submitted_at` so that
--   editors take the review queue oldest submission first; `scheduled` is
--   not stored: it is a published article whose date is still ahead;
-- * revisions: the state an article had before each change to what readers
--   read of it, who changed it and when.
-- SQLite can only change a CHECK constraint by rebuilding the table, with
-- the recipe of migration 010 (foreign keys off, copy, swap, re-index, check).
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE users_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    bio TEXT,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'reader' CHECK (role IN ('reader', 'contributor', 'author', 'editor', 'admin')),
    disabled BOOLEAN NOT NULL DEFAULT 0,
    token_version INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO users_new SELECT id, email, email_key, display_name, bio, password_hash, role, disabled,
    token_version, created_at, updated_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_role_id ON users (role, id);

CREATE TABLE articles_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    excerpt TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'pending', 'published', 'archived')),
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
    deleted_at TIMESTAMP,
    submitted_at TIMESTAMP
);
INSERT INTO articles_new SELECT id, slug, title, excerpt, status, published_at, category_id, author_id,
    cover_image_url, reading_time_minutes, votes_up, votes_down, score, hot_rank, created_at, updated_at,
    deleted_at, NULL FROM articles;
DROP TABLE articles;
ALTER TABLE articles_new RENAME TO articles;
CREATE INDEX articles_by_published ON articles (status, published_at, id);
CREATE INDEX articles_by_score ON articles (status, score, id);
CREATE INDEX articles_by_hot ON articles (status, hot_rank, id);
CREATE INDEX articles_by_category ON articles (category_id, status, published_at, id);
CREATE INDEX articles_by_author ON articles (author_id, status, published_at, id);
-- The review queue: pending articles, oldest submission first.
CREATE INDEX articles_by_submission ON articles (status, submitted_at, id);

CREATE TABLE article_revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    -- Who made the change that replaced this state; NULL for an import or a
    -- deleted account.
    editor_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    -- Which fields the change touched, e.g. "title, body".
    summary_of_change TEXT NOT NULL,
    title TEXT NOT NULL,
    excerpt TEXT NOT NULL,
    body TEXT NOT NULL,
    slug TEXT NOT NULL,
    category_id INTEGER REFERENCES categories (id) ON DELETE SET NULL,
    -- The tag names, a JSON array.
    tags TEXT NOT NULL,
    cover_image_url TEXT
);
CREATE INDEX article_revisions_by_article ON article_revisions (article_id, id);

PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
