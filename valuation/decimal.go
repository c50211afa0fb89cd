package valuation

import (
	"math/big"
	"regexp"
	"sort"
	"strings"

	"github.com/ipledge/ipledge/platform/problem"
)

// decimalRE is the only number syntax accepted: plain decimal notation.
// big.Rat.SetString alone would also take "1/3" and "1e999999", and the
// exponent form lets one short string allocate gigabytes.
var decimalRE = regexp.MustCompile(`^[+-]?[0-9]{1,18}(\.[0-9]{1,18})?$`)

// parseDecimal reads a decimal string into an exact rational. On failure it
// returns a field error with code "invalid_decimal".
func parseDecimal(field, s string) (*big.Rat, *problem.FieldError) {
	s = strings.TrimSpace(s)
	if !decimalRE.MatchString(s) {
		fe := problem.Field(field, "invalid_decimal", "must be a decimal number such as 5 or 5.25, not "+quote(s))
		return nil, &fe
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok { // unreachable after the pattern, kept as a guard
		fe := problem.Field(field, "invalid_decimal", "must be a decimal number")
		return nil, &fe
	}
	return r, nil
}

// parseRange parses s and checks lo ≤ s ≤ hi (either bound may be nil).
// Out-of-range values get code "out_of_range".
func parseRange(field, s string, lo, hi *big.Rat, msg string) (*big.Rat, *problem.FieldError) {
	r, fe := parseDecimal(field, s)
	if fe != nil {
		return nil, fe
	}
	if (lo != nil && r.Cmp(lo) < 0) || (hi != nil && r.Cmp(hi) > 0) {
		f := problem.Field(field, "out_of_range", msg)
		return nil, &f
	}
	return r, nil
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return `"` + s + `"`
}

func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("valuation: bad literal " + s)
	}
	return r
}

func ratInt(n int64) *big.Rat { return new(big.Rat).SetInt64(n) }

var (
	ratZero    = ratInt(0)
	ratOne     = ratInt(1)
	ratHundred = ratInt(100)
)

// percent turns a percentage into a fraction: 25 → 1/4.
func percent(p *big.Rat) *big.Rat { return new(big.Rat).Quo(p, ratHundred) }

// roundHalfUp rounds r to an integer, halves away from zero
// (2.5 → 3, −2.5 → −3), which is "half up" for the non-negative money here.
func roundHalfUp(r *big.Rat) *big.Int {
	num := new(big.Int).Abs(r.Num())
	den := r.Denom()
	// floor((2|n| + d) / 2d) = floor(|n|/d + 1/2)
	q := new(big.Int).Mul(num, big.NewInt(2))
	q.Add(q, den)
	q.Quo(q, new(big.Int).Mul(den, big.NewInt(2)))
	if r.Sign() < 0 {
		q.Neg(q)
	}
	return q
}

// roundFen rounds an exact amount in fen to whole fen, half up. ok is false
// if the result does not fit int64.
func roundFen(r *big.Rat) (int64, bool) {
	i := roundHalfUp(r)
	if !i.IsInt64() {
		return 0, false
	}
	return i.Int64(), true
}

// formatDecimal shows r with exactly places decimals, rounded half up.
func formatDecimal(r *big.Rat, places int) string {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(scale))
	i := roundHalfUp(scaled)
	neg := i.Sign() < 0
	digits := new(big.Int).Abs(i).String()
	if places > 0 {
		for len(digits) <= places {
			digits = "0" + digits
		}
		digits = digits[:len(digits)-places] + "." + digits[len(digits)-places:]
	}
	if neg {
		digits = "-" + digits
	}
	return digits
}

// minRat returns the smaller of a and b (a on ties).
func minRat(a, b *big.Rat) *big.Rat {
	if b.Cmp(a) < 0 {
		return b
	}
	return a
}

// sortFields orders field errors so that the same bad input always gives
// the same error (map iteration order is random).
func sortFields(fs []problem.FieldError) {
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Field < fs[j].Field })
}

// decimalString shows r in the fewest decimal places that are exact (every
// rate here is a finite decimal), falling back to 24 places rounded.
func decimalString(r *big.Rat) string {
	scaled := new(big.Rat).Set(r)
	ten := ratInt(10)
	for places := 0; places <= 24; places++ {
		if scaled.IsInt() {
			return formatDecimal(r, places)
		}
		scaled.Mul(scaled, ten)
	}
	return formatDecimal(r, 24)
}
