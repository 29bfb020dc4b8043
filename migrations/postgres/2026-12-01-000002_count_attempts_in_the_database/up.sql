-- Wrong passwords per account and reset mails per address, counted where
-- every instance of the site sees them: one GCRA state per (limit, key).
-- `subject` is a hash of the email key, `tat_ms` the theoretical arrival
-- time in milliseconds since 1970; a row whose time has passed is a full
-- allowance and may go.
CREATE TABLE attempt_limits (
    limit_name TEXT COLLATE "C" NOT NULL,
    subject TEXT COLLATE "C" NOT NULL,
    tat_ms BIGINT NOT NULL,
    PRIMARY KEY (limit_name, subject)
);
CREATE INDEX attempt_limits_tat ON attempt_limits (tat_ms);
