DROP INDEX articles_by_cover;
CREATE INDEX articles_by_cover ON articles (cover_image_id);

DROP INDEX articles_to_announce;
CREATE INDEX articles_to_announce ON articles (announced_at, published_at);

DROP INDEX articles_by_submission;
CREATE INDEX articles_by_submission ON articles (status, submitted_at, id);
