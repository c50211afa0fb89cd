package valuation

import (
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/problem"
)

// IncomeInput are the inputs of the relief-from-royalty income approach.
// Rates are percentages as decimal strings ("5.5" is 5.5 %).
//
// Revenue is either a forecast per year (RevenueFen, year 1 first) or a
// base and a growth rate: revenue in year t = BaseRevenueFen ×
// (1 + GrowthRate)^(t−1), so the base is year 1's revenue. A forecast
// longer than the remaining economic life is used only as far as needed.
//
// The legal life is given as dates rather than years so that it is exact:
// it runs from ValuationDate to the day after LegalExpiry (the last day
// the right is in force), counted in calendar years (see YearsUntil).
type IncomeInput struct {
	RevenueFen     []int64   `json:"revenue_fen,omitempty"`
	BaseRevenueFen *int64    `json:"base_revenue_fen,omitempty"`
	GrowthRate     string    `json:"growth_rate,omitempty"` // percent a year, default 0
	RoyaltyRate    string    `json:"royalty_rate"`          // percent of revenue, 0–100
	DiscountRate   string    `json:"discount_rate"`         // percent a year, 0–100
	TaxRate        string    `json:"tax_rate,omitempty"`    // percent, default DefaultTaxRate
	EconomicLife   string    `json:"economic_life"`         // years, may be fractional ("7.5"), 0 < life ≤ 50
	ValuationDate  date.Date `json:"valuation_date"`
	LegalExpiry    date.Date `json:"legal_expiry"`
	MidYear        bool      `json:"mid_year"` // discount at mid-year instead of year end
}

// DefaultTaxRate is China's standard enterprise income tax rate (Enterprise
// Income Tax Law art. 4). High-tech enterprises pay 15 %: enter it.
const DefaultTaxRate = "25"

// Limits on inputs. They bound the work (and the size of the exact
// numbers) one request can cause, far beyond any real appraisal.
const (
	maxEconomicLifeYears = 50
	maxRevenueFen        = 1_000_000_000_000_000 // ¥10 trillion a year
)

// incomeParams are validated inputs as exact numbers.
type incomeParams struct {
	revenue      []*big.Rat // per year used, in fen, exact
	royalty      *big.Rat   // percent
	discount     *big.Rat   // percent
	tax          *big.Rat   // fraction
	legal, econ  *big.Rat   // years
	life         *big.Rat   // min(legal, econ)
	midYear      bool
	revenueField string
}

// Validate checks the input without computing the value.
func (in IncomeInput) Validate() error {
	_, err := in.parse()
	return err
}

func (in IncomeInput) parse() (incomeParams, error) {
	p := incomeParams{midYear: in.MidYear}
	var fields []problem.FieldError
	add := func(fe *problem.FieldError) {
		if fe != nil {
			fields = append(fields, *fe)
		}
	}
	req := func(field, s string) bool {
		if strings.TrimSpace(s) == "" {
			fields = append(fields, problem.Field(field, "required", "required"))
			return false
		}
		return true
	}
	var fe *problem.FieldError
	if req("royalty_rate", in.RoyaltyRate) {
		p.royalty, fe = parseRange("royalty_rate", in.RoyaltyRate, ratZero, ratHundred, "a royalty rate is a percentage from 0 to 100")
		add(fe)
	}
	if req("discount_rate", in.DiscountRate) {
		p.discount, fe = parseRange("discount_rate", in.DiscountRate, ratZero, ratHundred, "a discount rate is a percentage from 0 to 100")
		add(fe)
	}
	tax := in.TaxRate
	if strings.TrimSpace(tax) == "" {
		tax = DefaultTaxRate
	}
	if t, fe := parseRange("tax_rate", tax, ratZero, ratHundred, "a tax rate is a percentage from 0 to 100"); fe != nil {
		add(fe)
	} else {
		p.tax = percent(t)
	}
	if req("economic_life", in.EconomicLife) {
		p.econ, fe = parseRange("economic_life", in.EconomicLife, ratZero, ratInt(maxEconomicLifeYears),
			fmt.Sprintf("the economic life is more than 0 and at most %d years", maxEconomicLifeYears))
		add(fe)
		if fe == nil && p.econ.Sign() == 0 {
			fields = append(fields, problem.Field("economic_life", "out_of_range", "the economic life must be more than 0 years"))
			p.econ = nil
		}
	}
	if in.ValuationDate.IsZero() {
		fields = append(fields, problem.Field("valuation_date", "required", "required"))
	}
	if in.LegalExpiry.IsZero() {
		fields = append(fields, problem.Field("legal_expiry", "required", "the last day the right is in force is required"))
	}
	if p.econ != nil && !in.ValuationDate.IsZero() && !in.LegalExpiry.IsZero() {
		p.legal = RemainingLegalLife(in.ValuationDate, in.LegalExpiry)
		p.life = minRat(p.legal, p.econ)
		fields = append(fields, in.parseRevenue(&p, yearsOf(p.life))...)
	}
	if len(fields) > 0 {
		sortFields(fields)
		return p, problem.Invalid(fields...)
	}
	return p, nil
}

