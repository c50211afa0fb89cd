package pledge

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
)

// store holds the package's SQL, portable across SQLite and PostgreSQL.
type store struct{ db *db.DB }

func (s store) q(query string) string { return s.db.Rebind(query) }

const pledgeCols = `id, pledgor_org_id, pledgee_org_id, state, pledgor_name, pledgor_address, pledgee_name, pledgee_address,
	contract_number, contract_date, secured_claim_kind, secured_amount_fen, debt_start, debt_end, scope, annual_fee_payer,
	transfer_allowed, licensing_allowed, valuation_id, forfeiture_clause, all_co_owners_consent, special_agreement,
	confirmed_dual_filing, confirmed_invalidation, submitted_at, deadline, decided_at, decision_reason, cited_grounds,
	impaired, impaired_reason, created_at, updated_at`

func splitGrounds(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func (s store) pledge(ctx context.Context, q db.Queryer, id int64) (Pledge, error) {
	var p Pledge
	err := q.GetContext(ctx, &p, s.q(`SELECT `+pledgeCols+` FROM pledges WHERE id = ?`), id)
	return p, err
}

func (s store) list(ctx context.Context, f Filter, r page.Request) ([]Pledge, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.OrgID != 0 {
		where = append(where, "(pledgor_org_id = ? OR pledgee_org_id = ?)")
		args = append(args, f.OrgID, f.OrgID)
	}
	if f.State != "" {
		where = append(where, "state = ?")
		args = append(args, f.State)
	}
	order := "id DESC"
	if f.Queue {
		// The examination queue: earliest deadline first; the cursor
		// packs (deadline, id), see queueKey.
		order = "deadline, id"
		if r.After > 0 {
			d, id := queueCursor(r.After)
			where = append(where, "(deadline > ? OR (deadline = ? AND id > ?))")
			args = append(args, d, d, id)
		}
	} else if r.After > 0 {
		where = append(where, "id < ?")
		args = append(args, r.After)
	}
	query := `SELECT ` + pledgeCols + ` FROM pledges WHERE ` + strings.Join(where, " AND ") + ` ORDER BY ` + order + ` LIMIT ?`
	args = append(args, r.Limit+1)
	var ps []Pledge
	err := s.db.SelectContext(ctx, &ps, s.q(query), args...)
	return ps, err
}

// queueKey is the cursor key of the examination queue: the deadline's
// day number and the id in one int64.
func queueKey(p Pledge) int64 {
	return int64(epoch.DaysUntil(p.Deadline))*1e10 + p.ID
}

var epoch = date.New(2000, 1, 1)

func queueCursor(k int64) (date.Date, int64) { return epoch.AddDays(int(k / 1e10)), k % 1e10 }

func (s store) assets(ctx context.Context, q db.Queryer, ids []int64) (map[int64][]Asset, error) {
	out := map[int64][]Asset{}
	if len(ids) == 0 {
		return out, nil
	}
	query, args, err := sqlx.In(`SELECT id, pledge_id, position, kind, patent_id, number, title, share_bp, state,
		registration_number, registered_on FROM pledge_assets WHERE pledge_id IN (?) ORDER BY pledge_id, position`, ids)
	if err != nil {
		return nil, err
	}
	var as []Asset
	if err := sqlx.SelectContext(ctx, q, &as, s.q(query), args...); err != nil {
		return nil, err
	}
	for _, a := range as {
		out[a.PledgeID] = append(out[a.PledgeID], a)
	}
	return out, nil
}

func (s store) insertPledge(ctx context.Context, tx *sqlx.Tx, p *Pledge) error {
	return tx.GetContext(ctx, &p.ID, s.q(`INSERT INTO pledges (pledgor_org_id, pledgee_org_id, state, pledgor_name,
		pledgor_address, pledgee_name, pledgee_address, contract_number, contract_date, secured_claim_kind, secured_amount_fen,
		debt_start, debt_end, scope, annual_fee_payer, transfer_allowed, licensing_allowed, forfeiture_clause,
		all_co_owners_consent, special_agreement, confirmed_dual_filing, confirmed_invalidation, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		p.PledgorOrgID, p.PledgeeOrgID, p.State, p.PledgorName, p.PledgorAddress, p.PledgeeName, p.PledgeeAddress,
		p.ContractNumber, p.ContractDate, p.SecuredClaimKind, p.SecuredAmountFen, p.DebtStart, p.DebtEnd, p.Scope,
		p.AnnualFeePayer, p.TransferAllowed, p.LicensingAllowed, p.ForfeitureClause, p.AllCoOwnersConsent,
		p.SpecialAgreement, p.ConfirmedDualFiling, p.ConfirmedInvalidation, p.CreatedAt, p.UpdatedAt)
}

// updateContent rewrites the particulars (a draft's edit, a registered
// change).
func (s store) updateContent(ctx context.Context, tx *sqlx.Tx, p *Pledge) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE pledges SET pledgee_org_id = ?, pledgor_name = ?, pledgor_address = ?,
		pledgee_name = ?, pledgee_address = ?, contract_number = ?, contract_date = ?, secured_claim_kind = ?,
		secured_amount_fen = ?, debt_start = ?, debt_end = ?, scope = ?, annual_fee_payer = ?, transfer_allowed = ?,
		licensing_allowed = ?, forfeiture_clause = ?, all_co_owners_consent = ?, special_agreement = ?,
		confirmed_dual_filing = ?, confirmed_invalidation = ?, updated_at = ? WHERE id = ?`),
		p.PledgeeOrgID, p.PledgorName, p.PledgorAddress, p.PledgeeName, p.PledgeeAddress, p.ContractNumber, p.ContractDate,
		p.SecuredClaimKind, p.SecuredAmountFen, p.DebtStart, p.DebtEnd, p.Scope, p.AnnualFeePayer, p.TransferAllowed,
		p.LicensingAllowed, p.ForfeitureClause, p.AllCoOwnersConsent, p.SpecialAgreement, p.ConfirmedDualFiling,
		p.ConfirmedInvalidation, p.UpdatedAt, p.ID)
	return err
}

func (s store) insertAssets(ctx context.Context, tx *sqlx.Tx, pledgeID int64, as []Asset) error {
	for _, a := range as {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO pledge_assets (pledge_id, position, kind, patent_id, number, title,
			share_bp, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			pledgeID, a.Position, a.Kind, a.PatentID, a.Number, a.Title, a.ShareBP, a.State); err != nil {
			return err
		}
	}
	return nil
}

func (s store) deleteAssets(ctx context.Context, tx *sqlx.Tx, pledgeID int64) error {
	_, err := tx.ExecContext(ctx, s.q(`DELETE FROM pledge_assets WHERE pledge_id = ?`), pledgeID)
	return err
}

// stateColumns are the columns a transition may set beside the state.
var stateColumns = map[string]bool{"submitted_at": true, "deadline": true, "decided_at": true, "decision_reason": true,
	"cited_grounds": true}

// setState moves a pledge from one state to another if it is still in
// the first, and reports how many rows changed (0: someone was faster).
func (s store) setState(ctx context.Context, tx *sqlx.Tx, id int64, from, to State, set map[string]any, now time.Time) (int64, error) {
	cols := make([]string, 0, len(set))
	for k := range set {
		if !stateColumns[k] {
			panic("pledge: setState of column " + k)
		}
		cols = append(cols, k)
	}
	sort.Strings(cols)
	assign, args := "state = ?, updated_at = ?", []any{to, now}
	for _, c := range cols {
		assign += ", " + c + " = ?"
		args = append(args, set[c])
	}
	args = append(args, id, from)
	res, err := tx.ExecContext(ctx, s.q(`UPDATE pledges SET `+assign+` WHERE id = ? AND state = ?`), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// setAssetStates sets the state of a pledge's assets. Registration
// concerns the patents only (trademarks and copyrights are registered by
// their own registries and entered one by one) and dates them.
func (s store) setAssetStates(ctx context.Context, tx *sqlx.Tx, pledgeID int64, state string, on *date.Date) error {
	if state == AssetRegistered {
		_, err := tx.ExecContext(ctx, s.q(`UPDATE pledge_assets SET state = ?, registered_on = ? WHERE pledge_id = ? AND kind = 'patent'`),
			state, *on, pledgeID)
		return err
	}
	_, err := tx.ExecContext(ctx, s.q(`UPDATE pledge_assets SET state = ? WHERE pledge_id = ?`), state, pledgeID)
	return err
}

func (s store) nextSerial(ctx context.Context, tx *sqlx.Tx, year int) (int64, error) {
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO pledge_serials (year, last) VALUES (?, 0) ON CONFLICT (year) DO NOTHING`), year); err != nil {
		return 0, err
	}
	var n int64
	err := tx.GetContext(ctx, &n, s.q(`UPDATE pledge_serials SET last = last + 1 WHERE year = ? RETURNING last`), year)
	return n, err
}

func (s store) setRegistrationNumber(ctx context.Context, tx *sqlx.Tx, assetID int64, no string) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE pledge_assets SET registration_number = ? WHERE id = ?`), no, assetID)
	return err
}

func (s store) setExternalRegistration(ctx context.Context, tx *sqlx.Tx, assetID int64, no string, on date.Date) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE pledge_assets SET registration_number = ?, registered_on = ?, state = 'registered'
		WHERE id = ?`), no, on, assetID)
	return err
}

// inForceElsewhere tells whether another pledge is in force on a patent.
func (s store) inForceElsewhere(ctx context.Context, q db.Queryer, patentID, pledgeID int64) (bool, error) {
	var n int
	err := q.GetContext(ctx, &n, s.q(`SELECT count(*) FROM pledge_assets WHERE patent_id = ? AND state = 'registered'
		AND pledge_id <> ?`), patentID, pledgeID)
	return n > 0, err
}

// pledgeInForceOn returns the pledge in force on a patent.
func (s store) pledgeInForceOn(ctx context.Context, q db.Queryer, patentID int64) (Pledge, error) {
	var p Pledge
	err := q.GetContext(ctx, &p, s.q(`SELECT `+pledgeCols+` FROM pledges WHERE id =
		(SELECT pledge_id FROM pledge_assets WHERE patent_id = ? AND state = 'registered')`), patentID)
	return p, err
}

func (s store) inForceSince(ctx context.Context, patentID int64) (date.Date, error) {
	var d date.Date
	err := s.db.GetContext(ctx, &d, s.q(`SELECT registered_on FROM pledge_assets WHERE patent_id = ? AND state = 'registered'`), patentID)
	return d, err
}

func (s store) setImpaired(ctx context.Context, tx *sqlx.Tx, id int64, reason string, now time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE pledges SET impaired = ?, impaired_reason = ?, updated_at = ? WHERE id = ?`),
		true, reason, now, id)
	return err
}

