-- Every vote moves an article's score and hot rank, both indexed, so
-- PostgreSQL writes the new row version into each of the article's indexes.
-- These three only ever find a few articles (one image's, those still to be
-- announced, those sent to review): partial, they take no entry for the
-- others, which is nearly every article a reader votes on.
DROP INDEX articles_by_cover;
CREATE INDEX articles_by_cover ON articles (cover_image_id) WHERE cover_image_id IS NOT NULL;

DROP INDEX articles_to_announce;
CREATE INDEX articles_to_announce ON articles (published_at, id) WHERE announced_at IS NULL;

DROP INDEX articles_by_submission;
CREATE INDEX articles_by_submission ON articles (status, submitted_at, id) WHERE submitted_at IS NOT NULL;
