package whitelist

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
)

// transition is one lifecycle step on an entry.
type transition struct {
	action string
	from   []string
	to     string
	// needsPublished: the step applies to a published entry only.
	needsPublished bool
}

var (
	suspend   = transition{action: "suspended", from: []string{EntryListed}, to: EntrySuspended, needsPublished: true}
	reinstate = transition{action: "reinstated", from: []string{EntrySuspended}, to: EntryListed, needsPublished: true}
	revoke    = transition{action: "revoked", from: []string{EntryListed, EntrySuspended}, to: EntryRevoked, needsPublished: true}
)

// Suspend suspends a listed entry (reason required).
func (s *Service) Suspend(ctx context.Context, a audit.Actor, entryID int64, reason string) (Entry, error) {
	return s.transition(ctx, a, entryID, suspend, reason)
}

// Reinstate lifts a suspension.
func (s *Service) Reinstate(ctx context.Context, a audit.Actor, entryID int64, reason string) (Entry, error) {
	return s.transition(ctx, a, entryID, reinstate, reason)
}

// Revoke removes an entry for good: the firm comes back only through a
// new nomination and batch.
func (s *Service) Revoke(ctx context.Context, a audit.Actor, entryID int64, reason string) (Entry, error) {
	return s.transition(ctx, a, entryID, revoke, reason)
}

func (s *Service) transition(ctx context.Context, a audit.Actor, entryID int64, t transition, reason string) (Entry, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Entry{}, problem.Invalid(problem.Field("reason", "required", "a reason is required"))
	}
	if f := tooLong("reason", reason, 1000); f != nil {
		return Entry{}, problem.Invalid(*f)
	}
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		e, err := s.st.entry(ctx, tx, entryID)
		if db.IsNoRows(err) {
			return problem.NotFound("entry")
		}
		if err != nil {
			return err
		}
		status := EntryStatus(e, s.today())
		if t.needsPublished && e.BatchStatus != BatchPublished {
			return problem.InvalidState(string(status), "the entry's batch is not published")
		}
		if status == StatusExpired && t.to != EntryRevoked {
			return problem.InvalidState(string(status), "the entry has expired")
		}
		ok, err := s.st.setEntryState(ctx, tx, entryID, t.from, t.to, reason, s.nowUTC())
		if err != nil {
			return err
		}
		if !ok {
			return problem.InvalidState(string(status), "cannot %s an entry that is %s", strings.TrimSuffix(t.action, "d"), status)
		}
		if err := s.recordChange(ctx, tx, a, e.EnterpriseID, &entryID, t.action, reason); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "whitelist." + t.action, ObjectType: "entry", ObjectID: fmt.Sprint(entryID),
			Summary: map[string]any{"uscc": e.USCC, "before": status, "reason": reason}})
	})
	if err != nil {
		return Entry{}, err
	}
	return s.Entry(ctx, entryID)
}

// RecordObjection records an objection against an entry under public
// notice.
func (s *Service) RecordObjection(ctx context.Context, a audit.Actor, entryID int64, objector, content string) (Objection, error) {
	objector, content = strings.TrimSpace(objector), strings.TrimSpace(content)
	var fe []problem.FieldError
	if objector == "" {
		fe = append(fe, problem.Field("objector", "required", "who objects is required"))
	}
	if content == "" {
		fe = append(fe, problem.Field("content", "required", "the objection's content is required"))
	}
	for _, f := range []*problem.FieldError{tooLong("objector", objector, 200), tooLong("content", content, 4000)} {
		if f != nil {
			fe = append(fe, *f)
		}
	}
	if len(fe) > 0 {
		return Objection{}, problem.Invalid(fe...)
	}
	o := Objection{EntryID: entryID, Objector: objector, Content: content, Status: "open", RecordedAt: s.nowUTC()}
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		e, err := s.st.entry(ctx, tx, entryID)
		if db.IsNoRows(err) {
			return problem.NotFound("entry")
		}
		if err != nil {
			return err
		}
		if e.BatchStatus != BatchPublicNotice || e.State != EntryListed {
			return problem.InvalidState(e.BatchStatus, "objections are recorded against a listed entry during public notice")
		}
		if err := s.st.insertObjection(ctx, tx, &o, a.UserID); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "whitelist.objection", ObjectType: "entry", ObjectID: fmt.Sprint(entryID),
			Summary: map[string]any{"objection_id": o.ID, "objector": objector}})
	})
	return o, err
}

// Objections lists a batch's objections.
func (s *Service) Objections(ctx context.Context, batchID int64) ([]Objection, error) {
	return s.st.objections(ctx, batchID)
}

