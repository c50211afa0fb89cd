package whitelist

import (
	"context"
	"time"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
)

// datedEntry is an entry with its batch's publication time, for deriving
// the status it had on a past day.
type datedEntry struct {
	Entry
	PublishedAt *time.Time `db:"published_at"`
}

// stateEvent is a recorded change of an entry's state.
type stateEvent struct {
	EntryID int64     `db:"entry_id"`
	Action  string    `db:"action"`
	At      time.Time `db:"at"`
}

// stateAfter maps the history actions that change an entry's state to
// the state they leave (see lifecycle.go).
var stateAfter = map[string]string{
	suspend.action:     EntrySuspended,
	reinstate.action:   EntryListed,
	revoke.action:      EntryRevoked,
	"objection_upheld": EntryRemoved,
}

// entryOn is the entry as it stood at the end of day on: its state
// replayed from the history recorded up to that day (Asia/Shanghai), its
// batch published only if it was published by then. ok is false for an
// entry created after on.
func entryOn(e datedEntry, events []stateEvent, on date.Date) (Entry, bool) {
	if date.Of(e.CreatedAt).After(on) {
		return Entry{}, false
	}
	x := e.Entry
	x.State = EntryListed
	for _, ev := range events {
		if st, ok := stateAfter[ev.Action]; ok && ev.EntryID == e.ID && !date.Of(ev.At).After(on) {
			x.State = st
		}
	}
	if e.PublishedAt == nil || date.Of(*e.PublishedAt).After(on) {
		x.BatchStatus = BatchPublicNotice
	} else {
		x.BatchStatus = BatchPublished
	}
	return x, true
}

// statusOnDay derives the status an enterprise's entries gave it on day
// on, from the entries (oldest first) and their state events (in the
// order recorded). As for today's status the newest entry decides, except
// that one not yet in force that day (pending) or taken out during its
// public notice does not hide an older entry then in force. Nominations
// are not considered: the answer is about the list itself.
func statusOnDay(ent Enterprise, entries []datedEntry, events []stateEvent, on date.Date) StatusResult {
	r := StatusResult{USCC: ent.USCC, Name: ent.Name, Status: StatusNotListed}
	decided := false
	for i := len(entries) - 1; i >= 0; i-- {
		x, ok := entryOn(entries[i], events, on)
		if !ok {
			continue
		}
		st := EntryStatus(x, on)
		inForce := st == StatusActive || st == StatusSuspended
		if decided && !inForce {
			continue
		}
		r.Status, r.Batch, r.EffectiveOn, r.ValidUntil, r.Reason = st, x.BatchName, x.EffectiveOn, x.ValidUntil, ""
		if x.BatchStatus != BatchPublished {
			r.EffectiveOn, r.ValidUntil = date.Date{}, date.Date{}
		}
		if st != StatusPending && st != StatusNotListed {
			return r
		}
		decided = true
	}
	return r
}

// StatusOn answers what status an enterprise had on a day, from its
// entries and their recorded history: an entry counts from its effective
// date to its validity end (inclusive) once its batch was published, and
// a suspension, reinstatement or revocation counts from the day it was
// recorded (Asia/Shanghai). An unknown code is not_listed. It does not
// read the cache; StatusOn of today agrees with Status but for
// nominations.
func (s *Service) StatusOn(ctx context.Context, code string, on date.Date) (StatusResult, error) {
	ent, err := s.st.enterpriseByUSCC(ctx, s.db, code)
	if db.IsNoRows(err) {
		return StatusResult{USCC: code, Status: StatusNotListed}, nil
	}
	if err != nil {
		return StatusResult{}, err
	}
	entries, err := s.st.datedEntries(ctx, ent.ID)
	if err != nil {
		return StatusResult{}, err
	}
	events, err := s.st.stateEvents(ctx, ent.ID)
	if err != nil {
		return StatusResult{}, err
	}
	return statusOnDay(ent, entries, events, on), nil
}

// datedEntries returns an enterprise's entries, oldest first, with their
// batches' publication times.
func (s store) datedEntries(ctx context.Context, enterpriseID int64) ([]datedEntry, error) {
	var es []datedEntry
	err := s.db.SelectContext(ctx, &es, s.q(`SELECT `+entryCols+`, b.published_at`+entryFrom+`WHERE x.enterprise_id = ? ORDER BY x.id`), enterpriseID)
	return es, err
}

// stateEvents returns the history lines of an enterprise that changed an
// entry's state, in the order recorded.
func (s store) stateEvents(ctx context.Context, enterpriseID int64) ([]stateEvent, error) {
	var evs []stateEvent
	err := s.db.SelectContext(ctx, &evs, s.q(`SELECT entry_id, action, at FROM whitelist_entry_history
		WHERE enterprise_id = ? AND entry_id IS NOT NULL AND action IN (?, ?, ?, ?) ORDER BY id`),
		enterpriseID, suspend.action, reinstate.action, revoke.action, "objection_upheld")
	return evs, err
}
