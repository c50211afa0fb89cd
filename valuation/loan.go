package valuation

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/ipledge/ipledge/patent"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/problem"
)

// LoanAsset is one pledged asset.
type LoanAsset struct {
	ID          string      `json:"id"` // e.g. the application number; unique in the pledge
	Type        patent.Type `json:"type"`
	ValueFen    int64       `json:"value_fen"`    // appraised value
	LegalStatus string      `json:"legal_status"` // a registry.Status value
	// Expiry is the last day in force; required when the type has a
	// minimum remaining life.
	Expiry date.Date `json:"expiry"`
	// Score is the indicator score PVD (0–100); required for patents,
	// ignored for trademarks and copyright, which have no PVD.
	Score string `json:"score"`
}

// LoanInput is a pledge of one or more assets, valued on AsOf.
type LoanInput struct {
	AsOf   date.Date   `json:"as_of"`
	Assets []LoanAsset `json:"assets"`
}

// Reasons an asset counts zero.
const (
	ZeroLegalStatus   = "legal_status_not_valid"
	ZeroRemainingLife = "remaining_life_below_minimum"
	ZeroNoRate        = "no_pledge_rate"
)

// LoanLine is one asset's share of the recommendation. Rates are percent,
// the scale factor a fraction, both rounded to 4 places for display; the
// amount is computed from the exact values and rounded to the fen.
type LoanLine struct {
	ID             string      `json:"id"`
	Type           patent.Type `json:"type"`
	ValueFen       int64       `json:"value_fen"`
	RemainingYears string      `json:"remaining_years,omitempty"` // 2 places
	BaseRate       string      `json:"base_rate"`
	ScaleFactor    string      `json:"scale_factor"` // min(1, PVD / full score)
	EffectiveRate  string      `json:"effective_rate"`
	AmountFen      int64       `json:"amount_fen"`
	ZeroReason     string      `json:"zero_reason,omitempty"`
	ZeroDetail     string      `json:"zero_detail,omitempty"`
}

// TopAsset names the asset carrying the most value in the pledge.
type TopAsset struct {
	ID           string `json:"id"`
	ValueFen     int64  `json:"value_fen"`
	ShareOfValue string `json:"share_of_value"` // percent of the pledge's total value, 2 places
}

// LoanResult is the recommended loan and its breakdown. TotalFen is
// rounded from the exact sum of the lines, so it may differ from the sum
// of the rounded lines by a few fen.
type LoanResult struct {
	TotalFen      int64       `json:"total_fen"`
	TotalValueFen int64       `json:"total_value_fen"`
	Lines         []LoanLine  `json:"lines"`
	TopAsset      *TopAsset   `json:"top_asset"` // nil when nothing has value
	Rates         PledgeRates `json:"rates"`
}

// Bounds: 1000 assets × ¥10 trillion each still sums inside int64.
const (
	maxLoanAssets    = 1000
	maxAssetValueFen = 1_000_000_000_000_000
)

// RecommendLoan computes Σ value × effective rate, where for each asset
//
//	effective rate = base rate(type) × min(1, PVD / full score)
//
// and the rate is 0 if the legal status is anything but valid, if the
// bank has no rate for the type, or if the remaining legal life is below
// the type's minimum. Trademarks and copyright are not scaled (factor 1).
func RecommendLoan(in LoanInput, rates PledgeRates) (LoanResult, error) {
	pr, err := rates.parse()
	if err != nil {
		return LoanResult{}, err
	}
	if fields := in.validate(pr); len(fields) > 0 {
		return LoanResult{}, problem.Invalid(fields...)
	}
	res := LoanResult{Lines: []LoanLine{}, Rates: rates}
	total := new(big.Rat)
	top := -1
	for i, a := range in.Assets {
		line, amount := loanLine(a, in.AsOf, pr)
		res.Lines = append(res.Lines, line)
		total.Add(total, amount)
		res.TotalValueFen += a.ValueFen
		if a.ValueFen > 0 && (top < 0 || a.ValueFen > in.Assets[top].ValueFen) {
			top = i
		}
	}
	res.TotalFen, _ = roundFen(total) // ≤ total value, which fits
	if top >= 0 {
		a := in.Assets[top]
		share := big.NewRat(a.ValueFen*100, 1)
		share.Quo(share, ratInt(res.TotalValueFen))
		res.TopAsset = &TopAsset{ID: a.ID, ValueFen: a.ValueFen, ShareOfValue: formatDecimal(share, 2)}
	}
	return res, nil
}

