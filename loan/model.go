package loan

import (
	"strconv"
	"time"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/money"
)

// Loan states. performing ⇄ overdue (recomputed from the schedule and
// the payments); performing | overdue → settled (principal fully repaid)
// | defaulted (declared by the bank). settled and defaulted are final.
const (
	StatePerforming = "performing"
	StateOverdue    = "overdue"
	StateSettled    = "settled"
	StateDefaulted  = "defaulted"
)

// States lists every loan state.
var States = []string{StatePerforming, StateOverdue, StateSettled, StateDefaulted}

// FullIPShareBP is the IP collateral share of a pure IP pledge loan.
const FullIPShareBP = 10_000

// Loan is a loan recorded by the pledgee bank against a registered pledge.
type Loan struct {
	ID              int64     `db:"id" json:"id"`
	PledgeID        int64     `db:"pledge_id" json:"pledge_id"`
	BankOrgID       int64     `db:"bank_org_id" json:"bank_org_id"`
	EnterpriseOrgID int64     `db:"enterprise_org_id" json:"enterprise_org_id"`
	BankName        string    `db:"bank_name" json:"bank_name"`
	EnterpriseName  string    `db:"enterprise_name" json:"enterprise_name"`
	ContractNumber  string    `db:"contract_number" json:"contract_number"`
	ContractDate    date.Date `db:"contract_date" json:"contract_date"`
	PrincipalFen    int64     `db:"principal_fen" json:"principal_fen"`
	// AnnualRate is the exact annual rate in percent ("3.45"); it is
	// stored as its canonical text in RateText.
	AnnualRate money.Rate `db:"-" json:"annual_rate"`
	RateText   string     `db:"annual_rate" json:"-"`
	Start      date.Date  `db:"start_date" json:"start_date"`
	Maturity   date.Date  `db:"maturity_date" json:"maturity_date"`
	Method     Method     `db:"repayment_method" json:"repayment_method"`
	// IPCollateralShareBP is the share of the collateral value that is IP,
	// in basis points (10000 = a pure IP pledge loan); IPCollateralShare
	// is the same as a decimal percentage ("100", "62.5").
	IPCollateralShareBP int    `db:"ip_collateral_share_bp" json:"ip_collateral_share_bp"`
	IPCollateralShare   string `db:"-" json:"ip_collateral_share"`
	State               string `db:"state" json:"state"`
	// DaysOverdue is how many days the oldest scheduled instalment not
	// covered by the payments is past its due date (0: none), as of the
	// last refresh (a payment or the periodic overdue scan).
	DaysOverdue         int        `db:"days_overdue" json:"days_overdue"`
	PaidPrincipalFen    int64      `db:"paid_principal_fen" json:"paid_principal_fen"`
	PaidInterestFen     int64      `db:"paid_interest_fen" json:"paid_interest_fen"`
	OutstandingFen      int64      `db:"-" json:"outstanding_principal_fen"`
	DefaultReason       string     `db:"default_reason" json:"default_reason"`
	DefaultedAt         *time.Time `db:"defaulted_at" json:"defaulted_at"`
	SettledOn           date.Date  `db:"settled_on" json:"settled_on"`
	ReviewFlaggedAt     *time.Time `db:"review_flagged_at" json:"review_flagged_at"`
	CanRequestRelease   bool       `db:"-" json:"can_request_release"`
	CanStartEnforcement bool       `db:"-" json:"can_start_enforcement"`
	CreatedAt           time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt           time.Time  `db:"updated_at" json:"updated_at"`
}

// Terms are the loan's schedule terms.
func (l Loan) Terms() Terms {
	return Terms{PrincipalFen: l.PrincipalFen, AnnualRate: l.AnnualRate, Start: l.Start, Maturity: l.Maturity, Method: l.Method}
}

