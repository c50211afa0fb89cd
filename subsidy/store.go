package subsidy

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/money"
	"github.com/ipledge/ipledge/platform/page"
)

// store holds the package's SQL, portable across SQLite and PostgreSQL.
type store struct{ db *db.DB }

func (s store) q(query string) string { return s.db.Rebind(query) }

func (s store) lprs(ctx context.Context, q db.Queryer) (LPRTable, error) {
	var rows []struct {
		Effective date.Date `db:"effective"`
		One       string    `db:"one_year"`
		Five      string    `db:"five_year"`
	}
	if err := q.SelectContext(ctx, &rows, `SELECT effective, one_year, five_year FROM subsidy_lpr ORDER BY effective`); err != nil {
		return nil, err
	}
	t := make(LPRTable, 0, len(rows))
	for _, r := range rows {
		one, err := money.ParseRate("one_year", r.One)
		if err != nil {
			return nil, err
		}
		five, err := money.ParseRate("five_year", r.Five)
		if err != nil {
			return nil, err
		}
		t = append(t, LPR{Effective: r.Effective, OneYear: one, FiveYear: five})
	}
	return t, nil
}

type policyRow struct {
	ID          int64      `db:"id"`
	State       string     `db:"state"`
	Policy      string     `db:"policy"`
	RoundState  string     `db:"round_state"`
	ClosedAt    *time.Time `db:"closed_at"`
	NoticeFrom  date.Date  `db:"notice_from"`
	NoticeUntil date.Date  `db:"notice_until"`
	CreatedAt   time.Time  `db:"created_at"`
	UpdatedAt   time.Time  `db:"updated_at"`
}

