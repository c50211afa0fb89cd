-- +goose Up
-- Background imports (platform/tabular.Jobs). A job belongs to the
-- organisation that started it; report is the JSON of tabular.Report.
-- heartbeat_at is refreshed by the process running the job, so a job whose
-- process died is told apart from one another instance is still running.
CREATE TABLE import_jobs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL,
    org_id        INTEGER NOT NULL REFERENCES organisations(id),
    user_id       INTEGER REFERENCES users(id),
    status        TEXT NOT NULL CHECK (status IN ('queued','running','done','failed')),
    total         INTEGER NOT NULL CHECK (total >= 0),
    done          INTEGER NOT NULL DEFAULT 0,
    report        TEXT,
    error_message TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    started_at    TIMESTAMP,
    heartbeat_at  TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP
);
CREATE INDEX import_jobs_org ON import_jobs(org_id, id);
CREATE INDEX import_jobs_active ON import_jobs(heartbeat_at) WHERE status IN ('queued','running');

-- +goose Down
DROP TABLE import_jobs;
