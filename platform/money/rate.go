// Package money holds the exact arithmetic behind every amount in ipledge:
// decimal percentage rates, rounding to the fen and pro-rata allocation.
// Nothing here uses floating point, because a float cannot hold 3.45%
// exactly and subsidy amounts must reconcile to the fen.
package money

import (
	"encoding/json"
	"math/big"
	"reflect"
	"strconv"
	"strings"

	"github.com/ipledge/ipledge/platform/problem"
)

// RateDecimals is the largest number of decimals a rate may carry. Four
// covers every published rate (LPR moves in basis points, 0.01%) and
// ratios such as 33.3333%, and issue 6 asks that more be refused.
const RateDecimals = 4

// rateScale is 10^RateDecimals: a Rate is stored as an integer count of
// 1/rateScale percent, so equality and ordering are exact and cheap.
const rateScale = 10_000

// maxRateIntDigits bounds the integer part. 999.9999% leaves room for
// multiples of the LPR written as percentages (140 = 1.4 × LPR) while
// keeping every product far from int64 overflow.
const maxRateIntDigits = 3

// Rate is a non-negative decimal percentage such as 3.45 (meaning 3.45%).
// The zero value is 0%.
type Rate struct {
	units int64 // in 1/rateScale of a percent
}

// ParseRate reads a decimal percentage written as plain digits with an
// optional point and at most RateDecimals decimals ("3.45", "100", "0.5").
// Signs, exponents, spaces, "NaN", ".5" and "5." are refused: the input
// comes from forms and JSON strings, and accepting what strconv.ParseFloat
// accepts would let float artefacts in. Errors are *problem.Error naming
// field.
func ParseRate(field, s string) (Rate, error) {
	bad := func(code, msg string) (Rate, error) {
		return Rate{}, problem.Invalid(problem.Field(field, code, msg))
	}
	if strings.HasPrefix(s, "-") {
		return bad("negative_rate", "a rate cannot be negative")
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if intPart == "" || (hasPoint && frac == "") || !digits(intPart) || !digits(frac) {
		return bad("invalid_rate", "a rate is a decimal percentage such as 3.45")
	}
	if len(frac) > RateDecimals {
		return bad("too_many_decimals", "a rate has at most "+strconv.Itoa(RateDecimals)+" decimals")
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > maxRateIntDigits {
		return bad("rate_too_large", "a rate must be below 1000%")
	}
	frac += strings.Repeat("0", RateDecimals-len(frac))
	var u int64
	for _, c := range intPart + frac {
		u = u*10 + int64(c-'0')
	}
	return Rate{u}, nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// MustRate is ParseRate for literals in code and tests.
func MustRate(s string) Rate {
	r, err := ParseRate("rate", s)
	if err != nil {
		panic(err)
	}
	return r
}

// String writes the rate in its shortest exact form ("3.45", "100").
func (r Rate) String() string {
	s := strconv.FormatInt(r.units/rateScale, 10)
	frac := r.units % rateScale
	if frac == 0 {
		return s
	}
	f := strconv.FormatInt(rateScale+frac, 10)[1:] // zero-padded to RateDecimals
	return s + "." + strings.TrimRight(f, "0")
}

// IsZero reports whether r is 0%.
func (r Rate) IsZero() bool { return r.units == 0 }

// Cmp compares r and s (-1, 0, +1).
func (r Rate) Cmp(s Rate) int {
	switch {
	case r.units < s.units:
		return -1
	case r.units > s.units:
		return 1
	}
	return 0
}

// Percent is the rate as the number written (3.45 for 3.45%).
func (r Rate) Percent() *big.Rat { return big.NewRat(r.units, rateScale) }

// Fraction is the rate as a fraction of one (0.0345 for 3.45%), the form
// that multiplies amounts.
func (r Rate) Fraction() *big.Rat { return big.NewRat(r.units, 100*rateScale) }

// MarshalJSON writes the rate as a JSON string so that clients never see
// a JSON number they might read into a float.
func (r Rate) MarshalJSON() ([]byte, error) { return json.Marshal(r.String()) }

// UnmarshalJSON reads a rate from a JSON string. A bad value becomes a
// *json.UnmarshalTypeError, which encoding/json completes with the field
// path so that the API can name the field (as date.Date does).
func (r *Rate) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[Rate]()}
	}
	v, err := ParseRate("", s)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "string " + strconv.Quote(s), Type: reflect.TypeFor[Rate]()}
	}
	*r = v
	return nil
}
