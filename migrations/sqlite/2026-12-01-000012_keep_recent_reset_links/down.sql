CREATE TABLE password_resets_old (
    user_id INTEGER PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash BLOB NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
INSERT OR REPLACE INTO password_resets_old (user_id, token_hash, created_at, expires_at)
    SELECT user_id, token_hash, created_at, expires_at FROM password_resets ORDER BY created_at;
DROP TABLE password_resets;
ALTER TABLE password_resets_old RENAME TO password_resets;
