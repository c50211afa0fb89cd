-- +goose Up
-- Pledge registrations (package pledge). A pledge is one request of a
-- pledgor with its pledgee; a packaged pledge holds one registration per
-- asset in pledge_assets, each with its own registry, number and state.
CREATE TABLE pledges (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    pledgor_org_id          INTEGER NOT NULL REFERENCES organisations(id),
    pledgee_org_id          INTEGER NOT NULL REFERENCES organisations(id),
    state                   TEXT NOT NULL CHECK (state IN ('draft','awaiting_pledgee','submitted','declined','withdrawn',
                                'registered','refused','released','enforced','revoked')),
    pledgor_name            TEXT NOT NULL,
    pledgor_address         TEXT NOT NULL,
    pledgee_name            TEXT NOT NULL,
    pledgee_address         TEXT NOT NULL,
    contract_number         TEXT NOT NULL,
    contract_date           DATE NOT NULL,
    secured_claim_kind      TEXT NOT NULL,
    secured_amount_fen      BIGINT NOT NULL CHECK (secured_amount_fen > 0),
    debt_start              DATE NOT NULL,
    debt_end                DATE NOT NULL,
    scope                   TEXT NOT NULL,
    annual_fee_payer        TEXT NOT NULL CHECK (annual_fee_payer IN ('pledgor','pledgee','unspecified')),
    transfer_allowed        BOOLEAN NOT NULL DEFAULT 0,
    licensing_allowed       BOOLEAN NOT NULL DEFAULT 0,
    valuation_id            INTEGER,
    forfeiture_clause       BOOLEAN NOT NULL DEFAULT 0,
    all_co_owners_consent   BOOLEAN NOT NULL DEFAULT 0,
    special_agreement       BOOLEAN NOT NULL DEFAULT 0,
    confirmed_dual_filing   BOOLEAN NOT NULL DEFAULT 0,
    confirmed_invalidation  BOOLEAN NOT NULL DEFAULT 0,
    submitted_at            TIMESTAMP,
    deadline                DATE,
    decided_at              TIMESTAMP,
    decision_reason         TEXT NOT NULL DEFAULT '',
    cited_grounds           TEXT NOT NULL DEFAULT '',
    impaired                BOOLEAN NOT NULL DEFAULT 0,
    impaired_reason         TEXT NOT NULL DEFAULT '',
    created_at              TIMESTAMP NOT NULL,
    updated_at              TIMESTAMP NOT NULL,
    CHECK (debt_end >= debt_start)
);
CREATE INDEX pledges_pledgor ON pledges(pledgor_org_id, id);
CREATE INDEX pledges_pledgee ON pledges(pledgee_org_id, id);
CREATE INDEX pledges_state ON pledges(state, deadline, id);

CREATE TABLE pledge_assets (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    pledge_id           INTEGER NOT NULL REFERENCES pledges(id),
    position            INTEGER NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('patent','trademark','copyright')),
    patent_id           INTEGER REFERENCES patents(id),
    number              TEXT NOT NULL,
    title               TEXT NOT NULL DEFAULT '',
    share_bp            INTEGER NOT NULL CHECK (share_bp >= 0 AND share_bp <= 10000),
    state               TEXT NOT NULL CHECK (state IN ('pending','registered','refused','released','enforced','revoked','withdrawn','declined')),
    registration_number TEXT NOT NULL DEFAULT '',
    registered_on       DATE,
    UNIQUE (pledge_id, position),
    CHECK ((kind = 'patent') = (patent_id IS NOT NULL))
);
CREATE INDEX pledge_assets_patent ON pledge_assets(patent_id, state);
-- The rule "a patent is in at most one pledge in force" is this index:
-- the second of two racing registrations fails on it.
CREATE UNIQUE INDEX pledge_assets_in_force ON pledge_assets(patent_id) WHERE state = 'registered';