func (s store) insertEvent(ctx context.Context, tx *sqlx.Tx, pledgeID int64, action, from, to string, detail map[string]any,
	actorID *int64, actor string, at time.Time) error {
	d := ""
	if len(detail) > 0 {
		b, err := json.Marshal(detail)
		if err != nil {
			return err
		}
		d = string(b)
	}
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO pledge_events (pledge_id, action, from_state, to_state, detail, actor_id, actor, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), pledgeID, action, from, to, d, actorID, actor, at)
	return err
}

func (s store) events(ctx context.Context, pledgeID int64, r page.Request) ([]Event, error) {
	var es []Event
	err := s.db.SelectContext(ctx, &es, s.q(`SELECT id, action, from_state, to_state, detail, actor, at FROM pledge_events
		WHERE pledge_id = ? AND id > ? ORDER BY id LIMIT ?`), pledgeID, r.After, r.Limit+1)
	return es, err
}

func (s store) insertAlert(ctx context.Context, tx *sqlx.Tx, a *Alert) error {
	if err := tx.GetContext(ctx, &a.Seq, `SELECT COALESCE(max(seq), 0) + 1 FROM pledge_alerts`); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO pledge_alerts (seq, pledge_id, pledgor_org_id, pledgee_org_id, to_pledgor, kind,
		patent_number, legal_status, due_on, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		a.Seq, a.PledgeID, a.PledgorOrgID, a.PledgeeOrgID, a.ToPledgor, a.Kind, a.PatentNumber, a.LegalStatus, a.DueOn, a.Detail, a.At)
	return err
}

