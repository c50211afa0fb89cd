-- +goose Up
-- Dormant patents and open licensing (package licensing).
-- A listing is a TTO's entry of one of its university's patents in the
-- transfer pool, with its own assessment of the transfer prospects.
CREATE TABLE licensing_listings (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    patent_id        INTEGER NOT NULL UNIQUE REFERENCES patents(id),
    org_id           INTEGER NOT NULL REFERENCES organisations(id),
    prospect         TEXT NOT NULL DEFAULT '' CHECK (prospect IN ('','good','fair','none')),
    prospect_note    TEXT NOT NULL DEFAULT '',
    assessed_on      DATE,
    created_by       INTEGER,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX licensing_listings_org ON licensing_listings(org_id, id);

-- What happened to a patent: licences (exclusive, sole, ordinary, open),
-- transfers and the university's own implementation. A licence is in
-- force from effective_on to end_on (NULL: open-ended).
CREATE TABLE licensing_events (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    patent_id        INTEGER NOT NULL REFERENCES patents(id),
    kind             TEXT NOT NULL CHECK (kind IN ('licence','transfer','own_implementation')),
    licence_kind     TEXT NOT NULL DEFAULT '' CHECK (licence_kind IN ('','exclusive','sole','ordinary','open')),
    counterparty     TEXT NOT NULL DEFAULT '',
    licensee_org_id  INTEGER REFERENCES organisations(id),
    effective_on     DATE NOT NULL,
    end_on           DATE,
    open_licence_id  INTEGER,
    intent_id        INTEGER,
    note             TEXT NOT NULL DEFAULT '',
    created_by       INTEGER,
    created_at       TIMESTAMP NOT NULL,
    CHECK ((kind = 'licence') = (licence_kind <> '')),
    CHECK (end_on IS NULL OR end_on >= effective_on)
);
CREATE INDEX licensing_events_patent ON licensing_events(patent_id, effective_on);
CREATE INDEX licensing_events_licensee ON licensing_events(licensee_org_id, id);

-- Enterprises' feedback on a listing.
CREATE TABLE licensing_feedback (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    listing_id     INTEGER NOT NULL REFERENCES licensing_listings(id),
    org_id         INTEGER NOT NULL REFERENCES organisations(id),
    kind           TEXT NOT NULL CHECK (kind IN ('interest','price_view','not_relevant')),
    price_view_fen BIGINT CHECK (price_view_fen IS NULL OR price_view_fen >= 0),
    comment        TEXT NOT NULL DEFAULT '',
    created_by     INTEGER,
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX licensing_feedback_listing ON licensing_feedback(listing_id, kind);

-- Open licence declarations (Patent Law arts. 50–52). At most one stands
-- per patent.
CREATE TABLE licensing_open_licences (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    patent_id         INTEGER NOT NULL REFERENCES patents(id),
    org_id            INTEGER NOT NULL REFERENCES organisations(id),
    state             TEXT NOT NULL CHECK (state IN ('active','withdrawn')),
    mode              TEXT NOT NULL CHECK (mode IN ('lump_sum','running_royalty','down_payment_running')),
    lump_sum_fen      BIGINT CHECK (lump_sum_fen IS NULL OR lump_sum_fen > 0),
    down_payment_fen  BIGINT CHECK (down_payment_fen IS NULL OR down_payment_fen > 0),
    royalty_base      TEXT NOT NULL DEFAULT '' CHECK (royalty_base IN ('','net_sales','profit')),
    royalty_rate      TEXT NOT NULL DEFAULT '',
    payment_schedule  TEXT NOT NULL CHECK (payment_schedule IN ('once','annual','quarterly')),
    term_years        INTEGER NOT NULL CHECK (term_years >= 1 AND term_years <= 20),
    evaluation_report TEXT NOT NULL DEFAULT '',
    justification     TEXT NOT NULL DEFAULT '',
    declared_at       TIMESTAMP NOT NULL,
    withdrawn_at      TIMESTAMP,
    withdraw_reason   TEXT NOT NULL DEFAULT '',
    created_by        INTEGER
);
CREATE UNIQUE INDEX licensing_open_licences_active ON licensing_open_licences(patent_id) WHERE state = 'active';
CREATE INDEX licensing_open_licences_org ON licensing_open_licences(org_id, id);

-- Payments due under a licence taken from an open licence.
CREATE TABLE licensing_payments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    licence_id    INTEGER NOT NULL REFERENCES licensing_events(id),
    position      INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('lump_sum','down_payment','royalty')),
    due_on        DATE NOT NULL,
    amount_fen    BIGINT CHECK (amount_fen IS NULL OR amount_fen >= 0),
    paid_fen      BIGINT,
    paid_on       DATE,
    confirmed_by  INTEGER,
    confirmed_at  TIMESTAMP,
    UNIQUE (licence_id, position)
);

-- Licensing intents: an enterprise's interest in a patent and the talks
-- with the TTO that follow.
CREATE TABLE licensing_intents (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    patent_id         INTEGER NOT NULL REFERENCES patents(id),
    enterprise_org_id INTEGER NOT NULL REFERENCES organisations(id),
    tto_org_id        INTEGER NOT NULL REFERENCES organisations(id),
    state             TEXT NOT NULL CHECK (state IN ('open','in_talks','licensed','declined','withdrawn')),
    message           TEXT NOT NULL,
    licence_id        INTEGER REFERENCES licensing_events(id),
    reason            TEXT NOT NULL DEFAULT '',
    created_by        INTEGER,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX licensing_intents_tto ON licensing_intents(tto_org_id, id);
CREATE INDEX licensing_intents_enterprise ON licensing_intents(enterprise_org_id, id);

CREATE TABLE licensing_intent_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    intent_id   INTEGER NOT NULL REFERENCES licensing_intents(id),
    from_org_id INTEGER NOT NULL REFERENCES organisations(id),
    body        TEXT NOT NULL,
    created_by  INTEGER,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX licensing_intent_messages_intent ON licensing_intent_messages(intent_id, id);

-- The dormancy and screening status of each listed patent, kept by the
-- licensing service in the transaction of every change and by its daily
-- refresh (dormancy depends on the date). Search and matchmaking read it.
CREATE TABLE licensing_status (
    patent_id       INTEGER PRIMARY KEY REFERENCES patents(id),
    dormant         BOOLEAN NOT NULL,
    open_licence    BOOLEAN NOT NULL,
    screening_score INTEGER NOT NULL CHECK (screening_score >= 0 AND screening_score <= 100),
    dormancy_reason TEXT NOT NULL,
    reason_codes    TEXT NOT NULL DEFAULT '',
    last_activity_on DATE,
    updated_at      TIMESTAMP
);

-- +goose Down
DROP TABLE licensing_status;
DROP TABLE licensing_intent_messages;
DROP TABLE licensing_intents;
DROP TABLE licensing_payments;
DROP TABLE licensing_open_licences;
DROP TABLE licensing_feedback;
DROP TABLE licensing_events;
DROP TABLE licensing_listings;
