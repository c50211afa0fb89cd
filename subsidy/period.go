package subsidy

import (
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/problem"
)

// CheckPeriod applies the submission rules of issue 6 that need no
// database: an application is refused (422, a stable code) when today is
// outside the application window, the period is outside the loan or the
// policy's interest year, it overlaps a period already claimed for the
// loan, or no interest was paid in it. The caller still has to enforce
// the overlap rule under concurrency (a unique claim per loan and day
// range in the store), since two submissions can both pass this check.
func CheckPeriod(p Policy, loan Loan, period Period, payments []Payment, claimed []Period, today date.Date) error {
	if period.From.IsZero() || period.To.IsZero() {
		return problem.Invalid(problem.Field("period", "required", "the period needs a start and an end"))
	}
	if period.To.Before(period.From) {
		return problem.Invalid(problem.Field("period.to", "before_start", "the period ends before it starts"))
	}
	if (!p.WindowStart.IsZero() && today.Before(p.WindowStart)) || (!p.WindowEnd.IsZero() && today.After(p.WindowEnd)) {
		return problem.Unprocessable("outside_application_window", "applications are accepted from %s to %s", p.WindowStart, p.WindowEnd)
	}
	if period.From.Before(loan.Start) || period.To.After(loan.Maturity) {
		return problem.Unprocessable("period_outside_loan", "the period must lie within the loan (%s to %s)", loan.Start, loan.Maturity)
	}
	if y := p.interestYear(); period.From.Y != y || period.To.Y != y {
		return problem.Unprocessable("period_outside_policy_year", "the period must lie within %d", y)
	}
	for _, c := range claimed {
		if !period.To.Before(c.From) && !c.To.Before(period.From) {
			return problem.Unprocessable("period_overlaps_claim", "the period overlaps %s to %s, already claimed", c.From, c.To)
		}
	}
	for _, pay := range payments {
		if pay.InterestFen > 0 && !pay.Date.Before(period.From) && !pay.Date.After(period.To) {
			return nil
		}
	}
	return problem.Unprocessable("no_interest_paid", "no interest was paid in the period")
}
