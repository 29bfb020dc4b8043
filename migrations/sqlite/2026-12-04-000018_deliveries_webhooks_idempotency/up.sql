-- Webhooks, the durable outgoing queue, and idempotency keys (API.md §13, §14).
--
-- Webhook endpoints: the events each wants and its signing secret, which is
-- needed to sign and so kept as given (`whsec_…`, shown to the admin once).
-- `failing_since` dates the first of an unbroken run of failed deliveries:
-- after five days of them the endpoint is disabled.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    description TEXT,
    secret TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT 1,
    failing_since TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The outgoing queue: a row is written in the transaction of the change it
-- announces (a webhook event, a mail), so nothing committed goes unsent and
-- nothing rolled back is sent; it is sent after the commit, retried with
-- growing delays, and kept a week once delivered. `message_id` is the same
-- for every attempt (the receiver's de-duplication key); `claimed_until`
-- keeps two instances from sending one row at once.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('webhook', 'mail')),
    webhook_id INTEGER REFERENCES webhooks (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    message_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    last_status_code INTEGER,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_by_webhook ON deliveries (webhook_id, id);

-- Idempotency keys: the first response to a key, per caller (an account, or
-- a client address), replayed to a retry for 24 hours. A row without a
-- status is a request still running.
CREATE TABLE idempotency_keys (
    caller TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash BLOB NOT NULL,
    response_status INTEGER,
    response_headers TEXT,
    response_body BLOB,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (caller, idempotency_key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);

-- When an article's going public was announced (`article.published`): set
-- by the write that makes it public, or by the timer once a scheduled
-- article's time comes, which looks only at published articles without it.
-- Articles already public count as announced.
ALTER TABLE articles ADD COLUMN announced_at TIMESTAMP;
UPDATE articles SET announced_at = published_at
    WHERE status = 'published' AND published_at <= strftime('%Y-%m-%d %H:%M:%S', 'now');
CREATE INDEX articles_to_announce ON articles (announced_at, published_at);
