-- An article's vote counters live in a narrow row of their own. A vote
-- rewrites them, and with them the score and hot-rank list indexes; on the
-- article row that meant a new version of the whole row and an entry in
-- each of its seven indexes, here it is a few dozen bytes and three entries
-- (pgbench, batches of 32 spread votes: 4.5–4.9 ms against 3.0–3.2 ms).
CREATE TABLE article_tallies (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    votes_up INTEGER NOT NULL DEFAULT 0,
    votes_down INTEGER NOT NULL DEFAULT 0,
    score INTEGER NOT NULL DEFAULT 0,
    hot_rank DOUBLE PRECISION NOT NULL DEFAULT 0
);
INSERT INTO article_tallies (article_id, votes_up, votes_down, score, hot_rank)
    SELECT id, votes_up, votes_down, score, hot_rank FROM articles;
CREATE INDEX article_tallies_by_score ON article_tallies (score, article_id);
CREATE INDEX article_tallies_by_hot ON article_tallies (hot_rank, article_id);

DROP INDEX articles_by_score;
DROP INDEX articles_by_hot;
ALTER TABLE articles DROP COLUMN votes_up, DROP COLUMN votes_down, DROP COLUMN score, DROP COLUMN hot_rank;
