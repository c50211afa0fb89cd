package calendar

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/problem"
)

// Service answers working-day questions and keeps the yearly entries. It
// reads the database every time (a year is a few dozen rows), so every
// instance sees a change at once and there is no cache to invalidate.
type Service struct {
	db    *db.DB
	st    store
	audit *audit.Log
	now   func() time.Time
}

// lockKey serialises SetYear on PostgreSQL (an advisory lock id).
const lockKey = 0x6970_6c65_6467_20

// NewService returns the calendar service.
func NewService(d *db.DB, a *audit.Log, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, st: store{d}, audit: a, now: now}
}

// working decides a day given its entry kind ("" for none).
func working(d date.Date, k Kind) bool {
	switch k {
	case Holiday:
		return false
	case Workday:
		return true
	}
	return !weekend(d)
}

// IsWorkingDay reports whether d is a working day.
func (s *Service) IsWorkingDay(ctx context.Context, d date.Date) (bool, error) {
	if d.IsZero() {
		return false, fmt.Errorf("calendar: IsWorkingDay without a date")
	}
	k, err := s.st.kindOn(ctx, d)
	if err != nil {
		return false, fmt.Errorf("calendar: read %s: %w", d, err)
	}
	return working(d, k), nil
}

// AddWorkingDays returns the n-th working day after d: counting starts
// the day after d, so AddWorkingDays(Friday, 1) is the next Monday in an
// ordinary week, and n = 0 returns d itself (working day or not).
func (s *Service) AddWorkingDays(ctx context.Context, d date.Date, n int) (date.Date, error) {
	if d.IsZero() {
		return date.Date{}, fmt.Errorf("calendar: AddWorkingDays without a date")
	}
	if n < 0 || n > MaxAddDays {
		return date.Date{}, fmt.Errorf("calendar: AddWorkingDays(%s, %d): n must be from 0 to %d", d, n, MaxAddDays)
	}
	years := map[int]map[date.Date]Kind{}
	cur := d
	for n > 0 {
		cur = cur.AddDays(1)
		kinds, ok := years[cur.Y]
		if !ok {
			es, err := s.st.entries(ctx, s.db, cur.Y)
			if err != nil {
				return date.Date{}, fmt.Errorf("calendar: read %d: %w", cur.Y, err)
			}
			kinds = make(map[date.Date]Kind, len(es))
			for _, e := range es {
				kinds[e.Date] = e.Kind
			}
			years[cur.Y] = kinds
		}
		if working(cur, kinds[cur]) {
			n--
		}
	}
	return cur, nil
}

// Year returns a year's entries, ordered by date. A year not entered yet
// has Defined false and no entries.
func (s *Service) Year(ctx context.Context, y int) (Year, error) {
	if y < MinYear || y > MaxYear {
		return Year{}, problem.NotFound("calendar year")
	}
	return s.year(ctx, s.db, y)
}

func (s *Service) year(ctx context.Context, q db.Queryer, y int) (Year, error) {
	out := Year{Year: y, Entries: []Entry{}}
	r, err := s.st.year(ctx, q, y)
	switch {
	case db.IsNoRows(err):
		return out, nil
	case err != nil:
		return Year{}, fmt.Errorf("calendar: read %d: %w", y, err)
	}
	out.Defined, out.Provisional, out.UpdatedBy = true, r.Provisional, r.UpdatedBy
	at := r.UpdatedAt.UTC()
	out.UpdatedAt = &at
	es, err := s.st.entries(ctx, q, y)
	if err != nil {
		return Year{}, fmt.Errorf("calendar: read %d: %w", y, err)
	}
	if es != nil {
		out.Entries = es
	}
	return out, nil
}

