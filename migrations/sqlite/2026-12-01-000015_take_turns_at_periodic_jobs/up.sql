-- When each periodic job last started, so that instances sharing the
-- database run it once per interval between them.
CREATE TABLE job_runs (
    name TEXT PRIMARY KEY NOT NULL,
    started_at_ms BIGINT NOT NULL
) WITHOUT ROWID;
