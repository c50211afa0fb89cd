package valuation

import (
	"testing"

	"github.com/ipledge/ipledge/patent"
	"github.com/ipledge/ipledge/platform/date"
)

// sampleFacts: an invention filed 2016-03-01, valued 2026-03-01. Its term
// ends 2036-02-29, so exactly 10 of 20 years remain.
func sampleFacts() Facts {
	return Facts{
		Type: patent.Invention, FilingDate: date.MustParse("2016-03-01"), ValuationDate: date.MustParse("2026-03-01"),
		LegalStatus: "valid", ClaimsCount: ptr(8), ForwardCitations: ptr(2), FamilySize: ptr(3), LicencesCount: ptr(0),
	}
}

func sampleEntered() map[Indicator]string {
	return map[Indicator]string{
		Stability: "70", Dependence: "60", InfringementDetectability: "50",
		Advancement: "80", Maturity: "70", Substitutability: "60", Applicability: "90",
		MarketApplication: "65", MarketSize: "70", MarketShare: "40", Competitiveness: "55", PolicyFit: "90",
	}
}

// Measured: remaining_life 100×10/20 = 50; scope 10×8 = 80; legal_status
// valid = 100; forward_citations 20×2 = 40; family_size 20×3 = 60. No
// licence, so market_application is entered.
//
// Platform default weights:
//
//	LVD = .25×70 + .2×50 + .15×80 + .1×60 + .1×50 + .2×100
//	    = 17.5 + 10 + 12 + 6 + 5 + 20                  = 70.5
//	TVD = .25×80 + .2×70 + .15×60 + .15×90 + .15×40 + .1×60
//	    = 20 + 14 + 9 + 13.5 + 6 + 6                   = 68.5
//	EVD = .25×65 + .2×70 + .2×40 + .2×55 + .15×90
//	    = 16.25 + 14 + 8 + 11 + 13.5                   = 62.75
//	PVD = .3×70.5 + .4×68.5 + .3×62.75
//	    = 21.15 + 27.4 + 18.825 = 67.375 → 67.38 (half up)
//
// Finance weights:
//
//	LVD = .25×70 + .25×50 + .1×80 + .1×60 + .1×50 + .2×100 = 69
//	TVD = 68.5 (same technical weights)
//	EVD = .3×65 + .2×70 + .2×40 + .15×55 + .15×90
//	    = 19.5 + 14 + 8 + 8.25 + 13.5                  = 63.25
//	PVD = .4×69 + .2×68.5 + .4×63.25 = 27.6 + 13.7 + 25.3 = 66.6
func TestScoreHandWorked(t *testing.T) {
	for _, c := range []struct {
		name               string
		w                  Weights
		lvd, tvd, evd, pvd string
		source             string
	}{
		{"platform default", PlatformDefaultWeights(), "70.50", "68.50", "62.75", "67.38", SourcePlatformDefault},
		{"finance", FinanceWeights(), "69.00", "68.50", "63.25", "66.60", SourcePlatformDefaultFinance},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := Score(sampleFacts(), sampleEntered(), c.w)
			if err != nil {
				t.Fatal(err)
			}
			if s.LegalValueDegree != c.lvd || s.TechnicalValueDegree != c.tvd || s.EconomicValueDegree != c.evd || s.Overall != c.pvd {
				t.Errorf("got %s %s %s %s, want %s %s %s %s", s.LegalValueDegree, s.TechnicalValueDegree, s.EconomicValueDegree, s.Overall, c.lvd, c.tvd, c.evd, c.pvd)
			}
			if s.Weights.Source != c.source {
				t.Errorf("weights source %q", s.Weights.Source)
			}
			wantMeasured := []Indicator{RemainingLife, LegalStatus, Scope, ForwardCitations, FamilySize}
			if len(s.Measured) != len(wantMeasured) || len(s.Entered) != 12 {
				t.Errorf("measured %v entered %v", s.Measured, s.Entered)
			}
			for _, ind := range wantMeasured {
				if sub := find(s, ind); sub.Source != Measured || sub.Basis == "" {
					t.Errorf("%s: %+v", ind, sub)
				}
			}
			if v := find(s, RemainingLife).Value; v != "50.00" {
				t.Errorf("remaining_life %s, want 50.00", v)
			}
		})
	}
}

func find(s IndicatorScore, ind Indicator) SubScore {
	for _, x := range s.Indicators {
		if x.Indicator == ind {
			return x
		}
	}
	return SubScore{}
}

