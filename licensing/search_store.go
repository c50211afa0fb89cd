package licensing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
)

// searchStore is the SQL of search and matchmaking. Only the full-text
// parts differ by engine: FTS5 MATCH and bm25() on SQLite, a tsvector
// with @@ and ts_rank on PostgreSQL.
type searchStore struct{ db *db.DB }

func (s searchStore) pg() bool { return s.db.Dialect == db.Postgres }

// indexPatent stores (or replaces) a patent's tokens.
func (s searchStore) indexPatent(ctx context.Context, q db.Queryer, id int64, title, text string) error {
	if s.pg() {
		_, err := q.ExecContext(ctx, `INSERT INTO patent_search (patent_id, title_text, search_text) VALUES ($1, $2, $3)
			ON CONFLICT (patent_id) DO UPDATE SET title_text = EXCLUDED.title_text, search_text = EXCLUDED.search_text`, id, title, text)
		return err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM patent_search WHERE rowid = ?`, id); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `INSERT INTO patent_search (rowid, title_text, search_text) VALUES (?, ?, ?)`, id, title, text)
	return err
}

// optimize merges the FTS5 index into one segment after a bulk load (a
// search then reads one doclist per term, not one per batch). PostgreSQL's
// GIN index needs nothing.
func (s searchStore) optimize(ctx context.Context) error {
	if s.pg() {
		return nil
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO patent_search (patent_search) VALUES ('optimize')`)
	return err
}

// indexedCount counts indexed patents and patents.
func (s searchStore) counts(ctx context.Context) (indexed, patents int64, err error) {
	if err = s.db.GetContext(ctx, &indexed, `SELECT COUNT(*) FROM patent_search`); err != nil {
		return
	}
	err = s.db.GetContext(ctx, &patents, `SELECT COUNT(*) FROM patents`)
	return
}

// textRow is the text of a patent to index.
type textRow struct {
	ID        int64  `db:"id"`
	Title     string `db:"title"`
	Abstract  string `db:"abstract"`
	MainClaim string `db:"main_claim"`
}

func (s searchStore) textsAfter(ctx context.Context, q db.Queryer, after int64, limit int) ([]textRow, error) {
	var out []textRow
	err := q.SelectContext(ctx, &out, s.db.Rebind(`SELECT id, title, abstract, main_claim FROM patents WHERE id > ? ORDER BY id LIMIT ?`), after, limit)
	return out, err
}

// hitRow is one row of a search or a candidate list.
type hitRow struct {
	ID                int64     `db:"id"`
	ApplicationNumber string    `db:"application_number"`
	Type              string    `db:"type"`
	Title             string    `db:"title"`
	Abstract          string    `db:"abstract"`
	MainClaim         string    `db:"main_claim"`
	IPC               string    `db:"ipc_codes"`
	FilingDate        date.Date `db:"filing_date"`
	LegalStatus       string    `db:"legal_status"`
	Dormant           bool      `db:"dormant"`
	OpenLicence       bool      `db:"open_licence"`
	ScreeningScore    int       `db:"screening_score"`
	Score             float64   `db:"score"`
}

// searchFilter is the WHERE of a search beyond the text.
type searchFilter struct {
	IPC               string // normalised prefix
	UniversityID      int64
	UniversityName    string
	Type              string
	MinFiling         map[string]date.Date // by type: filed on or after (min_remaining_years)
	Dormant           *bool
	OpenLicence       *bool
	AvailableOnly     bool // dormant or open-licensed (matchmaking)
	ExcludeIDs        []int64
	ExcludeOrgPatents int64
}

