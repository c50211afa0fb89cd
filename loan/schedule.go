// Package loan holds the pure rules of loans secured by patent pledges:
// the repayment schedule. Storage and HTTP live elsewhere.
package loan

import (
	"math/big"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/money"
	"github.com/ipledge/ipledge/platform/problem"
)

// Method is how a loan is repaid.
type Method string

// The repayment methods of issue 6.
const (
	Bullet            Method = "bullet"             // principal and interest at maturity
	InterestMonthly   Method = "interest_monthly"   // interest monthly, principal at maturity
	InterestQuarterly Method = "interest_quarterly" // interest quarterly, principal at maturity
	EqualPrincipal    Method = "equal_principal"    // the same principal each month, interest on the balance
	EqualInstallment  Method = "equal_installment"  // the same total each month (annuity)
)

// Valid reports whether m is one of the known methods.
func (m Method) Valid() bool {
	switch m {
	case Bullet, InterestMonthly, InterestQuarterly, EqualPrincipal, EqualInstallment:
		return true
	}
	return false
}

// periodMonths is the length of a regular period; 0 means one period
// from start to maturity.
func (m Method) periodMonths() int {
	switch m {
	case InterestQuarterly:
		return 3
	case Bullet:
		return 0
	}
	return 1
}

// Terms are what the schedule depends on.
type Terms struct {
	PrincipalFen int64
	AnnualRate   money.Rate
	Start        date.Date // disbursement: interest accrues from this day
	Maturity     date.Date
	Method       Method
}

// Instalment is one line of the schedule. Interest accrues from Start
// (included) to Due (excluded), the usual bank convention, so Days is
// Start.DaysUntil(Due) and consecutive instalments share a boundary date.
type Instalment struct {
	Seq            int       `json:"seq"`
	Start          date.Date `json:"start"`
	Due            date.Date `json:"due"`
	Days           int       `json:"days"`
	PrincipalFen   int64     `json:"principal_fen"`
	InterestFen    int64     `json:"interest_fen"`
	TotalFen       int64     `json:"total_fen"`
	OutstandingFen int64     `json:"outstanding_fen"` // principal still owed after this instalment
}

// Validate checks the terms on their own; the pledge-dependent checks
// (secured amount, debt period) belong to the caller.
func (t Terms) Validate() error {
	var fs []problem.FieldError
	if t.PrincipalFen <= 0 {
		fs = append(fs, problem.Field("principal_fen", "not_positive", "the principal must be at least 1 fen"))
	}
	if t.Start.IsZero() {
		fs = append(fs, problem.Field("start_date", "required", "the start date is required"))
	}
	if t.Maturity.IsZero() {
		fs = append(fs, problem.Field("maturity_date", "required", "the maturity date is required"))
	}
	if !t.Start.IsZero() && !t.Maturity.IsZero() && !t.Start.Before(t.Maturity) {
		fs = append(fs, problem.Field("maturity_date", "not_after_start", "the maturity date must be after the start date"))
	}
	if !t.Method.Valid() {
		fs = append(fs, problem.Field("repayment_method", "unknown", "unknown repayment method"))
	} else if t.Method == EqualInstallment && len(fs) == 0 && !wholeMonths(t.Start, t.Maturity) {
		// The annuity formula assumes equal monthly periods; a short last
		// period has no agreed treatment, so it is refused, not guessed.
		fs = append(fs, problem.Field("maturity_date", "not_whole_months", "equal instalments need a maturity a whole number of months after the start"))
	}
	if len(fs) > 0 {
		return problem.Invalid(fs...)
	}
	return nil
}

func wholeMonths(start, maturity date.Date) bool {
	for k := 1; ; k++ {
		e := start.AddMonthsClamped(k)
		if !e.Before(maturity) {
			return e == maturity
		}
	}
}

// PeriodEnds lists the due dates: the start date's day of the month every
// step months, clamped to the month's end, the last at maturity. Each end
// is computed from the start, not from the previous end, so that a loan
// starting on the 31st comes back to the 31st after February.
func PeriodEnds(start, maturity date.Date, stepMonths int) []date.Date {
	var ends []date.Date
	if stepMonths > 0 {
		for k := 1; ; k++ {
			e := start.AddMonthsClamped(k * stepMonths)
			if !e.Before(maturity) {
				break
			}
			ends = append(ends, e)
		}
	}
	return append(ends, maturity)
}

// Schedule builds the repayment schedule. Interest is rounded half up to
// the fen once per instalment; principal parts sum exactly to the loan's
// principal, the last instalment taking whatever rounding left over.
func Schedule(t Terms) ([]Instalment, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	ends := PeriodEnds(t.Start, t.Maturity, t.Method.periodMonths())
	n := int64(len(ends))
	var payment int64
	if t.Method == EqualInstallment {
		payment = annuityPayment(t.PrincipalFen, monthlyRate(t.AnnualRate), n)
	}
	out := make([]Instalment, 0, n)
	outstanding := t.PrincipalFen
	from := t.Start
	for i, due := range ends {
		last := i == len(ends)-1
		in := Instalment{Seq: i + 1, Start: from, Due: due, Days: from.DaysUntil(due)}
		switch t.Method {
		case EqualInstallment:
			in.InterestFen = money.RoundHalfUp(new(big.Rat).Mul(money.Fen(outstanding), monthlyRate(t.AnnualRate)))
			in.PrincipalFen = min(payment-in.InterestFen, outstanding)
		case EqualPrincipal:
			in.InterestFen = DayInterest(outstanding, t.AnnualRate, in.Days)
			// Rounded down so that the running total can never pass the
			// principal; the last instalment takes the remainder.
			in.PrincipalFen = t.PrincipalFen / n
		default:
			in.InterestFen = DayInterest(outstanding, t.AnnualRate, in.Days)
		}
		if last {
			in.PrincipalFen = outstanding
		}
		outstanding -= in.PrincipalFen
		in.TotalFen = in.PrincipalFen + in.InterestFen
		in.OutstandingFen = outstanding
		out = append(out, in)
		from = due
	}
	return out, nil
}

// DayInterest is the interest on principalFen for days at the annual rate
// over a 360-day year (the People's Bank convention), rounded half up.
func DayInterest(principalFen int64, annual money.Rate, days int) int64 {
	x := new(big.Rat).Mul(money.Fen(principalFen), annual.Fraction())
	x.Mul(x, big.NewRat(int64(days), 360))
	return money.RoundHalfUp(x)
}

func monthlyRate(annual money.Rate) *big.Rat {
	return new(big.Rat).Quo(annual.Fraction(), big.NewRat(12, 1))
}

// annuityPayment is P·i·(1+i)^n / ((1+i)^n − 1) rounded half up, computed
// exactly; at a zero rate it is the principal over n rounded down, so that
// the running principal cannot overshoot before the last instalment.
func annuityPayment(principalFen int64, i *big.Rat, n int64) int64 {
	if i.Sign() == 0 {
		return principalFen / n
	}
	one := big.NewRat(1, 1)
	base := new(big.Rat).Add(one, i)
	pow := new(big.Rat).SetInt64(1)
	for range n {
		pow.Mul(pow, base)
	}
	x := new(big.Rat).Mul(money.Fen(principalFen), i)
	x.Mul(x, pow)
	x.Quo(x, new(big.Rat).Sub(pow, one))
	return money.RoundHalfUp(x)
}
