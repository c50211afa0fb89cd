package calendar_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/ipledge/ipledge/calendar"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/dbtest"
	"github.com/ipledge/ipledge/platform/problem"
)

var day = date.MustParse

func newService(t *testing.T, d *db.DB) *calendar.Service {
	t.Helper()
	now := func() time.Time { return time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC) }
	l, err := audit.New(d, audit.Keys{CurrentID: "t", ByID: map[string][]byte{"t": bytes.Repeat([]byte{7}, 32)}}, now)
	if err != nil {
		t.Fatal(err)
	}
	return calendar.NewService(d, l, now)
}

var sys = audit.System("test")

func seed(t *testing.T, s *calendar.Service, ys ...calendar.Year) {
	t.Helper()
	for _, y := range ys {
		if _, err := s.SetYear(context.Background(), sys, y.Year, y.Entries, y.Provisional); err != nil {
			t.Fatalf("seed %d: %v", y.Year, err)
		}
	}
}

func TestPublishedSchedules(t *testing.T) {
	y := calendar.Official2026()
	holidays, workdays := 0, 0
	for _, e := range y.Entries {
		wd := e.Date.Weekday()
		switch e.Kind {
		case calendar.Holiday:
			holidays++
		case calendar.Workday:
			workdays++
			if wd != time.Saturday && wd != time.Sunday {
				t.Errorf("make-up day %s is a %s", e.Date, wd)
			}
		}
	}
	// 3+9+3+5+3+3+7 days off; Jan 4, Feb 14, Feb 28, May 9, Sep 20, Oct 10 worked.
	if holidays != 33 || workdays != 6 || y.Provisional {
		t.Errorf("2026: %d holidays, %d make-up days, provisional %v", holidays, workdays, y.Provisional)
	}
	p := calendar.Provisional2027()
	if !p.Provisional || len(p.Entries) != 1+4+1+2+1+1+3 {
		t.Errorf("2027: provisional %v, %d entries", p.Provisional, len(p.Entries))
	}
	if p.Entries[1].Date != day("2027-02-05") || p.Entries[1].Name != "春节" {
		t.Errorf("2027 Spring Festival starts %+v", p.Entries[1])
	}
}

func TestWorkingDays2026(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		seed(t, s, calendar.Official2026(), calendar.Provisional2027())

		adds := []struct {
			from string
			n    int
			want string
		}{
			{"2026-02-13", 0, "2026-02-13"}, // n = 0 is the day itself
			{"2026-02-15", 0, "2026-02-15"}, // even a holiday
			{"2026-02-13", 1, "2026-02-14"}, // Fri → the make-up Saturday
			{"2026-02-14", 1, "2026-02-24"}, // across the whole Spring Festival
			{"2026-02-13", 2, "2026-02-24"},
			{"2026-02-12", 5, "2026-02-26"}, // 13, 14, 24, 25, 26
			{"2026-02-24", 4, "2026-02-28"}, // 25, 26, 27, Sat 28 (make-up)
			{"2026-02-27", 1, "2026-02-28"},
			{"2026-02-28", 1, "2026-03-02"}, // Sunday Mar 1 is a weekend
			{"2026-01-02", 1, "2026-01-04"}, // the make-up Sunday after New Year
			{"2025-12-31", 1, "2026-01-04"}, // 2025 is not entered: weekends only
			{"2026-09-30", 1, "2026-10-08"}, // National Day
			{"2026-10-09", 1, "2026-10-10"}, // Sat make-up day
			{"2026-10-10", 1, "2026-10-12"},
			{"2026-09-18", 1, "2026-09-20"}, // Fri → the make-up Sunday
			{"2026-09-24", 1, "2026-09-28"}, // Mid-Autumn Fri–Sun
			{"2026-04-03", 1, "2026-04-07"}, // Qingming Sat–Mon
			{"2026-04-30", 1, "2026-05-06"}, // Labour Day
			{"2026-05-08", 1, "2026-05-09"},
			{"2026-06-18", 1, "2026-06-22"}, // Dragon Boat Fri–Sun
			{"2026-12-31", 1, "2027-01-04"}, // into provisional 2027: Jan 1 off, weekend
			{"2027-02-04", 1, "2027-02-09"}, // provisional Spring Festival Feb 5–8
			{"2026-01-05", 20, "2026-02-02"},
			{"2026-02-06", 10, "2026-02-27"}, // 9–13 (5), Sat 14 (6), 24–27 (10)
		}
		for _, c := range adds {
			got, err := s.AddWorkingDays(ctx, day(c.from), c.n)
			if err != nil {
				t.Fatalf("%s + %d: %v", c.from, c.n, err)
			}
			if got != day(c.want) {
				t.Errorf("%s + %d working days = %s, want %s", c.from, c.n, got, c.want)
			}
		}
		if _, err := s.AddWorkingDays(ctx, day("2026-01-05"), -1); err == nil {
			t.Error("negative n accepted")
		}

		isWorking := []struct {
			on   string
			want bool
		}{
			{"2026-01-04", true},  // make-up Sunday
			{"2026-02-14", true},  // make-up Saturday
			{"2026-10-05", false}, // National Day, a Monday
			{"2026-01-01", false}, // New Year, a Thursday
			{"2026-03-07", false}, // an ordinary Saturday
			{"2026-03-08", false}, // an ordinary Sunday
			{"2026-03-09", true},  // an ordinary Monday
			{"2027-05-03", true},  // provisional 2027: no bridging days known
			{"2030-07-01", true},  // a year not entered: weekdays work
		}
		for _, c := range isWorking {
			got, err := s.IsWorkingDay(ctx, day(c.on))
			if err != nil || got != c.want {
				t.Errorf("IsWorkingDay(%s) = %v, %v; want %v", c.on, got, err, c.want)
			}
		}
	})
}