func (f searchFilter) where(args *[]any) string {
	var w []string
	add := func(cond string, a ...any) {
		w = append(w, cond)
		*args = append(*args, a...)
	}
	if f.IPC != "" {
		add(`('|' || UPPER(REPLACE(p.ipc_codes, ' ', ''))) LIKE ?`, "%|"+f.IPC+"%")
	}
	if f.UniversityID != 0 {
		add(`EXISTS (SELECT 1 FROM patentees pt JOIN organisations o ON o.id = pt.org_id
			WHERE pt.patent_id = p.id AND o.kind = 'university' AND o.id = ?)`, f.UniversityID)
	}
	if f.UniversityName != "" {
		add(`EXISTS (SELECT 1 FROM patentees pt JOIN organisations o ON o.id = pt.org_id
			WHERE pt.patent_id = p.id AND o.kind = 'university' AND o.name = ?)`, f.UniversityName)
	}
	if f.Type != "" {
		add(`p.type = ?`, f.Type)
	}
	if f.MinFiling != nil {
		var or []string
		for _, t := range keysSorted(f.MinFiling) {
			or = append(or, `(p.type = ? AND p.filing_date >= ?)`)
			*args = append(*args, t, f.MinFiling[t])
		}
		w = append(w, "("+strings.Join(or, " OR ")+")")
	}
	if f.Dormant != nil {
		add(`COALESCE(ls.dormant, FALSE) = ?`, *f.Dormant)
	}
	if f.OpenLicence != nil {
		add(`COALESCE(ls.open_licence, FALSE) = ?`, *f.OpenLicence)
	}
	if f.AvailableOnly {
		w = append(w, `(COALESCE(ls.dormant, FALSE) OR COALESCE(ls.open_licence, FALSE))`)
	}
	for _, id := range f.ExcludeIDs {
		add(`p.id <> ?`, id)
	}
	if len(w) == 0 {
		return ""
	}
	return " AND " + strings.Join(w, " AND ")
}

const hitColumns = `p.id, p.application_number, p.type, p.title, p.abstract, p.main_claim, p.ipc_codes, p.filing_date, p.legal_status,
	COALESCE(ls.dormant, FALSE) AS dormant, COALESCE(ls.open_licence, FALSE) AS open_licence,
	COALESCE(ls.screening_score, 0) AS screening_score`

// matchExpr renders terms as an FTS5 MATCH expression or a tsquery;
// or combines them with OR instead of AND.
func (s searchStore) matchExpr(terms []Term, or bool) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		// Tokens hold only letters and digits: no quoting to escape.
		switch {
		case s.pg() && t.Prefix:
			parts[i] = "'" + t.Text + "':*"
		case s.pg():
			parts[i] = "'" + t.Text + "'"
		case t.Prefix:
			parts[i] = `"` + t.Text + `"*`
		default:
			parts[i] = `"` + t.Text + `"`
		}
	}
	sep := " AND "
	switch {
	case s.pg() && or:
		sep = " | "
	case s.pg():
		sep = " & "
	case or:
		sep = " OR "
	}
	return strings.Join(parts, sep)
}

