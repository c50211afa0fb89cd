package dashboard

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
)

// store holds the package's SQL: read-only aggregates over the other
// domains' tables (see the package comment) and the targets table.
type store struct{ db *db.DB }

func (s store) q(query string) string { return s.db.Rebind(query) }

// hasTable reports whether the database has a table: another domain's
// migration may not be in this build yet.
func (s store) hasTable(ctx context.Context, name string) (bool, error) {
	var n int
	query := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`
	if s.db.Dialect == db.Postgres {
		query = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?`
	}
	err := s.db.GetContext(ctx, &n, s.q(query), name)
	return n > 0, err
}

// hasColumn reports whether a table has a column.
func (s store) hasColumn(ctx context.Context, table, column string) (bool, error) {
	var n int
	query := `SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?`
	if s.db.Dialect == db.Postgres {
		query = `SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?`
	}
	err := s.db.GetContext(ctx, &n, s.q(query), table, column)
	return n > 0, err
}

type whitelistCell struct {
	BatchID     int64          `db:"batch_id"`
	BatchName   string         `db:"batch_name"`
	BatchStatus string         `db:"batch_status"`
	State       sql.NullString `db:"state"`
	N           int64          `db:"n"`
}

// whitelistCells counts the entries of each batch by entry state (a batch
// without entries gives one row with a NULL state).
func (s store) whitelistCells(ctx context.Context) ([]whitelistCell, error) {
	var out []whitelistCell
	err := s.db.SelectContext(ctx, &out, `SELECT b.id AS batch_id, b.name AS batch_name, b.status AS batch_status, e.state AS state, COUNT(e.id) AS n
		FROM whitelist_batches b LEFT JOIN whitelist_entries e ON e.batch_id = b.id
		GROUP BY b.id, b.name, b.status, e.state ORDER BY b.id, e.state`)
	return out, err
}

// pledgeItem is one registration counted by the dashboard.
type pledgeItem struct {
	ID          int64      `db:"id"`
	BankID      int64      `db:"bank_id"`
	BankName    string     `db:"bank_name"`
	AmountFen   int64      `db:"secured_amount_fen"`
	DecidedAt   *time.Time `db:"decided_at"`
	UpdatedAt   time.Time  `db:"updated_at"`
	PledgorCode string     `db:"pledgor_uscc"`
}

// registeredStates are the pledges that were registered: in force, or
// since released or enforced. A revoked registration was void and is not
// counted; refused, declined and withdrawn requests never were.
var registeredStates = []string{"registered", "released", "enforced"}

func (s store) pledgeItems(ctx context.Context) ([]pledgeItem, error) {
	query, args, err := sqlx.In(`SELECT p.id, p.pledgee_org_id AS bank_id, b.name AS bank_name, p.secured_amount_fen,
			p.decided_at, p.updated_at, COALESCE(o.uscc, '') AS pledgor_uscc
		FROM pledges p JOIN organisations o ON o.id = p.pledgor_org_id JOIN organisations b ON b.id = p.pledgee_org_id
		WHERE p.state IN (?) ORDER BY p.id`, registeredStates)
	if err != nil {
		return nil, err
	}
	var out []pledgeItem
	err = s.db.SelectContext(ctx, &out, s.q(query), args...)
	return out, err
}

// loanLine sums a bank's loans that are not settled.
type loanLine struct {
	BankID         int64  `db:"bank_id"`
	BankName       string `db:"bank_name"`
	Loans          int64  `db:"loans"`
	PrincipalFen   int64  `db:"principal_fen"`
	OutstandingFen int64  `db:"outstanding_fen"`
	Troubled       int64  `db:"troubled"`
}

func (s store) loanLines(ctx context.Context) ([]loanLine, error) {
	var out []loanLine
	err := s.db.SelectContext(ctx, &out, `SELECT l.bank_org_id AS bank_id, o.name AS bank_name, COUNT(*) AS loans,
			COALESCE(SUM(l.principal_fen), 0) AS principal_fen,
			COALESCE(SUM(l.principal_fen - l.paid_principal_fen), 0) AS outstanding_fen,
			COALESCE(SUM(CASE WHEN l.state IN ('overdue', 'defaulted') THEN 1 ELSE 0 END), 0) AS troubled
		FROM loans l JOIN organisations o ON o.id = l.bank_org_id
		WHERE l.state <> 'settled'
		GROUP BY l.bank_org_id, o.name ORDER BY l.bank_org_id`)
	return out, err
}

