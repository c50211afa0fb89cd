package valuation

import (
	"math/big"

	"github.com/ipledge/ipledge/platform/date"
)

// YearsUntil is the exact time from `from` to `to` in years: the number of
// whole anniversaries of `from` on or before `to`, plus the days left over
// divided by the length of the year that follows the last anniversary (365
// or 366). It is zero if `to` is not after `from`.
//
// To get a patent's remaining legal life pass the day after its expiry
// (the expiry is the last day in force): YearsUntil(v, expiry.AddDays(1)).
// Whole anniversaries make "10 years left" agree with the calendar, which
// is how the minimum-remaining-life rules are written.
func YearsUntil(from, to date.Date) *big.Rat {
	if !from.Before(to) {
		return new(big.Rat)
	}
	n := to.Y - from.Y
	for n > 0 && from.AddYears(n).After(to) {
		n--
	}
	for !from.AddYears(n + 1).After(to) {
		n++
	}
	start, next := from.AddYears(n), from.AddYears(n+1)
	frac := big.NewRat(int64(start.DaysUntil(to)), int64(start.DaysUntil(next)))
	return frac.Add(frac, ratInt(int64(n)))
}

// RemainingLegalLife is YearsUntil(valuationDate, expiry + 1 day).
func RemainingLegalLife(valuationDate, expiry date.Date) *big.Rat {
	return YearsUntil(valuationDate, expiry.AddDays(1))
}
