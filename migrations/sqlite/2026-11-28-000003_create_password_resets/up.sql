-- At most one outstanding reset link per user: asking again replaces the row,
-- which invalidates the earlier link. Only the SHA-256 of the token is kept.
-- Consuming a link deletes its row in the same statement that checks it, so a
-- link works once even under concurrent requests.
CREATE TABLE password_resets (
    user_id INTEGER PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash BLOB NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
