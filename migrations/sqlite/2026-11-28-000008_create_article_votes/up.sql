-- One vote per user per article. The counters on `articles` change by the
-- old→new delta in the same immediate transaction as the vote row (no
-- triggers, no recount), so tallies stay exact under concurrent voters;
-- `newsroom check` recounts from this table to prove it.
CREATE TABLE article_votes (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    value INTEGER NOT NULL CHECK (value IN (-1, 1)),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, article_id)
);

CREATE INDEX article_votes_by_article ON article_votes (article_id);

-- The "hot" rank, (score + 1) / (age_hours + 2)^1.8, stored so that the front
-- page never computes it per row: refreshed on every vote and edit, and
-- periodically so that age decay shows. 0 for anything not public.
ALTER TABLE articles ADD COLUMN hot_rank DOUBLE NOT NULL DEFAULT 0;

CREATE INDEX articles_by_hot ON articles (status, hot_rank, id);
