-- Refresh tokens are opaque random strings; only their SHA-256 is stored.
-- Each login starts a family; every refresh rotates to a new token of the same
-- family and marks the old one used. Presenting a used token again means it was
-- stolen (or replayed), so the whole family is revoked.
CREATE TABLE refresh_tokens (
    id INTEGER PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    revoked_at TIMESTAMP
);

CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