func (r policyRow) record() (PolicyRecord, error) {
	p := PolicyRecord{ID: r.ID, State: r.State, RoundState: r.RoundState, ClosedAt: r.ClosedAt, NoticeFrom: r.NoticeFrom,
		NoticeUntil: r.NoticeUntil, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if p.ClosedAt != nil {
		t := p.ClosedAt.UTC()
		p.ClosedAt = &t
	}
	err := json.Unmarshal([]byte(r.Policy), &p.Policy)
	p.Policy = normalised(p.Policy)
	return p, err
}

const policyCols = `id, state, policy, round_state, closed_at, notice_from, notice_until, created_at, updated_at`

func (s store) policies(ctx context.Context, q db.Queryer) ([]PolicyRecord, error) {
	var rows []policyRow
	if err := q.SelectContext(ctx, &rows, `SELECT `+policyCols+` FROM subsidy_policies ORDER BY id DESC`); err != nil {
		return nil, err
	}
	out := make([]PolicyRecord, 0, len(rows))
	for _, r := range rows {
		p, err := r.record()
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (s store) policy(ctx context.Context, q db.Queryer, id int64, lock bool) (PolicyRecord, error) {
	if lock {
		if _, err := q.ExecContext(ctx, s.q(`UPDATE subsidy_policies SET id = id WHERE id = ?`), id); err != nil {
			return PolicyRecord{}, err
		}
	}
	var r policyRow
	if err := q.GetContext(ctx, &r, s.q(`SELECT `+policyCols+` FROM subsidy_policies WHERE id = ?`), id); err != nil {
		return PolicyRecord{}, err
	}
	return r.record()
}

func normalised(p Policy) Policy {
	if p.Boosts == nil {
		p.Boosts = []Boost{}
	}
	if p.Fees == nil {
		p.Fees = []FeeRule{}
	}
	return p
}

func (s store) insertPolicy(ctx context.Context, tx *sqlx.Tx, p *PolicyRecord) error {
	p.Policy = normalised(p.Policy)
	js, err := json.Marshal(p.Policy)
	if err != nil {
		return err
	}
	return tx.GetContext(ctx, &p.ID, s.q(`INSERT INTO subsidy_policies (name, region, year, state, policy, round_state,
		created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		p.Policy.Name, p.Policy.Region, p.Policy.Year, p.State, string(js), p.RoundState, p.CreatedAt, p.UpdatedAt)
}

func (s store) updatePolicy(ctx context.Context, tx *sqlx.Tx, p PolicyRecord) error {
	p.Policy = normalised(p.Policy)
	js, err := json.Marshal(p.Policy)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, s.q(`UPDATE subsidy_policies SET name = ?, region = ?, year = ?, state = ?, policy = ?,
		round_state = ?, closed_at = ?, notice_from = ?, notice_until = ?, updated_at = ? WHERE id = ?`),
		p.Policy.Name, p.Policy.Region, p.Policy.Year, p.State, string(js), p.RoundState, p.ClosedAt, p.NoticeFrom,
		p.NoticeUntil, p.UpdatedAt, p.ID)
	return err
}

const approvalCols = `id, kind, policy_id, application_id, payload, state, prepared_by, prepared_name, decided_by,
	decided_name, reason, created_at, decided_at`

func (s store) insertApproval(ctx context.Context, tx *sqlx.Tx, a *Approval) error {
	return tx.GetContext(ctx, &a.ID, s.q(`INSERT INTO subsidy_approvals (kind, policy_id, application_id, payload, state,
		prepared_by, prepared_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		a.Kind, a.PolicyID, a.ApplicationID, string(a.Payload), a.State, a.PreparedBy, a.PreparedName, a.CreatedAt)
}

func fixApproval(a *Approval) {
	a.CreatedAt = a.CreatedAt.UTC()
	if a.DecidedAt != nil {
		t := a.DecidedAt.UTC()
		a.DecidedAt = &t
	}
}

func (s store) approvals(ctx context.Context, state string) ([]Approval, error) {
	where, args := "1 = 1", []any{}
	if state != "" {
		where, args = "state = ?", append(args, state)
	}
	out := []Approval{}
	err := s.db.SelectContext(ctx, &out, s.q(`SELECT `+approvalCols+` FROM subsidy_approvals WHERE `+where+`
		ORDER BY CASE WHEN state = 'pending' THEN 0 ELSE 1 END, id DESC LIMIT 500`), args...)
	for i := range out {
		fixApproval(&out[i])
	}
	return out, err
}

func (s store) approval(ctx context.Context, tx *sqlx.Tx, id int64) (Approval, error) {
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE subsidy_approvals SET id = id WHERE id = ?`), id); err != nil {
		return Approval{}, err
	}
	var a Approval
	err := tx.GetContext(ctx, &a, s.q(`SELECT `+approvalCols+` FROM subsidy_approvals WHERE id = ?`), id)
	fixApproval(&a)
	return a, err
}

func (s store) decideApproval(ctx context.Context, tx *sqlx.Tx, a Approval) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE subsidy_approvals SET state = ?, decided_by = ?, decided_name = ?, reason = ?,
		decided_at = ? WHERE id = ?`), a.State, a.DecidedBy, a.DecidedName, a.Reason, a.DecidedAt, a.ID)
	return err
}

// firstPledge reports whether some patent of the pledge was never in an
// earlier registered pledge.
func (s store) firstPledge(ctx context.Context, pledgeID int64) (bool, error) {
	var n int
	err := s.db.GetContext(ctx, &n, s.q(`SELECT COUNT(*) FROM pledge_assets a WHERE a.pledge_id = ? AND a.patent_id IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM pledge_assets b WHERE b.patent_id = a.patent_id AND b.pledge_id < a.pledge_id
			AND b.registered_on IS NOT NULL)`), pledgeID)
	return n > 0, err
}

// claimedStates hold a loan's period: all but rejected.
const claimedStates = `('auto_approved','in_review','approved','returned','public_notice','paid','clawed_back')`

func (s store) claimedPeriods(ctx context.Context, tx *sqlx.Tx, loanID, exclude int64) ([]Period, error) {
	var rows []struct {
		From date.Date `db:"period_from"`
		To   date.Date `db:"period_to"`
	}
	err := tx.SelectContext(ctx, &rows, s.q(`SELECT period_from, period_to FROM subsidy_applications WHERE loan_id = ?
		AND kind = 'interest' AND id <> ? AND state IN `+claimedStates), loanID, exclude)
	out := make([]Period, len(rows))
	for i, r := range rows {
		out[i] = Period{r.From, r.To}
	}
	return out, err
}

// prior sums the interest subsidies already granted to an enterprise
// under the policies of a region, by policy year (for the caps). A
// returned application counts nothing until resubmitted; a clawed back
// one counts what was kept.
func (s store) prior(ctx context.Context, tx *sqlx.Tx, orgID int64, region string, exclude int64) ([]Prior, error) {
	var rows []struct {
		Year   int   `db:"policy_year"`
		Amount int64 `db:"amount"`
	}
	err := tx.SelectContext(ctx, &rows, s.q(`SELECT policy_year, SUM(CASE
			WHEN state = 'clawed_back' THEN COALESCE(paid_fen, 0) - COALESCE(clawback_fen, 0)
			WHEN allocated_fen IS NOT NULL THEN allocated_fen ELSE amount_fen END) AS amount
		FROM subsidy_applications WHERE enterprise_org_id = ? AND region = ? AND kind = 'interest' AND id <> ?
		AND state IN ('auto_approved','in_review','approved','public_notice','paid','clawed_back')
		GROUP BY policy_year ORDER BY policy_year`), orgID, region, exclude)
	out := make([]Prior, len(rows))
	for i, r := range rows {
		out[i] = Prior{PolicyYear: r.Year, AmountFen: r.Amount}
	}
	return out, err
}

const applicationCols = `id, policy_id, loan_id, pledge_id, enterprise_org_id, bank_org_id, enterprise_name, bank_name, uscc,
	region, policy_year, kind, period_from, period_to, invoice_fen, loan_principal_fen, state, amount_fen, allocated_fen,
	computation, flags, reason, paid_on, paid_fen, paid_reference, clawback_fen, clawback_reason, submitted_at, decided_at,
	updated_at`

func (s store) insertApplication(ctx context.Context, tx *sqlx.Tx, a *Application) error {
	return tx.GetContext(ctx, &a.ID, s.q(`INSERT INTO subsidy_applications (policy_id, loan_id, pledge_id, enterprise_org_id,
		bank_org_id, enterprise_name, bank_name, uscc, region, policy_year, kind, period_from, period_to, invoice_fen,
		loan_principal_fen, state, amount_fen, computation, flags, submitted_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		a.PolicyID, a.LoanID, a.PledgeID, a.EnterpriseOrgID, a.BankOrgID, a.EnterpriseName, a.BankName, a.USCC, a.Region,
		a.PolicyYear, a.Kind, a.Start, a.End, a.InvoiceFen, a.LoanPrincipalFen, a.State, a.AmountFen, string(a.Computation),
		a.FlagsJSON, a.SubmittedAt, a.UpdatedAt)
}

func (s store) updateApplication(ctx context.Context, tx *sqlx.Tx, a Application) error {
	flags, _ := json.Marshal(a.Flags)
	if a.Flags == nil {
		flags = []byte(a.FlagsJSON)
	}
	_, err := tx.ExecContext(ctx, s.q(`UPDATE subsidy_applications SET state = ?, amount_fen = ?, allocated_fen = ?,
		computation = ?, flags = ?, reason = ?, paid_on = ?, paid_fen = ?, paid_reference = ?, clawback_fen = ?,
		clawback_reason = ?, decided_at = ?, updated_at = ? WHERE id = ?`),
		a.State, a.AmountFen, a.AllocatedFen, string(a.Computation), string(flags), a.Reason, a.PaidOn, a.PaidFen,
		a.PaidReference, a.ClawbackFen, a.ClawbackReason, a.DecidedAt, a.UpdatedAt, a.ID)
	return err
}

func (s store) application(ctx context.Context, q db.Queryer, id int64, lock bool) (Application, error) {
	if lock {
		if _, err := q.ExecContext(ctx, s.q(`UPDATE subsidy_applications SET id = id WHERE id = ?`), id); err != nil {
			return Application{}, err
		}
	}
	var a Application
	err := q.GetContext(ctx, &a, s.q(`SELECT `+applicationCols+` FROM subsidy_applications WHERE id = ?`), id)
	return a, err
}

func (s store) applications(ctx context.Context, f ApplicationFilter, r page.Request) ([]Application, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.OrgID != 0 {
		where = append(where, "(enterprise_org_id = ? OR bank_org_id = ?)")
		args = append(args, f.OrgID, f.OrgID)
	}
	if f.PolicyID != 0 {
		where = append(where, "policy_id = ?")
		args = append(args, f.PolicyID)
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
	var out []Application
	err := s.db.SelectContext(ctx, &out, s.q(`SELECT `+applicationCols+` FROM subsidy_applications WHERE `+
		strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT ?`), args...)
	return out, err
}

// byPolicy lists a policy's applications in some states in submission
// order (the order of ties in the allocation).
func (s store) byPolicy(ctx context.Context, q db.Queryer, policyID int64, states []string) ([]Application, error) {
	query, args, err := sqlx.In(`SELECT `+applicationCols+` FROM subsidy_applications WHERE policy_id = ? AND state IN (?)
		ORDER BY submitted_at, id`, policyID, states)
	if err != nil {
		return nil, err
	}
	var out []Application
	err = sqlx.SelectContext(ctx, q, &out, s.q(query), args...)
	return out, err
}

func (s store) countByPolicy(ctx context.Context, q db.Queryer, policyID int64, state string) (int, error) {
	var n int
	err := q.GetContext(ctx, &n, s.q(`SELECT COUNT(*) FROM subsidy_applications WHERE policy_id = ? AND state = ?`), policyID, state)
	return n, err
}

func (s store) reportItems(ctx context.Context, year int, states []string) ([]Application, error) {
	query, args, err := sqlx.In(`SELECT `+applicationCols+` FROM subsidy_applications WHERE (? = 0 OR policy_year = ?)
		AND state IN (?) ORDER BY id`, year, year, states)
	if err != nil {
		return nil, err
	}
	var out []Application
	err = s.db.SelectContext(ctx, &out, s.q(query), args...)
	return out, err
}

const objectionCols = `id, application_id, objector, text, state, resolution, created_at, resolved_at`

func fixObjection(o *Objection) {
	o.CreatedAt = o.CreatedAt.UTC()
	if o.ResolvedAt != nil {
		t := o.ResolvedAt.UTC()
		o.ResolvedAt = &t
	}
}

func (s store) insertObjection(ctx context.Context, tx *sqlx.Tx, o *Objection, by *int64) error {
	return tx.GetContext(ctx, &o.ID, s.q(`INSERT INTO subsidy_objections (application_id, objector, text, state, recorded_by,
		created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), o.ApplicationID, o.Objector, o.Text, o.State, by, o.CreatedAt)
}

func (s store) objections(ctx context.Context, appID int64) ([]Objection, error) {
	out := []Objection{}
	err := s.db.SelectContext(ctx, &out, s.q(`SELECT `+objectionCols+` FROM subsidy_objections WHERE application_id = ? ORDER BY id`), appID)
	for i := range out {
		fixObjection(&out[i])
	}
	return out, err
}

func (s store) objection(ctx context.Context, tx *sqlx.Tx, id int64) (Objection, error) {
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE subsidy_objections SET id = id WHERE id = ?`), id); err != nil {
		return Objection{}, err
	}
	var o Objection
	err := tx.GetContext(ctx, &o, s.q(`SELECT `+objectionCols+` FROM subsidy_objections WHERE id = ?`), id)
	fixObjection(&o)
	return o, err
}

func (s store) resolveObjection(ctx context.Context, tx *sqlx.Tx, o Objection) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE subsidy_objections SET state = ?, resolution = ?, resolved_at = ? WHERE id = ?`),
		o.State, o.Resolution, o.ResolvedAt, o.ID)
	return err
}

func (s store) openObjections(ctx context.Context, tx *sqlx.Tx, appID int64) (int, error) {
	var n int
	err := tx.GetContext(ctx, &n, s.q(`SELECT COUNT(*) FROM subsidy_objections WHERE application_id = ? AND state = 'open'`), appID)
	return n, err
}

func (s store) insertAttachment(ctx context.Context, tx *sqlx.Tx, at *Attachment, by *int64) error {
	return tx.GetContext(ctx, &at.ID, s.q(`INSERT INTO subsidy_attachments (application_id, kind, filename, content_type,
		size_bytes, sha256, content, uploaded_by_org, uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		at.ApplicationID, at.Kind, at.Filename, at.ContentType, at.SizeBytes, at.SHA256, at.Content, at.UploadedByOrgID, by, at.CreatedAt)
}

func (s store) attachments(ctx context.Context, appID int64) ([]Attachment, error) {
	out := []Attachment{}
	err := s.db.SelectContext(ctx, &out, s.q(`SELECT id, application_id, kind, filename, content_type, size_bytes, sha256,
		uploaded_by_org, created_at FROM subsidy_attachments WHERE application_id = ? ORDER BY id`), appID)
	return out, err
}

func (s store) attachment(ctx context.Context, appID, id int64) (Attachment, error) {
	var at Attachment
	err := s.db.GetContext(ctx, &at, s.q(`SELECT id, application_id, kind, filename, content_type, size_bytes, sha256,
		uploaded_by_org, created_at, content FROM subsidy_attachments WHERE application_id = ? AND id = ?`), appID, id)
	return at, err
}

// RawJSON is a JSON document kept in a TEXT column; it scans from the
// string or bytes the drivers return and is written as is.
type RawJSON []byte

// Scan reads the column.
func (r *RawJSON) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*r = nil
	case string:
		*r = RawJSON(v)
	case []byte:
		*r = append(RawJSON(nil), v...)
	default:
		return fmt.Errorf("subsidy: cannot scan %T as JSON", src)
	}
	return nil
}

// MarshalJSON writes the document (null when empty).
func (r RawJSON) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	return r, nil
}
