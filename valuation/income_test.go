package valuation

import (
	"testing"

	"github.com/ipledge/ipledge/platform/date"
)

// baseIncome: ¥100,000 (10,000,000 fen) revenue a year, royalty 5 %, tax
// 25 %, discount 10 %, 3 years of economic life, and a legal life far
// longer. Each year's after-tax royalty is 10,000,000 × 5 % × 75 % =
// 375,000 fen.
func baseIncome() IncomeInput {
	return IncomeInput{
		RevenueFen:    []int64{10_000_000, 10_000_000, 10_000_000, 10_000_000, 10_000_000},
		RoyaltyRate:   "5",
		DiscountRate:  "10",
		EconomicLife:  "3",
		ValuationDate: date.MustParse("2026-01-01"),
		LegalExpiry:   date.MustParse("2040-12-31"),
	}
}

func TestIncomeHandWorked(t *testing.T) {
	for _, c := range []struct {
		name      string
		edit      func(*IncomeInput)
		wantValue int64
		wantPV    []int64
		wantFrac  []string
		limitedBy string
	}{
		{
			// 375,000/1.1 = 340,909.0909; /1.21 = 309,917.3554;
			// /1.331 = 281,743.0503; exact sum 932,569.4966 → 932,569.
			name: "end-year, 3 whole years", wantValue: 932_569,
			wantPV: []int64{340_909, 309_917, 281_743}, wantFrac: []string{"1.0000", "1.0000", "1.0000"}, limitedBy: "economic",
		},
		{
			// Partial last year: life 2.5, year 3 counts half its revenue:
			// 375,000 × 0.5 / 1.331 = 140,871.53 → 140,872.
			// Exact sum 340,909.0909 + 309,917.3554 + 140,871.5252
			// = 791,697.9715 → 791,698.
			name: "partial last year prorated", edit: func(in *IncomeInput) { in.EconomicLife = "2.5" }, wantValue: 791_698,
			wantPV: []int64{340_909, 309_917, 140_872}, wantFrac: []string{"1.0000", "1.0000", "0.5000"}, limitedBy: "economic",
		},
		{
			// Legal life shorter: expiry 2027-06-30, so the right ends
			// 2027-07-01 = 1 year + 181/365. Economic life 5 is cut to that.
			// Year 2: 375,000 × 181/365 / 1.21 = 153,685.04 → 153,685.
			// Sum 340,909.0909 + 153,685.0447 = 494,594.1356 → 494,594.
			name: "min(legal, economic)", edit: func(in *IncomeInput) {
				in.EconomicLife, in.LegalExpiry = "5", date.MustParse("2027-06-30")
			}, wantValue: 494_594,
			wantPV: []int64{340_909, 153_685}, wantFrac: []string{"1.0000", "0.4959"}, limitedBy: "legal",
		},
		{
			// Discount 0: no discounting, 3 × 375,000.
			name: "discount rate 0", edit: func(in *IncomeInput) { in.DiscountRate = "0" }, wantValue: 1_125_000,
			wantPV: []int64{375_000, 375_000, 375_000}, wantFrac: []string{"1.0000", "1.0000", "1.0000"}, limitedBy: "economic",
		},
		{
			// Base and growth: 10,000,000 growing 10 % a year gives
			// 10,000,000, 11,000,000, 12,100,000; after-tax royalties
			// 375,000, 412,500, 453,750; at 10 % each discounts to
			// 340,909.0909, 340,909.0909, 340,909.0909 → sum 1,022,727.27.
			name: "base and growth", edit: func(in *IncomeInput) {
				in.RevenueFen, in.BaseRevenueFen, in.GrowthRate = nil, ptr[int64](10_000_000), "10"
			}, wantValue: 1_022_727,
			wantPV: []int64{340_909, 340_909, 340_909}, wantFrac: []string{"1.0000", "1.0000", "1.0000"}, limitedBy: "economic",
		},
		{
			// Remaining life under a year: expiry 2026-06-30, so 181/365
			// of year 1: 375,000 × 181/365 / 1.1 = 169,053.55 → 169,054.
			name: "under a year", edit: func(in *IncomeInput) { in.LegalExpiry = date.MustParse("2026-06-30") }, wantValue: 169_054,
			wantPV: []int64{169_054}, wantFrac: []string{"0.4959"}, limitedBy: "legal",
		},
		{
			name: "expired right", edit: func(in *IncomeInput) { in.LegalExpiry = date.MustParse("2025-12-31") }, wantValue: 0,
			wantPV: []int64{}, limitedBy: "legal",
		},
		{
			name: "zero revenue", edit: func(in *IncomeInput) { in.RevenueFen = []int64{0, 0, 0} }, wantValue: 0,
			wantPV: []int64{0, 0, 0}, wantFrac: []string{"1.0000", "1.0000", "1.0000"}, limitedBy: "economic",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := baseIncome()
			if c.edit != nil {
				c.edit(&in)
			}
			res, err := Income(in)
			if err != nil {
				t.Fatal(err)
			}
			if res.ValueFen != c.wantValue {
				t.Errorf("value %d, want %d", res.ValueFen, c.wantValue)
			}
			if res.LifeLimitedBy != c.limitedBy {
				t.Errorf("limited by %s, want %s", res.LifeLimitedBy, c.limitedBy)
			}
			if len(res.Years) != len(c.wantPV) {
				t.Fatalf("%d rows, want %d: %+v", len(res.Years), len(c.wantPV), res.Years)
			}
			for i, y := range res.Years {
				if y.Year != i+1 || y.PresentValueFen != c.wantPV[i] || y.Fraction != c.wantFrac[i] {
					t.Errorf("row %d = %+v, want pv %d fraction %s", i+1, y, c.wantPV[i], c.wantFrac[i])
				}
			}
		})
	}
}