// search returns up to limit hits, skipping offset, best first: ranked by
// BM25 (SQLite; title tokens weigh 3, the rest 1) or ts_rank (PostgreSQL)
// when there are terms, newest first otherwise. or combines the terms with
// OR instead of AND.
func (s searchStore) search(ctx context.Context, terms []Term, or bool, f searchFilter, limit, offset int) ([]hitRow, error) {
	if len(terms) > 0 && !s.pg() {
		return s.searchFTS5(ctx, terms, or, f, limit, offset)
	}
	var args []any
	var q string
	if len(terms) == 0 {
		q = `SELECT ` + hitColumns + `, 0.0 AS score FROM patents p LEFT JOIN licensing_status ls ON ls.patent_id = p.id WHERE 1 = 1` +
			f.where(&args) + ` ORDER BY p.id DESC`
	} else {
		args = append(args, s.matchExpr(terms, or))
		q = `SELECT ` + hitColumns + `, ts_rank(ps.tsv, CAST(? AS tsquery)) AS score FROM patent_search ps
			JOIN patents p ON p.id = ps.patent_id LEFT JOIN licensing_status ls ON ls.patent_id = p.id
			WHERE ps.tsv @@ CAST(? AS tsquery)`
		args = append(args, args[0])
		q += f.where(&args) + ` ORDER BY score DESC, p.id`
	}
	q += ` LIMIT ? OFFSET ?`
	args = append(args, limit, offset)
	var out []hitRow
	if err := s.db.SelectContext(ctx, &out, s.db.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return out, nil
}

// rankRow is a patent and its BM25 score (lower is better).
type rankRow struct {
	ID   int64   `db:"id"`
	BM25 float64 `db:"bm25"`
}

// searchFTS5 is search on SQLite, in two steps, with the same results as
// one. A query of common bigrams matches most of the registry and every
// match is scored; joining and sorting whole rows (abstract and claim
// included) to keep twenty cost as much as the scoring. So the ranking
// sorts only ids and scores, and the rows of the page are read afterwards.
// Without a filter the index alone ranks: it holds registered patents only
// (indexed in the registry's transaction, never deleted), and the join to
// patents would only cost a lookup per match.
func (s searchStore) searchFTS5(ctx context.Context, terms []Term, or bool, f searchFilter, limit, offset int) ([]hitRow, error) {
	args := []any{s.matchExpr(terms, or)}
	q := `SELECT rowid AS id, bm25(patent_search, 3.0, 1.0) AS bm25 FROM patent_search
		WHERE patent_search MATCH ? ORDER BY bm25, rowid LIMIT ? OFFSET ?`
	if where := f.where(&args); where != "" {
		q = `SELECT p.id, bm25(patent_search, 3.0, 1.0) AS bm25 FROM patent_search
			JOIN patents p ON p.id = patent_search.rowid LEFT JOIN licensing_status ls ON ls.patent_id = p.id
			WHERE patent_search MATCH ?` + where + ` ORDER BY bm25, p.id LIMIT ? OFFSET ?`
	}
	args = append(args, limit, offset)
	var ranked []rankRow
	if err := s.db.SelectContext(ctx, &ranked, q, args...); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	if len(ranked) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(ranked))
	for i, r := range ranked {
		ids[i] = r.ID
	}
	q, args, err := sqlx.In(`SELECT `+hitColumns+`, 0.0 AS score FROM patents p LEFT JOIN licensing_status ls ON ls.patent_id = p.id
		WHERE p.id IN (?)`, ids)
	if err != nil {
		return nil, err
	}
	var rows []hitRow
	if err := s.db.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	byID := make(map[int64]hitRow, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	out := make([]hitRow, 0, len(ranked))
	for _, r := range ranked {
		if h, ok := byID[r.ID]; ok {
			h.Score = -r.BM25
			out = append(out, h)
		}
	}
	return out, nil
}

// holderRow is a patent's holder.
type holderRow struct {
	PatentID int64  `db:"patent_id"`
	Name     string `db:"name"`
	OrgID    *int64 `db:"org_id"`
}

func (s searchStore) holders(ctx context.Context, ids []int64) (map[int64][]holderRow, error) {
	out := map[int64][]holderRow{}
	if len(ids) == 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT patent_id, name, org_id FROM patentees WHERE patent_id IN (?) ORDER BY patent_id, position`, ids)
	if err != nil {
		return nil, err
	}
	var rows []holderRow
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(q), args...); err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.PatentID] = append(out[r.PatentID], r)
	}
	return out, nil
}

// openTerms is an active open licence's fee terms.
type openTerms struct {
	PatentID       int64  `db:"patent_id"`
	Mode           string `db:"mode"`
	LumpSumFen     *int64 `db:"lump_sum_fen"`
	DownPaymentFen *int64 `db:"down_payment_fen"`
	RoyaltyRate    string `db:"royalty_rate"`
	TermYears      int    `db:"term_years"`
}

func (s searchStore) openLicences(ctx context.Context, ids []int64) (map[int64]openTerms, error) {
	out := map[int64]openTerms{}
	if len(ids) == 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT patent_id, mode, lump_sum_fen, down_payment_fen, royalty_rate, term_years
		FROM licensing_open_licences WHERE state = 'active' AND patent_id IN (?)`, ids)
	if err != nil {
		return nil, err
	}
	var rows []openTerms
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(q), args...); err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.PatentID] = r
	}
	return out, nil
}

