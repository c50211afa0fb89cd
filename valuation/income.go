package valuation

import (
	"math/big"

	"github.com/ipledge/ipledge/platform/problem"
)

// IncomeYear is one row of the income table. Amounts are rounded to the
// fen for display; the total is rounded from the exact sum of the rows'
// exact present values, so the rounded rows may not add up to it exactly.
type IncomeYear struct {
	Year            int    `json:"year"`              // 1 = the first year after the valuation date
	Fraction        string `json:"fraction"`          // of the year counted, 4 places; below 1 only in a partial last year
	RevenueFen      int64  `json:"revenue_fen"`       // the whole year's revenue
	RoyaltyFen      int64  `json:"royalty_fen"`       // revenue × fraction × royalty rate
	AfterTaxFen     int64  `json:"after_tax_fen"`     // royalty × (1 − tax rate)
	DiscountFactor  string `json:"discount_factor"`   // 1 / (1+r)^t, 6 places
	PresentValueFen int64  `json:"present_value_fen"` // after tax × discount factor
}

// IncomeResult is the result of Income.
type IncomeResult struct {
	ValueFen          int64               `json:"value_fen"`
	LegalLifeYears    string              `json:"legal_life_years"`    // 4 places
	EconomicLifeYears string              `json:"economic_life_years"` // 4 places
	LifeYears         string              `json:"life_years"`          // min of the two, 4 places
	LifeLimitedBy     string              `json:"life_limited_by"`     // "legal" or "economic"
	Discounting       string              `json:"discounting"`         // "end_year" or "mid_year"
	RoyaltyRate       string              `json:"royalty_rate"`
	DiscountRate      string              `json:"discount_rate"`
	TaxRate           string              `json:"tax_rate"`
	Years             []IncomeYear        `json:"years"`
	Sensitivity       [][]SensitivityCell `json:"sensitivity"`
}

// Income values a patent by relief from royalty:
//
//	value = Σ_{t=1..n} revenue_t × f_t × royalty × (1 − tax) / (1+r)^t
//
// over n = ⌈L⌉ years, where L = min(remaining legal life, economic life),
// f_t = 1 except in a partial last year, where f_n = L − (n−1): that
// year's revenue is prorated. The partial year keeps its year's exponent
// t = n, the same convention as whole years (the cash arrives at that
// year's end, or in its middle with MidYear); this is slightly
// conservative against discounting at n−1+f_n.
//
// With MidYear the exponent is t − 0.5. An expired right (L = 0) is worth
// 0 with an empty table.
func Income(in IncomeInput) (IncomeResult, error) {
	p, err := in.parse()
	if err != nil {
		return IncomeResult{}, err
	}
	total, rows := p.compute(p.royalty, p.discount)
	res := IncomeResult{
		LegalLifeYears:    formatDecimal(p.legal, 4),
		EconomicLifeYears: formatDecimal(p.econ, 4),
		LifeYears:         formatDecimal(p.life, 4),
		LifeLimitedBy:     "economic",
		Discounting:       "end_year",
		RoyaltyRate:       decimalString(p.royalty),
		DiscountRate:      decimalString(p.discount),
		TaxRate:           decimalString(new(big.Rat).Mul(p.tax, ratHundred)),
		Years:             []IncomeYear{},
	}
	if p.legal.Cmp(p.econ) < 0 {
		res.LifeLimitedBy = "legal"
	}
	if p.midYear {
		res.Discounting = "mid_year"
	}
	// parse bounded the undiscounted revenue to int64, so these overflow
	// checks cannot fire; they stay as guards against a future change.
	ok := true
	for _, r := range rows {
		y, fits := r.display()
		ok = ok && fits
		res.Years = append(res.Years, y)
	}
	var fits bool
	res.ValueFen, fits = roundFen(total)
	if !ok || !fits {
		return IncomeResult{}, problem.Invalid(problem.Field(p.revenueField, "too_large", "the revenue is too large to value"))
	}
	res.Sensitivity, ok = p.sensitivity()
	if !ok {
		return IncomeResult{}, problem.Invalid(problem.Field(p.revenueField, "too_large", "the revenue is too large to value"))
	}
	return res, nil
}