-- Registration numbers are year + '990' + a serial per year.
CREATE TABLE pledge_serials (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);

-- The history of a registration: every transition and change, with the
-- values before and after (JSON).
CREATE TABLE pledge_events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    pledge_id INTEGER NOT NULL REFERENCES pledges(id),
    action    TEXT NOT NULL,
    from_state TEXT NOT NULL DEFAULT '',
    to_state  TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT '',
    actor_id  INTEGER,
    actor     TEXT NOT NULL,
    at        TIMESTAMP NOT NULL
);
CREATE INDEX pledge_events_pledge ON pledge_events(pledge_id, id);

CREATE TABLE pledge_attachments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    pledge_id    INTEGER NOT NULL REFERENCES pledges(id),
    kind         TEXT NOT NULL CHECK (kind IN ('contract','valuation_report','change_agreement','other')),
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL CHECK (content_type IN ('application/pdf','image/jpeg','image/png')),
    size_bytes   BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    content      BLOB NOT NULL,
    uploaded_by_org INTEGER NOT NULL REFERENCES organisations(id),
    uploaded_by  INTEGER,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX pledge_attachments_pledge ON pledge_attachments(pledge_id, id);

-- Change, release and enforcement requests on a registration.
CREATE TABLE pledge_amendments (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    pledge_id      INTEGER NOT NULL REFERENCES pledges(id),
    kind           TEXT NOT NULL CHECK (kind IN ('change','release','enforcement')),
    state          TEXT NOT NULL CHECK (state IN ('awaiting_confirmation','submitted','registered','refused','withdrawn')),
    filed_by_org   INTEGER NOT NULL REFERENCES organisations(id),
    detail         TEXT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    submitted_at   TIMESTAMP,
    deadline       DATE,
    decided_at     TIMESTAMP,
    decision_reason TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX pledge_amendments_pledge ON pledge_amendments(pledge_id, id);
CREATE INDEX pledge_amendments_state ON pledge_amendments(state, deadline, id);

-- The pledgee's recorded consents to a transfer or licence of a pledged
-- patent; a transfer consumes its consent.
CREATE TABLE pledge_consents (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    pledge_id    INTEGER NOT NULL REFERENCES pledges(id),
    patent_id    INTEGER NOT NULL REFERENCES patents(id),
    kind         TEXT NOT NULL CHECK (kind IN ('transfer','licence','open_licence')),
    counterparty TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    used_at      TIMESTAMP,
    created_by   INTEGER,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX pledge_consents_patent ON pledge_consents(patent_id, kind);

-- Risk alerts, a feed ordered by commit (seq assigned under a lock).
CREATE TABLE pledge_alerts (
    seq            INTEGER PRIMARY KEY,
    pledge_id      INTEGER NOT NULL REFERENCES pledges(id),
    pledgor_org_id INTEGER NOT NULL,
    pledgee_org_id INTEGER NOT NULL,
    to_pledgor     BOOLEAN NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('collateral_impaired','annual_fee_due')),
    patent_number  TEXT NOT NULL,
    legal_status   TEXT NOT NULL DEFAULT '',
    due_on         DATE,
    detail         TEXT NOT NULL,
    at             TIMESTAMP NOT NULL
);
CREATE INDEX pledge_alerts_pledgee ON pledge_alerts(pledgee_org_id, seq);
CREATE INDEX pledge_alerts_pledgor ON pledge_alerts(pledgor_org_id, seq);
CREATE UNIQUE INDEX pledge_alerts_fee_due ON pledge_alerts(pledge_id, patent_number, due_on) WHERE kind = 'annual_fee_due';

-- +goose Down
DROP TABLE pledge_alerts;
DROP TABLE pledge_consents;
DROP TABLE pledge_amendments;
DROP TABLE pledge_attachments;
DROP TABLE pledge_events;
DROP TABLE pledge_serials;
DROP TABLE pledge_assets;
DROP TABLE pledges;