func TestIncomeRowDetail(t *testing.T) {
	res, err := Income(baseIncome())
	if err != nil {
		t.Fatal(err)
	}
	// Year 2: revenue 10,000,000; royalty 500,000; after tax 375,000;
	// factor 1/1.21 = 0.826446.
	want := IncomeYear{Year: 2, Fraction: "1.0000", RevenueFen: 10_000_000, RoyaltyFen: 500_000, AfterTaxFen: 375_000,
		DiscountFactor: "0.826446", PresentValueFen: 309_917}
	if res.Years[1] != want {
		t.Errorf("year 2 = %+v, want %+v", res.Years[1], want)
	}
	if res.TaxRate != "25" || res.Discounting != "end_year" || res.LifeYears != "3.0000" {
		t.Errorf("header %+v", res)
	}
}

// Mid-year: exponent t − 0.5. At 21 %, √1.21 = 1.1 exactly, so:
//
//	end-year: 375,000/1.21 + 375,000/1.4641 = 309,917.36 + 256,129.77 = 566,047.13 → 566,047
//	mid-year: 375,000/1.1  + 375,000/1.331  = 340,909.09 + 281,743.05 = 622,652.14 → 622,652
//
// At 10 % (irrational root, big.Float): √1.1 = 1.0488088481701515…
//
//	375,000/1.0488088 = 357,548.470967; 375,000/(1.1 × 1.0488088) = 325,044.064516
//	sum 682,592.535483 → 682,593
func TestMidYearVersusEndYear(t *testing.T) {
	for _, c := range []struct {
		discount string
		mid      bool
		want     int64
	}{
		{"21", false, 566_047},
		{"21", true, 622_652},
		{"10", true, 682_593},
	} {
		in := baseIncome()
		in.EconomicLife, in.DiscountRate, in.MidYear = "2", c.discount, c.mid
		res, err := Income(in)
		if err != nil {
			t.Fatal(err)
		}
		if res.ValueFen != c.want {
			t.Errorf("discount %s mid %v: %d, want %d", c.discount, c.mid, res.ValueFen, c.want)
		}
		if c.mid && res.Discounting != "mid_year" {
			t.Errorf("discounting %s", res.Discounting)
		}
	}
}

