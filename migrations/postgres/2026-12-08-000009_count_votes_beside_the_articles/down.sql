ALTER TABLE articles
    ADD COLUMN votes_up INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN votes_down INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN score INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN hot_rank DOUBLE PRECISION NOT NULL DEFAULT 0;
UPDATE articles SET votes_up = t.votes_up, votes_down = t.votes_down, score = t.score, hot_rank = t.hot_rank
    FROM article_tallies t WHERE t.article_id = articles.id;
CREATE INDEX articles_by_score ON articles (status, score, id);
CREATE INDEX articles_by_hot ON articles (status, hot_rank, id);
DROP TABLE article_tallies;
