package valuation

import (
	"fmt"
	"math/big"

	"github.com/ipledge/ipledge/patent"
	"github.com/ipledge/ipledge/platform/problem"
)

// PledgeRates are one bank's loan-to-value settings. The caller reads
// them from the bank's settings; DefaultPledgeRates is the fallback.
type PledgeRates struct {
	Source string `json:"source"`
	// Rates are base pledge rates in percent by asset type; a type not
	// listed gets no loan.
	Rates map[patent.Type]string `json:"rates"`
	// MinRemainingYears: below this remaining legal life the rate is 0.
	MinRemainingYears map[patent.Type]int `json:"min_remaining_years"`
	// FullScore is the indicator score (PVD) from which the base rate
	// applies in full; below it the rate is scaled by PVD / FullScore.
	FullScore string `json:"full_score"`
}

// DefaultPledgeRates are the platform defaults. Invention 25 %, utility
// model 15 % and trademark 50 % are one large bank's ceilings quoted in
// DOMAIN.md; design 10 % is the platform's own (below the utility model,
// since a design protects appearance only and is not examined). The
// minimum remaining lives (10 years invention, 5 utility model or design)
// are a city programme's conditions from DOMAIN.md. Copyright has no
// default rate: a bank that lends on it must set one. FullScore 60 is the
// platform's pass mark: a patent of middling value or better gets the full
// base rate.
func DefaultPledgeRates() PledgeRates {
	return PledgeRates{
		Source: SourcePlatformDefault,
		Rates: map[patent.Type]string{
			patent.Invention: "25", patent.UtilityModel: "15", patent.Design: "10", Trademark: "50",
		},
		MinRemainingYears: map[patent.Type]int{patent.Invention: 10, patent.UtilityModel: 5, patent.Design: 5},
		FullScore:         "60",
	}
}

type parsedRates struct {
	rate      map[patent.Type]*big.Rat // fraction
	minYears  map[patent.Type]int
	fullScore *big.Rat
}

// Validate checks the settings: known types, rates 0–100 %, minimum lives
// 0–30 years, a full score above 0 and at most 100.
func (r PledgeRates) Validate() error {
	_, err := r.parse()
	return err
}

func (r PledgeRates) parse() (parsedRates, error) {
	p := parsedRates{rate: map[patent.Type]*big.Rat{}, minYears: map[patent.Type]int{}}
	var fields []problem.FieldError
	for t, s := range r.Rates {
		field := "rates.rates." + string(t)
		if !knownType(t) {
			fields = append(fields, problem.Field(field, "unknown", "not an asset type"))
			continue
		}
		v, fe := parseRange(field, s, ratZero, ratHundred, "a pledge rate is a percentage from 0 to 100")
		if fe != nil {
			fields = append(fields, *fe)
			continue
		}
		p.rate[baseType(t)] = percent(v)
	}
	for t, y := range r.MinRemainingYears {
		field := "rates.min_remaining_years." + string(t)
		switch {
		case !knownType(t):
			fields = append(fields, problem.Field(field, "unknown", "not an asset type"))
		case y < 0 || y > 30:
			fields = append(fields, problem.Field(field, "out_of_range", fmt.Sprintf("a minimum remaining life is 0 to 30 years, not %d", y)))
		default:
			p.minYears[baseType(t)] = y
		}
	}
	var fe *problem.FieldError
	if p.fullScore, fe = parseRange("rates.full_score", r.FullScore, ratZero, ratHundred, "the full score is more than 0 and at most 100"); fe != nil {
		fields = append(fields, *fe)
	} else if p.fullScore.Sign() == 0 {
		fields = append(fields, problem.Field("rates.full_score", "out_of_range", "the full score must be more than 0"))
	}
	if len(fields) > 0 {
		sortFields(fields)
		return p, problem.Invalid(fields...)
	}
	return p, nil
}
