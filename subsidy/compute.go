package subsidy

import (
	"math/big"
	"slices"
	"strings"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/money"
	"github.com/ipledge/ipledge/platform/problem"
)

// Compute works out the subsidy for one loan and one claimed period:
//
//	(a) interest paid: the interest of the payments dated in the period,
//	    the part accrued beyond the maximum term left out pro rata by days;
//	(b) limit: Σ outstanding × rate × days / basis over the subsidised
//	    days, rate = min(loan rate, cap) for actual_interest or
//	    reference LPR × share for lpr_share; none for an uncapped actual_interest;
//	eligible = min(a, b); × IP share; × ratio; rounded half up to the fen
//	once; then limited by the remaining annual and cumulative caps.
//
// The period checks of an application (CheckPeriod) come first; Compute
// only refuses what it cannot compute.
func Compute(p Policy, lpr LPRTable, loan Loan, period Period, payments []Payment, prior []Prior) (Result, error) {
	if err := p.Validate(); err != nil {
		return Result{}, err
	}
	if period.To.Before(period.From) {
		return Result{}, problem.Invalid(problem.Field("period.to", "before_start", "the period ends before it starts"))
	}
	pays := slices.Clone(payments)
	slices.SortStableFunc(pays, func(a, b Payment) int { return a.Date.DaysUntil(b.Date) * -1 })

	r := Result{Basis: p.Basis, Period: period, DayCountDays: p.DayCount.days(), Payments: []PaymentLine{}, Segments: []Segment{}}
	termEnd := loan.Maturity
	if p.MaxTermMonths > 0 {
		r.TermEnd = loan.Start.AddMonthsClamped(p.MaxTermMonths)
		termEnd = earlier(termEnd, r.TermEnd)
	}
	r.WindowStart = later(period.From, loan.Start)
	r.WindowEnd = earlier(period.To.AddDays(1), termEnd)
	if r.WindowEnd.Before(r.WindowStart) {
		r.WindowEnd = r.WindowStart
	}

	paid := paidInterest(&r, loan, period, pays)
	eligible := paid
	limit, err := limitInterest(&r, p, lpr, loan, pays)
	if err != nil {
		return Result{}, err
	}
	if limit != nil {
		r.LimitFen = money.FormatFen(limit)
		if limit.Cmp(eligible) < 0 {
			eligible = limit
		}
	}
	r.PaidInterestFen = money.FormatFen(paid)
	r.EligibleFen = money.FormatFen(eligible)

	r.IPShare = hundred
	if p.IPShareOnly {
		r.IPShare = loan.IPShare
	}
	r.Ratio = p.ratioFor(loan.holds)
	x := new(big.Rat).Mul(eligible, r.IPShare.Fraction())
	x.Mul(x, r.Ratio.Fraction())
	r.Caps = ApplyCaps(p, money.RoundHalfUp(x), prior)
	return r, nil
}

// paidInterest fills the payment lines and returns (a).
func paidInterest(r *Result, loan Loan, period Period, pays []Payment) *big.Rat {
	sum := new(big.Rat)
	accrual := loan.Start
	for _, pay := range pays {
		inPeriod := !pay.Date.Before(period.From) && !pay.Date.After(period.To)
		from := accrual
		if pay.InterestFen > 0 {
			// Interest paid covers the days since the last interest payment.
			accrual = pay.Date
		}
		if !inPeriod {
			continue
		}
		line := PaymentLine{Date: pay.Date, PrincipalFen: pay.PrincipalFen, InterestFen: pay.InterestFen, AccrualStart: from, AccrualDays: from.DaysUntil(pay.Date)}
		counted := money.Fen(pay.InterestFen)
		line.CountedDays = line.AccrualDays
		if !r.TermEnd.IsZero() {
			line.CountedDays = overlap(from, pay.Date, loan.Start, r.TermEnd)
			switch {
			case line.AccrualDays > 0:
				counted.Mul(counted, big.NewRat(int64(line.CountedDays), int64(line.AccrualDays)))
			case pay.Date.After(r.TermEnd):
				// Interest paid for no days (a same-day charge) after the term.
				counted.SetInt64(0)
			}
		}
		line.CountedFen = money.FormatFen(counted)
		sum.Add(sum, counted)
		r.Payments = append(r.Payments, line)
	}
	return sum
}