func TestSetYearReplacesAndValidates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		y, err := s.Year(ctx, 2027)
		if err != nil || y.Defined || len(y.Entries) != 0 {
			t.Fatalf("empty year: %+v %v", y, err)
		}
		seed(t, s, calendar.Provisional2027())
		y, err = s.Year(ctx, 2027)
		if err != nil || !y.Defined || !y.Provisional || len(y.Entries) != 13 || y.UpdatedAt == nil {
			t.Fatalf("provisional 2027: %+v %v", y, err)
		}

		// The published schedule replaces the whole year.
		entries := []calendar.Entry{
			{Date: day("2027-10-09"), Kind: calendar.Workday, Name: "国庆节调休上班"},
			{Date: day("2027-10-01"), Kind: calendar.Holiday, Name: "国庆节"},
		}
		y, err = s.SetYear(ctx, sys, 2027, entries, false)
		if err != nil {
			t.Fatal(err)
		}
		if y.Provisional || len(y.Entries) != 2 || y.Entries[0].Date != day("2027-10-01") {
			t.Fatalf("replaced: %+v", y)
		}
		if ok, _ := s.IsWorkingDay(ctx, day("2027-01-01")); !ok {
			t.Error("Jan 1 2027 still a holiday after the replacement")
		}
		if ok, _ := s.IsWorkingDay(ctx, day("2027-10-09")); !ok {
			t.Error("the new make-up Saturday is not a working day")
		}
		var n int
		if err := d.Get(&n, d.Rebind(`SELECT COUNT(*) FROM audit_log WHERE action = ?`), "calendar.set_year"); err != nil || n != 2 {
			t.Errorf("%d calendar.set_year entries (%v), want 2", n, err)
		}

		bad := []struct {
			name    string
			year    int
			entries []calendar.Entry
			field   string
			code    string
		}{
			{"other year", 2027, []calendar.Entry{{Date: day("2026-10-01"), Kind: calendar.Holiday, Name: "国庆节"}}, "entries[0].date", "wrong_year"},
			{"duplicate", 2027, []calendar.Entry{
				{Date: day("2027-10-01"), Kind: calendar.Holiday, Name: "国庆节"},
				{Date: day("2027-10-01"), Kind: calendar.Holiday, Name: "国庆节"}}, "entries[1].date", "duplicate"},
			{"weekday make-up", 2027, []calendar.Entry{{Date: day("2027-10-08"), Kind: calendar.Workday, Name: "调休"}}, "entries[0].kind", "not_weekend"},
			{"unknown kind", 2027, []calendar.Entry{{Date: day("2027-10-08"), Kind: "half", Name: "x"}}, "entries[0].kind", "invalid"},
			{"no name", 2027, []calendar.Entry{{Date: day("2027-10-02"), Kind: calendar.Holiday, Name: " "}}, "entries[0].name", "required"},
			{"no date", 2027, []calendar.Entry{{Kind: calendar.Holiday, Name: "x"}}, "entries[0].date", "required"},
			{"year out of range", 1999, nil, "year", "out_of_range"},
		}
		for _, c := range bad {
			_, err := s.SetYear(ctx, sys, c.year, c.entries, false)
			p, ok := problem.As(err)
			if !ok || p.Status != 400 {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			found := false
			for _, f := range p.Fields {
				found = found || (f.Field == c.field && f.Code == c.code)
			}
			if !found {
				t.Errorf("%s: fields %+v, want %s %s", c.name, p.Fields, c.field, c.code)
			}
		}
		// Nothing of the refused changes was stored.
		y, _ = s.Year(ctx, 2027)
		if len(y.Entries) != 2 {
			t.Errorf("after refused changes: %+v", y.Entries)
		}
		if _, err := s.Year(ctx, 1800); !problem.HasCode(err, "not_found") {
			t.Errorf("year 1800: %v", err)
		}
	})
}

// Editors replacing one year at once never leave a mixture of their
// entries, nor fail on each other's rows.
func TestConcurrentSetYear(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		const n = 4
		first := func(i int) date.Date { return day("2028-03-01").AddDays(10 * i) }
		errs := make(chan error, n)
		for i := range n {
			go func() {
				var es []calendar.Entry
				for j := range i + 1 {
					es = append(es, calendar.Entry{Date: first(i).AddDays(j), Kind: calendar.Holiday, Name: "测试"})
				}
				_, err := s.SetYear(ctx, sys, 2028, es, false)
				errs <- err
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
		y, err := s.Year(ctx, 2028)
		if err != nil || len(y.Entries) == 0 {
			t.Fatalf("%+v %v", y, err)
		}
		// Writer i wrote i+1 days from first(i): exactly one writer's set
		// is stored.
		i := len(y.Entries) - 1
		for j, e := range y.Entries {
			if e.Date != first(i).AddDays(j) {
				t.Fatalf("mixed entries: %+v", y.Entries)
			}
		}
	})
}
