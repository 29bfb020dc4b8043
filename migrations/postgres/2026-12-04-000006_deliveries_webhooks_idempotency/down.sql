DROP TABLE idempotency_keys;
DROP TABLE deliveries;
DROP TABLE webhooks;
DROP INDEX articles_to_announce;
ALTER TABLE articles DROP COLUMN announced_at;