// loanLine is one asset's line and its exact amount in fen.
func loanLine(a LoanAsset, asOf date.Date, pr parsedRates) (LoanLine, *big.Rat) {
	t := baseType(a.Type)
	line := LoanLine{ID: a.ID, Type: a.Type, ValueFen: a.ValueFen}
	base, hasRate := pr.rate[t]
	if !hasRate {
		base = new(big.Rat)
	}
	line.BaseRate = formatDecimal(new(big.Rat).Mul(base, ratHundred), 4)
	if !a.Expiry.IsZero() {
		line.RemainingYears = formatDecimal(RemainingLegalLife(asOf, a.Expiry), 2)
	}
	scale := new(big.Rat).Set(ratOne)
	if isPatent(t) {
		pvd, _ := parseDecimal("", a.Score) // validated
		scale = minRat(ratOne, new(big.Rat).Quo(pvd, pr.fullScore))
	}
	line.ScaleFactor = formatDecimal(scale, 4)
	minYears := pr.minYears[t]
	switch {
	case a.LegalStatus != StatusValid:
		line.ZeroReason, line.ZeroDetail = ZeroLegalStatus, "legal status is "+a.LegalStatus+"; only a valid right can be pledged"
	case !hasRate || base.Sign() == 0:
		line.ZeroReason, line.ZeroDetail = ZeroNoRate, "no pledge rate is set for "+string(a.Type)
	case minYears > 0 && asOf.AddYears(minYears).After(a.Expiry.AddDays(1)):
		// Remaining life ≥ N years ⇔ the right is still in force on the
		// N-th anniversary's eve: as_of + N years ≤ expiry + 1 day.
		line.ZeroReason = ZeroRemainingLife
		line.ZeroDetail = fmt.Sprintf("%s years remain; %s needs at least %d", line.RemainingYears, a.Type, minYears)
	}
	if line.ZeroReason != "" {
		line.EffectiveRate = formatDecimal(new(big.Rat), 4)
		return line, new(big.Rat)
	}
	eff := new(big.Rat).Mul(base, scale)
	line.EffectiveRate = formatDecimal(new(big.Rat).Mul(eff, ratHundred), 4)
	amount := new(big.Rat).Mul(ratInt(a.ValueFen), eff)
	line.AmountFen, _ = roundFen(amount) // ≤ value
	return line, amount
}

func (in LoanInput) validate(pr parsedRates) []problem.FieldError {
	var fields []problem.FieldError
	if in.AsOf.IsZero() {
		fields = append(fields, problem.Field("as_of", "required", "the valuation date is required"))
	}
	switch {
	case len(in.Assets) == 0:
		fields = append(fields, problem.Field("assets", "required", "a pledge has at least one asset"))
	case len(in.Assets) > maxLoanAssets:
		fields = append(fields, problem.Field("assets", "too_many", fmt.Sprintf("at most %d assets", maxLoanAssets)))
		return fields
	}
	seen := map[string]bool{}
	for i, a := range in.Assets {
		f := func(name string) string { return fmt.Sprintf("assets[%d].%s", i, name) }
		if strings.TrimSpace(a.ID) == "" {
			fields = append(fields, problem.Field(f("id"), "required", "required"))
		} else if seen[a.ID] {
			fields = append(fields, problem.Field(f("id"), "duplicate", "the asset "+quote(a.ID)+" is listed twice"))
		}
		seen[a.ID] = true
		if !knownType(a.Type) {
			fields = append(fields, problem.Field(f("type"), "unknown", "not an asset type: "+quote(string(a.Type))))
			continue
		}
		if a.ValueFen < 0 || a.ValueFen > maxAssetValueFen {
			fields = append(fields, problem.Field(f("value_fen"), "out_of_range", "a value is from 0 to 10^15 fen"))
		}
		if strings.TrimSpace(a.LegalStatus) == "" {
			fields = append(fields, problem.Field(f("legal_status"), "required", "required"))
		}
		if pr.minYears[baseType(a.Type)] > 0 && a.Expiry.IsZero() {
			fields = append(fields, problem.Field(f("expiry"), "required", "the last day in force is required to check the minimum remaining life"))
		}
		if isPatent(a.Type) {
			if strings.TrimSpace(a.Score) == "" {
				fields = append(fields, problem.Field(f("score"), "required", "the indicator score (PVD) is required for a patent"))
			} else if _, fe := parseRange(f("score"), a.Score, ratZero, ratHundred, "a score is from 0 to 100"); fe != nil {
				fields = append(fields, *fe)
			}
		}
	}
	return fields
}
