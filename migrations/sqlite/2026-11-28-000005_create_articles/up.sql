-- Articles. A published article with a future `published_at` is scheduled:
-- hidden from the public until then, with no job needed for it to appear.
-- `votes_up`, `votes_down` and `score` are plain counters kept exact by the
-- vote transaction (no triggers); they exist from the start so that lists can
-- sort by score. Deleting sets `deleted_at`: the article disappears for
-- everyone, but collections can still show their owner what was saved, and
-- its slugs stay reserved.
CREATE TABLE articles (
    id INTEGER PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    excerpt TEXT NOT NULL,
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    published_at TIMESTAMP,
    category_id INTEGER REFERENCES categories (id) ON DELETE RESTRICT,
    author_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    cover_image_url TEXT,
    reading_time_minutes INTEGER NOT NULL,
    votes_up INTEGER NOT NULL DEFAULT 0,
    votes_down INTEGER NOT NULL DEFAULT 0,
    score INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);

-- One index per list order, led by status so that the public list
-- (status = 'published') walks the index in order.
CREATE INDEX articles_by_published ON articles (status, published_at, id);
CREATE INDEX articles_by_score ON articles (status, score, id);
CREATE INDEX articles_by_category ON articles (category_id, status, published_at, id);
CREATE INDEX articles_by_author ON articles (author_id, status, published_at, id);

-- Slugs an article had before: they keep resolving after a rename, and no
-- other article may take them.
CREATE TABLE article_slugs (
    slug TEXT PRIMARY KEY NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE
);

CREATE INDEX article_slugs_article ON article_slugs (article_id);

CREATE TABLE tags (
    id INTEGER PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE article_tags (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, tag_id)
);

CREATE INDEX article_tags_by_tag ON article_tags (tag_id, article_id);
