package whitelist

import (
	"context"
	"database/sql"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
)

// store holds the package's SQL, portable across SQLite and PostgreSQL.
type store struct{ db *db.DB }

func (s store) q(query string) string { return s.db.Rebind(query) }

const enterpriseCols = `id, uscc, name, region_code, industry, is_sme, hightech_cert_no, hightech_valid_until,
	srdi_level, bureau_doc_no, bureau_recognised_on, valid_invention_patents, created_at, updated_at`

func (s store) enterpriseByUSCC(ctx context.Context, q db.Queryer, code string) (Enterprise, error) {
	var e Enterprise
	err := q.GetContext(ctx, &e, s.q(`SELECT `+enterpriseCols+` FROM enterprises WHERE uscc = ?`), code)
	return e, err
}

func (s store) enterprisesByUSCC(ctx context.Context, codes []string) ([]Enterprise, error) {
	var es []Enterprise
	if len(codes) == 0 {
		return es, nil
	}
	query, args, err := sqlx.In(`SELECT `+enterpriseCols+` FROM enterprises WHERE uscc IN (?)`, codes)
	if err != nil {
		return nil, err
	}
	err = s.db.SelectContext(ctx, &es, s.q(query), args...)
	return es, err
}

// upsertEnterprise inserts the enterprise or refreshes its record with the
// newer data a nomination brings. Evidence the new nomination does not
// carry is kept: a self-application without the bureau's document number
// must not erase the bureau's recognition.
func (s store) upsertEnterprise(ctx context.Context, tx *sqlx.Tx, e *Enterprise) error {
	return tx.GetContext(ctx, &e.ID, s.q(`INSERT INTO enterprises (uscc, name, region_code, industry, is_sme, hightech_cert_no,
		hightech_valid_until, srdi_level, bureau_doc_no, bureau_recognised_on, valid_invention_patents, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (uscc) DO UPDATE SET name = excluded.name,
		industry = COALESCE(NULLIF(excluded.industry, ''), enterprises.industry), is_sme = excluded.is_sme,
		hightech_cert_no = COALESCE(NULLIF(excluded.hightech_cert_no, ''), enterprises.hightech_cert_no),
		hightech_valid_until = COALESCE(excluded.hightech_valid_until, enterprises.hightech_valid_until),
		srdi_level = COALESCE(NULLIF(excluded.srdi_level, ''), enterprises.srdi_level),
		bureau_doc_no = COALESCE(NULLIF(excluded.bureau_doc_no, ''), enterprises.bureau_doc_no),
		bureau_recognised_on = COALESCE(excluded.bureau_recognised_on, enterprises.bureau_recognised_on),
		valid_invention_patents = excluded.valid_invention_patents,
		updated_at = excluded.updated_at
		RETURNING id`), e.USCC, e.Name, e.RegionCode, e.Industry, e.IsSME, e.HighTechCertNo, e.HighTechValidUntil,
		e.SRDILevel, e.BureauDocNo, e.BureauRecognisedOn, e.ValidInventionPatents, e.CreatedAt, e.UpdatedAt)
}

func (s store) exceptionExists(ctx context.Context, code string) (bool, error) {
	var n int
	err := s.db.GetContext(ctx, &n, s.q(`SELECT count(*) FROM uscc_exceptions WHERE uscc = ?`), code)
	return n > 0, err
}

const nominationCols = `n.id, n.enterprise_id, e.uscc, e.name AS enterprise_name, n.source, n.priority, n.evidence, n.status,
	n.reason, n.override_reason, n.nominated_by, n.nominated_org, n.decided_at, n.created_at`

