-- +goose Up
-- Stored valuations (package valuation): immutable once made; input and
-- result are the JSON the API accepted and returned.
CREATE TABLE valuations (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    created_by_org       INTEGER NOT NULL REFERENCES organisations(id),
    created_by           INTEGER,
    scenario             TEXT NOT NULL,
    valuation_date       DATE NOT NULL,
    total_value_fen      BIGINT NOT NULL,
    recommended_loan_fen BIGINT NOT NULL,
    input                TEXT NOT NULL,
    result               TEXT NOT NULL,
    created_at           TIMESTAMP NOT NULL
);
CREATE INDEX valuations_org ON valuations(created_by_org, id);

CREATE TABLE valuation_patents (
    valuation_id INTEGER NOT NULL REFERENCES valuations(id),
    patent_id    INTEGER NOT NULL REFERENCES patents(id),
    PRIMARY KEY (valuation_id, patent_id)
);
CREATE INDEX valuation_patents_patent ON valuation_patents(patent_id);

-- +goose Down
DROP TABLE valuation_patents;
DROP TABLE valuations;
