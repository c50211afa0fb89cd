package registry

import (
	"context"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
)

// store holds the package's SQL, portable across SQLite and PostgreSQL.
type store struct{ db *db.DB }

func (s store) q(query string) string { return s.db.Rebind(query) }

const patentCols = `id, application_number, publication_number, grant_number, type, title, abstract, main_claim, ipc_codes,
	filing_date, grant_date, legal_status, fee_paid_until, claims_count, forward_citations, family_size, government_funded,
	created_at, updated_at`

// ipcSep joins IPC symbols in the ipc_codes column.
const ipcSep = "|"

func splitIPC(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ipcSep)
}

func (s store) patentByNumber(ctx context.Context, q db.Queryer, number string) (Patent, error) {
	var p Patent
	err := q.GetContext(ctx, &p, s.q(`SELECT `+patentCols+` FROM patents WHERE application_number = ?`), number)
	return p, err
}

func (s store) patentByID(ctx context.Context, q db.Queryer, id int64) (Patent, error) {
	var p Patent
	err := q.GetContext(ctx, &p, s.q(`SELECT `+patentCols+` FROM patents WHERE id = ?`), id)
	return p, err
}

// insertPatent inserts p, or returns (false) when its number exists.
func (s store) insertPatent(ctx context.Context, tx *sqlx.Tx, p *Patent) error {
	return tx.GetContext(ctx, &p.ID, s.q(`INSERT INTO patents (application_number, publication_number, grant_number, type,
		title, abstract, main_claim, ipc_codes, filing_date, grant_date, legal_status, fee_paid_until, claims_count,
		forward_citations, family_size, government_funded, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		p.ApplicationNumber, p.PublicationNumber, p.GrantNumber, p.Type, p.Title, p.Abstract, p.MainClaim, p.IPC,
		p.FilingDate, p.GrantDate, p.LegalStatus, p.FeePaidUntil, p.ClaimsCount, p.ForwardCitations, p.FamilySize,
		p.GovernmentFunded, p.CreatedAt, p.UpdatedAt)
}

func (s store) updatePatent(ctx context.Context, tx *sqlx.Tx, p *Patent) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE patents SET publication_number = ?, grant_number = ?, title = ?, abstract = ?,
		main_claim = ?, ipc_codes = ?, filing_date = ?, grant_date = ?, legal_status = ?, fee_paid_until = ?, claims_count = ?,
		forward_citations = ?, family_size = ?, government_funded = ?, updated_at = ? WHERE id = ?`),
		p.PublicationNumber, p.GrantNumber, p.Title, p.Abstract, p.MainClaim, p.IPC, p.FilingDate, p.GrantDate,
		p.LegalStatus, p.FeePaidUntil, p.ClaimsCount, p.ForwardCitations, p.FamilySize, p.GovernmentFunded, p.UpdatedAt, p.ID)
	return err
}

func (s store) replacePatentees(ctx context.Context, tx *sqlx.Tx, patentID int64, ps []Patentee) error {
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM patentees WHERE patent_id = ?`), patentID); err != nil {
		return err
	}
	for i, p := range ps {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO patentees (patent_id, position, name, org_id, share_bp) VALUES (?, ?, ?, ?, ?)`),
			patentID, i+1, p.Name, p.OrgID, p.ShareBP); err != nil {
			return err
		}
	}
	return nil
}

func (s store) patentees(ctx context.Context, q db.Queryer, ids []int64) (map[int64][]Patentee, error) {
	out := map[int64][]Patentee{}
	if len(ids) == 0 {
		return out, nil
	}
	query, args, err := sqlx.In(`SELECT patent_id, name, org_id, share_bp FROM patentees WHERE patent_id IN (?) ORDER BY patent_id, position`, ids)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		PatentID int64 `db:"patent_id"`
		Patentee
	}
	if err := q.SelectContext(ctx, &rows, s.q(query), args...); err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.PatentID] = append(out[r.PatentID], r.Patentee)
	}
	return out, nil
}

