package valuation

import (
	"math/big"
	"strings"

	"github.com/ipledge/ipledge/patent"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/problem"
)

// Facts are what the platform knows about a patent. A nil count or a zero
// date means "not known": the indicator it would measure must then be
// entered by the appraiser.
type Facts struct {
	Type patent.Type `json:"type"`
	// FilingDate and ValuationDate give the remaining legal life, measured
	// against the full term of the type (patent.Term).
	FilingDate    date.Date `json:"filing_date"`
	ValuationDate date.Date `json:"valuation_date"`
	// LegalStatus is a registry.Status value; "" is unknown.
	LegalStatus      string `json:"legal_status"`
	ClaimsCount      *int   `json:"claims_count"`
	ForwardCitations *int   `json:"forward_citations"`
	FamilySize       *int   `json:"family_size"`
	LicencesCount    *int   `json:"licences_count"`
}

// Sources of a sub-indicator score.
const (
	Measured = "measured" // computed from the platform's patent data
	Entered  = "entered"  // given by the appraiser
)

// SubScore is one scored sub-indicator.
type SubScore struct {
	Indicator Indicator `json:"indicator"`
	Group     Group     `json:"group"`
	Value     string    `json:"value"`  // 0–100, two decimals
	Weight    string    `json:"weight"` // within its group, as configured
	Source    string    `json:"source"` // Measured or Entered
	Basis     string    `json:"basis,omitempty"`
}

// IndicatorScore is the result of Score. Scores are decimal strings with
// two places, rounded half up from the exact value; the degrees and the
// overall score are computed from exact sub-scores, not from the rounded
// strings shown.
type IndicatorScore struct {
	Indicators           []SubScore  `json:"indicators"`
	LegalValueDegree     string      `json:"legal_value_degree"`
	TechnicalValueDegree string      `json:"technical_value_degree"`
	EconomicValueDegree  string      `json:"economic_value_degree"`
	Overall              string      `json:"overall"` // PVD
	Weights              Weights     `json:"weights"`
	Measured             []Indicator `json:"measured"`
	Entered              []Indicator `json:"entered"`
}

// Score computes the patent value degrees:
//
//	degree(g) = Σ_{i in g} w_i · v_i        (Σ w_i = 1 within g)
//	PVD       = α·LVD + β·TVD + γ·EVD      (α + β + γ = 1)
//
// A sub-indicator is measured whenever the facts allow it (see measure.go)
// and then any entered value for it is ignored: a number the platform
// knows is not open to an appraiser's opinion. Every other indicator must
// be in entered (0–100); a missing one is a field error
// "entered.<indicator>" with code "required".
func Score(f Facts, entered map[Indicator]string, w Weights) (IndicatorScore, error) {
	pw, err := w.parse()
	if err != nil {
		return IndicatorScore{}, err
	}
	measured, fields := measure(f)
	out := IndicatorScore{Weights: w, Measured: []Indicator{}, Entered: []Indicator{}}
	known := map[Indicator]bool{}
	degrees := map[Group]*big.Rat{}
	for _, g := range Groups {
		deg := new(big.Rat)
		for _, ind := range Indicators[g] {
			known[ind] = true
			s := SubScore{Indicator: ind, Group: g, Weight: strings.TrimSpace(w.Sub[ind])}
			var v *big.Rat
			if m, ok := measured[ind]; ok {
				v, s.Source, s.Basis = m.value, Measured, m.basis
				out.Measured = append(out.Measured, ind)
			} else {
				field := "entered." + string(ind)
				raw, ok := entered[ind]
				if !ok || strings.TrimSpace(raw) == "" {
					fields = append(fields, problem.Field(field, "required", "the platform has no data for this indicator: enter a score from 0 to 100"))
					continue
				}
				var fe *problem.FieldError
				if v, fe = parseRange(field, raw, ratZero, ratHundred, "a score is between 0 and 100"); fe != nil {
					fields = append(fields, *fe)
					continue
				}
				s.Source = Entered
				out.Entered = append(out.Entered, ind)
			}
			s.Value = formatDecimal(v, 2)
			out.Indicators = append(out.Indicators, s)
			deg.Add(deg, new(big.Rat).Mul(v, pw.sub[ind]))
		}
		degrees[g] = deg
	}
	for ind := range entered {
		if !known[ind] {
			fields = append(fields, problem.Field("entered."+string(ind), "unknown", "not an indicator"))
		}
	}
	if len(fields) > 0 {
		sortFields(fields)
		return IndicatorScore{}, problem.Invalid(fields...)
	}
	pvd := new(big.Rat)
	for _, g := range Groups {
		pvd.Add(pvd, new(big.Rat).Mul(degrees[g], pw.top[g]))
	}
	out.LegalValueDegree = formatDecimal(degrees[Legal], 2)
	out.TechnicalValueDegree = formatDecimal(degrees[Technical], 2)
	out.EconomicValueDegree = formatDecimal(degrees[Economic], 2)
	out.Overall = formatDecimal(pvd, 2)
	return out, nil
}

type measurement struct {
	value *big.Rat
	basis string
}

// measure scores every indicator the facts allow and reports facts that
// are themselves invalid.
func measure(f Facts) (map[Indicator]measurement, []problem.FieldError) {
	m := map[Indicator]measurement{}
	var fields []problem.FieldError
	put := func(ind Indicator, v *big.Rat, basis string) { m[ind] = measurement{v, basis} }
	count := func(field string, n *int, ind Indicator, score func(int) (*big.Rat, string)) {
		switch {
		case n == nil:
		case *n < 0:
			fields = append(fields, problem.Field(field, "out_of_range", "a count cannot be negative"))
		default:
			v, b := score(*n)
			put(ind, v, b)
		}
	}
	if f.Type != "" && !isPatent(f.Type) {
		fields = append(fields, problem.Field("facts.type", "unknown", "the indicator score is for patents: invention, utility_model or design"))
	}
	if isPatent(f.Type) && !f.FilingDate.IsZero() && !f.ValuationDate.IsZero() {
		term := termOf(f)
		v, b := scoreRemainingLife(RemainingLegalLife(f.ValuationDate, patent.Expiry(baseType(f.Type), f.FilingDate)), term)
		put(RemainingLife, v, b)
	}
	if f.LegalStatus != "" {
		if v, b, ok := scoreLegalStatus(f.LegalStatus); ok {
			put(LegalStatus, v, b)
		} else {
			fields = append(fields, problem.Field("facts.legal_status", "unknown", "not a legal status: "+quote(f.LegalStatus)))
		}
	}
	count("facts.claims_count", f.ClaimsCount, Scope, scoreClaims)
	count("facts.forward_citations", f.ForwardCitations, ForwardCitations, scoreCitations)
	count("facts.family_size", f.FamilySize, FamilySize, scoreFamily)
	if f.LicencesCount != nil && *f.LicencesCount != 0 {
		count("facts.licences_count", f.LicencesCount, MarketApplication, scoreLicences)
	}
	return m, fields
}
