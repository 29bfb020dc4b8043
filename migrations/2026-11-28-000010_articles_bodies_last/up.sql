-- Rebuild `articles` with the Markdown and HTML bodies as its last columns.
-- SQLite stores a row's columns in order and spills what does not fit a page
-- to overflow pages: with 2–6 KB bodies in the middle, every list query that
-- read the status, dates or counters behind them walked those pages too.
-- This follows SQLite's recipe for changing a table's shape (foreign keys off,
-- copy, swap, check), so that the tables referencing articles keep their rows.
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE articles_reordered (
    id INTEGER PRIMARY KEY NOT NULL,
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
    deleted_at TIMESTAMP,
    body TEXT NOT NULL,
    body_html TEXT NOT NULL
);

INSERT INTO articles_reordered (
    id, slug, title, excerpt, status, published_at, category_id, author_id, cover_image_url,
    reading_time_minutes, votes_up, votes_down, score, hot_rank, created_at, updated_at, deleted_at, body, body_html
)
SELECT
    id, slug, title, excerpt, status, published_at, category_id, author_id, cover_image_url,
    reading_time_minutes, votes_up, votes_down, score, hot_rank, created_at, updated_at, deleted_at, body, body_html
FROM articles;

DROP TABLE articles;
ALTER TABLE articles_reordered RENAME TO articles;

CREATE INDEX articles_by_published ON articles (status, published_at, id);
CREATE INDEX articles_by_score ON articles (status, score, id);
CREATE INDEX articles_by_hot ON articles (status, hot_rank, id);
CREATE INDEX articles_by_category ON articles (category_id, status, published_at, id);
CREATE INDEX articles_by_author ON articles (author_id, status, published_at, id);

PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
