-- Move the Markdown and HTML bodies out of `articles` into `article_bodies`.
-- SQLite rewrites a whole row on every UPDATE, overflow pages included: with
-- 2–6 KB bodies inside, each vote rewrote kilobytes to move a counter (about
-- 2,800 updates a second against 50,000 for a narrow row), and every list read
-- of the status, dates or counters stored behind the body walked its overflow
-- pages. `articles_fts` keeps `content = 'articles'`: it never reads its
-- content (rows are indexed and deleted with explicit, normalised values), so
-- its `body` column needs no counterpart there; 'rebuild' stays forbidden.
-- This follows SQLite's recipe for changing a table's shape (foreign keys off,
-- copy, swap, check), so that the tables referencing articles keep their rows.
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE article_bodies (
    article_id INTEGER PRIMARY KEY NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    body_html TEXT NOT NULL
);

INSERT INTO article_bodies (article_id, body, body_html) SELECT id, body, body_html FROM articles;

CREATE TABLE articles_narrow (
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
    deleted_at TIMESTAMP
);

INSERT INTO articles_narrow (
    id, slug, title, excerpt, status, published_at, category_id, author_id, cover_image_url,
    reading_time_minutes, votes_up, votes_down, score, hot_rank, created_at, updated_at, deleted_at
)
SELECT
    id, slug, title, excerpt, status, published_at, category_id, author_id, cover_image_url,
    reading_time_minutes, votes_up, votes_down, score, hot_rank, created_at, updated_at, deleted_at
FROM articles;

DROP TABLE articles;
ALTER TABLE articles_narrow RENAME TO articles;

CREATE INDEX articles_by_published ON articles (status, published_at, id);
CREATE INDEX articles_by_score ON articles (status, score, id);
CREATE INDEX articles_by_hot ON articles (status, hot_rank, id);
CREATE INDEX articles_by_category ON articles (category_id, status, published_at, id);
CREATE INDEX articles_by_author ON articles (author_id, status, published_at, id);

PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
