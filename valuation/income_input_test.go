package valuation

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/ipledge/ipledge/platform/date"
)

func TestIncomeInputErrors(t *testing.T) {
	for _, c := range []struct {
		name        string
		edit        func(*IncomeInput)
		field, code string
	}{
		{"negative royalty", func(in *IncomeInput) { in.RoyaltyRate = "-1" }, "royalty_rate", "out_of_range"},
		{"royalty above 100 %", func(in *IncomeInput) { in.RoyaltyRate = "100.5" }, "royalty_rate", "out_of_range"},
		{"royalty missing", func(in *IncomeInput) { in.RoyaltyRate = "" }, "royalty_rate", "required"},
		{"royalty as fraction", func(in *IncomeInput) { in.RoyaltyRate = "1/20" }, "royalty_rate", "invalid_decimal"},
		{"negative discount", func(in *IncomeInput) { in.DiscountRate = "-0.5" }, "discount_rate", "out_of_range"},
		{"tax above 100", func(in *IncomeInput) { in.TaxRate = "101" }, "tax_rate", "out_of_range"},
		{"zero economic life", func(in *IncomeInput) { in.EconomicLife = "0" }, "economic_life", "out_of_range"},
		{"economic life 51", func(in *IncomeInput) { in.EconomicLife = "51" }, "economic_life", "out_of_range"},
		{"no valuation date", func(in *IncomeInput) { in.ValuationDate = date.Date{} }, "valuation_date", "required"},
		{"no expiry", func(in *IncomeInput) { in.LegalExpiry = date.Date{} }, "legal_expiry", "required"},
		{"forecast too short", func(in *IncomeInput) { in.RevenueFen = in.RevenueFen[:2] }, "revenue_fen", "too_short"},
		{"negative revenue", func(in *IncomeInput) { in.RevenueFen[1] = -1 }, "revenue_fen[1]", "out_of_range"},
		{"no revenue", func(in *IncomeInput) { in.RevenueFen = nil }, "revenue_fen", "required"},
		{"both revenues", func(in *IncomeInput) { in.BaseRevenueFen = ptr[int64](1) }, "revenue_fen", "conflict"},
		{"growth with forecast", func(in *IncomeInput) { in.GrowthRate = "5" }, "growth_rate", "conflict"},
		{"growth below -100", func(in *IncomeInput) {
			in.RevenueFen, in.BaseRevenueFen, in.GrowthRate = nil, ptr[int64](1), "-101"
		}, "growth_rate", "out_of_range"},
		{"revenue too large to value", func(in *IncomeInput) {
			// 10^15 doubling for 50 years passes 2^63 fen.
			in.RevenueFen, in.BaseRevenueFen, in.GrowthRate, in.EconomicLife = nil, ptr[int64](maxRevenueFen), "100", "50"
			in.LegalExpiry = date.MustParse("2099-12-31")
		}, "base_revenue_fen", "too_large"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := baseIncome()
			c.edit(&in)
			_, err := Income(in)
			wantField(t, err, c.field, c.code)
			wantField(t, in.Validate(), c.field, c.code)
		})
	}
}

// Property tests over random inputs (fixed seed, so failures reproduce):
// more remaining life never lowers the value, and a higher discount rate
// never raises it.
func TestIncomeMonotonic(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	pct := func(max int) string { return strconv.Itoa(r.IntN(max*100)/100) + "." + strconv.Itoa(r.IntN(100)) }
	for i := 0; i < 300; i++ {
		in := IncomeInput{
			BaseRevenueFen: ptr(r.Int64N(1_000_000_000)),
			GrowthRate:     strconv.Itoa(r.IntN(61) - 30),
			RoyaltyRate:    pct(20),
			DiscountRate:   pct(30),
			TaxRate:        pct(40),
			EconomicLife:   strconv.Itoa(1+r.IntN(15)) + "." + strconv.Itoa(r.IntN(10)),
			ValuationDate:  date.MustParse("2026-01-01"),
			LegalExpiry:    date.MustParse("2026-01-01").AddDays(r.IntN(20 * 366)),
			MidYear:        r.IntN(2) == 0,
		}
		base, err := Income(in)
		if err != nil {
			t.Fatalf("%+v: %v", in, err)
		}
		longer := in
		longer.LegalExpiry = in.LegalExpiry.AddDays(1 + r.IntN(2000))
		if v, err := Income(longer); err != nil || v.ValueFen < base.ValueFen {
			t.Fatalf("longer legal life lowered the value: %d → %d (%v)\n%+v", base.ValueFen, v.ValueFen, err, in)
		}
		longerEcon := in
		longerEcon.EconomicLife = "16"
		if v, err := Income(longerEcon); err != nil || v.ValueFen < base.ValueFen {
			t.Fatalf("longer economic life lowered the value: %d → %d (%v)\n%+v", base.ValueFen, v.ValueFen, err, in)
		}
		dearer := in
		dearer.DiscountRate = strconv.Itoa(31 + r.IntN(50))
		if v, err := Income(dearer); err != nil || v.ValueFen > base.ValueFen {
			t.Fatalf("higher discount raised the value: %d → %d (%v)\n%+v", base.ValueFen, v.ValueFen, err, in)
		}
		// The sensitivity grid is monotone the same way: down a column
		// (higher discount) never up; along a row (higher royalty) never down.
		g := base.Sensitivity
		for a := 0; a < 3; a++ {
			for b := 0; b < 2; b++ {
				if g[b+1][a].ValueFen > g[b][a].ValueFen || g[a][b+1].ValueFen < g[a][b].ValueFen {
					t.Fatalf("grid not monotone: %+v", g)
				}
			}
		}
	}
}