// VisibleTo reports whether an organisation may see the loan: its bank,
// its enterprise and the IP office.
func (l Loan) VisibleTo(orgID int64, ipOffice bool) bool {
	return ipOffice || orgID == l.BankOrgID || orgID == l.EnterpriseOrgID
}

// Open reports whether the loan still runs (performing or overdue).
func (l Loan) Open() bool { return l.State == StatePerforming || l.State == StateOverdue }

// complete fills the derived fields after a read.
func (l *Loan) complete() error {
	r, err := money.ParseRate("annual_rate", l.RateText)
	if err != nil {
		return err
	}
	l.AnnualRate = r
	l.IPCollateralShare = ShareString(l.IPCollateralShareBP)
	l.OutstandingFen = l.PrincipalFen - l.PaidPrincipalFen
	l.CanRequestRelease = l.State == StateSettled
	l.CanStartEnforcement = l.State == StateDefaulted
	l.CreatedAt, l.UpdatedAt = l.CreatedAt.UTC(), l.UpdatedAt.UTC()
	if l.DefaultedAt != nil {
		t := l.DefaultedAt.UTC()
		l.DefaultedAt = &t
	}
	if l.ReviewFlaggedAt != nil {
		t := l.ReviewFlaggedAt.UTC()
		l.ReviewFlaggedAt = &t
	}
	return nil
}

// ShareString writes basis points as a percentage ("100", "62.5", "0.01").
func ShareString(bp int) string {
	s := strconv.Itoa(bp / 100)
	if frac := bp % 100; frac != 0 {
		f := strconv.Itoa(100 + frac)[1:]
		if f[1] == '0' {
			f = f[:1]
		}
		s += "." + f
	}
	return s
}

// Payment is what the borrower actually paid on a day, as the bank
// recorded it.
type Payment struct {
	ID           int64     `db:"id" json:"id"`
	LoanID       int64     `db:"loan_id" json:"loan_id"`
	PaidOn       date.Date `db:"paid_on" json:"paid_on"`
	PrincipalFen int64     `db:"principal_fen" json:"principal_fen"`
	InterestFen  int64     `db:"interest_fen" json:"interest_fen"`
	CreatedAt    time.Time `db:"created_at" json:"created_at"`
}

// Event is one entry of a loan's history.
type Event struct {
	ID        int64     `db:"id" json:"id"`
	Action    string    `db:"action" json:"action"`
	FromState string    `db:"from_state" json:"from_state"`
	ToState   string    `db:"to_state" json:"to_state"`
	Detail    string    `db:"detail" json:"detail"`
	Actor     string    `db:"actor" json:"actor"`
	At        time.Time `db:"at" json:"at"`
}

// Status is where a loan stands on a day by its schedule and payments.
type Status struct {
	// DaysLate is how many days the oldest instalment due and not covered
	// by the payments is late (0: nothing is late).
	DaysLate int
	// Repaid: the whole principal is repaid.
	Repaid bool
}

// StatusOn compares the schedule with the payments on a day. Instalment k
// is covered when the payments made up to the day sum to at least the
// principal of instalments 1..k and to at least their total (principal
// and interest): a principal prepayment thus also covers later interest,
// but interest never stands in for principal.
func StatusOn(sched []Instalment, payments []Payment, today date.Date) Status {
	var paidP, paidT int64
	for _, p := range payments {
		if !p.PaidOn.After(today) {
			paidP += p.PrincipalFen
			paidT += p.PrincipalFen + p.InterestFen
		}
	}
	var st Status
	var dueP, dueT, principal int64
	for _, in := range sched {
		principal += in.PrincipalFen
	}
	st.Repaid = paidP >= principal
	if st.Repaid {
		return st
	}
	for _, in := range sched {
		if !in.Due.Before(today) {
			break
		}
		dueP += in.PrincipalFen
		dueT += in.TotalFen
		if paidP < dueP || paidT < dueT {
			st.DaysLate = in.Due.DaysUntil(today)
			break
		}
	}
	return st
}