// alerts returns an organisation's alerts after a sequence number: as
// pledgee all of them, as pledgor those addressed to it (0: all).
func (s store) alerts(ctx context.Context, orgID int64, r page.Request) ([]Alert, error) {
	var as []Alert
	const cols = `seq, pledge_id, pledgor_org_id, pledgee_org_id, to_pledgor, kind, patent_number, legal_status, due_on, detail, at`
	if orgID == 0 {
		err := s.db.SelectContext(ctx, &as, s.q(`SELECT `+cols+` FROM pledge_alerts WHERE seq > ? ORDER BY seq LIMIT ?`), r.After, r.Limit+1)
		return as, err
	}
	err := s.db.SelectContext(ctx, &as, s.q(`SELECT `+cols+` FROM pledge_alerts WHERE seq > ?
		AND (pledgee_org_id = ? OR (pledgor_org_id = ? AND to_pledgor = ?)) ORDER BY seq LIMIT ?`), r.After, orgID, orgID, true, r.Limit+1)
	return as, err
}

func (s store) feesDue(ctx context.Context, from, to date.Date) ([]feeDue, error) {
	var ds []feeDue
	err := s.db.SelectContext(ctx, &ds, s.q(`SELECT p.id AS pledge_id, p.pledgor_org_id, p.pledgee_org_id, a.number, a.title,
		pt.fee_paid_until FROM pledge_assets a JOIN pledges p ON p.id = a.pledge_id JOIN patents pt ON pt.id = a.patent_id
		WHERE a.state = 'registered' AND pt.fee_paid_until >= ? AND pt.fee_paid_until <= ? ORDER BY p.id, a.position`), from, to)
	return ds, err
}