// ResolveObjection upholds an objection (the entry leaves the batch with
// the reason) or dismisses it.
func (s *Service) ResolveObjection(ctx context.Context, a audit.Actor, objectionID int64, upheld bool, resolution string) (Objection, error) {
	resolution = strings.TrimSpace(resolution)
	if resolution == "" {
		return Objection{}, problem.Invalid(problem.Field("resolution", "required", "a resolution is required"))
	}
	status := map[bool]string{true: "upheld", false: "dismissed"}[upheld]
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		o, err := s.st.objection(ctx, tx, objectionID)
		if db.IsNoRows(err) {
			return problem.NotFound("objection")
		}
		if err != nil {
			return err
		}
		ok, err := s.st.resolveObjection(ctx, tx, objectionID, status, resolution, a.UserID, s.nowUTC())
		if err != nil {
			return err
		}
		if !ok {
			return problem.InvalidState(o.Status, "the objection is resolved already")
		}
		if upheld {
			e, err := s.st.entry(ctx, tx, o.EntryID)
			if err != nil {
				return err
			}
			if _, err := s.st.setEntryState(ctx, tx, o.EntryID, []string{EntryListed}, EntryRemoved, resolution, s.nowUTC()); err != nil {
				return err
			}
			id := o.EntryID
			if err := s.recordChange(ctx, tx, a, e.EnterpriseID, &id, "objection_upheld", resolution); err != nil {
				return err
			}
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "whitelist.objection_" + status, ObjectType: "objection",
			ObjectID: fmt.Sprint(objectionID), Summary: map[string]any{"entry_id": o.EntryID, "resolution": resolution}})
	})
	if err != nil {
		return Objection{}, err
	}
	return s.st.objection(ctx, s.db, objectionID)
}

// RaiseReviewFlag flags an enterprise's newest entry for the IP office's
// review. Other domains call it in their own transaction when their events
// call the listing into question (a pledged patent lapses, a loan is 90
// days overdue, a subsidy is clawed back). A firm without an entry has
// nothing to flag.
func (s *Service) RaiseReviewFlag(ctx context.Context, tx *sqlx.Tx, a audit.Actor, enterpriseUSCC, reason string) error {
	ent, err := s.st.enterpriseByUSCC(ctx, tx, enterpriseUSCC)
	if db.IsNoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	es, err := s.st.newestEntries(ctx, tx, []int64{ent.ID})
	if err != nil || len(es) == 0 {
		return err
	}
	now := s.nowUTC()
	if err := s.st.setReviewFlag(ctx, tx, es[0].ID, true, reason, &now); err != nil {
		return err
	}
	if err := s.st.insertHistory(ctx, tx, ent.ID, &es[0].ID, "review_flagged", reason, a.UserID, a.Username, now); err != nil {
		return err
	}
	return s.audit.Append(ctx, tx, a, audit.Entry{Action: "whitelist.review_flag", ObjectType: "entry", ObjectID: fmt.Sprint(es[0].ID),
		Summary: map[string]any{"uscc": enterpriseUSCC, "reason": reason}})
}

// FlagForReview raises a review flag in a transaction of its own.
func (s *Service) FlagForReview(ctx context.Context, a audit.Actor, enterpriseUSCC, reason string) error {
	return s.db.InTx(ctx, func(tx *sqlx.Tx) error { return s.RaiseReviewFlag(ctx, tx, a, enterpriseUSCC, reason) })
}

// ClearReviewFlag closes a review with its outcome.
func (s *Service) ClearReviewFlag(ctx context.Context, a audit.Actor, entryID int64, outcome string) (Entry, error) {
	outcome = strings.TrimSpace(outcome)
	if outcome == "" {
		return Entry{}, problem.Invalid(problem.Field("outcome", "required", "the review's outcome is required"))
	}
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		e, err := s.st.entry(ctx, tx, entryID)
		if db.IsNoRows(err) {
			return problem.NotFound("entry")
		}
		if err != nil {
			return err
		}
		if !e.ReviewFlag {
			return problem.InvalidState("not_flagged", "the entry has no review flag")
		}
		if err := s.st.setReviewFlag(ctx, tx, entryID, false, "", nil); err != nil {
			return err
		}
		if err := s.st.insertHistory(ctx, tx, e.EnterpriseID, &entryID, "review_closed", outcome, a.UserID, a.Username, s.nowUTC()); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "whitelist.review_close", ObjectType: "entry", ObjectID: fmt.Sprint(entryID),
			Summary: map[string]any{"outcome": outcome, "flag_reason": e.ReviewReason}})
	})
	if err != nil {
		return Entry{}, err
	}
	return s.Entry(ctx, entryID)
}

// History returns an enterprise's whitelist history, oldest first.
func (s *Service) History(ctx context.Context, code string, r page.Request) (page.Page[HistoryEvent], error) {
	ent, err := s.st.enterpriseByUSCC(ctx, s.db, code)
	if db.IsNoRows(err) {
		return page.Page[HistoryEvent]{}, problem.NotFound("enterprise")
	}
	if err != nil {
		return page.Page[HistoryEvent]{}, err
	}
	hs, err := s.st.history(ctx, ent.ID, r)
	if err != nil {
		return page.Page[HistoryEvent]{}, err
	}
	return page.Of(r, hs, func(h HistoryEvent) int64 { return h.ID }), nil
}

// Enterprise returns the record for a code.
func (s *Service) Enterprise(ctx context.Context, code string) (Enterprise, error) {
	e, err := s.st.enterpriseByUSCC(ctx, s.db, code)
	if db.IsNoRows(err) {
		return e, problem.NotFound("enterprise")
	}
	e.RegionName = RegionName(e.RegionCode)
	return e, err
}
