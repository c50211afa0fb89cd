package valuation

import (
	"testing"

	"github.com/ipledge/ipledge/patent"
	"github.com/ipledge/ipledge/platform/date"
)

var asOf = date.MustParse("2026-01-01")

func asset(id string, t patent.Type, value int64, expiry, score string) LoanAsset {
	a := LoanAsset{ID: id, Type: t, ValueFen: value, LegalStatus: "valid", Score: score}
	if expiry != "" {
		a.Expiry = date.MustParse(expiry)
	}
	return a
}

// A portfolio on 2026-01-01 with the default rates:
//
//	A invention, 13 years left, PVD 75 → scale min(1, 75/60) = 1,
//	  25 % × 100,000,000 = 25,000,000
//	B utility model, 6.4 years left, PVD 45 → scale 45/60 = 0.75,
//	  15 % × 0.75 = 11.25 % × 20,000,000 = 2,250,000
//	C invention, 5 years left < 10 → 0
//	D design, fee_grace → 0
//	E trademark, not scaled, 50 % × 10,000,000 = 5,000,000
//	total 32,250,000; total value 185,000,000; A carries
//	100,000,000 / 185,000,000 = 54.05 %.
func TestRecommendLoanPortfolio(t *testing.T) {
	d := asset("D", patent.Design, 5_000_000, "2035-12-31", "70")
	d.LegalStatus = "fee_grace"
	in := LoanInput{AsOf: asOf, Assets: []LoanAsset{
		asset("A", patent.Invention, 100_000_000, "2038-12-31", "75"),
		asset("B", patent.UtilityModel, 20_000_000, "2032-05-31", "45"),
		asset("C", patent.Invention, 50_000_000, "2030-12-31", "80"),
		d,
		asset("E", Trademark, 10_000_000, "", ""),
	}}
	res, err := RecommendLoan(in, DefaultPledgeRates())
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		amount            int64
		scale, rate, zero string
	}{
		{25_000_000, "1.0000", "25.0000", ""},
		{2_250_000, "0.7500", "11.2500", ""},
		{0, "1.0000", "0.0000", ZeroRemainingLife},
		{0, "1.0000", "0.0000", ZeroLegalStatus},
		{5_000_000, "1.0000", "50.0000", ""},
	}
	for i, w := range want {
		l := res.Lines[i]
		if l.AmountFen != w.amount || l.ScaleFactor != w.scale || l.EffectiveRate != w.rate || l.ZeroReason != w.zero {
			t.Errorf("line %s = %+v, want %+v", l.ID, l, w)
		}
		if w.zero != "" && l.ZeroDetail == "" {
			t.Errorf("line %s has no detail", l.ID)
		}
	}
	if res.TotalFen != 32_250_000 || res.TotalValueFen != 185_000_000 {
		t.Errorf("total %d of %d", res.TotalFen, res.TotalValueFen)
	}
	if res.TopAsset == nil || res.TopAsset.ID != "A" || res.TopAsset.ShareOfValue != "54.05" {
		t.Errorf("top %+v", res.TopAsset)
	}
	if res.Rates.Source != SourcePlatformDefault || res.Lines[2].RemainingYears != "5.00" {
		t.Errorf("rates source %q, C remaining %q", res.Rates.Source, res.Lines[2].RemainingYears)
	}
}

// One invention of 1,000,000 fen under the default rates, varied rule by
// rule.
func TestLoanRules(t *testing.T) {
	for _, c := range []struct {
		name   string
		edit   func(*LoanAsset)
		amount int64
		zero   string
	}{
		// Exactly 10 years: in force through 2035-12-31, the day before
		// 2026-01-01 + 10 years → counts: 25 % = 250,000.
		{"exactly the minimum life", func(a *LoanAsset) {}, 250_000, ""},
		{"a day short of the minimum life", func(a *LoanAsset) { a.Expiry = date.MustParse("2035-12-30") }, 0, ZeroRemainingLife},
		// Utility model: 5 years is enough (15 %), 4 is not.
		{"utility model 5 years", func(a *LoanAsset) { a.Type, a.Expiry = patent.UtilityModel, date.MustParse("2030-12-31") }, 150_000, ""},
		{"utility model 4 years", func(a *LoanAsset) { a.Type, a.Expiry = patent.UtilityModel, date.MustParse("2029-12-31") }, 0, ZeroRemainingLife},
		// PCT inventions follow inventions.
		{"PCT invention", func(a *LoanAsset) { a.Type = patent.PCTInvention }, 250_000, ""},
		// PVD 90: min(1, 90/60) = 1, not 1.5 (which would give 375,000).
		{"scale capped at 1", func(a *LoanAsset) { a.Score = "90" }, 250_000, ""},
		// PVD 30: 30/60 = 0.5 → 12.5 % = 125,000.
		{"scaled by PVD", func(a *LoanAsset) { a.Score = "30" }, 125_000, ""},
		{"PVD 0", func(a *LoanAsset) { a.Score = "0" }, 0, ""},
		{"pending", func(a *LoanAsset) { a.LegalStatus = "pending" }, 0, ZeroLegalStatus},
		{"fee grace", func(a *LoanAsset) { a.LegalStatus = "fee_grace" }, 0, ZeroLegalStatus},
		{"lapsed", func(a *LoanAsset) { a.LegalStatus = "lapsed" }, 0, ZeroLegalStatus},
		{"expired", func(a *LoanAsset) { a.LegalStatus = "expired" }, 0, ZeroLegalStatus},
		{"invalidated", func(a *LoanAsset) { a.LegalStatus = "invalidated" }, 0, ZeroLegalStatus},
		{"invalidation requested", func(a *LoanAsset) { a.LegalStatus = "invalidation_requested" }, 0, ZeroLegalStatus},
		{"ownership dispute", func(a *LoanAsset) { a.LegalStatus = "ownership_dispute" }, 0, ZeroLegalStatus},
		{"copyright has no default rate", func(a *LoanAsset) { a.Type, a.Score = Copyright, "" }, 0, ZeroNoRate},
		// Half up at the fen: 2 fen × 25 % = 0.5 → 1; 1 fen × 25 % = 0.25 → 0.
		{"half up", func(a *LoanAsset) { a.ValueFen = 2 }, 1, ""},
		{"below half", func(a *LoanAsset) { a.ValueFen = 1 }, 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := asset("X", patent.Invention, 1_000_000, "2035-12-31", "60")
			c.edit(&a)
			res, err := RecommendLoan(LoanInput{AsOf: asOf, Assets: []LoanAsset{a}}, DefaultPledgeRates())
			if err != nil {
				t.Fatal(err)
			}
			l := res.Lines[0]
			if l.AmountFen != c.amount || l.ZeroReason != c.zero || res.TotalFen != c.amount {
				t.Errorf("got %+v total %d, want %d %q", l, res.TotalFen, c.amount, c.zero)
			}
		})
	}
}

