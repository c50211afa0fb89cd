// Package patent holds what every domain needs to know about a Chinese
// patent: its application number (parsed from the ways people write it),
// its type, and its term. The registry of patent records (legal status,
// patentees, corrections) is the registry package.
package patent

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/problem"
)

// Type is the kind of patent, read from the application number.
type Type string

// Types. A PCT application entering China is an invention or a utility
// model for every purpose of term and examination.
const (
	Invention         Type = "invention"
	UtilityModel      Type = "utility_model"
	Design            Type = "design"
	PCTInvention      Type = "pct_invention"
	PCTUtilityModel   Type = "pct_utility_model"
	designTermChanged      = "2021-06-01"
)

// typeDigits maps the type digit of an application number.
var typeDigits = map[byte]Type{'1': Invention, '2': UtilityModel, '3': Design, '8': PCTInvention, '9': PCTUtilityModel}

// Number is a parsed application number (申请号).
type Number struct {
	// Digits are the 12 (since 2003) or 8 (before) digits before the dot.
	Digits string
	// Check is the check character, '0'–'9' or 'X'.
	Check byte
	Type  Type
	// FilingYear is the year in the number.
	FilingYear int
}

// String is the canonical form: "202110123456.7" or "98123456.9".
func (n Number) String() string { return n.Digits + "." + string(n.Check) }

var weights12 = []int{2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5}
var weights8 = []int{2, 3, 4, 5, 6, 7, 8, 9}

// CheckDigit computes the check character of 12 or 8 digits: each digit
// times its weight, summed, modulo 11; 10 is written X.
func CheckDigit(digits string) byte {
	w := weights12
	if len(digits) == 8 {
		w = weights8
	}
	sum := 0
	for i := 0; i < len(digits) && i < len(w); i++ {
		sum += int(digits[i]-'0') * w[i]
	}
	c := sum % 11
	if c == 10 {
		return 'X'
	}
	return byte('0' + c)
}

// invalid is the 400 for a number that cannot be read.
func invalid(field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	p := problem.BadRequest("invalid_patent_number", "%s: %s", field, msg)
	p.Fields = []problem.FieldError{{Field: field, Code: "invalid_patent_number", Message: msg}}
	return p
}

// Parse reads an application number as people write it —
// "202110123456.7", "ZL202110123456.7", "ZL 2021 1 0123456.7",
// "CN202110123456.7", the pre-2003 "98123456.9", full-width digits, with
// or without the check digit — and verifies the check digit when given.
// field names the input in errors.
func Parse(field, s string) (Number, error) {
	// Full-width characters (ＺＬ２０２１…) become their ASCII forms;
	// spaces, including the ideographic one, are dropped.
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3002: // 。
			r = '.'
		}
		if unicode.IsSpace(r) {
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	t := b.String()
	for _, prefix := range []string{"ZL", "CN"} {
		t = strings.TrimPrefix(t, prefix)
	}
	digits, check, hasDot := strings.Cut(t, ".")
	if !hasDot && (len(digits) == 13 || len(digits) == 9) {
		// Written without the dot: the last character is the check.
		digits, check = digits[:len(digits)-1], digits[len(digits)-1:]
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return Number{}, invalid(field, "%q is not an application number (expected 12 digits, a dot and a check digit, e.g. 202110123456.7)", s)
		}
	}
	if len(digits) != 12 && len(digits) != 8 {
		return Number{}, invalid(field, "an application number has 12 digits (8 before 2003) before the check digit, not %d", len(digits))
	}
	want := CheckDigit(digits)
	switch {
	case check == "":
		// No check digit given: it is computed.
	case len(check) != 1 || !(check[0] >= '0' && check[0] <= '9' || check[0] == 'X'):
		return Number{}, invalid(field, "the check digit must be one digit or X, not %q", check)
	case check[0] != want:
		p := invalid(field, "the check digit of %s is %c, not %s", digits, want, check).(*problem.Error)
		return Number{}, p.With("expected_check_digit", string(want))
	}
	n := Number{Digits: digits, Check: want}
	typeAt := 4
	if len(digits) == 12 {
		fmt.Sscan(digits[:4], &n.FilingYear)
	} else {
		// Before 2003: a two-digit year (the 8-digit form ended with 2003).
		var yy int
		fmt.Sscan(digits[:2], &yy)
		n.FilingYear, typeAt = 1900+yy, 2
	}
	if n.Type = typeDigits[digits[typeAt]]; n.Type == "" {
		return Number{}, invalid(field, "the type digit %c is not 1, 2, 3, 8 or 9", digits[typeAt])
	}
	if len(digits) == 12 && n.FilingYear < 2003 {
		return Number{}, invalid(field, "a 12-digit application number starts with a year from 2003 on, not %d", n.FilingYear)
	}
	return n, nil
}

// Term is the patent's term in years for a filing date: invention 20,
// utility model 10, design 10 — 15 for designs filed on or after
// 2021-06-01 (Patent Law as amended in 2020).
func Term(t Type, filed date.Date) int {
	switch t {
	case Invention, PCTInvention:
		return 20
	case Design:
		if !filed.Before(date.MustParse(designTermChanged)) {
			return 15
		}
		return 10
	default:
		return 10
	}
}

// Expiry is the last day of the patent's term: the day before the
// anniversary of the filing date that ends it.
func Expiry(t Type, filed date.Date) date.Date {
	return filed.AddYears(Term(t, filed)).AddDays(-1)
}
