-- +goose Up
-- Loan interest subsidies (package subsidy). A policy is the IP office's
-- annual call: its rules are stored as the validated subsidy.Policy JSON
-- (policy), its round state beside them.
CREATE TABLE subsidy_lpr (
    effective DATE PRIMARY KEY,
    one_year  TEXT NOT NULL,
    five_year TEXT NOT NULL
);
INSERT INTO subsidy_lpr (effective, one_year, five_year) VALUES
    ('2022-08-22', '3.65', '4.30'),
    ('2023-06-20', '3.55', '4.20'),
    ('2023-08-21', '3.45', '4.20'),
    ('2024-02-20', '3.45', '3.95'),
    ('2024-07-22', '3.35', '3.85'),
    ('2024-10-21', '3.10', '3.60'),
    ('2025-05-20', '3.00', '3.50');

CREATE TABLE subsidy_policies (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL,
    region        TEXT NOT NULL,
    year          INTEGER NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('proposed','active','withdrawn')),
    policy        TEXT NOT NULL,
    round_state   TEXT NOT NULL CHECK (round_state IN ('open','closed')),
    closed_at     TIMESTAMP,
    notice_from   DATE,
    notice_until  DATE,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

-- Four eyes: what one IP office user prepared and a second must approve.
CREATE TABLE subsidy_approvals (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL CHECK (kind IN ('policy_change','round_close','payment')),
    policy_id       BIGINT NOT NULL REFERENCES subsidy_policies(id),
    application_id  BIGINT,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending','approved','rejected')),
    prepared_by     BIGINT NOT NULL,
    prepared_name   TEXT NOT NULL,
    decided_by      BIGINT,
    decided_name    TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    decided_at      TIMESTAMP
);
CREATE INDEX subsidy_approvals_state ON subsidy_approvals(state, id);
-- One pending change per policy, round or payment at a time.
CREATE UNIQUE INDEX subsidy_approvals_pending ON subsidy_approvals(kind, policy_id, COALESCE(application_id, 0)) WHERE state = 'pending';

CREATE TABLE subsidy_applications (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_id           BIGINT NOT NULL REFERENCES subsidy_policies(id),
    loan_id             BIGINT NOT NULL,
    pledge_id           BIGINT NOT NULL,
    enterprise_org_id   BIGINT NOT NULL REFERENCES organisations(id),
    bank_org_id         BIGINT NOT NULL REFERENCES organisations(id),
    enterprise_name     TEXT NOT NULL,
    bank_name           TEXT NOT NULL,
    uscc                TEXT NOT NULL DEFAULT '',
    region              TEXT NOT NULL,
    policy_year         INTEGER NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('interest','valuation','guarantee','insurance')),
    period_from         DATE,
    period_to           DATE,
    invoice_fen         BIGINT NOT NULL DEFAULT 0,
    loan_principal_fen  BIGINT NOT NULL,
    state               TEXT NOT NULL CHECK (state IN ('auto_approved','in_review','approved','rejected','returned',
                            'public_notice','paid','clawed_back')),
    amount_fen          BIGINT NOT NULL CHECK (amount_fen >= 0),
    allocated_fen       BIGINT,
    computation         TEXT NOT NULL,
    flags               TEXT NOT NULL DEFAULT '[]',
    reason              TEXT NOT NULL DEFAULT '',
    paid_on             DATE,
    paid_fen            BIGINT,
    paid_reference      TEXT NOT NULL DEFAULT '',
    clawback_fen        BIGINT,
    clawback_reason     TEXT NOT NULL DEFAULT '',
    submitted_at        TIMESTAMP NOT NULL,
    decided_at          TIMESTAMP,
    updated_at          TIMESTAMP NOT NULL,
    CHECK ((kind = 'interest') = (period_from IS NOT NULL AND period_to IS NOT NULL)),
    CHECK (period_to IS NULL OR period_to >= period_from)
);
CREATE INDEX subsidy_applications_loan ON subsidy_applications(loan_id, state);
CREATE INDEX subsidy_applications_policy ON subsidy_applications(policy_id, state, id);
CREATE INDEX subsidy_applications_org ON subsidy_applications(enterprise_org_id, id);
CREATE INDEX subsidy_applications_bank ON subsidy_applications(bank_org_id, id);
-- One fee subsidy of a kind per loan (unless rejected). Interest periods
-- cannot overlap: the service checks under a per-loan lock.
CREATE UNIQUE INDEX subsidy_applications_fee ON subsidy_applications(loan_id, kind) WHERE kind <> 'interest' AND state <> 'rejected';

CREATE TABLE subsidy_objections (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id  BIGINT NOT NULL REFERENCES subsidy_applications(id),
    objector        TEXT NOT NULL,
    text            TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('open','upheld','dismissed')),
    resolution      TEXT NOT NULL DEFAULT '',
    recorded_by     BIGINT,
    created_at      TIMESTAMP NOT NULL,
    resolved_at     TIMESTAMP
);
CREATE INDEX subsidy_objections_application ON subsidy_objections(application_id, id);

CREATE TABLE subsidy_attachments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id  BIGINT NOT NULL REFERENCES subsidy_applications(id),
    kind            TEXT NOT NULL,
    filename        TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size_bytes      BIGINT NOT NULL,
    sha256          TEXT NOT NULL,
    content         BLOB NOT NULL,
    uploaded_by_org BIGINT NOT NULL REFERENCES organisations(id),
    uploaded_by     BIGINT,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX subsidy_attachments_application ON subsidy_attachments(application_id, id);

-- +goose Down
DROP TABLE subsidy_attachments;
DROP TABLE subsidy_objections;
DROP TABLE subsidy_applications;
DROP TABLE subsidy_approvals;
DROP TABLE subsidy_policies;
DROP TABLE subsidy_lpr;
