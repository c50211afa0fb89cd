package settings

import (
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ipledge/ipledge/platform/date"
)

var (
	intRE     = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)
	decimalRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?$`)
	keyRE     = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)
)

// Lengths of stored values.
const (
	maxDecimalLen = 40
	maxStringLen  = 500
)

// valueError is why a value is not acceptable; code is the field error
// code.
type valueError struct {
	code, msg string
}

func (e *valueError) Error() string { return e.msg }

func bad(code, format string, args ...any) *valueError {
	return &valueError{code: code, msg: fmt.Sprintf(format, args...)}
}

// check parses v as the def's kind and checks bounds and pattern. It
// returns the value as stored.
func (d *def) check(v string) (string, *valueError) {
	switch d.Kind {
	case KindInt:
		n, err := parseInt(v)
		if err != nil {
			return "", err
		}
		if d.minInt != nil && n < *d.minInt {
			return "", bad("too_small", "the value must be at least %s", d.Min)
		}
		if d.maxInt != nil && n > *d.maxInt {
			return "", bad("too_large", "the value must be at most %s", d.Max)
		}
	case KindDecimal, KindPercent:
		r, err := parseDecimal(v)
		if err != nil {
			return "", err
		}
		if d.minDec != nil && r.Cmp(d.minDec) < 0 {
			return "", bad("too_small", "the value must be at least %s", d.Min)
		}
		if d.maxDec != nil && r.Cmp(d.maxDec) > 0 {
			return "", bad("too_large", "the value must be at most %s", d.Max)
		}
	case KindBool:
		if _, err := parseBool(v); err != nil {
			return "", err
		}
	case KindDate:
		t, err := parseDate(v)
		if err != nil {
			return "", err
		}
		if !d.minDate.IsZero() && t.Before(d.minDate) {
			return "", bad("too_small", "the date must be %s or later", d.Min)
		}
		if !d.maxDate.IsZero() && t.After(d.maxDate) {
			return "", bad("too_large", "the date must be %s or earlier", d.Max)
		}
	case KindString:
		if !utf8.ValidString(v) || strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) }) >= 0 {
			return "", bad("invalid", "the text holds control characters or invalid UTF-8")
		}
		if utf8.RuneCountInString(v) > maxStringLen {
			return "", bad("too_long", "the text is longer than %d characters", maxStringLen)
		}
		if strings.TrimSpace(v) != v {
			return "", bad("invalid", "the text must not start or end with spaces")
		}
		if d.pattern != nil && !d.pattern.MatchString(v) {
			return "", bad("invalid", "the text does not have the required form (%s)", d.Pattern)
		}
	}
	return v, nil
}

func parseInt(v string) (int64, *valueError) {
	if !intRE.MatchString(v) {
		return 0, bad("invalid", "the value must be a whole number such as 30")
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, bad("invalid", "the number is out of range")
	}
	return n, nil
}

// parseDecimal parses an exact decimal such as "3.45" with math/big, never
// through a float.
func parseDecimal(v string) (*big.Rat, *valueError) {
	if len(v) > maxDecimalLen || !decimalRE.MatchString(v) {
		return nil, bad("invalid", "the value must be a decimal number such as 3.45")
	}
	r, ok := new(big.Rat).SetString(v)
	if !ok {
		return nil, bad("invalid", "the value must be a decimal number such as 3.45")
	}
	return r, nil
}

func parseBool(v string) (bool, *valueError) {
	switch v {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, bad("invalid", "the value must be true or false")
}

func parseDate(v string) (date.Date, *valueError) {
	t, err := date.Parse(v)
	if err != nil {
		return date.Date{}, bad("invalid", "the value must be a date in the form YYYY-MM-DD")
	}
	return t, nil
}

// def is a Def with its bounds parsed once.
type def struct {
	Def
	minInt, maxInt   *int64
	minDec, maxDec   *big.Rat
	minDate, maxDate date.Date
	pattern          *regexp.Regexp
}

// compile validates a Def as declared in code.
func compile(d Def) (*def, error) {
	c := &def{Def: d}
	if !keyRE.MatchString(d.Key) {
		return nil, fmt.Errorf("settings: key %q must be dotted lower-case words (domain.name)", d.Key)
	}
	if !d.Kind.valid() {
		return nil, fmt.Errorf("settings: %s: unknown kind %q", d.Key, d.Kind)
	}
	if d.Scope != ScopePlatform && d.Scope != ScopeBank {
		return nil, fmt.Errorf("settings: %s: scope must be platform or bank", d.Key)
	}
	if strings.TrimSpace(d.Description) == "" {
		return nil, fmt.Errorf("settings: %s: a description is required", d.Key)
	}
	for _, b := range []struct {
		s   string
		min bool
	}{{d.Min, true}, {d.Max, false}} {
		if b.s == "" {
			continue
		}
		var err *valueError
		switch d.Kind {
		case KindInt:
			var n int64
			if n, err = parseInt(b.s); err == nil {
				if b.min {
					c.minInt = &n
				} else {
					c.maxInt = &n
				}
			}
		case KindDecimal, KindPercent:
			var r *big.Rat
			if r, err = parseDecimal(b.s); err == nil {
				if b.min {
					c.minDec = r
				} else {
					c.maxDec = r
				}
			}
		case KindDate:
			var t date.Date
			if t, err = parseDate(b.s); err == nil {
				if b.min {
					c.minDate = t
				} else {
					c.maxDate = t
				}
			}
		default:
			return nil, fmt.Errorf("settings: %s: a %s setting has no bounds", d.Key, d.Kind)
		}
		if err != nil {
			return nil, fmt.Errorf("settings: %s: bound %q: %s", d.Key, b.s, err.msg)
		}
	}
	if d.Pattern != "" {
		if d.Kind != KindString {
			return nil, fmt.Errorf("settings: %s: only a string setting has a pattern", d.Key)
		}
		re, err := regexp.Compile(`^(?:` + d.Pattern + `)$`)
		if err != nil {
			return nil, fmt.Errorf("settings: %s: pattern: %w", d.Key, err)
		}
		c.pattern = re
	}
	if _, err := c.check(d.Default); err != nil {
		return nil, fmt.Errorf("settings: %s: default %q: %s", d.Key, d.Default, err.msg)
	}
	return c, nil
}
