-- +goose Up
-- Business settings: one row per change. The value in force on a day is
-- the row of that key and organisation with the latest effective_on on or
-- before the day (the highest id among rows of the same day). org_id 0 is
-- the platform-wide value; a bank's org id is its own value of a
-- bank-scoped key. Rows are never updated, so the table is the history.
CREATE TABLE settings (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    key          TEXT NOT NULL,
    org_id       INTEGER NOT NULL DEFAULT 0,
    value        TEXT NOT NULL,
    effective_on TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    created_by   INTEGER REFERENCES users(id)
);
CREATE INDEX settings_lookup ON settings(key, org_id, effective_on, id);

-- The working-day calendar: a year the IP office has entered, and its
-- exceptions to "Monday to Friday".
CREATE TABLE calendar_years (
    year        INTEGER PRIMARY KEY,
    provisional BOOLEAN NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    updated_by  INTEGER REFERENCES users(id)
);

CREATE TABLE calendar_days (
    day  TEXT PRIMARY KEY,
    year INTEGER NOT NULL REFERENCES calendar_years(year),
    kind TEXT NOT NULL CHECK (kind IN ('holiday','workday')),
    name TEXT NOT NULL DEFAULT ''
);
CREATE INDEX calendar_days_year ON calendar_days(year, day);

-- Per-user inbox.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL DEFAULT '',
    link       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    read_at    TIMESTAMP
);
CREATE INDEX notifications_user ON notifications(user_id, id);
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;

-- +goose Down
DROP TABLE notifications;
DROP TABLE calendar_days;
DROP TABLE calendar_years;
DROP TABLE settings;