func (s store) feeAlertExists(ctx context.Context, q db.Queryer, pledgeID int64, number string, due date.Date) (bool, error) {
	var n int
	err := q.GetContext(ctx, &n, s.q(`SELECT count(*) FROM pledge_alerts WHERE kind = 'annual_fee_due' AND pledge_id = ?
		AND patent_number = ? AND due_on = ?`), pledgeID, number, due)
	return n > 0, err
}

func (s store) insertConsent(ctx context.Context, tx *sqlx.Tx, c *Consent, patentID int64, by *int64) error {
	return tx.GetContext(ctx, &c.ID, s.q(`INSERT INTO pledge_consents (pledge_id, patent_id, kind, counterparty, note, created_by,
		created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`), c.PledgeID, patentID, c.Kind, c.Counterparty, c.Note, by, c.CreatedAt)
}

func (s store) consents(ctx context.Context, pledgeID int64) ([]Consent, error) {
	cs := []Consent{}
	err := s.db.SelectContext(ctx, &cs, s.q(`SELECT c.id, c.pledge_id, p.application_number AS number, c.kind, c.counterparty,
		c.note, c.used_at, c.created_at FROM pledge_consents c JOIN patents p ON p.id = c.patent_id WHERE c.pledge_id = ? ORDER BY c.id`),
		pledgeID)
	return cs, err
}

func (s store) unusedConsent(ctx context.Context, tx *sqlx.Tx, pledgeID, patentID int64, kind string) (int64, error) {
	var id int64
	err := tx.GetContext(ctx, &id, s.q(`SELECT id FROM pledge_consents WHERE pledge_id = ? AND patent_id = ? AND kind = ?
		AND used_at IS NULL ORDER BY id LIMIT 1`), pledgeID, patentID, kind)
	return id, err
}

func (s store) useConsent(ctx context.Context, tx *sqlx.Tx, id int64, at time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE pledge_consents SET used_at = ? WHERE id = ?`), at, id)
	return err
}

func (s store) openAmendment(ctx context.Context, q db.Queryer, pledgeID int64) (bool, error) {
	var n int
	err := q.GetContext(ctx, &n, s.q(`SELECT count(*) FROM pledge_amendments WHERE pledge_id = ?
		AND state IN ('awaiting_confirmation', 'submitted')`), pledgeID)
	return n > 0, err
}

const amendmentCols = `id, pledge_id, kind, state, filed_by_org, detail, reason, submitted_at, deadline, decided_at,
	decision_reason, created_at`

func (s store) insertAmendment(ctx context.Context, tx *sqlx.Tx, m *Amendment) error {
	return tx.GetContext(ctx, &m.ID, s.q(`INSERT INTO pledge_amendments (pledge_id, kind, state, filed_by_org, detail, reason,
		submitted_at, deadline, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		m.PledgeID, m.Kind, m.State, m.FiledByOrgID, m.Detail, m.Reason, m.SubmittedAt, m.Deadline, m.CreatedAt)
}

