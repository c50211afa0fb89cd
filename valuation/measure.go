package valuation

import (
	"fmt"
	"math/big"

	"github.com/ipledge/ipledge/patent"
)

// The scoring functions below turn the facts the platform holds into
// 0–100 sub-indicator scores. They are platform defaults, chosen to be
// simple enough to explain on the result page; each returns a Basis line
// that says how the number came about.

// scoreRemainingLife is 100 × remaining legal life / full term, so a
// patent granted today scores near 100 and an expiring one near 0.
func scoreRemainingLife(remaining *big.Rat, termYears int) (*big.Rat, string) {
	v := new(big.Rat).Mul(remaining, ratHundred)
	v.Quo(v, ratInt(int64(termYears)))
	v = clamp100(v)
	return v, fmt.Sprintf("100 × %s remaining years / %d-year term", formatDecimal(remaining, 2), termYears)
}

// scoreClaims is 10 per claim, capped at 100 from 10 claims: ten is the
// number of claims covered by the basic CNIPA fee (an applicant pays for
// each claim beyond it), so more than ten signals deliberately broad
// protection rather than a routine filing.
func scoreClaims(n int) (*big.Rat, string) {
	return clamp100(ratInt(int64(n) * 10)), fmt.Sprintf("10 × %d claims, at most 100", n)
}

// scoreCitations is 20 per forward citation, capped at 100 from 5: few
// Chinese patents are cited at all, so even a handful of citations marks
// a technically significant one.
func scoreCitations(n int) (*big.Rat, string) {
	return clamp100(ratInt(int64(n) * 20)), fmt.Sprintf("20 × %d forward citations, at most 100", n)
}

// scoreFamily is 20 per family member (the patent itself counts, so a
// purely domestic patent scores 20), capped at 100 from 5: filing abroad
// costs money, which owners spend only on inventions they value.
func scoreFamily(n int) (*big.Rat, string) {
	return clamp100(ratInt(int64(n) * 20)), fmt.Sprintf("20 × %d family members, at most 100", n)
}

// scoreLicences is 60 + 10 per recorded licence, capped at 100. It is used
// only when at least one licence is recorded: a licence proves the market
// uses the patent, but no licence proves nothing (the owner may exploit it
// itself), so then the appraiser enters market application.
func scoreLicences(n int) (*big.Rat, string) {
	return clamp100(ratInt(60 + int64(n)*10)), fmt.Sprintf("60 + 10 × %d recorded licences, at most 100", n)
}

// legalStatusScores rate the statuses of registry.Status. A valid right
// scores full marks; a right that may still be saved (pending grant, fee
// in its grace period, invalidation requested, ownership disputed) scores
// by how likely it survives; a dead right scores 0.
var legalStatusScores = map[string]int64{
	StatusValid:              100,
	"pending":                50,
	"fee_grace":              40,
	"invalidation_requested": 30,
	"ownership_dispute":      20,
	"lapsed":                 0,
	"expired":                0,
	"invalidated":            0,
}

func scoreLegalStatus(s string) (*big.Rat, string, bool) {
	v, ok := legalStatusScores[s]
	return ratInt(v), "legal status " + s, ok
}

// termOf is the full term in years used for remaining life.
func termOf(f Facts) int {
	return patent.Term(baseType(f.Type), f.FilingDate)
}

func clamp100(v *big.Rat) *big.Rat {
	switch {
	case v.Sign() < 0:
		return new(big.Rat)
	case v.Cmp(ratHundred) > 0:
		return new(big.Rat).Set(ratHundred)
	}
	return v
}
