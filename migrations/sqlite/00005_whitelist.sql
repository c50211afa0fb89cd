-- +goose Up
CREATE TABLE enterprises (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    uscc                    TEXT NOT NULL UNIQUE,
    name                    TEXT NOT NULL,
    region_code             TEXT NOT NULL,
    industry                TEXT NOT NULL DEFAULT '',
    is_sme                  BOOLEAN NOT NULL DEFAULT 0,
    hightech_cert_no        TEXT NOT NULL DEFAULT '',
    hightech_valid_until    DATE,
    srdi_level              TEXT NOT NULL DEFAULT '' CHECK (srdi_level IN ('', 'provincial', 'national')),
    bureau_doc_no           TEXT NOT NULL DEFAULT '',
    bureau_recognised_on    DATE,
    valid_invention_patents INTEGER NOT NULL DEFAULT 0 CHECK (valid_invention_patents >= 0),
    created_at              TIMESTAMP NOT NULL,
    updated_at              TIMESTAMP NOT NULL
);

-- Legal codes from the early pilot period that fail the check character.
CREATE TABLE uscc_exceptions (
    uscc       TEXT PRIMARY KEY,
    reason     TEXT NOT NULL,
    created_by INTEGER,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE whitelist_nominations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id   INTEGER NOT NULL REFERENCES enterprises(id),
    source          TEXT NOT NULL CHECK (source IN ('bureau', 'park', 'ip_office', 'high_tech', 'srdi', 'self')),
    priority        BOOLEAN NOT NULL DEFAULT 0,
    evidence        TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
    reason          TEXT NOT NULL DEFAULT '',
    override_reason TEXT NOT NULL DEFAULT '',
    nominated_by    INTEGER,
    nominated_org   INTEGER,
    decided_by      INTEGER,
    decided_at      TIMESTAMP,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX whitelist_nominations_enterprise ON whitelist_nominations(enterprise_id, id);
CREATE INDEX whitelist_nominations_queue ON whitelist_nominations(status, priority, id);
CREATE INDEX whitelist_nominations_org ON whitelist_nominations(nominated_org, id);

CREATE TABLE whitelist_batches (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL UNIQUE,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'public_notice', 'published')),
    notice_start DATE,
    notice_end   DATE,
    effective_on DATE,
    valid_until  DATE,
    created_by   INTEGER,
    created_at   TIMESTAMP NOT NULL,
    published_at TIMESTAMP
);

CREATE TABLE whitelist_entries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id         INTEGER NOT NULL REFERENCES whitelist_batches(id),
    enterprise_id    INTEGER NOT NULL REFERENCES enterprises(id),
    nomination_id    INTEGER NOT NULL UNIQUE REFERENCES whitelist_nominations(id),
    state            TEXT NOT NULL CHECK (state IN ('listed', 'removed', 'suspended', 'revoked')),
    reason           TEXT NOT NULL DEFAULT '',
    review_flag      BOOLEAN NOT NULL DEFAULT 0,
    review_reason    TEXT NOT NULL DEFAULT '',
    review_raised_at TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    UNIQUE (batch_id, enterprise_id)
);
CREATE INDEX whitelist_entries_enterprise ON whitelist_entries(enterprise_id, id);
CREATE INDEX whitelist_entries_review ON whitelist_entries(review_flag, id);

CREATE TABLE whitelist_entry_history (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id       INTEGER,
    enterprise_id  INTEGER NOT NULL REFERENCES enterprises(id),
    action         TEXT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    actor_user_id  INTEGER,
    actor_username TEXT NOT NULL DEFAULT '',
    at             TIMESTAMP NOT NULL
);
CREATE INDEX whitelist_entry_history_enterprise ON whitelist_entry_history(enterprise_id, id);

CREATE TABLE whitelist_objections (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id    INTEGER NOT NULL REFERENCES whitelist_entries(id),
    objector    TEXT NOT NULL,
    content     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'upheld', 'dismissed')),
    resolution  TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER,
    recorded_at TIMESTAMP NOT NULL,
    resolved_by INTEGER,
    resolved_at TIMESTAMP
);
CREATE INDEX whitelist_objections_entry ON whitelist_objections(entry_id);

-- The change feed banks poll. seq is assigned under a lock at commit
-- time, so it follows commit order and a poller never skips a change.
CREATE TABLE whitelist_changes (
    seq           INTEGER PRIMARY KEY,
    enterprise_id INTEGER NOT NULL,
    uscc          TEXT NOT NULL,
    name          TEXT NOT NULL,
    status        TEXT NOT NULL,
    batch         TEXT NOT NULL DEFAULT '',
    effective_on  DATE,
    valid_until   DATE,
    reason        TEXT NOT NULL DEFAULT '',
    at            TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE whitelist_changes;
DROP TABLE whitelist_objections;
DROP TABLE whitelist_entry_history;
DROP TABLE whitelist_entries;
DROP TABLE whitelist_batches;
DROP TABLE whitelist_nominations;
DROP TABLE uscc_exceptions;
DROP TABLE enterprises;
