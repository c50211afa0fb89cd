package valuation

import (
	"testing"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/problem"
)

// FuzzIncomeInput feeds arbitrary strings and numbers to Income. It must
// never panic; every refusal must be a 400 *problem.Error naming at least
// one field; every success must be a non-negative value with a 3×3
// sensitivity grid whose centre is the value, and rows as long as the life.
func FuzzIncomeInput(f *testing.F) {
	f.Add(int64(10_000_000), "", "5", "10", "", "3", 3000, false, true)
	f.Add(int64(10_000_000), "10", "5", "10", "15", "7.5", 2000, true, false)
	f.Add(int64(-1), "1e9", "1/3", "-0", "abc", "0.0000001", -5, false, false)
	f.Add(int64(1_000_000_000_000_000), "100", "100", "0", "0", "50", 40000, true, false)
	f.Fuzz(func(t *testing.T, revenue int64, growth, royalty, discount, tax, life string, days int, mid, forecast bool) {
		in := IncomeInput{GrowthRate: growth, RoyaltyRate: royalty, DiscountRate: discount, TaxRate: tax, EconomicLife: life,
			ValuationDate: date.MustParse("2026-01-01"), MidYear: mid}
		if days%40000 != 0 {
			in.LegalExpiry = in.ValuationDate.AddDays(days % 40000)
		}
		if forecast {
			in.RevenueFen = []int64{revenue, revenue / 2, revenue, 0, revenue}
		} else {
			in.BaseRevenueFen = &revenue
		}
		res, err := Income(in)
		if err != nil {
			p, ok := problem.As(err)
			if !ok || p.Status != 400 || len(p.Fields) == 0 {
				t.Fatalf("error is not a field problem: %#v", err)
			}
			if in.Validate() == nil {
				t.Fatalf("Validate passed but Income failed: %v", err)
			}
			return
		}
		if res.ValueFen < 0 {
			t.Fatalf("negative value %d", res.ValueFen)
		}
		if len(res.Sensitivity) != 3 || len(res.Sensitivity[1]) != 3 || res.Sensitivity[1][1].ValueFen != res.ValueFen {
			t.Fatalf("bad grid %+v", res.Sensitivity)
		}
		for _, y := range res.Years {
			if y.PresentValueFen < 0 || y.PresentValueFen > y.AfterTaxFen+1 {
				t.Fatalf("bad row %+v", y)
			}
		}
	})
}
