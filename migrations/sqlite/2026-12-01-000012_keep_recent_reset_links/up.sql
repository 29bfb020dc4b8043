-- A user may hold a few outstanding reset links (the newest ones, at most as
-- many as the mails an address may be sent in an hour). With one link per
-- user, anyone could keep a victim from resetting by asking for new links
-- again and again, each one replacing the link the victim was about to use.
-- Consuming any link, or changing the password, drops them all.
CREATE TABLE password_resets_new (
    token_hash BLOB PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
INSERT INTO password_resets_new (token_hash, user_id, created_at, expires_at)
    SELECT token_hash, user_id, created_at, expires_at FROM password_resets;
DROP TABLE password_resets;
ALTER TABLE password_resets_new RENAME TO password_resets;
CREATE INDEX password_resets_by_user ON password_resets (user_id, created_at);