func (s store) setStatus(ctx context.Context, tx *sqlx.Tx, id int64, st Status, at time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE patents SET legal_status = ?, updated_at = ? WHERE id = ?`), st, at, id)
	return err
}

func (s store) insertHistory(ctx context.Context, tx *sqlx.Tx, patentID int64, from string, to Status, reason, evidence string,
	actorID *int64, actor string, at time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO patent_legal_status_history (patent_id, from_status, to_status, reason, evidence,
		actor_id, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), patentID, from, to, reason, evidence, actorID, actor, at)
	return err
}

func (s store) history(ctx context.Context, patentID int64, r page.Request) ([]HistoryEvent, error) {
	var hs []HistoryEvent
	err := s.db.SelectContext(ctx, &hs, s.q(`SELECT id, from_status, to_status, reason, evidence, actor, at
		FROM patent_legal_status_history WHERE patent_id = ? AND id > ? ORDER BY id LIMIT ?`), patentID, r.After, r.Limit+1)
	return hs, err
}

// patents lists patents by id; orgID > 0 keeps those the organisation
// holds.
func (s store) patents(ctx context.Context, r page.Request, orgID int64) ([]Patent, error) {
	var ps []Patent
	err := s.db.SelectContext(ctx, &ps, s.q(`SELECT `+patentCols+` FROM patents WHERE id > ?
		AND (? = 0 OR id IN (SELECT patent_id FROM patentees WHERE org_id = ?)) ORDER BY id LIMIT ?`),
		r.After, orgID, orgID, r.Limit+1)
	return ps, err
}

// orgKind returns an organisation's kind and name ("" when none).
func (s store) org(ctx context.Context, q db.Queryer, id int64) (kind, name string, err error) {
	var o struct {
		Kind string `db:"kind"`
		Name string `db:"name"`
	}
	err = q.GetContext(ctx, &o, s.q(`SELECT kind, name FROM organisations WHERE id = ?`), id)
	if db.IsNoRows(err) {
		return "", "", nil
	}
	return o.Kind, o.Name, err
}

// orgByName finds an enterprise or university by its exact name.
func (s store) orgByName(ctx context.Context, q db.Queryer, name string) (int64, error) {
	var id int64
	err := q.GetContext(ctx, &id, s.q(`SELECT id FROM organisations WHERE name = ? AND kind IN ('enterprise', 'university')`), name)
	if db.IsNoRows(err) {
		return 0, nil
	}
	return id, err
}

func (s store) isPatentee(ctx context.Context, q db.Queryer, patentID, orgID int64) (bool, error) {
	var n int
	err := q.GetContext(ctx, &n, s.q(`SELECT count(*) FROM patentees WHERE patent_id = ? AND org_id = ?`), patentID, orgID)
	return n > 0, err
}

const correctionCols = `c.id, c.patent_id, p.application_number, c.requested_by_org, p.legal_status, c.proposed_status,
	c.evidence, c.state, c.reason, c.created_at, c.decided_at`

func (s store) insertCorrection(ctx context.Context, tx *sqlx.Tx, c *Correction, by int64) error {
	return tx.GetContext(ctx, &c.ID, s.q(`INSERT INTO patent_corrections (patent_id, requested_by_org, requested_by, proposed_status,
		evidence, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		c.PatentID, c.RequestedByOrg, by, c.ProposedStatus, c.Evidence, c.State, c.CreatedAt)
}

func (s store) correction(ctx context.Context, q db.Queryer, id int64) (Correction, error) {
	var c Correction
	err := q.GetContext(ctx, &c, s.q(`SELECT `+correctionCols+` FROM patent_corrections c JOIN patents p ON p.id = c.patent_id
		WHERE c.id = ?`), id)
	return c, err
}

func (s store) corrections(ctx context.Context, r page.Request, state string) ([]Correction, error) {
	var cs []Correction
	err := s.db.SelectContext(ctx, &cs, s.q(`SELECT `+correctionCols+` FROM patent_corrections c JOIN patents p ON p.id = c.patent_id
		WHERE c.id > ? AND (? = '' OR c.state = ?) ORDER BY c.id LIMIT ?`), r.After, state, state, r.Limit+1)
	return cs, err
}

// decideCorrection moves a pending correction to state (false: it was not
// pending).
func (s store) decideCorrection(ctx context.Context, tx *sqlx.Tx, id int64, state, reason string, by int64, at time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, s.q(`UPDATE patent_corrections SET state = ?, reason = ?, decided_by = ?, decided_at = ?
		WHERE id = ? AND state = ?`), state, reason, by, at, id, CorrectionPending)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// touchPatent writes the patent's row (updated_at), which on PostgreSQL
// locks it until the transaction ends: changes that check the patent's
// encumbrances in their transaction are serialised with it.
func (s store) touchPatent(ctx context.Context, tx *sqlx.Tx, id int64, at time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE patents SET updated_at = ? WHERE id = ?`), at, id)
	return err
}

func (s store) insertTransfer(ctx context.Context, tx *sqlx.Tx, patentID int64, t *Transfer, actorID *int64) error {
	return tx.GetContext(ctx, &t.ID, s.q(`INSERT INTO patent_transfers (patent_id, from_patentees, to_patentees, effective_date,
		registration_number, reason, evidence, actor_id, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		patentID, t.FromJSON, t.ToJSON, t.EffectiveDate, t.RegistrationNumber, t.Reason, t.Evidence, actorID, t.Actor, t.At)
}

func (s store) transfers(ctx context.Context, patentID int64, r page.Request) ([]Transfer, error) {
	var ts []Transfer
	err := s.db.SelectContext(ctx, &ts, s.q(`SELECT id, from_patentees, to_patentees, effective_date, registration_number, reason,
		evidence, actor, at FROM patent_transfers WHERE patent_id = ? AND id > ? ORDER BY id LIMIT ?`), patentID, r.After, r.Limit+1)
	return ts, err
}
