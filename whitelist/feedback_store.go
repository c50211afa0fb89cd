package whitelist

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
)

// everPublished reports whether the enterprise has an entry in a published
// batch that was not removed during public notice.
func (s store) everPublished(ctx context.Context, q db.Queryer, enterpriseID int64) (bool, error) {
	var n int
	err := q.GetContext(ctx, &n, s.q(`SELECT count(*) FROM whitelist_entries x JOIN whitelist_batches b ON b.id = x.batch_id
		WHERE x.enterprise_id = ? AND b.status = ? AND x.state <> ?`), enterpriseID, BatchPublished, EntryRemoved)
	return n > 0, err
}

func (s store) insertFeedback(ctx context.Context, tx *sqlx.Tx, f *Feedback) error {
	return tx.GetContext(ctx, &f.ID, s.q(`INSERT INTO whitelist_feedback (bank_org_id, enterprise_id, kind, amount_fen, reason, note,
		occurred_on, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		f.BankOrgID, f.EnterpriseID, f.Kind, f.AmountFen, f.Reason, f.Note, f.OccurredOn, f.CreatedBy, f.CreatedAt)
}

const feedbackCols = `f.id, f.bank_org_id, o.name AS bank_name, f.enterprise_id, e.uscc, e.name AS enterprise_name, f.kind,
	f.amount_fen, f.reason, f.note, f.occurred_on, f.created_by, f.created_at`

const feedbackFrom = ` FROM whitelist_feedback f JOIN organisations o ON o.id = f.bank_org_id JOIN enterprises e ON e.id = f.enterprise_id `

func (s store) feedback(ctx context.Context, id int64) (Feedback, error) {
	var f Feedback
	err := s.db.GetContext(ctx, &f, s.q(`SELECT `+feedbackCols+feedbackFrom+`WHERE f.id = ?`), id)
	return f, err
}

func (s store) feedbackList(ctx context.Context, flt FeedbackFilter, r page.Request) ([]Feedback, error) {
	var fs []Feedback
	err := s.db.SelectContext(ctx, &fs, s.q(`SELECT `+feedbackCols+feedbackFrom+`WHERE f.id > ?
		AND (? = 0 OR f.bank_org_id = ?) AND (? = '' OR e.uscc = ?) ORDER BY f.id LIMIT ?`),
		r.After, flt.BankOrgID, flt.BankOrgID, flt.USCC, flt.USCC, r.Limit+1)
	return fs, err
}

// totalsRow is one (group, kind) cell of the totals.
type totalsRow struct {
	Key   string `db:"group_key"`
	Name  string `db:"group_name"`
	Kind  string `db:"kind"`
	Count int64  `db:"n"`
	Fen   int64  `db:"fen"`
}

// feedbackTotals counts and sums per group and kind; the group order is
// the bank's or firm's id (the kind order is fixed by the caller).
func (s store) feedbackTotals(ctx context.Context, by string) ([]totalsRow, error) {
	var key, name, order string
	switch by {
	case TotalsByBank:
		key, name, order = "CAST(f.bank_org_id AS TEXT)", "o.name", "f.bank_org_id"
	case TotalsByEnterprise:
		key, name, order = "e.uscc", "e.name", "e.id"
	case TotalsByKind:
		key, name, order = "f.kind", "f.kind", "f.kind"
	default:
		return nil, fmt.Errorf("feedback totals by %q", by)
	}
	var rows []totalsRow
	err := s.db.SelectContext(ctx, &rows, `SELECT `+key+` AS group_key, `+name+` AS group_name, f.kind, count(*) AS n,
		CAST(COALESCE(sum(CASE WHEN f.kind = 'credit_granted' THEN f.amount_fen ELSE 0 END), 0) AS BIGINT) AS fen`+
		feedbackFrom+`GROUP BY `+key+`, `+name+`, f.kind, `+order+` ORDER BY `+order+`, f.kind`)
	return rows, err
}