func (s store) insertNomination(ctx context.Context, tx *sqlx.Tx, n *Nomination) error {
	return tx.GetContext(ctx, &n.ID, s.q(`INSERT INTO whitelist_nominations (enterprise_id, source, priority, evidence, status,
		nominated_by, nominated_org, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		n.EnterpriseID, n.Source, n.Priority, n.Evidence, n.Status, n.NominatedBy, n.NominatedOrg, n.CreatedAt)
}

func (s store) nomination(ctx context.Context, q db.Queryer, id int64) (Nomination, error) {
	var n Nomination
	err := q.GetContext(ctx, &n, s.q(`SELECT `+nominationCols+` FROM whitelist_nominations n
		JOIN enterprises e ON e.id = n.enterprise_id WHERE n.id = ?`), id)
	return n, err
}

// NominationFilter narrows a nominations list.
type NominationFilter struct {
	Status string
	OrgID  int64 // nominated by this organisation (0: any)
	USCC   string
}

func (s store) nominations(ctx context.Context, r page.Request, f NominationFilter) ([]Nomination, error) {
	var ns []Nomination
	err := s.db.SelectContext(ctx, &ns, s.q(`SELECT `+nominationCols+` FROM whitelist_nominations n
		JOIN enterprises e ON e.id = n.enterprise_id
		WHERE n.id > ? AND (? = '' OR n.status = ?) AND (? = 0 OR n.nominated_org = ?) AND (? = '' OR e.uscc = ?)
		ORDER BY n.id LIMIT ?`), r.After, f.Status, f.Status, f.OrgID, f.OrgID, f.USCC, f.USCC, r.Limit+1)
	return ns, err
}

func (s store) openNominationExists(ctx context.Context, q db.Queryer, enterpriseID int64) (bool, error) {
	var n int
	err := q.GetContext(ctx, &n, s.q(`SELECT count(*) FROM whitelist_nominations WHERE enterprise_id = ? AND status = ?`),
		enterpriseID, NominationPending)
	return n > 0, err
}

func (s store) decideNomination(ctx context.Context, tx *sqlx.Tx, id int64, status, reason, override string, by int64, at time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, s.q(`UPDATE whitelist_nominations SET status = ?, reason = ?, override_reason = ?, decided_by = ?, decided_at = ?
		WHERE id = ? AND status = ?`), status, reason, override, by, at, id, NominationPending)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

const batchCols = `b.id, b.name, b.status, b.notice_start, b.notice_end, b.effective_on, b.valid_until, b.created_at, b.published_at,
	(SELECT count(*) FROM whitelist_entries x WHERE x.batch_id = b.id AND x.state <> 'removed') AS entries`

func (s store) insertBatch(ctx context.Context, tx *sqlx.Tx, b *Batch, by int64) error {
	return tx.GetContext(ctx, &b.ID, s.q(`INSERT INTO whitelist_batches (name, status, created_by, created_at) VALUES (?, ?, ?, ?) RETURNING id`),
		b.Name, b.Status, by, b.CreatedAt)
}

func (s store) batch(ctx context.Context, q db.Queryer, id int64) (Batch, error) {
	var b Batch
	err := q.GetContext(ctx, &b, s.q(`SELECT `+batchCols+` FROM whitelist_batches b WHERE b.id = ?`), id)
	return b, err
}

func (s store) batches(ctx context.Context, r page.Request) ([]Batch, error) {
	var bs []Batch
	err := s.db.SelectContext(ctx, &bs, s.q(`SELECT `+batchCols+` FROM whitelist_batches b WHERE b.id > ? ORDER BY b.id LIMIT ?`), r.After, r.Limit+1)
	return bs, err
}

// setBatchNotice moves a draft batch to public notice; false means it was
// no longer a draft (another request moved it first).
func (s store) setBatchNotice(ctx context.Context, tx *sqlx.Tx, id int64, start, end date.Date) (bool, error) {
	res, err := tx.ExecContext(ctx, s.q(`UPDATE whitelist_batches SET status = ?, notice_start = ?, notice_end = ? WHERE id = ? AND status = ?`),
		BatchPublicNotice, start, end, id, BatchDraft)
	return affectedOne(res, err)
}

// publishBatch publishes a batch under public notice; false means it was
// no longer under notice.
func (s store) publishBatch(ctx context.Context, tx *sqlx.Tx, id int64, eff, until date.Date, at time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, s.q(`UPDATE whitelist_batches SET status = ?, effective_on = ?, valid_until = ?, published_at = ? WHERE id = ? AND status = ?`),
		BatchPublished, eff, until, at, id, BatchPublicNotice)
	return affectedOne(res, err)
}

func affectedOne(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

const entryCols = `x.id, x.batch_id, b.name AS batch_name, b.status AS batch_status, x.enterprise_id, e.uscc, e.name AS enterprise_name,
	x.nomination_id, x.state, x.reason, x.review_flag, x.review_reason, x.review_raised_at, b.effective_on, b.valid_until, x.created_at`

const entryFrom = ` FROM whitelist_entries x JOIN whitelist_batches b ON b.id = x.batch_id JOIN enterprises e ON e.id = x.enterprise_id `

func (s store) insertEntry(ctx context.Context, tx *sqlx.Tx, e *Entry, at time.Time) error {
	return tx.GetContext(ctx, &e.ID, s.q(`INSERT INTO whitelist_entries (batch_id, enterprise_id, nomination_id, state, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), e.BatchID, e.EnterpriseID, e.NominationID, EntryListed, at, at)
}

func (s store) entry(ctx context.Context, q db.Queryer, id int64) (Entry, error) {
	var e Entry
	err := q.GetContext(ctx, &e, s.q(`SELECT `+entryCols+entryFrom+`WHERE x.id = ?`), id)
	return e, err
}

// EntryFilter narrows an entries list.
type EntryFilter struct {
	BatchID      int64
	EnterpriseID int64
	ReviewOnly   bool
}

func (s store) entries(ctx context.Context, q db.Queryer, r page.Request, f EntryFilter) ([]Entry, error) {
	var es []Entry
	err := q.SelectContext(ctx, &es, s.q(`SELECT `+entryCols+entryFrom+`WHERE x.id > ? AND (? = 0 OR x.batch_id = ?)
		AND (? = 0 OR x.enterprise_id = ?) AND (? = 0 OR x.review_flag = ?) ORDER BY x.id LIMIT ?`),
		r.After, f.BatchID, f.BatchID, f.EnterpriseID, f.EnterpriseID, boolInt(f.ReviewOnly), true, r.Limit+1)
	return es, err
}

func (s store) setEntryState(ctx context.Context, tx *sqlx.Tx, id int64, from []string, to, reason string, at time.Time) (bool, error) {
	query, args, err := sqlx.In(`UPDATE whitelist_entries SET state = ?, reason = ?, updated_at = ? WHERE id = ? AND state IN (?)`,
		to, reason, at, id, from)
	if err != nil {
		return false, err
	}
	res, err := tx.ExecContext(ctx, s.q(query), args...)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func (s store) setReviewFlag(ctx context.Context, tx *sqlx.Tx, id int64, flag bool, reason string, at *time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE whitelist_entries SET review_flag = ?, review_reason = ?, review_raised_at = ? WHERE id = ?`),
		flag, reason, at, id)
	return err
}

// newestEntries returns each enterprise's newest entry.
func (s store) newestEntries(ctx context.Context, q db.Queryer, enterpriseIDs []int64) ([]Entry, error) {
	var es []Entry
	if len(enterpriseIDs) == 0 {
		return es, nil
	}
	query, args, err := sqlx.In(`SELECT `+entryCols+entryFrom+`WHERE x.id IN (
		SELECT max(y.id) FROM whitelist_entries y WHERE y.enterprise_id IN (?) GROUP BY y.enterprise_id)`, enterpriseIDs)
	if err != nil {
		return nil, err
	}
	err = q.SelectContext(ctx, &es, s.q(query), args...)
	return es, err
}

// newestLooseNominations returns each enterprise's newest nomination that
// did not become an entry (pending or rejected).
func (s store) newestLooseNominations(ctx context.Context, q db.Queryer, enterpriseIDs []int64) ([]Nomination, error) {
	var ns []Nomination
	if len(enterpriseIDs) == 0 {
		return ns, nil
	}
	query, args, err := sqlx.In(`SELECT `+nominationCols+` FROM whitelist_nominations n JOIN enterprises e ON e.id = n.enterprise_id
		WHERE n.id IN (SELECT max(m.id) FROM whitelist_nominations m WHERE m.enterprise_id IN (?) AND m.status <> 'accepted' GROUP BY m.enterprise_id)`,
		enterpriseIDs)
	if err != nil {
		return nil, err
	}
	err = q.SelectContext(ctx, &ns, s.q(query), args...)
	return ns, err
}

func (s store) insertHistory(ctx context.Context, tx *sqlx.Tx, enterpriseID int64, entryID *int64, action, reason string, userID int64, username string, at time.Time) error {
	var uid *int64
	if userID != 0 {
		uid = &userID
	}
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO whitelist_entry_history (entry_id, enterprise_id, action, reason, actor_user_id, actor_username, at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`), entryID, enterpriseID, action, reason, uid, username, at)
	return err
}

