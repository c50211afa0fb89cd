-- +goose Up
-- Loans secured by registered pledges (package loan): recorded by the
-- pledgee bank, with the payments actually made and a history. The
-- repayment schedule is not stored: it is generated from the terms.
CREATE TABLE loans (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    pledge_id              INTEGER NOT NULL REFERENCES pledges(id),
    bank_org_id            INTEGER NOT NULL REFERENCES organisations(id),
    enterprise_org_id      INTEGER NOT NULL REFERENCES organisations(id),
    bank_name              TEXT NOT NULL,
    enterprise_name        TEXT NOT NULL,
    contract_number        TEXT NOT NULL,
    contract_date          DATE NOT NULL,
    principal_fen          BIGINT NOT NULL CHECK (principal_fen > 0),
    -- The exact decimal percentage as written ("3.45"), never a float.
    annual_rate            TEXT NOT NULL,
    start_date             DATE NOT NULL,
    maturity_date          DATE NOT NULL,
    repayment_method       TEXT NOT NULL CHECK (repayment_method IN ('bullet','interest_monthly','interest_quarterly',
                               'equal_principal','equal_installment')),
    ip_collateral_share_bp INTEGER NOT NULL CHECK (ip_collateral_share_bp >= 0 AND ip_collateral_share_bp <= 10000),
    state                  TEXT NOT NULL CHECK (state IN ('performing','overdue','settled','defaulted')),
    days_overdue           INTEGER NOT NULL DEFAULT 0,
    paid_principal_fen     BIGINT NOT NULL DEFAULT 0,
    paid_interest_fen      BIGINT NOT NULL DEFAULT 0,
    default_reason         TEXT NOT NULL DEFAULT '',
    defaulted_at           TIMESTAMP,
    settled_on             DATE,
    review_flagged_at      TIMESTAMP,
    created_at             TIMESTAMP NOT NULL,
    updated_at             TIMESTAMP NOT NULL,
    UNIQUE (bank_org_id, contract_number),
    CHECK (maturity_date > start_date),
    CHECK (paid_principal_fen >= 0 AND paid_principal_fen <= principal_fen)
);
CREATE INDEX loans_pledge ON loans(pledge_id, id);
CREATE INDEX loans_bank ON loans(bank_org_id, id);
CREATE INDEX loans_enterprise ON loans(enterprise_org_id, id);
CREATE INDEX loans_state ON loans(state, id);

CREATE TABLE loan_payments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    loan_id       INTEGER NOT NULL REFERENCES loans(id),
    paid_on       DATE NOT NULL,
    principal_fen BIGINT NOT NULL CHECK (principal_fen >= 0),
    interest_fen  BIGINT NOT NULL CHECK (interest_fen >= 0),
    recorded_by   INTEGER,
    created_at    TIMESTAMP NOT NULL,
    CHECK (principal_fen + interest_fen > 0)
);
CREATE INDEX loan_payments_loan ON loan_payments(loan_id, paid_on, id);

-- The history of a loan: creation, payments, every state change.
CREATE TABLE loan_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    loan_id    INTEGER NOT NULL REFERENCES loans(id),
    action     TEXT NOT NULL,
    from_state TEXT NOT NULL DEFAULT '',
    to_state   TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '',
    actor_id   INTEGER,
    actor      TEXT NOT NULL,
    at         TIMESTAMP NOT NULL
);
CREATE INDEX loan_events_loan ON loan_events(loan_id, id);

-- +goose Down
DROP TABLE loan_events;
DROP TABLE loan_payments;
DROP TABLE loans;
