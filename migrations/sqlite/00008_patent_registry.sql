-- +goose Up
-- The patent registry (package registry): one row per patent, keyed by
-- the canonical application number (patent.Number.String()). ipc_codes
-- holds the IPC symbols joined with '|'. Dates are calendar dates.
CREATE TABLE patents (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    application_number TEXT NOT NULL UNIQUE,
    publication_number TEXT NOT NULL DEFAULT '',
    grant_number       TEXT NOT NULL DEFAULT '',
    type               TEXT NOT NULL CHECK (type IN ('invention','utility_model','design','pct_invention','pct_utility_model')),
    title              TEXT NOT NULL,
    abstract           TEXT NOT NULL DEFAULT '',
    main_claim         TEXT NOT NULL DEFAULT '',
    ipc_codes          TEXT NOT NULL DEFAULT '',
    filing_date        DATE NOT NULL,
    grant_date         DATE,
    legal_status       TEXT NOT NULL CHECK (legal_status IN ('pending','valid','fee_grace','lapsed','expired','invalidated',
                           'invalidation_requested','ownership_dispute')),
    fee_paid_until     DATE,
    claims_count       INTEGER CHECK (claims_count >= 0),
    forward_citations  INTEGER CHECK (forward_citations >= 0),
    family_size        INTEGER CHECK (family_size >= 0),
    government_funded  BOOLEAN NOT NULL DEFAULT 0,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);

-- A patentee is a platform organisation (enterprise or university) or
-- just a name; share_bp is its share in basis points where known.
CREATE TABLE patentees (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    patent_id INTEGER NOT NULL REFERENCES patents(id),
    position  INTEGER NOT NULL,
    name      TEXT NOT NULL,
    org_id    INTEGER REFERENCES organisations(id),
    share_bp  INTEGER CHECK (share_bp > 0 AND share_bp <= 10000),
    UNIQUE (patent_id, position)
);
CREATE INDEX patentees_org ON patentees(org_id, patent_id);

CREATE TABLE patent_legal_status_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    patent_id   INTEGER NOT NULL REFERENCES patents(id),
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL,
    reason      TEXT NOT NULL,
    evidence    TEXT NOT NULL DEFAULT '',
    actor_id    INTEGER,
    actor       TEXT NOT NULL,
    at          TIMESTAMP NOT NULL
);
CREATE INDEX patent_legal_status_history_patent ON patent_legal_status_history(patent_id, id);

CREATE TABLE patent_corrections (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    patent_id        INTEGER NOT NULL REFERENCES patents(id),
    requested_by_org INTEGER NOT NULL REFERENCES organisations(id),
    requested_by     INTEGER,
    proposed_status  TEXT NOT NULL CHECK (proposed_status IN ('pending','valid','fee_grace','lapsed','expired','invalidated',
                         'invalidation_requested','ownership_dispute')),
    evidence         TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending','confirmed','rejected')),
    decided_by       INTEGER,
    reason           TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL,
    decided_at       TIMESTAMP
);
CREATE INDEX patent_corrections_state ON patent_corrections(state, id);
CREATE INDEX patent_corrections_patent ON patent_corrections(patent_id, id);

-- +goose Down
DROP TABLE patent_corrections;
DROP TABLE patent_legal_status_history;
DROP TABLE patentees;
DROP TABLE patents;