// limitInterest fills the segments and returns (b), or nil when the
// policy does not limit the interest paid.
func limitInterest(r *Result, p Policy, lpr LPRTable, loan Loan, pays []Payment) (*big.Rat, error) {
	if p.Basis == ActualInterest && (p.RateCap.Kind == CapNone || p.RateCap.Kind == "") {
		return nil, nil
	}
	if p.Basis == LPRShare {
		r.LPRShare = p.shareFor(loan.holds)
	}
	usesLPR := p.Basis == LPRShare || p.RateCap.Kind == CapLPRMultiple
	total := new(big.Rat)
	for _, seg := range segments(r.WindowStart, r.WindowEnd, pays, p.LPRRule == LPRDecemberOfYear) {
		s := Segment{Start: seg[0], End: seg[1], Days: seg[0].DaysUntil(seg[1]), OutstandingFen: outstanding(loan, pays, seg[0])}
		rate := loan.AnnualRate.Fraction()
		if usesLPR {
			s.LPROn = referenceDate(p.LPRRule, loan.contract(), seg[0].Y)
			v, err := lpr.Rate(s.LPROn, p.LPRTenor)
			if err != nil {
				return nil, problem.Unprocessable("lpr_unknown", "%v", err)
			}
			s.ReferenceLPR = v
		}
		switch {
		case p.Basis == LPRShare:
			rate = new(big.Rat).Mul(s.ReferenceLPR.Fraction(), r.LPRShare.Fraction())
		case p.RateCap.Kind == CapFixed:
			rate = minRat(rate, p.RateCap.Fixed.Fraction())
		case p.RateCap.Kind == CapLPRMultiple:
			rate = minRat(rate, new(big.Rat).Mul(s.ReferenceLPR.Fraction(), p.RateCap.LPRPercent.Fraction()))
		}
		amount := new(big.Rat).Mul(money.Fen(max(s.OutstandingFen, 0)), rate)
		amount.Mul(amount, big.NewRat(int64(s.Days), p.DayCount.days()))
		s.AnnualRate = percentString(rate)
		s.AmountFen = money.FormatFen(amount)
		total.Add(total, amount)
		r.Segments = append(r.Segments, s)
	}
	return total, nil
}

// segments splits [start, end) where the outstanding principal changes
// (a principal repayment reduces it from its own day) and, when the LPR
// depends on the year, at each January 1st.
func segments(start, end date.Date, pays []Payment, byYear bool) [][2]date.Date {
	cuts := []date.Date{start}
	for _, pay := range pays {
		if pay.PrincipalFen != 0 && start.Before(pay.Date) && pay.Date.Before(end) {
			cuts = append(cuts, pay.Date)
		}
	}
	if byYear {
		for y := start.Y + 1; y <= end.Y; y++ {
			if jan1 := date.New(y, 1, 1); jan1.Before(end) {
				cuts = append(cuts, jan1)
			}
		}
	}
	slices.SortFunc(cuts, func(a, b date.Date) int { return b.DaysUntil(a) })
	cuts = slices.Compact(cuts)
	var out [][2]date.Date
	for i, c := range cuts {
		next := end
		if i+1 < len(cuts) {
			next = cuts[i+1]
		}
		if c.Before(next) {
			out = append(out, [2]date.Date{c, next})
		}
	}
	return out
}

// outstanding is the principal still owed on day d.
func outstanding(loan Loan, pays []Payment, d date.Date) int64 {
	o := loan.PrincipalFen
	for _, pay := range pays {
		if !pay.Date.After(d) {
			o -= pay.PrincipalFen
		}
	}
	return o
}

func minRat(a, b *big.Rat) *big.Rat {
	if a.Cmp(b) <= 0 {
		return a
	}
	return b
}

func earlier(a, b date.Date) date.Date {
	if a.Before(b) {
		return a
	}
	return b
}

func later(a, b date.Date) date.Date {
	if a.After(b) {
		return a
	}
	return b
}

// overlap is the number of days [a, b) and [c, d) share.
func overlap(a, b, c, d date.Date) int {
	return max(later(a, c).DaysUntil(earlier(b, d)), 0)
}

// percentString shows a fraction as a percentage, exact to 6 decimals
// (a capped rate such as 1.45 × 3.45% = 5.0025% needs more than 4).
func percentString(f *big.Rat) string {
	s := new(big.Rat).Mul(f, big.NewRat(100, 1)).FloatString(6)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}
