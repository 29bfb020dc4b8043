-- An article's vote counters live in a narrow row of their own, so that a
-- vote rewrites a few dozen bytes and the score and hot-rank list indexes,
-- not the article row and every index on it.
CREATE TABLE article_tallies (
    article_id INTEGER PRIMARY KEY NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    votes_up INTEGER NOT NULL DEFAULT 0,
    votes_down INTEGER NOT NULL DEFAULT 0,
    score INTEGER NOT NULL DEFAULT 0,
    hot_rank DOUBLE NOT NULL DEFAULT 0
);
INSERT INTO article_tallies (article_id, votes_up, votes_down, score, hot_rank)
    SELECT id, votes_up, votes_down, score, hot_rank FROM articles;
CREATE INDEX article_tallies_by_score ON article_tallies (score, article_id);
CREATE INDEX article_tallies_by_hot ON article_tallies (hot_rank, article_id);

DROP INDEX articles_by_score;
DROP INDEX articles_by_hot;
ALTER TABLE articles DROP COLUMN votes_up;
ALTER TABLE articles DROP COLUMN votes_down;
ALTER TABLE articles DROP COLUMN score;
ALTER TABLE articles DROP COLUMN hot_rank;
