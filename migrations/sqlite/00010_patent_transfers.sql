-- +goose Up
-- Transfers of patents recorded by the IP office (package registry): the
-- patentees before and after (JSON arrays of registry.Patentee), the date
-- the transfer took effect, the registration number the IP office gave it,
-- the reason and evidence, who recorded it and when.
CREATE TABLE patent_transfers (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    patent_id           INTEGER NOT NULL REFERENCES patents(id),
    from_patentees      TEXT NOT NULL,
    to_patentees        TEXT NOT NULL,
    effective_date      DATE NOT NULL,
    registration_number TEXT NOT NULL,
    reason              TEXT NOT NULL DEFAULT '',
    evidence            TEXT NOT NULL DEFAULT '',
    actor_id            INTEGER,
    actor               TEXT NOT NULL,
    at                  TIMESTAMP NOT NULL
);
CREATE INDEX patent_transfers_patent ON patent_transfers(patent_id, id);

-- +goose Down
DROP TABLE patent_transfers;