func (s store) history(ctx context.Context, enterpriseID int64, r page.Request) ([]HistoryEvent, error) {
	var hs []HistoryEvent
	err := s.db.SelectContext(ctx, &hs, s.q(`SELECT id, entry_id, action, reason, actor_username, at FROM whitelist_entry_history
		WHERE enterprise_id = ? AND id > ? ORDER BY id LIMIT ?`), enterpriseID, r.After, r.Limit+1)
	return hs, err
}

func (s store) insertObjection(ctx context.Context, tx *sqlx.Tx, o *Objection, by int64) error {
	return tx.GetContext(ctx, &o.ID, s.q(`INSERT INTO whitelist_objections (entry_id, objector, content, status, recorded_by, recorded_at)
		VALUES (?, ?, ?, 'open', ?, ?) RETURNING id`), o.EntryID, o.Objector, o.Content, by, o.RecordedAt)
}

func (s store) objection(ctx context.Context, q db.Queryer, id int64) (Objection, error) {
	var o Objection
	err := q.GetContext(ctx, &o, s.q(`SELECT id, entry_id, objector, content, status, resolution, recorded_at, resolved_at
		FROM whitelist_objections WHERE id = ?`), id)
	return o, err
}

func (s store) objections(ctx context.Context, batchID int64) ([]Objection, error) {
	var os []Objection
	err := s.db.SelectContext(ctx, &os, s.q(`SELECT o.id, o.entry_id, o.objector, o.content, o.status, o.resolution, o.recorded_at, o.resolved_at
		FROM whitelist_objections o JOIN whitelist_entries x ON x.id = o.entry_id WHERE x.batch_id = ? ORDER BY o.id`), batchID)
	return os, err
}