// subsidyLine sums one policy's applications.
type subsidyLine struct {
	PolicyID     int64  `db:"policy_id"`
	Name         string `db:"name"`
	Year         int    `db:"year"`
	Policy       string `db:"policy"`
	RequestedFen int64  `db:"requested_fen"`
	ApprovedFen  int64  `db:"approved_fen"`
	PaidFen      int64  `db:"paid_fen"`
	BudgetFen    int64  `db:"-"`
}

// subsidyLines sums the applications per policy: requested is every
// application's computed amount but the rejected and the returned ones;
// approved is the allocated (else computed) amount of the approved ones,
// paid or not; paid is what was paid, less what was clawed back.
func (s store) subsidyLines(ctx context.Context) ([]subsidyLine, error) {
	var out []subsidyLine
	err := s.db.SelectContext(ctx, &out, `SELECT p.id AS policy_id, p.name, p.year, p.policy,
			COALESCE(SUM(CASE WHEN a.state NOT IN ('rejected', 'returned') THEN a.amount_fen ELSE 0 END), 0) AS requested_fen,
			COALESCE(SUM(CASE WHEN a.state IN ('auto_approved', 'approved', 'public_notice', 'paid', 'clawed_back')
				THEN COALESCE(a.allocated_fen, a.amount_fen) ELSE 0 END), 0) AS approved_fen,
			COALESCE(SUM(CASE WHEN a.state IN ('paid', 'clawed_back') THEN COALESCE(a.paid_fen, 0) - COALESCE(a.clawback_fen, 0) ELSE 0 END), 0) AS paid_fen
		FROM subsidy_policies p LEFT JOIN subsidy_applications a ON a.policy_id = p.id
		WHERE p.state <> 'withdrawn'
		GROUP BY p.id, p.name, p.year, p.policy ORDER BY p.year, p.id`)
	if err != nil {
		return nil, err
	}
	for i := range out {
		var pol struct {
			BudgetFen int64 `json:"budget_fen"`
		}
		if json.Unmarshal([]byte(out[i].Policy), &pol) == nil {
			out[i].BudgetFen = pol.BudgetFen
		}
	}
	return out, nil
}

type targetRow struct {
	Key       string    `db:"key"`
	Value     int64     `db:"value"`
	Note      string    `db:"note"`
	UpdatedBy *int64    `db:"updated_by"`
	UpdatedAt time.Time `db:"updated_at"`
}

func (s store) targets(ctx context.Context, q db.Queryer) (map[string]targetRow, error) {
	var rows []targetRow
	if err := q.SelectContext(ctx, &rows, `SELECT key, value, note, updated_by, updated_at FROM dashboard_targets`); err != nil {
		return nil, err
	}
	out := map[string]targetRow{}
	for _, r := range rows {
		out[r.Key] = r
	}
	return out, nil
}

func (s store) putTarget(ctx context.Context, tx *sqlx.Tx, r targetRow) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO dashboard_targets (key, value, note, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, note = excluded.note, updated_by = excluded.updated_by, updated_at = excluded.updated_at`),
		r.Key, r.Value, r.Note, r.UpdatedBy, r.UpdatedAt)
	return err
}

// listingItem is a patent in the transfer pool, with its dormancy.
type listingItem struct {
	OrgID     int64     `db:"org_id"`
	OrgName   string    `db:"org_name"`
	PatentID  int64     `db:"patent_id"`
	CreatedAt time.Time `db:"created_at"`
	Dormant   *bool     `db:"dormant"`
}

func (s store) listingItems(ctx context.Context) ([]listingItem, error) {
	var out []listingItem
	err := s.db.SelectContext(ctx, &out, `SELECT l.org_id, o.name AS org_name, l.patent_id, l.created_at, st.dormant
		FROM licensing_listings l JOIN organisations o ON o.id = l.org_id
		LEFT JOIN licensing_status st ON st.patent_id = l.patent_id ORDER BY l.org_id, l.id`)
	return out, err
}

// licenceItem is a licence recorded on a patent.
type licenceItem struct {
	PatentID    int64     `db:"patent_id"`
	EffectiveOn date.Date `db:"effective_on"`
}

func (s store) licenceItems(ctx context.Context) ([]licenceItem, error) {
	var out []licenceItem
	err := s.db.SelectContext(ctx, &out, `SELECT patent_id, effective_on FROM licensing_events WHERE kind = 'licence' ORDER BY patent_id, effective_on`)
	return out, err
}