// validate checks and normalises a year's entries and returns them in
// date order.
func validate(y int, entries []Entry) ([]Entry, error) {
	var fe []problem.FieldError
	if y < MinYear || y > MaxYear {
		return nil, problem.Invalid(problem.Field("year", "out_of_range", fmt.Sprintf("the year must be from %d to %d", MinYear, MaxYear)))
	}
	if len(entries) > 366 {
		return nil, problem.Invalid(problem.Field("entries", "too_many", "a year has at most 366 entries"))
	}
	seen := map[date.Date]int{}
	out := make([]Entry, len(entries))
	for i, e := range entries {
		f := func(name string) string { return fmt.Sprintf("entries[%d].%s", i, name) }
		e.Name = strings.TrimSpace(e.Name)
		switch {
		case e.Date.IsZero():
			fe = append(fe, problem.Field(f("date"), "required", "the date is required"))
		case e.Date.Y != y:
			fe = append(fe, problem.Field(f("date"), "wrong_year", fmt.Sprintf("%s is not in %d", e.Date, y)))
		default:
			if j, dup := seen[e.Date]; dup {
				fe = append(fe, problem.Field(f("date"), "duplicate", fmt.Sprintf("%s is listed already as entries[%d]", e.Date, j)))
			}
			seen[e.Date] = i
		}
		switch e.Kind {
		case Holiday:
		case Workday:
			if !e.Date.IsZero() && !weekend(e.Date) {
				fe = append(fe, problem.Field(f("kind"), "not_weekend",
					fmt.Sprintf("%s is a weekday, working anyway; a make-up working day is a Saturday or Sunday", e.Date)))
			}
		default:
			fe = append(fe, problem.Field(f("kind"), "invalid", "the kind must be holiday or workday"))
		}
		// Every entry carries its name: a holiday period lists its weekend
		// days too, and the name tells which holiday they belong to.
		switch n := utf8.RuneCountInString(e.Name); {
		case n == 0:
			fe = append(fe, problem.Field(f("name"), "required", "the name (e.g. 春节, 春节调休上班) is required"))
		case n > maxNameLen:
			fe = append(fe, problem.Field(f("name"), "too_long", fmt.Sprintf("the name is longer than %d characters", maxNameLen)))
		}
		out[i] = e
	}
	if len(fe) > 0 {
		return nil, problem.Invalid(fe...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out, nil
}

// SetYear replaces a year's entries and its provisional mark, atomically
// and audited.
func (s *Service) SetYear(ctx context.Context, a audit.Actor, y int, entries []Entry, provisional bool) (Year, error) {
	es, err := validate(y, entries)
	if err != nil {
		return Year{}, err
	}
	r := yearRow{Year: y, Provisional: provisional, UpdatedAt: s.now().UTC().Truncate(time.Microsecond)}
	if a.UserID != 0 {
		r.UpdatedBy = &a.UserID
	}
	var out Year
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		// Two editors replacing a year at once must not interleave their
		// delete and insert (PostgreSQL; SQLite serialises writers).
		if err := db.Lock(ctx, tx, lockKey); err != nil {
			return err
		}
		before, err := s.year(ctx, tx, y)
		if err != nil {
			return err
		}
		if err := s.st.replaceYear(ctx, tx, r, es); err != nil {
			return err
		}
		if out, err = s.year(ctx, tx, y); err != nil {
			return err
		}
		added, removed := diff(before.Entries, out.Entries)
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "calendar.set_year", ObjectType: "calendar_year", ObjectID: fmt.Sprint(y),
			Summary: map[string]any{"before": summary(before), "after": summary(out), "added": added, "removed": removed}})
	})
	if err != nil {
		return Year{}, err
	}
	return out, nil
}

func summary(y Year) map[string]any {
	h, w := 0, 0
	for _, e := range y.Entries {
		if e.Kind == Holiday {
			h++
		} else {
			w++
		}
	}
	return map[string]any{"defined": y.Defined, "provisional": y.Provisional, "holidays": h, "workdays": w}
}

// diff lists the entries only in b (added) and only in a (removed), as
// "2026-02-15 holiday 春节".
func diff(a, b []Entry) (added, removed []string) {
	key := func(e Entry) string { return e.Date.String() + " " + string(e.Kind) + " " + e.Name }
	in := func(es []Entry) map[string]bool {
		m := make(map[string]bool, len(es))
		for _, e := range es {
			m[key(e)] = true
		}
		return m
	}
	ina, inb := in(a), in(b)
	added, removed = []string{}, []string{}
	for _, e := range b {
		if !ina[key(e)] {
			added = append(added, key(e))
		}
	}
	for _, e := range a {
		if !inb[key(e)] {
			removed = append(removed, key(e))
		}
	}
	return added, removed
}
