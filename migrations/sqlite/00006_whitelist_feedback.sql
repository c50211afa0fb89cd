-- +goose Up
-- What a bank did for a firm that is or was on the whitelist. amount_fen
-- is set (> 0) for credit_granted only; reason for declined only.
CREATE TABLE whitelist_feedback (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    bank_org_id   INTEGER NOT NULL REFERENCES organisations(id),
    enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
    kind          TEXT NOT NULL CHECK (kind IN ('contacted', 'application_received', 'credit_granted', 'declined')),
    amount_fen    BIGINT NOT NULL DEFAULT 0,
    reason        TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    occurred_on   DATE NOT NULL,
    created_by    INTEGER,
    created_at    TIMESTAMP NOT NULL,
    CHECK ((kind = 'credit_granted' AND amount_fen > 0) OR (kind <> 'credit_granted' AND amount_fen = 0)),
    CHECK ((kind = 'declined') = (reason <> ''))
);
CREATE INDEX whitelist_feedback_bank ON whitelist_feedback(bank_org_id, id);
CREATE INDEX whitelist_feedback_enterprise ON whitelist_feedback(enterprise_id, id);

-- +goose Down
DROP TABLE whitelist_feedback;
