package licensing

import (
	"context"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/account"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
)

// store holds the package's SQL, portable across SQLite and PostgreSQL.
type store struct{ db *db.DB }

func (s store) q(query string) string { return s.db.Rebind(query) }

// pageOf runs a query of rows keyed by id ascending after r.After.
func pageQuery(base string, where []string, args []any, r page.Request) (string, []any) {
	if r.After > 0 {
		where = append(where, "x.id > ?")
		args = append(args, r.After)
	}
	if len(where) == 0 {
		where = []string{"1 = 1"}
	}
	return base + ` WHERE ` + strings.Join(where, " AND ") + ` ORDER BY x.id LIMIT ?`, append(args, r.Limit+1)
}

// ---- status

func (s store) status(ctx context.Context, q db.Queryer, patentID int64) (Status, error) {
	var st Status
	err := q.GetContext(ctx, &st, s.q(`SELECT patent_id, dormant, open_licence, screening_score, dormancy_reason, reason_codes,
		last_activity_on, updated_at FROM licensing_status WHERE patent_id = ?`), patentID)
	st.ReasonCodes = splitCodes(st.Codes)
	st.UpdatedAt = st.UpdatedAt.UTC()
	return st, err
}

func splitCodes(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func (s store) putStatus(ctx context.Context, tx *sqlx.Tx, st Status) error {
	var last any
	if !st.LastActivityOn.IsZero() {
		last = st.LastActivityOn
	}
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO licensing_status (patent_id, dormant, open_licence, screening_score,
		dormancy_reason, reason_codes, last_activity_on, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (patent_id) DO UPDATE SET dormant = excluded.dormant, open_licence = excluded.open_licence,
		screening_score = excluded.screening_score, dormancy_reason = excluded.dormancy_reason,
		reason_codes = excluded.reason_codes, last_activity_on = excluded.last_activity_on, updated_at = excluded.updated_at`),
		st.PatentID, st.Dormant, st.OpenLicence, st.ScreeningScore, st.Reason, st.Codes, last, st.UpdatedAt)
	return err
}

func (s store) listedPatents(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := s.db.SelectContext(ctx, &ids, `SELECT patent_id FROM licensing_listings ORDER BY patent_id`)
	return ids, err
}

func (s store) isListed(ctx context.Context, q db.Queryer, patentID int64) (bool, error) {
	var n int
	err := q.GetContext(ctx, &n, s.q(`SELECT COUNT(*) FROM licensing_listings WHERE patent_id = ?`), patentID)
	return n > 0, err
}

func (s store) orgKind(ctx context.Context, q db.Queryer, orgID int64) (account.OrgKind, error) {
	var k account.OrgKind
	err := q.GetContext(ctx, &k, s.q(`SELECT kind FROM organisations WHERE id = ?`), orgID)
	return k, err
}

// lastRegistryTransfer is the effective date of the latest transfer the
// registry recorded (package registry's table patent_transfers).
func (s store) lastRegistryTransfer(ctx context.Context, q db.Queryer, patentID int64) (date.Date, error) {
	var d date.Date
	err := q.GetContext(ctx, &d, s.q(`SELECT MAX(effective_date) FROM patent_transfers WHERE patent_id = ?`), patentID)
	return d, err
}

// ---- listings

const listingCols = `x.id, x.patent_id, x.org_id, p.application_number, p.title, p.type, p.grant_date, p.legal_status,
	x.prospect, x.prospect_note, x.assessed_on, x.created_at, x.updated_at`

const listingFrom = `SELECT ` + listingCols + ` FROM licensing_listings x JOIN patents p ON p.id = x.patent_id`

func (s store) insertListing(ctx context.Context, tx *sqlx.Tx, l *Listing, by *int64) error {
	var assessed any
	if !l.AssessedOn.IsZero() {
		assessed = l.AssessedOn
	}
	return tx.GetContext(ctx, &l.ID, s.q(`INSERT INTO licensing_listings (patent_id, org_id, prospect, prospect_note, assessed_on,
		created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		l.PatentID, l.OrgID, l.Prospect, l.ProspectNote, assessed, by, l.CreatedAt, l.UpdatedAt)
}

func (s store) listing(ctx context.Context, q db.Queryer, id int64) (Listing, error) {
	var l Listing
	err := q.GetContext(ctx, &l, s.q(listingFrom+` WHERE x.id = ?`), id)
	return l, err
}

func (s store) listingByPatent(ctx context.Context, q db.Queryer, patentID int64) (Listing, error) {
	var l Listing
	err := q.GetContext(ctx, &l, s.q(listingFrom+` WHERE x.patent_id = ?`), patentID)
	return l, err
}

func (s store) listings(ctx context.Context, f ListingFilter, r page.Request) ([]Listing, error) {
	var where []string
	var args []any
	base := listingFrom
	if f.OrgID != 0 {
		where = append(where, "x.org_id = ?")
		args = append(args, f.OrgID)
	}
	if f.Prospect != "" {
		where = append(where, "x.prospect = ?")
		args = append(args, f.Prospect)
	}
	if f.Dormant != nil {
		base += ` JOIN licensing_status st ON st.patent_id = x.patent_id`
		where = append(where, "st.dormant = ?")
		args = append(args, *f.Dormant)
	}
	query, args := pageQuery(base, where, args, r)
	var ls []Listing
	err := s.db.SelectContext(ctx, &ls, s.q(query), args...)
	return ls, err
}

func (s store) setAssessment(ctx context.Context, tx *sqlx.Tx, id int64, p Prospect, note string, on date.Date, now time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE licensing_listings SET prospect = ?, prospect_note = ?, assessed_on = ?, updated_at = ?
		WHERE id = ?`), p, note, on, now, id)
	return err
}

func (s store) feedbackCounts(ctx context.Context, q db.Queryer, listingID int64) (FeedbackCounts, error) {
	var c FeedbackCounts
	err := q.GetContext(ctx, &c, s.q(`SELECT
		COUNT(CASE WHEN kind = 'interest' THEN 1 END) AS interest,
		COUNT(CASE WHEN kind = 'price_view' THEN 1 END) AS price_view,
		COUNT(CASE WHEN kind = 'not_relevant' THEN 1 END) AS not_relevant
		FROM licensing_feedback WHERE listing_id = ?`), listingID)
	return c, err
}

func (s store) insertFeedback(ctx context.Context, tx *sqlx.Tx, f *Feedback, by *int64) error {
	return tx.GetContext(ctx, &f.ID, s.q(`INSERT INTO licensing_feedback (listing_id, org_id, kind, price_view_fen, comment,
		created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		f.ListingID, f.OrgID, f.Kind, f.PriceViewFen, f.Comment, by, f.CreatedAt)
}

// abandonment lists the organisation's listings rated none, assessed on
// or before the day, without any feedback.
func (s store) abandonment(ctx context.Context, orgID int64, assessedBy date.Date) ([]Listing, error) {
	var ls []Listing
	err := s.db.SelectContext(ctx, &ls, s.q(listingFrom+` WHERE x.org_id = ? AND x.prospect = 'none' AND x.assessed_on <= ?
		AND NOT EXISTS (SELECT 1 FROM licensing_feedback f WHERE f.listing_id = x.id) ORDER BY x.id`), orgID, assessedBy)
	return ls, err
}

// ---- events

const eventCols = `id, patent_id, kind, licence_kind, counterparty, licensee_org_id, effective_on, end_on, open_licence_id,
	intent_id, note, created_at`

func (s store) events(ctx context.Context, q db.Queryer, patentID int64) ([]Event, error) {
	es := []Event{}
	err := q.SelectContext(ctx, &es, s.q(`SELECT `+eventCols+` FROM licensing_events WHERE patent_id = ? ORDER BY effective_on, id`),
		patentID)
	return es, err
}

func (s store) event(ctx context.Context, q db.Queryer, id int64) (Event, error) {
	var e Event
	err := q.GetContext(ctx, &e, s.q(`SELECT `+eventCols+` FROM licensing_events WHERE id = ?`), id)
	return e, err
}

func (s store) insertEvent(ctx context.Context, tx *sqlx.Tx, e *Event, by *int64) error {
	var end any
	if !e.EndOn.IsZero() {
		end = e.EndOn
	}
	return tx.GetContext(ctx, &e.ID, s.q(`INSERT INTO licensing_events (patent_id, kind, licence_kind, counterparty, licensee_org_id,
		effective_on, end_on, open_licence_id, intent_id, note, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		RETURNING id`), e.PatentID, e.Kind, e.LicenceKind, e.Counterparty, e.LicenseeOrgID, e.EffectiveOn, end, e.OpenLicenceID,
		e.IntentID, e.Note, by, e.CreatedAt)
}

// ---- open licences

const openCols = `x.id, x.patent_id, p.application_number, p.title, x.org_id, x.state, x.mode, x.lump_sum_fen, x.down_payment_fen,
	x.royalty_base, x.royalty_rate, x.payment_schedule, x.term_years, x.evaluation_report, x.justification, x.declared_at,
	x.withdrawn_at, x.withdraw_reason`

const openFrom = `SELECT ` + openCols + ` FROM licensing_open_licences x JOIN patents p ON p.id = x.patent_id`

func (s store) activeOpenLicence(ctx context.Context, q db.Queryer, patentID int64) (OpenLicence, error) {
	var o OpenLicence
	err := q.GetContext(ctx, &o, s.q(openFrom+` WHERE x.patent_id = ? AND x.state = 'active'`), patentID)
	return o, err
}

func (s store) openLicence(ctx context.Context, q db.Queryer, id int64) (OpenLicence, error) {
	var o OpenLicence
	err := q.GetContext(ctx, &o, s.q(openFrom+` WHERE x.id = ?`), id)
	return o, err
}

func (s store) openLicences(ctx context.Context, f OpenLicenceFilter, r page.Request) ([]OpenLicence, error) {
	var where []string
	var args []any
	if f.OrgID != 0 {
		where = append(where, "x.org_id = ?")
		args = append(args, f.OrgID)
	}
	if f.State != "" {
		where = append(where, "x.state = ?")
		args = append(args, f.State)
	}
	query, args := pageQuery(openFrom, where, args, r)
	var os []OpenLicence
	err := s.db.SelectContext(ctx, &os, s.q(query), args...)
	return os, err
}

func (s store) insertOpenLicence(ctx context.Context, tx *sqlx.Tx, o *OpenLicence, by *int64) error {
	return tx.GetContext(ctx, &o.ID, s.q(`INSERT INTO licensing_open_licences (patent_id, org_id, state, mode, lump_sum_fen,
		down_payment_fen, royalty_base, royalty_rate, payment_schedule, term_years, evaluation_report, justification, declared_at,
		created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		o.PatentID, o.OrgID, o.State, o.Mode, o.LumpSumFen, o.DownPaymentFen, o.RoyaltyBase, o.RoyaltyRate, o.PaymentSchedule,
		o.TermYears, o.EvaluationReport, o.Justification, o.DeclaredAt, by)
}

func (s store) withdrawOpenLicence(ctx context.Context, tx *sqlx.Tx, id int64, reason string, at time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE licensing_open_licences SET state = 'withdrawn', withdrawn_at = ?, withdraw_reason = ?
		WHERE id = ?`), at, reason, id)
	return err
}

// ---- payments

const paymentCols = `id, licence_id, position, kind, due_on, amount_fen, paid_fen, paid_on, confirmed_at`

func (s store) insertPayment(ctx context.Context, tx *sqlx.Tx, p *Payment) error {
	return tx.GetContext(ctx, &p.ID, s.q(`INSERT INTO licensing_payments (licence_id, position, kind, due_on, amount_fen)
		VALUES (?, ?, ?, ?, ?) RETURNING id`), p.LicenceID, p.Position, p.Kind, p.DueOn, p.AmountFen)
}

func (s store) payments(ctx context.Context, q db.Queryer, licenceID int64) ([]Payment, error) {
	ps := []Payment{}
	err := q.SelectContext(ctx, &ps, s.q(`SELECT `+paymentCols+` FROM licensing_payments WHERE licence_id = ? ORDER BY position`),
		licenceID)
	return ps, err
}

func (s store) payment(ctx context.Context, q db.Queryer, id int64) (Payment, error) {
	var p Payment
	err := q.GetContext(ctx, &p, s.q(`SELECT `+paymentCols+` FROM licensing_payments WHERE id = ?`), id)
	return p, err
}

func (s store) confirmPayment(ctx context.Context, tx *sqlx.Tx, id, paid int64, on date.Date, by *int64, at time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE licensing_payments SET paid_fen = ?, paid_on = ?, confirmed_by = ?, confirmed_at = ?
		WHERE id = ?`), paid, on, by, at, id)
	return err
}

// ---- intents

const intentCols = `x.id, x.patent_id, p.application_number, p.title, x.enterprise_org_id, x.tto_org_id, x.state, x.message,
	x.licence_id, x.reason, x.created_at, x.updated_at`

const intentFrom = `SELECT ` + intentCols + ` FROM licensing_intents x JOIN patents p ON p.id = x.patent_id`

func (s store) insertIntent(ctx context.Context, tx *sqlx.Tx, in *Intent, by *int64) error {
	return tx.GetContext(ctx, &in.ID, s.q(`INSERT INTO licensing_intents (patent_id, enterprise_org_id, tto_org_id, state, message,
		created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		in.PatentID, in.EnterpriseOrgID, in.TTOOrgID, in.State, in.Message, by, in.CreatedAt, in.UpdatedAt)
}

func (s store) intent(ctx context.Context, q db.Queryer, id int64) (Intent, error) {
	var in Intent
	err := q.GetContext(ctx, &in, s.q(intentFrom+` WHERE x.id = ?`), id)
	return in, err
}

func (s store) intents(ctx context.Context, f IntentFilter, r page.Request) ([]Intent, error) {
	where := []string{"(x.enterprise_org_id = ? OR x.tto_org_id = ?)"}
	args := []any{f.OrgID, f.OrgID}
	if f.State != "" {
		where = append(where, "x.state = ?")
		args = append(args, f.State)
	}
	query, args := pageQuery(intentFrom, where, args, r)
	var is []Intent
	err := s.db.SelectContext(ctx, &is, s.q(query), args...)
	return is, err
}

func (s store) setIntent(ctx context.Context, tx *sqlx.Tx, in Intent) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE licensing_intents SET state = ?, licence_id = ?, reason = ?, updated_at = ? WHERE id = ?`),
		in.State, in.LicenceID, in.Reason, in.UpdatedAt, in.ID)
	return err
}

func (s store) insertMessage(ctx context.Context, tx *sqlx.Tx, m *Message, by *int64) error {
	return tx.GetContext(ctx, &m.ID, s.q(`INSERT INTO licensing_intent_messages (intent_id, from_org_id, body, created_by, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`), m.IntentID, m.FromOrgID, m.Body, by, m.CreatedAt)
}

func (s store) messages(ctx context.Context, q db.Queryer, intentID int64) ([]Message, error) {
	ms := []Message{}
	err := q.SelectContext(ctx, &ms, s.q(`SELECT id, intent_id, from_org_id, body, created_at FROM licensing_intent_messages
		WHERE intent_id = ? ORDER BY id`), intentID)
	return ms, err
}

func (s store) orgName(ctx context.Context, q db.Queryer, orgID int64) (string, error) {
	var n string
	err := q.GetContext(ctx, &n, s.q(`SELECT name FROM organisations WHERE id = ?`), orgID)
	return n, err
}
