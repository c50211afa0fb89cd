package subsidy

import (
	"strconv"

	"github.com/ipledge/ipledge/platform/money"
	"github.com/ipledge/ipledge/platform/problem"
)

var hundred = money.MustRate("100")

// Validate checks that a policy is complete and coherent before it is
// stored; every problem is reported at once, by field.
func (p Policy) Validate() error {
	var fs []problem.FieldError
	add := func(field, code, msg string) { fs = append(fs, problem.Field(field, code, msg)) }
	percent := func(field string, r money.Rate, required bool) {
		if required && r.IsZero() {
			add(field, "required", "must be above 0%")
		}
		if r.Cmp(hundred) > 0 {
			add(field, "above_100", "must be at most 100%")
		}
	}
	if p.Name == "" {
		add("name", "required", "the policy needs a name")
	}
	if p.Year < 2000 || p.Year > 2100 {
		add("year", "invalid", "the policy year is out of range")
	}
	if p.InterestYear != 0 && (p.InterestYear < 2000 || p.InterestYear > p.Year) {
		add("interest_year", "invalid", "the interest year cannot be after the policy year")
	}
	if !p.WindowStart.IsZero() && !p.WindowEnd.IsZero() && p.WindowEnd.Before(p.WindowStart) {
		add("window_end", "before_start", "the application window ends before it starts")
	}
	switch p.Basis {
	case ActualInterest:
		switch p.RateCap.Kind {
		case CapNone, "":
		case CapFixed:
			if p.RateCap.Fixed.IsZero() {
				add("rate_cap.fixed", "required", "a fixed rate cap needs a rate")
			}
		case CapLPRMultiple:
			if p.RateCap.LPRPercent.IsZero() {
				add("rate_cap.lpr_percent", "required", "an LPR multiple needs a percentage (140 = 1.4 × LPR)")
			}
		default:
			add("rate_cap.kind", "unknown", "unknown rate cap")
		}
	case LPRShare:
		percent("lpr_share", p.LPRShare, true)
	default:
		add("basis", "unknown", "the basis is actual_interest or lpr_share")
	}
	switch p.DayCount {
	case "", Act360, Act365:
	default:
		add("day_count", "unknown", "the day count is act_360 or act_365")
	}
	switch p.LPRRule {
	case "", LPRAtContract, LPRMonthBeforeContract, LPRDecemberOfYear:
	default:
		add("lpr_rule", "unknown", "unknown reference LPR rule")
	}
	switch p.LPRTenor {
	case "", OneYear, FiveYear:
	default:
		add("lpr_tenor", "unknown", "the LPR tenor is 1y or 5y")
	}
	percent("ratio", p.Ratio, true)
	for i, b := range p.Boosts {
		f := "boosts[" + strconv.Itoa(i) + "]"
		if b.When != WhitelistActive && b.When != InsuredOrGuaranteed {
			add(f+".when", "unknown", "unknown boost condition")
		}
		percent(f+".ratio", b.Ratio, false)
		percent(f+".lpr_share", b.LPRShare, false)
	}
	percent("eligibility.min_ip_share", p.Eligibility.MinIPShare, false)
	if p.MaxTermMonths < 0 {
		add("max_term_months", "negative", "cannot be negative")
	}
	for f, v := range map[string]int64{"annual_cap_fen": p.AnnualCapFen, "cumulative_cap_fen": p.CumulativeCapFen, "budget_fen": p.BudgetFen, "auto_approve_max_fen": p.AutoApproveMaxFen} {
		if v < 0 {
			add(f, "negative", "cannot be negative")
		}
	}
	seen := map[FeeKind]bool{}
	for i, r := range p.Fees {
		f := "fees[" + strconv.Itoa(i) + "]"
		switch r.Kind {
		case ValuationFee, GuaranteeFee, InsuranceFee:
		default:
			add(f+".kind", "unknown", "the fee kind is valuation, guarantee or insurance")
		}
		if seen[r.Kind] {
			add(f+".kind", "duplicate", "one rule per fee kind")
		}
		seen[r.Kind] = true
		percent(f+".share", r.Share, true)
		percent(f+".max_loan_share", r.MaxLoanShare, false)
		if r.CapFen < 0 {
			add(f+".cap_fen", "negative", "cannot be negative")
		}
	}
	if len(fs) > 0 {
		sortFields(fs)
		return problem.Invalid(fs...)
	}
	return nil
}

// sortFields orders field errors by field name, because map iteration
// above would otherwise make the response order vary between calls.
func sortFields(fs []problem.FieldError) {
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && fs[j].Field < fs[j-1].Field; j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}
