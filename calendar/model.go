// Package calendar is the working-day calendar that deadlines are counted
// in: Monday to Friday are working days, except the public holidays the
// State Council announces each year, and a few Saturdays and Sundays are
// working days (调休 make-up days). The IP office enters each year's
// exceptions; a year not entered yet counts weekends only.
package calendar

import (
	"time"

	"github.com/ipledge/ipledge/platform/date"
)

// Kind is the kind of a calendar entry.
type Kind string

// Kinds of entry.
const (
	// Holiday is a public holiday: a non-working day (also listed on
	// the weekend days inside a holiday period).
	Holiday Kind = "holiday"
	// Workday is a make-up working day on a Saturday or Sunday.
	Workday Kind = "workday"
)

// Entry is one exception to "Monday to Friday".
type Entry struct {
	Date date.Date `db:"day" json:"date"`
	Kind Kind      `db:"kind" json:"kind"`
	Name string    `db:"name" json:"name"`
}

// Year is one year's entries.
type Year struct {
	Year int `json:"year"`
	// Defined is false for a year the IP office has not entered: it
	// counts weekends only.
	Defined bool `json:"defined"`
	// Provisional marks a year entered before the State Council published
	// its schedule (statutory holidays only, make-up days unknown).
	Provisional bool       `json:"provisional"`
	Entries     []Entry    `json:"entries"`
	UpdatedAt   *time.Time `json:"updated_at"`
	UpdatedBy   *int64     `json:"updated_by"`
}

// Limits.
const (
	MinYear    = 2000
	MaxYear    = 2100
	maxNameLen = 50
	// MaxAddDays bounds AddWorkingDays (about 40 years of working days).
	MaxAddDays = 10000
)

func weekend(d date.Date) bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// span appends a Kind entry named name for every day from first to last.
func span(es []Entry, kind Kind, name, first, last string) []Entry {
	for d, end := date.MustParse(first), date.MustParse(last); !d.After(end); d = d.AddDays(1) {
		es = append(es, Entry{Date: d, Kind: kind, Name: name})
	}
	return es
}

// Official2026 is the State Council's 2026 holiday schedule
// (国务院办公厅关于2026年部分节假日安排的通知): each holiday period with the
// weekend days inside it, and the make-up working days.
func Official2026() Year {
	var es []Entry
	es = span(es, Holiday, "元旦", "2026-01-01", "2026-01-03")
	es = span(es, Workday, "元旦调休上班", "2026-01-04", "2026-01-04")
	es = span(es, Workday, "春节调休上班", "2026-02-14", "2026-02-14")
	es = span(es, Holiday, "春节", "2026-02-15", "2026-02-23")
	es = span(es, Workday, "春节调休上班", "2026-02-28", "2026-02-28")
	es = span(es, Holiday, "清明节", "2026-04-04", "2026-04-06")
	es = span(es, Holiday, "劳动节", "2026-05-01", "2026-05-05")
	es = span(es, Workday, "劳动节调休上班", "2026-05-09", "2026-05-09")
	es = span(es, Holiday, "端午节", "2026-06-19", "2026-06-21")
	es = span(es, Workday, "国庆节调休上班", "2026-09-20", "2026-09-20")
	es = span(es, Holiday, "中秋节", "2026-09-25", "2026-09-27")
	es = span(es, Holiday, "国庆节", "2026-10-01", "2026-10-07")
	es = span(es, Workday, "国庆节调休上班", "2026-10-10", "2026-10-10")
	return Year{Year: 2026, Provisional: false, Entries: es}
}

// Provisional2027 holds only 2027's statutory holidays (全国年节及纪念日放假
// 办法, as amended in 2024): the State Council has not published the 2027
// schedule, so the bridging days and make-up working days are unknown and
// the year is marked provisional. The IP office replaces it when the
// schedule is out.
func Provisional2027() Year {
	var es []Entry
	es = span(es, Holiday, "元旦", "2027-01-01", "2027-01-01")
	es = span(es, Holiday, "春节", "2027-02-05", "2027-02-08") // 除夕 to 正月初三
	es = span(es, Holiday, "清明节", "2027-04-05", "2027-04-05")
	es = span(es, Holiday, "劳动节", "2027-05-01", "2027-05-02")
	es = span(es, Holiday, "端午节", "2027-06-09", "2027-06-09")
	es = span(es, Holiday, "中秋节", "2027-09-15", "2027-09-15")
	es = span(es, Holiday, "国庆节", "2027-10-01", "2027-10-03")
	return Year{Year: 2027, Provisional: true, Entries: es}
}
