package loan

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
)

// store holds the package's SQL, portable across SQLite and PostgreSQL.
type store struct{ db *db.DB }

func (s store) q(query string) string { return s.db.Rebind(query) }

const loanCols = `id, pledge_id, bank_org_id, enterprise_org_id, bank_name, enterprise_name, contract_number, contract_date,
	principal_fen, annual_rate, start_date, maturity_date, repayment_method, ip_collateral_share_bp, state, days_overdue,
	paid_principal_fen, paid_interest_fen, default_reason, defaulted_at, settled_on, review_flagged_at, created_at, updated_at`

func (s store) loan(ctx context.Context, q db.Queryer, id int64) (Loan, error) {
	var l Loan
	err := q.GetContext(ctx, &l, s.q(`SELECT `+loanCols+` FROM loans WHERE id = ?`), id)
	return l, err
}

func (s store) list(ctx context.Context, f Filter, r page.Request) ([]Loan, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.BankOrgID != 0 {
		where = append(where, "bank_org_id = ?")
		args = append(args, f.BankOrgID)
	}
	if f.EnterpriseOrgID != 0 {
		where = append(where, "enterprise_org_id = ?")
		args = append(args, f.EnterpriseOrgID)
	}
	if f.PledgeID != 0 {
		where = append(where, "pledge_id = ?")
		args = append(args, f.PledgeID)
	}
	if f.State != "" {
		where = append(where, "state = ?")
		args = append(args, f.State)
	}
	if r.After > 0 {
		where = append(where, "id < ?")
		args = append(args, r.After)
	}
	args = append(args, r.Limit+1)
	var ls []Loan
	err := s.db.SelectContext(ctx, &ls, s.q(`SELECT `+loanCols+` FROM loans WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id DESC LIMIT ?`), args...)
	return ls, err
}

// openIDs lists the loans that still run, for the overdue scan.
func (s store) openIDs(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := s.db.SelectContext(ctx, &ids, `SELECT id FROM loans WHERE state IN ('performing', 'overdue') ORDER BY id`)
	return ids, err
}

// outstandingOnPledge sums the principal still owed on the open loans of
// a pledge.
func (s store) outstandingOnPledge(ctx context.Context, q db.Queryer, pledgeID int64) (int64, error) {
	var n int64
	err := q.GetContext(ctx, &n, s.q(`SELECT COALESCE(SUM(principal_fen - paid_principal_fen), 0) FROM loans
		WHERE pledge_id = ? AND state IN ('performing', 'overdue', 'defaulted')`), pledgeID)
	return n, err
}

func (s store) contractTaken(ctx context.Context, q db.Queryer, bankOrgID int64, number string) (bool, error) {
	var n int
	err := q.GetContext(ctx, &n, s.q(`SELECT COUNT(*) FROM loans WHERE bank_org_id = ? AND contract_number = ?`), bankOrgID, number)
	return n > 0, err
}

func (s store) insertLoan(ctx context.Context, tx *sqlx.Tx, l *Loan) error {
	return tx.GetContext(ctx, &l.ID, s.q(`INSERT INTO loans (pledge_id, bank_org_id, enterprise_org_id, bank_name,
		enterprise_name, contract_number, contract_date, principal_fen, annual_rate, start_date, maturity_date, repayment_method,
		ip_collateral_share_bp, state, days_overdue, paid_principal_fen, paid_interest_fen, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, ?) RETURNING id`),
		l.PledgeID, l.BankOrgID, l.EnterpriseOrgID, l.BankName, l.EnterpriseName, l.ContractNumber, l.ContractDate,
		l.PrincipalFen, l.AnnualRate.String(), l.Start, l.Maturity, l.Method, l.IPCollateralShareBP, l.State,
		l.CreatedAt, l.UpdatedAt)
}

// update writes the loan's running figures and state if the state is
// still from (0 rows: someone was faster).
func (s store) update(ctx context.Context, tx *sqlx.Tx, l Loan, from string, now time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, s.q(`UPDATE loans SET state = ?, days_overdue = ?, paid_principal_fen = ?,
		paid_interest_fen = ?, default_reason = ?, defaulted_at = ?, settled_on = ?, review_flagged_at = ?, updated_at = ?
		WHERE id = ? AND state = ?`),
		l.State, l.DaysOverdue, l.PaidPrincipalFen, l.PaidInterestFen, l.DefaultReason, l.DefaultedAt, l.SettledOn,
		l.ReviewFlaggedAt, now, l.ID, from)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (s store) insertPayment(ctx context.Context, tx *sqlx.Tx, p *Payment, by *int64) error {
	return tx.GetContext(ctx, &p.ID, s.q(`INSERT INTO loan_payments (loan_id, paid_on, principal_fen, interest_fen, recorded_by,
		created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), p.LoanID, p.PaidOn, p.PrincipalFen, p.InterestFen, by, p.CreatedAt)
}

func (s store) payments(ctx context.Context, q db.Queryer, loanID int64) ([]Payment, error) {
	var ps []Payment
	err := sqlx.SelectContext(ctx, q, &ps, s.q(`SELECT id, loan_id, paid_on, principal_fen, interest_fen, created_at
		FROM loan_payments WHERE loan_id = ? ORDER BY paid_on, id`), loanID)
	for i := range ps {
		ps[i].CreatedAt = ps[i].CreatedAt.UTC()
	}
	if ps == nil {
		ps = []Payment{}
	}
	return ps, err
}

func (s store) insertEvent(ctx context.Context, tx *sqlx.Tx, loanID int64, action, from, to string, detail map[string]any,
	actorID *int64, actor string, at time.Time) error {
	d := ""
	if len(detail) > 0 {
		b, err := json.Marshal(detail)
		if err != nil {
			return err
		}
		d = string(b)
	}
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO loan_events (loan_id, action, from_state, to_state, detail, actor_id, actor, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), loanID, action, from, to, d, actorID, actor, at)
	return err
}

func (s store) events(ctx context.Context, loanID int64, r page.Request) ([]Event, error) {
	var es []Event
	err := s.db.SelectContext(ctx, &es, s.q(`SELECT id, action, from_state, to_state, detail, actor, at FROM loan_events
		WHERE loan_id = ? AND id > ? ORDER BY id LIMIT ?`), loanID, r.After, r.Limit+1)
	return es, err
}