func (s store) amendment(ctx context.Context, q db.Queryer, id int64) (Amendment, error) {
	var m Amendment
	err := q.GetContext(ctx, &m, s.q(`SELECT `+amendmentCols+` FROM pledge_amendments WHERE id = ?`), id)
	return m, err
}

func (s store) amendments(ctx context.Context, f AmendmentFilter, r page.Request) ([]Amendment, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.PledgeID != 0 {
		where = append(where, "pledge_id = ?")
		args = append(args, f.PledgeID)
	}
	if f.State != "" {
		where = append(where, "state = ?")
		args = append(args, f.State)
	}
	if f.OrgID != 0 {
		where = append(where, "pledge_id IN (SELECT id FROM pledges WHERE pledgor_org_id = ? OR pledgee_org_id = ?)")
		args = append(args, f.OrgID, f.OrgID)
	}
	where = append(where, "id > ?")
	args = append(args, r.After, r.Limit+1)
	var ms []Amendment
	err := s.db.SelectContext(ctx, &ms, s.q(`SELECT `+amendmentCols+` FROM pledge_amendments WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id LIMIT ?`), args...)
	return ms, err
}

// setAmendment moves an amendment to a state if it is still in the one
// it was read in.
func (s store) setAmendment(ctx context.Context, tx *sqlx.Tx, m *Amendment, to string) (int64, error) {
	res, err := tx.ExecContext(ctx, s.q(`UPDATE pledge_amendments SET state = ?, submitted_at = ?, deadline = ?, decided_at = ?,
		decision_reason = ? WHERE id = ? AND state = ?`), to, m.SubmittedAt, m.Deadline, m.DecidedAt, m.DecisionReason, m.ID, m.State)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (s store) insertAttachment(ctx context.Context, tx *sqlx.Tx, a *Attachment, by *int64) error {
	return tx.GetContext(ctx, &a.ID, s.q(`INSERT INTO pledge_attachments (pledge_id, kind, filename, content_type, size_bytes,
		sha256, content, uploaded_by_org, uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		a.PledgeID, a.Kind, a.Filename, a.ContentType, a.SizeBytes, a.SHA256, a.Content, a.UploadedByOrgID, by, a.CreatedAt)
}

const attachmentCols = `id, pledge_id, kind, filename, content_type, size_bytes, sha256, uploaded_by_org, created_at`

func (s store) attachments(ctx context.Context, pledgeID int64) ([]Attachment, error) {
	as := []Attachment{}
	err := s.db.SelectContext(ctx, &as, s.q(`SELECT `+attachmentCols+` FROM pledge_attachments WHERE pledge_id = ? ORDER BY id`), pledgeID)
	return as, err
}

func (s store) attachment(ctx context.Context, pledgeID, id int64) (Attachment, error) {
	var a Attachment
	err := s.db.GetContext(ctx, &a, s.q(`SELECT `+attachmentCols+`, content FROM pledge_attachments WHERE pledge_id = ? AND id = ?`),
		pledgeID, id)
	return a, err
}

func (s store) setValuation(ctx context.Context, tx *sqlx.Tx, id, valuationID int64) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE pledges SET valuation_id = ? WHERE id = ?`), valuationID, id)
	return err
}

// valuationParty tells whether an organisation is a party to a pledge
// the valuation is attached to.
func (s store) valuationParty(ctx context.Context, valuationID, orgID int64) (bool, error) {
	var n int
	err := s.db.GetContext(ctx, &n, s.q(`SELECT count(*) FROM pledges WHERE valuation_id = ?
		AND (pledgor_org_id = ? OR pledgee_org_id = ?)`), valuationID, orgID, orgID)
	return n > 0, err
}