// The total is rounded from the exact sum: three lines of 0.5 fen each
// show 1 fen but total 1.5 → 2 fen.
func TestLoanTotalFromExactSum(t *testing.T) {
	in := LoanInput{AsOf: asOf, Assets: []LoanAsset{
		asset("a", patent.Invention, 2, "2040-01-01", "60"),
		asset("b", patent.Invention, 2, "2040-01-01", "60"),
		asset("c", patent.Invention, 2, "2040-01-01", "60"),
	}}
	res, err := RecommendLoan(in, DefaultPledgeRates())
	if err != nil {
		t.Fatal(err)
	}
	if res.TotalFen != 2 || res.Lines[0].AmountFen != 1 {
		t.Errorf("total %d, line %d", res.TotalFen, res.Lines[0].AmountFen)
	}
}

// Rates are inputs: a bank's own table replaces the defaults.
func TestLoanBankRates(t *testing.T) {
	r := DefaultPledgeRates()
	r.Source, r.Rates[patent.Invention], r.MinRemainingYears[patent.Invention], r.FullScore = "bank", "30", 0, "80"
	a := asset("X", patent.Invention, 1_000_000, "2027-12-31", "60")
	res, err := RecommendLoan(LoanInput{AsOf: asOf, Assets: []LoanAsset{a}}, r)
	if err != nil {
		t.Fatal(err)
	}
	// 30 % × 60/80 = 22.5 % → 225,000; 2 years left is fine with no minimum.
	if res.TotalFen != 225_000 || res.Rates.Source != "bank" {
		t.Errorf("total %d %+v", res.TotalFen, res.Lines[0])
	}
}

func TestLoanInputErrors(t *testing.T) {
	good := func() LoanInput {
		return LoanInput{AsOf: asOf, Assets: []LoanAsset{asset("A", patent.Invention, 1, "2040-01-01", "60")}}
	}
	for _, c := range []struct {
		name        string
		edit        func(*LoanInput, *PledgeRates)
		field, code string
	}{
		{"no assets", func(in *LoanInput, _ *PledgeRates) { in.Assets = nil }, "assets", "required"},
		{"no date", func(in *LoanInput, _ *PledgeRates) { in.AsOf = date.Date{} }, "as_of", "required"},
		{"duplicate", func(in *LoanInput, _ *PledgeRates) { in.Assets = append(in.Assets, in.Assets[0]) }, "assets[1].id", "duplicate"},
		{"unknown type", func(in *LoanInput, _ *PledgeRates) { in.Assets[0].Type = "domain_name" }, "assets[0].type", "unknown"},
		{"negative value", func(in *LoanInput, _ *PledgeRates) { in.Assets[0].ValueFen = -1 }, "assets[0].value_fen", "out_of_range"},
		{"patent without score", func(in *LoanInput, _ *PledgeRates) { in.Assets[0].Score = "" }, "assets[0].score", "required"},
		{"score above 100", func(in *LoanInput, _ *PledgeRates) { in.Assets[0].Score = "101" }, "assets[0].score", "out_of_range"},
		{"no expiry", func(in *LoanInput, _ *PledgeRates) { in.Assets[0].Expiry = date.Date{} }, "assets[0].expiry", "required"},
		{"no status", func(in *LoanInput, _ *PledgeRates) { in.Assets[0].LegalStatus = "" }, "assets[0].legal_status", "required"},
		{"negative rate", func(_ *LoanInput, r *PledgeRates) { r.Rates[patent.Design] = "-5" }, "rates.rates.design", "out_of_range"},
		{"rate above 100", func(_ *LoanInput, r *PledgeRates) { r.Rates[Trademark] = "120" }, "rates.rates.trademark", "out_of_range"},
		{"zero full score", func(_ *LoanInput, r *PledgeRates) { r.FullScore = "0" }, "rates.full_score", "out_of_range"},
		{"unknown rate type", func(_ *LoanInput, r *PledgeRates) { r.Rates["ship"] = "5" }, "rates.rates.ship", "unknown"},
		{"negative min life", func(_ *LoanInput, r *PledgeRates) { r.MinRemainingYears[patent.Design] = -1 }, "rates.min_remaining_years.design", "out_of_range"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in, r := good(), DefaultPledgeRates()
			c.edit(&in, &r)
			_, err := RecommendLoan(in, r)
			wantField(t, err, c.field, c.code)
		})
	}
}