// Need is an enterprise's posted technology need.
type Need struct {
	ID           int64     `db:"id" json:"id"`
	OrgID        int64     `db:"org_id" json:"org_id"`
	Title        string    `db:"title" json:"title"`
	Description  string    `db:"description" json:"description"`
	IPC          string    `db:"ipc_codes" json:"-"`
	IPCCodes     []string  `db:"-" json:"ipc_codes"`
	BudgetMinFen *int64    `db:"budget_min_fen" json:"budget_min_fen"`
	BudgetMaxFen *int64    `db:"budget_max_fen" json:"budget_max_fen"`
	Region       string    `db:"region" json:"region"`
	SearchText   string    `db:"search_text" json:"-"`
	CreatedAt    time.Time `db:"created_at" json:"created_at"`
}

const needColumns = `id, org_id, title, description, ipc_codes, budget_min_fen, budget_max_fen, region, search_text, created_at`

func (s searchStore) insertNeed(ctx context.Context, tx *sqlx.Tx, n *Need, userID int64) error {
	q := `INSERT INTO technology_needs (org_id, created_by, title, description, ipc_codes, budget_min_fen, budget_max_fen, region, search_text, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
	var by *int64
	if userID != 0 {
		by = &userID
	}
	return tx.GetContext(ctx, &n.ID, tx.Rebind(q), n.OrgID, by, n.Title, n.Description, n.IPC, n.BudgetMinFen, n.BudgetMaxFen,
		n.Region, n.SearchText, n.CreatedAt)
}

func (s searchStore) need(ctx context.Context, id int64) (Need, error) {
	var n Need
	err := s.db.GetContext(ctx, &n, s.db.Rebind(`SELECT `+needColumns+` FROM technology_needs WHERE id = ?`), id)
	return n, err
}

func (s searchStore) needsOf(ctx context.Context, orgID, after int64, limit int) ([]Need, error) {
	var out []Need
	err := s.db.SelectContext(ctx, &out, s.db.Rebind(`SELECT `+needColumns+` FROM technology_needs WHERE org_id = ? AND id > ? ORDER BY id LIMIT ?`),
		orgID, after, limit)
	return out, err
}

// recentNeeds returns the newest needs of every enterprise (candidate
// licensees of a patent).
func (s searchStore) recentNeeds(ctx context.Context, limit int) ([]Need, error) {
	var out []Need
	err := s.db.SelectContext(ctx, &out, s.db.Rebind(`SELECT `+needColumns+` FROM technology_needs ORDER BY id DESC LIMIT ?`), limit)
	return out, err
}

// needOrgRow is an organisation.
type needOrgRow struct {
	ID   int64   `db:"id"`
	Kind string  `db:"kind"`
	Name string  `db:"name"`
	USCC *string `db:"uscc"`
}

func (s searchStore) orgs(ctx context.Context, ids []int64) (map[int64]needOrgRow, error) {
	out := map[int64]needOrgRow{}
	if len(ids) == 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT id, kind, name, uscc FROM organisations WHERE id IN (?)`, ids)
	if err != nil {
		return nil, err
	}
	var rows []needOrgRow
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(q), args...); err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// profileRow is one patent an enterprise holds in a related IPC class.
type profileRow struct {
	OrgID int64  `db:"org_id"`
	IPC   string `db:"ipc_codes"`
}

// enterprisePatents returns the IPC codes of enterprises' patents in any
// of the classes (three-character prefixes).
func (s searchStore) enterprisePatents(ctx context.Context, classes []string, excludePatent int64) ([]profileRow, error) {
	if len(classes) == 0 {
		return nil, nil
	}
	var or []string
	args := []any{excludePatent}
	for _, c := range classes {
		or = append(or, `('|' || UPPER(REPLACE(p.ipc_codes, ' ', ''))) LIKE ?`)
		args = append(args, "%|"+c+"%")
	}
	q := `SELECT pt.org_id, p.ipc_codes FROM patents p JOIN patentees pt ON pt.patent_id = p.id
		JOIN organisations o ON o.id = pt.org_id AND o.kind = 'enterprise'
		WHERE p.id <> ? AND (` + strings.Join(or, " OR ") + `) LIMIT 20000`
	var out []profileRow
	err := s.db.SelectContext(ctx, &out, s.db.Rebind(q), args...)
	return out, err
}