// Half-up at the fen, once, on the exact sum.
func TestIncomeRoundingAtFen(t *testing.T) {
	for _, c := range []struct {
		name    string
		revenue []int64
		life    string
		want    int64
		rows    []int64
	}{
		// 50 fen × 5 % = 2.5 fen → 3 (half-even or truncation give 2).
		{"half up", []int64{50}, "1", 3, []int64{3}},
		// 30 fen × 5 % = 1.5 → 2.
		{"half up odd", []int64{30}, "1", 2, []int64{2}},
		// 10 fen × 5 % = 0.5 a year, shown as 1 each; the total is
		// rounded from the exact 1.5 → 2, not summed from the rows (3).
		{"total from exact sum", []int64{10, 10, 10}, "3", 2, []int64{1, 1, 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := baseIncome()
			in.RevenueFen, in.EconomicLife, in.TaxRate, in.DiscountRate = c.revenue, c.life, "0", "0"
			res, err := Income(in)
			if err != nil {
				t.Fatal(err)
			}
			if res.ValueFen != c.want {
				t.Errorf("value %d, want %d", res.ValueFen, c.want)
			}
			for i, y := range res.Years {
				if y.PresentValueFen != c.rows[i] || y.AfterTaxFen != c.rows[i] {
					t.Errorf("row %d = %+v, want %d", i+1, y, c.rows[i])
				}
			}
		})
	}
}

// Sensitivity: one year of 10,000,000 fen, tax 25 %, royalty 4 %,
// discount 10 %: value = 10,000,000 × royalty × 0.75 / (1 + d).
//
//	           royalty 3 %            4 %                   5 %
//	d  8 %  225,000/1.08=208,333.33  300,000/1.08=277,777.78  375,000/1.08=347,222.22
//	d 10 %  225,000/1.10=204,545.45  300,000/1.10=272,727.27  375,000/1.10=340,909.09
//	d 12 %  225,000/1.12=200,892.86  300,000/1.12=267,857.14  375,000/1.12=334,821.43
func TestSensitivityGrid(t *testing.T) {
	in := baseIncome()
	in.RoyaltyRate, in.EconomicLife = "4", "1"
	res, err := Income(in)
	if err != nil {
		t.Fatal(err)
	}
	want := [3][3]int64{
		{208_333, 277_778, 347_222},
		{204_545, 272_727, 340_909},
		{200_893, 267_857, 334_821},
	}
	wantD := []string{"8", "10", "12"}
	wantR := []string{"3", "4", "5"}
	if len(res.Sensitivity) != 3 {
		t.Fatalf("%d rows", len(res.Sensitivity))
	}
	for i, row := range res.Sensitivity {
		if len(row) != 3 {
			t.Fatalf("row %d has %d cells", i, len(row))
		}
		for j, cell := range row {
			if cell.ValueFen != want[i][j] || cell.DiscountRate != wantD[i] || cell.RoyaltyRate != wantR[j] {
				t.Errorf("cell %d,%d = %+v, want %d at d %s r %s", i, j, cell, want[i][j], wantD[i], wantR[j])
			}
		}
	}
	if res.Sensitivity[1][1].ValueFen != res.ValueFen {
		t.Error("the centre cell is not the value")
	}
	if res.Sensitivity[0][0].DiscountShift != "-2" || res.Sensitivity[2][2].RoyaltyShift != "+25%" {
		t.Errorf("labels %+v", res.Sensitivity)
	}
}

// A discount of 1 % shifted by −2 points is taken as 0; a royalty of 90 %
// raised by 25 % is capped at 100 %.
func TestSensitivityClamps(t *testing.T) {
	in := baseIncome()
	in.DiscountRate, in.RoyaltyRate, in.EconomicLife = "1", "90", "1"
	res, err := Income(in)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Sensitivity[0][2]
	// 10,000,000 × 100 % × 75 % / 1 = 7,500,000.
	if c.DiscountRate != "0" || c.RoyaltyRate != "100" || c.ValueFen != 7_500_000 {
		t.Errorf("cell %+v", c)
	}
}