// parseRevenue fills p.revenue for n years from the forecast or from the
// base and growth rate.
func (in IncomeInput) parseRevenue(p *incomeParams, n int) []problem.FieldError {
	var fields []problem.FieldError
	hasGrowth := strings.TrimSpace(in.GrowthRate) != ""
	switch {
	case in.RevenueFen != nil && in.BaseRevenueFen != nil:
		return append(fields, problem.Field("revenue_fen", "conflict", "give either a revenue forecast or a base revenue, not both"))
	case in.RevenueFen != nil:
		p.revenueField = "revenue_fen"
		if hasGrowth {
			fields = append(fields, problem.Field("growth_rate", "conflict", "a growth rate goes with a base revenue, not with a forecast"))
		}
		if len(in.RevenueFen) < n {
			fields = append(fields, problem.Field("revenue_fen", "too_short",
				fmt.Sprintf("the remaining economic life needs a forecast for %d years, not %d", n, len(in.RevenueFen))))
		}
		for i, r := range in.RevenueFen {
			if r < 0 || r > maxRevenueFen {
				fields = append(fields, problem.Field(fmt.Sprintf("revenue_fen[%d]", i), "out_of_range", "a year's revenue is from 0 to 10^15 fen"))
			} else if i < n {
				p.revenue = append(p.revenue, ratInt(r))
			}
		}
	case in.BaseRevenueFen != nil:
		p.revenueField = "base_revenue_fen"
		base := *in.BaseRevenueFen
		if base < 0 || base > maxRevenueFen {
			fields = append(fields, problem.Field("base_revenue_fen", "out_of_range", "the base revenue is from 0 to 10^15 fen"))
		}
		g := new(big.Rat)
		if hasGrowth {
			var fe *problem.FieldError
			if g, fe = parseRange("growth_rate", in.GrowthRate, ratInt(-100), ratHundred, "a growth rate is a percentage from -100 to 100"); fe != nil {
				fields = append(fields, *fe)
			}
		}
		if len(fields) == 0 {
			factor := new(big.Rat).Add(ratOne, percent(g))
			r := ratInt(base)
			for t := 1; t <= n; t++ {
				p.revenue = append(p.revenue, r)
				r = new(big.Rat).Mul(r, factor)
			}
		}
	default:
		fields = append(fields, problem.Field("revenue_fen", "required", "give a revenue forecast per year or a base revenue"))
	}
	// Every amount shown (royalty, present value, sensitivity cells, the
	// total) is at most the undiscounted revenue over the life, since
	// rates are ≤ 100 % and discount factors ≤ 1. If that sum fits int64,
	// so does everything, and Income cannot fail after validation.
	sum := new(big.Rat)
	for _, r := range p.revenue {
		sum.Add(sum, r)
	}
	if len(fields) == 0 && sum.Cmp(ratInt(math.MaxInt64)) > 0 {
		fields = append(fields, problem.Field(p.revenueField, "too_large", "the revenue over the life exceeds 2^63 fen"))
	}
	return fields
}

// yearsOf is the number of (possibly partial) years in life: ⌈life⌉.
func yearsOf(life *big.Rat) int {
	q, m := new(big.Int).QuoRem(life.Num(), life.Denom(), new(big.Int))
	n := int(q.Int64())
	if m.Sign() > 0 {
		n++
	}
	return n
}
