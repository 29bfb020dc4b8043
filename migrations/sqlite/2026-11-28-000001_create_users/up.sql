-- Accounts. `email_key` is the trimmed, lowercased email computed in Rust:
-- SQLite's NOCASE folds ASCII only, and a key column stays portable to PostgreSQL.
-- `token_version` is copied into every access token; bumping it revokes them all
-- at once (logout-all, password change or reset, disabling).
CREATE TABLE users (
    id INTEGER PRIMARY KEY NOT NULL,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    bio TEXT,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'reader' CHECK (role IN ('reader', 'author', 'editor', 'admin')),
    disabled BOOLEAN NOT NULL DEFAULT 0,
    token_version INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE INDEX users_role_id ON users (role, id);
