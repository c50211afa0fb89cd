package valuation

import (
	"math/big"

	"github.com/ipledge/ipledge/platform/problem"
)

// Group is one of the three value degrees.
type Group string

// Groups: legal (LVD), technical (TVD), economic (EVD).
const (
	Legal     Group = "legal"
	Technical Group = "technical"
	Economic  Group = "economic"
)

// Indicator names a sub-indicator, each scored 0–100.
type Indicator string

// Sub-indicators, after the national patent value analysis indicator
// system as summarised in DOMAIN.md ("Valuation").
const (
	Stability                 Indicator = "stability"
	RemainingLife             Indicator = "remaining_life"
	Scope                     Indicator = "scope" // breadth of protection, measured by the number of claims
	Dependence                Indicator = "dependence"
	InfringementDetectability Indicator = "infringement_detectability"
	LegalStatus               Indicator = "legal_status"

	Advancement      Indicator = "advancement"
	Maturity         Indicator = "maturity"
	Substitutability Indicator = "substitutability"
	Applicability    Indicator = "applicability"
	ForwardCitations Indicator = "forward_citations"
	FamilySize       Indicator = "family_size"

	MarketApplication Indicator = "market_application"
	MarketSize        Indicator = "market_size"
	MarketShare       Indicator = "market_share"
	Competitiveness   Indicator = "competitiveness"
	PolicyFit         Indicator = "policy_fit"
)

// Indicators lists every sub-indicator by group, in display order.
var Indicators = map[Group][]Indicator{
	Legal:     {Stability, RemainingLife, Scope, Dependence, InfringementDetectability, LegalStatus},
	Technical: {Advancement, Maturity, Substitutability, Applicability, ForwardCitations, FamilySize},
	Economic:  {MarketApplication, MarketSize, MarketShare, Competitiveness, PolicyFit},
}

// Groups lists the groups in display order.
var Groups = []Group{Legal, Technical, Economic}

// Weight sources, shown next to every score so that nobody mistakes a
// platform default for the national standard's own table (GB/T 42748-2023
// weights are not available to the platform).
const (
	SourcePlatformDefault        = "platform_default"
	SourcePlatformDefaultFinance = "platform_default_finance"
	SourceCustom                 = "custom" // set by the IP office
)

// Weights are the indicator weights as decimal fractions: Top holds α, β, γ
// per group, Sub each sub-indicator's weight within its group. Each must
// sum to exactly 1.
type Weights struct {
	Source   string               `json:"source"`
	Scenario string               `json:"scenario"`
	Top      map[Group]string     `json:"top"`
	Sub      map[Indicator]string `json:"sub"`
}

// PlatformDefaultWeights is the general-purpose weight table. It is the
// platform's own choice, not the standard's: technology weighs most in a
// general appraisal; within each group the indicators an appraiser judges
// (stability, advancement, market application) weigh more than the
// counted proxies (claims, citations, family size).
func PlatformDefaultWeights() Weights {
	return Weights{
		Source:   SourcePlatformDefault,
		Scenario: "general",
		Top:      map[Group]string{Legal: "0.3", Technical: "0.4", Economic: "0.3"},
		Sub: map[Indicator]string{
			Stability: "0.25", RemainingLife: "0.2", Scope: "0.15", Dependence: "0.1", InfringementDetectability: "0.1", LegalStatus: "0.2",
			Advancement: "0.25", Maturity: "0.2", Substitutability: "0.15", Applicability: "0.15", ForwardCitations: "0.15", FamilySize: "0.1",
			MarketApplication: "0.25", MarketSize: "0.2", MarketShare: "0.2", Competitiveness: "0.2", PolicyFit: "0.15",
		},
	}
}

// FinanceWeights is the platform's finance-scenario table (GB/T 42748-2023
// has a finance scenario; its weights are not available, so these are
// platform defaults too). A lender cares first whether the right holds and
// lasts and whether it can be sold, so legal and economic value weigh
// more, and remaining life and market application more within them.
func FinanceWeights() Weights {
	w := PlatformDefaultWeights()
	w.Source, w.Scenario = SourcePlatformDefaultFinance, "finance"
	w.Top = map[Group]string{Legal: "0.4", Technical: "0.2", Economic: "0.4"}
	w.Sub[Scope] = "0.1"
	w.Sub[RemainingLife] = "0.25"
	w.Sub[MarketApplication], w.Sub[Competitiveness] = "0.3", "0.15"
	return w
}

// parsedWeights are validated weights as exact fractions.
type parsedWeights struct {
	top map[Group]*big.Rat
	sub map[Indicator]*big.Rat
}

// Validate checks that every weight is a decimal in [0, 1], that no
// indicator is missing or unknown, and that α+β+γ and each group's
// sub-weights sum to exactly 1. Errors are field errors under "weights.".
func (w Weights) Validate() error {
	_, err := w.parse()
	return err
}

func (w Weights) parse() (parsedWeights, error) {
	p := parsedWeights{top: map[Group]*big.Rat{}, sub: map[Indicator]*big.Rat{}}
	var fields []problem.FieldError
	one := func(field, s string) *big.Rat {
		if s == "" {
			fields = append(fields, problem.Field(field, "required", "a weight is required"))
			return nil
		}
		r, fe := parseRange(field, s, ratZero, ratOne, "a weight is a fraction between 0 and 1")
		if fe != nil {
			fields = append(fields, *fe)
		}
		return r
	}
	sumIs1 := func(field string, sum *big.Rat, ok bool) {
		if ok && sum.Cmp(ratOne) != 0 {
			fields = append(fields, problem.Field(field, "weights_sum", "the weights must sum to 1, not "+sum.RatString()))
		}
	}
	topSum, topOK := new(big.Rat), true
	for _, g := range Groups {
		r := one("weights.top."+string(g), w.Top[g])
		p.top[g] = r
		if r == nil {
			topOK = false
			continue
		}
		topSum.Add(topSum, r)
	}
	sumIs1("weights.top", topSum, topOK)
	for _, g := range Groups {
		sum, ok := new(big.Rat), true
		for _, ind := range Indicators[g] {
			r := one("weights.sub."+string(ind), w.Sub[ind])
			p.sub[ind] = r
			if r == nil {
				ok = false
				continue
			}
			sum.Add(sum, r)
		}
		sumIs1("weights.sub."+string(g), sum, ok)
	}
	for g := range w.Top {
		if _, ok := p.top[g]; !ok {
			fields = append(fields, problem.Field("weights.top."+string(g), "unknown", "not a value degree"))
		}
	}
	for ind := range w.Sub {
		if _, ok := p.sub[ind]; !ok {
			fields = append(fields, problem.Field("weights.sub."+string(ind), "unknown", "not an indicator"))
		}
	}
	if len(fields) > 0 {
		sortFields(fields)
		return p, problem.Invalid(fields...)
	}
	return p, nil
}
