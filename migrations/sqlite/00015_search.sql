-- +goose Up
-- Full-text search over the registry (package licensing). The text of
-- each patent is tokenised in Go (CJK bigrams, lower-cased Latin words and
-- numbers; see licensing/tokenize.go) and stored space-separated, so that
-- FTS5's unicode61 tokenizer only splits on the spaces. The rowid is the
-- patent's id. title_text holds the title's tokens, search_text those of
-- the title, abstract and main claim; bm25() weighs the title higher.
-- prefix = '1' indexes every token's first character too: a one-character
-- query term is a prefix term, and without it FTS5 merges the doclists of
-- every bigram that starts with that character (hundreds for 法 or 装) on
-- each search. It about doubles the index.
CREATE VIRTUAL TABLE patent_search USING fts5(
    title_text,
    search_text,
    tokenize = 'unicode61 remove_diacritics 0',
    prefix = '1'
);

-- Technology needs posted by enterprises (matchmaking). ipc_codes holds
-- the codes given, joined with '|'; search_text the tokens of title and
-- description.
CREATE TABLE technology_needs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id          INTEGER NOT NULL REFERENCES organisations(id),
    created_by      INTEGER,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL,
    ipc_codes       TEXT NOT NULL DEFAULT '',
    budget_min_fen  BIGINT CHECK (budget_min_fen IS NULL OR budget_min_fen >= 0),
    budget_max_fen  BIGINT CHECK (budget_max_fen IS NULL OR budget_max_fen >= 0),
    region          TEXT NOT NULL DEFAULT '',
    search_text     TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    CHECK (budget_min_fen IS NULL OR budget_max_fen IS NULL OR budget_min_fen <= budget_max_fen)
);
CREATE INDEX technology_needs_org ON technology_needs(org_id, id);

-- +goose Down
DROP TABLE technology_needs;
DROP TABLE patent_search;