func (s store) openObjections(ctx context.Context, q db.Queryer, batchID int64) (int, error) {
	var n int
	err := q.GetContext(ctx, &n, s.q(`SELECT count(*) FROM whitelist_objections o JOIN whitelist_entries x ON x.id = o.entry_id
		WHERE x.batch_id = ? AND o.status = 'open'`), batchID)
	return n, err
}

func (s store) resolveObjection(ctx context.Context, tx *sqlx.Tx, id int64, status, resolution string, by int64, at time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, s.q(`UPDATE whitelist_objections SET status = ?, resolution = ?, resolved_by = ?, resolved_at = ?
		WHERE id = ? AND status = 'open'`), status, resolution, by, at, id)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// inChunks runs fn over codes in slices small enough for one IN list.
func inChunks(codes []string, fn func(part []string) error) error {
	const size = 500
	for i := 0; i < len(codes); i += size {
		if err := fn(codes[i:min(i+size, len(codes))]); err != nil {
			return err
		}
	}
	return nil
}

// pendingNominations returns the open nomination of each of the codes that
// has one, by code.
func (s store) pendingNominations(ctx context.Context, codes []string) (map[string]Nomination, error) {
	out := make(map[string]Nomination, len(codes))
	err := inChunks(codes, func(part []string) error {
		// CROSS JOIN keeps SQLite from scanning every pending nomination
		// (its status index) instead of looking the codes up first.
		query, args, err := sqlx.In(`SELECT `+nominationCols+` FROM enterprises e CROSS JOIN whitelist_nominations n
			WHERE n.enterprise_id = e.id AND e.uscc IN (?) AND n.status = ?`, part, NominationPending)
		if err != nil {
			return err
		}
		var ns []Nomination
		if err := s.db.SelectContext(ctx, &ns, s.q(query), args...); err != nil {
			return err
		}
		for _, n := range ns {
			out[n.USCC] = n
		}
		return nil
	})
	return out, err
}

// activeEntries pages through the entries that may be in force on today:
// each enterprise's newest entry when it is listed or suspended in a
// published batch whose dates cover today (the caller derives the status).
func (s store) activeEntries(ctx context.Context, r page.Request, today date.Date) ([]Entry, error) {
	var es []Entry
	err := s.db.SelectContext(ctx, &es, s.q(`SELECT `+entryCols+entryFrom+`WHERE x.id > ? AND x.state = ? AND b.status = ?
		AND b.effective_on <= ? AND b.valid_until >= ?
		AND x.id = (SELECT max(y.id) FROM whitelist_entries y WHERE y.enterprise_id = x.enterprise_id)
		ORDER BY x.id LIMIT ?`), r.After, EntryListed, BatchPublished, today, today, r.Limit+1)
	return es, err
}
