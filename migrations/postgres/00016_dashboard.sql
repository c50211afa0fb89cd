-- +goose Up
-- The IP office's targets on the dashboard (package dashboard), one row
-- per target key the package defines; value is in the key's unit (fen
-- for amounts, a count otherwise). Seed 004 (the provincial opinions on
-- an IP-strong province) sets the first: 5 billion yuan of pledge
-- financing.
CREATE TABLE dashboard_targets (
    key        TEXT PRIMARY KEY,
    value      BIGINT NOT NULL CHECK (value > 0),
    note       TEXT NOT NULL DEFAULT '',
    updated_by BIGINT,
    updated_at TIMESTAMPTZ NOT NULL
);
INSERT INTO dashboard_targets (key, value, note, updated_by, updated_at) VALUES
    ('pledge_financing', 500000000000, '实现50亿元以上知识产权质押融资额（关于加快建设知识产权强省的实施意见，第3.2.3节）', NULL, CURRENT_TIMESTAMP);

-- +goose Down
DROP TABLE dashboard_targets;
