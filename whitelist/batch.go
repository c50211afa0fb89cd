package whitelist

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
)

// CreateBatch opens a draft batch ("2026年第1批").
func (s *Service) CreateBatch(ctx context.Context, a audit.Actor, name string) (Batch, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Batch{}, problem.Invalid(problem.Field("name", "required", "a batch name is required"))
	}
	if f := tooLong("name", name, 100); f != nil {
		return Batch{}, problem.Invalid(*f)
	}
	b := Batch{Name: name, Status: BatchDraft, CreatedAt: s.nowUTC()}
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.st.insertBatch(ctx, tx, &b, a.UserID); err != nil {
			if db.IsUniqueViolation(err) {
				return problem.Conflict("duplicate", "a batch named %q exists already", name)
			}
			return err
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "whitelist.batch_create", ObjectType: "batch", ObjectID: fmt.Sprint(b.ID),
			Summary: map[string]any{"name": name}})
	})
	return b, err
}

// Batch returns one batch.
func (s *Service) Batch(ctx context.Context, id int64) (Batch, error) {
	b, err := s.st.batch(ctx, s.db, id)
	if db.IsNoRows(err) {
		return b, problem.NotFound("batch")
	}
	return b, err
}

// Batches lists batches.
func (s *Service) Batches(ctx context.Context, r page.Request) (page.Page[Batch], error) {
	bs, err := s.st.batches(ctx, r)
	if err != nil {
		return page.Page[Batch]{}, err
	}
	return page.Of(r, bs, func(b Batch) int64 { return b.ID }), nil
}

// Entry returns one entry with its derived status.
func (s *Service) Entry(ctx context.Context, id int64) (Entry, error) {
	e, err := s.st.entry(ctx, s.db, id)
	if db.IsNoRows(err) {
		return e, problem.NotFound("entry")
	}
	e.Status = EntryStatus(e, s.today())
	return e, err
}

// Entries lists entries with their derived status.
func (s *Service) Entries(ctx context.Context, r page.Request, f EntryFilter) (page.Page[Entry], error) {
	es, err := s.st.entries(ctx, s.db, r, f)
	if err != nil {
		return page.Page[Entry]{}, err
	}
	today := s.today()
	for i := range es {
		es[i].Status = EntryStatus(es[i], today)
	}
	return page.Of(r, es, func(e Entry) int64 { return e.ID }), nil
}

// noticeEnd is the last day of a public notice of n working days that
// starts on start (which counts when it is a working day).
func (s *Service) noticeEnd(ctx context.Context, start date.Date, n int) (date.Date, error) {
	working, err := s.calendar.IsWorkingDay(ctx, start)
	if err != nil {
		return date.Date{}, err
	}
	if working {
		n--
	}
	return s.calendar.AddWorkingDays(ctx, start, n)
}

// StartNotice puts a draft batch out for public notice from start (today
// when zero) for the set number of working days.
func (s *Service) StartNotice(ctx context.Context, a audit.Actor, batchID int64, start date.Date) (Batch, error) {
	today := s.today()
	if start.IsZero() {
		start = today
	}
	if start.Before(today) {
		return Batch{}, problem.Invalid(problem.Field("start", "in_past", "a public notice cannot start in the past"))
	}
	days, err := s.settings.Int(ctx, KeyNoticeWorkingDays, 0, start)
	if err != nil {
		return Batch{}, err
	}
	end, err := s.noticeEnd(ctx, start, int(days))
	if err != nil {
		return Batch{}, err
	}
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		b, err := s.st.batch(ctx, tx, batchID)
		if db.IsNoRows(err) {
			return problem.NotFound("batch")
		}
		if err != nil {
			return err
		}
		if b.Status != BatchDraft {
			return problem.InvalidState(b.Status, "only a draft batch can be put out for public notice")
		}
		if b.Entries == 0 {
			return problem.Unprocessable("batch_empty", "the batch has no entries")
		}
		if ok, err := s.st.setBatchNotice(ctx, tx, batchID, start, end); err != nil {
			return err
		} else if !ok {
			return problem.InvalidState(BatchPublicNotice, "the batch was put out for public notice meanwhile")
		}
		if err := s.recordBatch(ctx, tx, a, batchID, "public_notice", fmt.Sprintf("%s 至 %s", start, end)); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "whitelist.batch_notice", ObjectType: "batch", ObjectID: fmt.Sprint(batchID),
			Summary: map[string]any{"notice_start": start.String(), "notice_end": end.String(), "working_days": days}})
	})
	if err != nil {
		return Batch{}, err
	}
	return s.Batch(ctx, batchID)
}