// incomeRow is one year, exact.
type incomeRow struct {
	year                               int
	fraction                           *big.Rat
	revenue, royalty, afterTax, factor *big.Rat
	pv                                 *big.Rat
}

func (r incomeRow) display() (IncomeYear, bool) {
	y := IncomeYear{Year: r.year, Fraction: formatDecimal(r.fraction, 4), DiscountFactor: formatDecimal(r.factor, 6)}
	var a, b, c, d bool
	y.RevenueFen, a = roundFen(r.revenue)
	y.RoyaltyFen, b = roundFen(r.royalty)
	y.AfterTaxFen, c = roundFen(r.afterTax)
	y.PresentValueFen, d = roundFen(r.pv)
	return y, a && b && c && d
}

// compute is the exact value at the given royalty and discount rates (in
// percent) and its rows.
func (p incomeParams) compute(royaltyPct, discountPct *big.Rat) (*big.Rat, []incomeRow) {
	royalty := percent(royaltyPct)
	keep := new(big.Rat).Sub(ratOne, p.tax)
	growth := new(big.Rat).Add(ratOne, percent(discountPct)) // 1 + r
	total := new(big.Rat)
	var rows []incomeRow
	n := yearsOf(p.life)
	compound := new(big.Rat).Set(ratOne) // (1+r)^(t−1)
	var sqrt *big.Rat
	if p.midYear {
		sqrt = sqrtRat(growth)
	}
	for t := 1; t <= n; t++ {
		frac := new(big.Rat).Set(ratOne)
		if t == n {
			frac.Sub(p.life, ratInt(int64(n-1)))
		}
		// (1+r)^t at year end; (1+r)^(t−1) × √(1+r) = (1+r)^(t−0.5) mid-year.
		denom := new(big.Rat).Mul(compound, growth)
		if p.midYear {
			denom = new(big.Rat).Mul(compound, sqrt)
		}
		row := incomeRow{year: t, fraction: frac, revenue: p.revenue[t-1]}
		row.royalty = new(big.Rat).Mul(row.revenue, frac)
		row.royalty.Mul(row.royalty, royalty)
		row.afterTax = new(big.Rat).Mul(row.royalty, keep)
		row.factor = new(big.Rat).Inv(denom)
		row.pv = new(big.Rat).Mul(row.afterTax, row.factor)
		total.Add(total, row.pv)
		rows = append(rows, row)
		compound.Mul(compound, growth)
	}
	return total, rows
}

// sqrtPrec is the precision of the mid-year square root. Rationals are
// exact, but (1+r)^0.5 is usually irrational, so it is computed as a
// big.Float: 256 bits carry about 77 significant digits, while the
// largest value handled (≈10^17 fen over 50 years) needs fewer than 25 to
// be right at the fen. The result is then used as an exact rational, so
// the only approximation in the whole computation is this one root.
const sqrtPrec = 256

// sqrtRat is √x: exact when x is the square of a rational (1.21 → 1.1,
// so a 21 % rate stays exact), else rounded to sqrtPrec bits.
func sqrtRat(x *big.Rat) *big.Rat {
	n, d := x.Num(), x.Denom()
	sn, sd := new(big.Int).Sqrt(n), new(big.Int).Sqrt(d)
	if new(big.Int).Mul(sn, sn).Cmp(n) == 0 && new(big.Int).Mul(sd, sd).Cmp(d) == 0 {
		return new(big.Rat).SetFrac(sn, sd)
	}
	f := new(big.Float).SetPrec(sqrtPrec).SetRat(x)
	f.Sqrt(f)
	r, _ := f.Rat(nil)
	return r
}