func TestMeasuredScores(t *testing.T) {
	for _, c := range []struct {
		name  string
		facts func(*Facts)
		ind   Indicator
		want  string
	}{
		{"claims capped at 100", func(f *Facts) { f.ClaimsCount = ptr(25) }, Scope, "100.00"},
		{"no claims", func(f *Facts) { f.ClaimsCount = ptr(0) }, Scope, "0.00"},
		{"citations capped", func(f *Facts) { f.ForwardCitations = ptr(9) }, ForwardCitations, "100.00"},
		{"domestic only", func(f *Facts) { f.FamilySize = ptr(1) }, FamilySize, "20.00"},
		{"lapsed", func(f *Facts) { f.LegalStatus = "lapsed" }, LegalStatus, "0.00"},
		{"fee grace", func(f *Facts) { f.LegalStatus = "fee_grace" }, LegalStatus, "40.00"},
		// 2 licences: 60 + 10×2 = 80, replacing the entered 65.
		{"licences measure market application", func(f *Facts) { f.LicencesCount = ptr(2) }, MarketApplication, "80.00"},
		// Utility model filed 2020-03-01, valued 2026-03-01: 4 of 10 years left → 40.
		{"utility model term", func(f *Facts) { f.Type, f.FilingDate = patent.UtilityModel, date.MustParse("2020-03-01") }, RemainingLife, "40.00"},
		// Expired: valued after the term → 0, not negative.
		{"expired", func(f *Facts) { f.ValuationDate = date.MustParse("2040-01-01") }, RemainingLife, "0.00"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := sampleFacts()
			c.facts(&f)
			s, err := Score(f, sampleEntered(), PlatformDefaultWeights())
			if err != nil {
				t.Fatal(err)
			}
			if got := find(s, c.ind); got.Value != c.want || got.Source != Measured {
				t.Errorf("%s = %+v, want %s measured", c.ind, got, c.want)
			}
		})
	}
}

func TestScoreUnknownFactsAreEntered(t *testing.T) {
	// No facts at all: all 17 indicators must be entered.
	e := sampleEntered()
	for _, ind := range []Indicator{RemainingLife, Scope, LegalStatus, ForwardCitations, FamilySize} {
		e[ind] = "50"
	}
	s, err := Score(Facts{}, e, PlatformDefaultWeights())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Measured) != 0 || len(s.Entered) != 17 {
		t.Errorf("measured %v entered %v", s.Measured, s.Entered)
	}
}

func TestScoreInputErrors(t *testing.T) {
	for _, c := range []struct {
		name        string
		facts       func(*Facts)
		entered     func(map[Indicator]string)
		field, code string
	}{
		{"missing entry", nil, func(e map[Indicator]string) { delete(e, Stability) }, "entered.stability", "required"},
		{"blank entry", nil, func(e map[Indicator]string) { e[Stability] = " " }, "entered.stability", "required"},
		{"above 100", nil, func(e map[Indicator]string) { e[Maturity] = "100.01" }, "entered.maturity", "out_of_range"},
		{"negative", nil, func(e map[Indicator]string) { e[Maturity] = "-1" }, "entered.maturity", "out_of_range"},
		{"not a number", nil, func(e map[Indicator]string) { e[Maturity] = "high" }, "entered.maturity", "invalid_decimal"},
		{"unknown indicator", nil, func(e map[Indicator]string) { e["beauty"] = "50" }, "entered.beauty", "unknown"},
		{"unknown status", func(f *Facts) { f.LegalStatus = "alive" }, nil, "facts.legal_status", "unknown"},
		{"negative claims", func(f *Facts) { f.ClaimsCount = ptr(-1) }, nil, "facts.claims_count", "out_of_range"},
		{"trademark", func(f *Facts) { f.Type = Trademark }, nil, "facts.type", "unknown"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, e := sampleFacts(), sampleEntered()
			if c.facts != nil {
				c.facts(&f)
			}
			if c.entered != nil {
				c.entered(e)
			}
			_, err := Score(f, e, PlatformDefaultWeights())
			wantField(t, err, c.field, c.code)
		})
	}
}

func TestWeightsValidation(t *testing.T) {
	for _, w := range []Weights{PlatformDefaultWeights(), FinanceWeights()} {
		if err := w.Validate(); err != nil {
			t.Errorf("%s: %v", w.Source, err)
		}
	}
	// 0.1 + 0.2 + 0.7 is exactly 1 as decimals but 1.0000000000000002 in
	// float64: exact arithmetic must accept it.
	w := PlatformDefaultWeights()
	w.Top = map[Group]string{Legal: "0.1", Technical: "0.2", Economic: "0.7"}
	if err := w.Validate(); err != nil {
		t.Errorf("0.1+0.2+0.7: %v", err)
	}
	for _, c := range []struct {
		name        string
		edit        func(*Weights)
		field, code string
	}{
		{"top sums to 1.01", func(w *Weights) { w.Top[Economic] = "0.31" }, "weights.top", "weights_sum"},
		{"legal group sums to 0.95", func(w *Weights) { w.Sub[Stability] = "0.2" }, "weights.sub.legal", "weights_sum"},
		{"economic group sums to 1.05", func(w *Weights) { w.Sub[PolicyFit] = "0.2" }, "weights.sub.economic", "weights_sum"},
		{"missing weight", func(w *Weights) { delete(w.Sub, FamilySize) }, "weights.sub.family_size", "required"},
		{"negative weight", func(w *Weights) { w.Top[Legal] = "-0.1"; w.Top[Technical] = "0.8" }, "weights.top.legal", "out_of_range"},
		{"unknown indicator", func(w *Weights) { w.Sub["luck"] = "0" }, "weights.sub.luck", "unknown"},
		{"unknown group", func(w *Weights) { w.Top["social"] = "0" }, "weights.top.social", "unknown"},
		{"fraction syntax", func(w *Weights) { w.Top[Legal] = "3/10" }, "weights.top.legal", "invalid_decimal"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := PlatformDefaultWeights()
			c.edit(&w)
			wantField(t, w.Validate(), c.field, c.code)
			_, err := Score(sampleFacts(), sampleEntered(), w)
			wantField(t, err, c.field, c.code)
		})
	}
}