// Publish publishes a batch whose public notice is over and whose
// objections are all resolved. validUntil (inclusive) defaults to the set
// number of months after effectiveOn, less a day.
func (s *Service) Publish(ctx context.Context, a audit.Actor, batchID int64, effectiveOn, validUntil date.Date) (Batch, error) {
	today := s.today()
	if effectiveOn.IsZero() {
		effectiveOn = today
	}
	if validUntil.IsZero() {
		months, err := s.settings.Int(ctx, KeyValidityMonths, 0, effectiveOn)
		if err != nil {
			return Batch{}, err
		}
		validUntil = effectiveOn.AddMonthsClamped(int(months)).AddDays(-1)
	}
	if validUntil.Before(effectiveOn) {
		return Batch{}, problem.Invalid(problem.Field("valid_until", "before_effective", "valid_until is before effective_on"))
	}
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		b, err := s.st.batch(ctx, tx, batchID)
		if db.IsNoRows(err) {
			return problem.NotFound("batch")
		}
		if err != nil {
			return err
		}
		if b.Status != BatchPublicNotice {
			return problem.InvalidState(b.Status, "only a batch whose public notice is over can be published")
		}
		if !today.After(b.NoticeEnd) {
			return problem.Unprocessable("notice_not_over", "the public notice runs until %s", b.NoticeEnd)
		}
		if n, err := s.st.openObjections(ctx, tx, batchID); err != nil {
			return err
		} else if n > 0 {
			return problem.Unprocessable("objections_open", "%d objections are not resolved", n)
		}
		if effectiveOn.Before(b.NoticeEnd.AddDays(1)) {
			return problem.Invalid(problem.Field("effective_on", "during_notice", "the effective date is after the public notice"))
		}
		if ok, err := s.st.publishBatch(ctx, tx, batchID, effectiveOn, validUntil, s.nowUTC()); err != nil {
			return err
		} else if !ok {
			return problem.InvalidState(BatchPublished, "the batch was published meanwhile")
		}
		if err := s.recordBatch(ctx, tx, a, batchID, "published", fmt.Sprintf("%s 至 %s", effectiveOn, validUntil)); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "whitelist.batch_publish", ObjectType: "batch", ObjectID: fmt.Sprint(batchID),
			Summary: map[string]any{"effective_on": effectiveOn.String(), "valid_until": validUntil.String()}})
	})
	if err != nil {
		return Batch{}, err
	}
	return s.Batch(ctx, batchID)
}

// recordBatch records a change for every standing entry of a batch.
func (s *Service) recordBatch(ctx context.Context, tx *sqlx.Tx, a audit.Actor, batchID int64, action, reason string) error {
	r := page.Request{Limit: 500}
	for {
		es, err := s.st.entries(ctx, tx, r, EntryFilter{BatchID: batchID})
		if err != nil {
			return err
		}
		for i, e := range es {
			if i == r.Limit {
				break
			}
			if e.State == EntryRemoved {
				continue
			}
			id := e.ID
			if err := s.recordChange(ctx, tx, a, e.EnterpriseID, &id, action, reason); err != nil {
				return err
			}
		}
		if len(es) <= r.Limit {
			return nil
		}
		r.After = es[r.Limit-1].ID
	}
}
