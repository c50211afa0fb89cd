// Package date is the calendar date used throughout ipledge: a day in
// Asia/Shanghai, with no time of day and no time zone arithmetic. It
// reads and writes "YYYY-MM-DD" in JSON and SQL on both engines.
package date

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"time"
)

// Shanghai is China Standard Time. China has kept UTC+8 without daylight
// saving since 1991, so a fixed zone is exact and needs no tz database.
var Shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// Date is a calendar date. The zero value is "no date".
type Date struct {
	Y int
	M time.Month
	D int
}

// Of returns the date of t in Asia/Shanghai.
func Of(t time.Time) Date {
	y, m, d := t.In(Shanghai).Date()
	return Date{y, m, d}
}

// Today is the current date in Asia/Shanghai under the clock now.
func Today(now func() time.Time) Date { return Of(now()) }

// New builds a date, normalising overflow (Feb 30 → Mar 2) as time.Date does.
func New(y int, m time.Month, d int) Date {
	return Of(time.Date(y, m, d, 12, 0, 0, 0, Shanghai))
}

// Parse reads "YYYY-MM-DD" strictly.
func Parse(s string) (Date, error) {
	t, err := time.ParseInLocation("2006-01-02", s, Shanghai)
	if err != nil || len(s) != 10 {
		return Date{}, fmt.Errorf("%q is not a date in the form YYYY-MM-DD", s)
	}
	return Of(t), nil
}

// MustParse is Parse for literals in code and tests.
func MustParse(s string) Date {
	d, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// IsZero reports whether d is the zero value.
func (d Date) IsZero() bool { return d == Date{} }

// String formats d as YYYY-MM-DD.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Y, d.M, d.D)
}

// Time is midnight at the start of d in Asia/Shanghai.
func (d Date) Time() time.Time { return time.Date(d.Y, d.M, d.D, 0, 0, 0, 0, Shanghai) }

// AddDays returns d plus n calendar days.
func (d Date) AddDays(n int) Date { return New(d.Y, d.M, d.D+n) }

// AddMonthsClamped adds n months, clamping the day to the target month's
// last day (Jan 31 + 1 month = Feb 28/29).
func (d Date) AddMonthsClamped(n int) Date {
	first := time.Date(d.Y, d.M+time.Month(n), 1, 12, 0, 0, 0, Shanghai)
	last := first.AddDate(0, 1, -1).Day()
	day := d.D
	if day > last {
		day = last
	}
	return Date{first.Year(), first.Month(), day}
}

// AddYears adds n years; Feb 29 becomes Feb 28 in a non-leap year.
func (d Date) AddYears(n int) Date { return Date{d.Y, d.M, d.D}.AddMonthsClamped(12 * n) }

// DaysUntil is the number of days from d to e (negative if e is earlier).
func (d Date) DaysUntil(e Date) int {
	a := time.Date(d.Y, d.M, d.D, 0, 0, 0, 0, time.UTC)
	b := time.Date(e.Y, e.M, e.D, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}

// Before, After and Equal compare dates.
func (d Date) Before(e Date) bool { return d.DaysUntil(e) > 0 }
func (d Date) After(e Date) bool  { return d.DaysUntil(e) < 0 }
func (d Date) Equal(e Date) bool  { return d == e }

// Weekday is the day of the week.
func (d Date) Weekday() time.Weekday { return d.Time().Weekday() }

// MarshalJSON writes "YYYY-MM-DD", or null for the zero date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads "YYYY-MM-DD" or null. A bad value is reported as a
// *json.UnmarshalTypeError, which encoding/json completes with the
// field's path, so that the API can name the field.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[Date]()}
	}
	v, err := Parse(s)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "string " + strconv.Quote(s), Type: reflect.TypeFor[Date]()}
	}
	*d = v
	return nil
}

// Value stores d as "YYYY-MM-DD" (TEXT in SQLite, DATE in PostgreSQL), or
// NULL for the zero date.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads a DATE, a TEXT "YYYY-MM-DD" or NULL.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
	case time.Time:
		// Drivers hand DATE columns over as midnight UTC of that day.
		y, m, dd := v.Date()
		*d = Date{y, m, dd}
	case string:
		return d.scanString(v)
	case []byte:
		return d.scanString(string(v))
	default:
		return fmt.Errorf("date: cannot scan %T", src)
	}
	return nil
}

func (d *Date) scanString(s string) error {
	if len(s) > 10 {
		s = s[:10]
	}
	v, err := Parse(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
