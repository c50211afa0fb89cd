package subsidy

import (
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/money"
)

// Loan are the loan facts a computation needs.
type Loan struct {
	PrincipalFen int64      `json:"principal_fen"`
	AnnualRate   money.Rate `json:"annual_rate"`
	ContractDate date.Date  `json:"contract_date"` // zero: the start date
	Start        date.Date  `json:"start"`
	Maturity     date.Date  `json:"maturity"`
	IPShare      money.Rate `json:"ip_share"` // ip_collateral_share, 100 for a pure IP pledge loan
	// WhitelistActive and InsuredOrGuaranteed select boosts.
	WhitelistActive     bool `json:"whitelist_active"`
	InsuredOrGuaranteed bool `json:"insured_or_guaranteed"`
}

func (l Loan) contract() date.Date {
	if l.ContractDate.IsZero() {
		return l.Start
	}
	return l.ContractDate
}

func (l Loan) holds(c Condition) bool {
	switch c {
	case WhitelistActive:
		return l.WhitelistActive
	case InsuredOrGuaranteed:
		return l.InsuredOrGuaranteed
	}
	return false
}

// Payment is what the bank recorded as actually paid on a day.
type Payment struct {
	Date         date.Date `json:"date"`
	PrincipalFen int64     `json:"principal_fen"`
	InterestFen  int64     `json:"interest_fen"`
}

// Period is a claimed period; both days are included, so a calendar year
// is From = Jan 1, To = Dec 31.
type Period struct {
	From date.Date `json:"from"`
	To   date.Date `json:"to"`
}

// Prior is a subsidy already granted to the same enterprise under the
// policy (or the policy family the caller counts for the cumulative cap).
type Prior struct {
	PolicyYear int   `json:"policy_year"`
	AmountFen  int64 `json:"amount_fen"`
}

// PaymentLine is one recorded payment dated in the period, with the share
// of its interest that counts.
type PaymentLine struct {
	Date         date.Date `json:"date"`
	PrincipalFen int64     `json:"principal_fen"`
	InterestFen  int64     `json:"interest_fen"`
	AccrualStart date.Date `json:"accrual_start"` // the interest paid accrued from here to Date
	AccrualDays  int       `json:"accrual_days"`
	CountedDays  int       `json:"counted_days"` // within the maximum subsidised term
	CountedFen   string    `json:"counted_fen"`  // InterestFen × CountedDays / AccrualDays
}

// Segment is a stretch of the subsidised days with a constant outstanding
// principal and rate: one term of the limit (b).
type Segment struct {
	Start          date.Date  `json:"start"`
	End            date.Date  `json:"end"` // excluded
	Days           int        `json:"days"`
	OutstandingFen int64      `json:"outstanding_fen"`
	ReferenceLPR   money.Rate `json:"reference_lpr,omitzero"`
	LPROn          date.Date  `json:"lpr_on,omitzero"` // the day whose LPR was used
	AnnualRate     string     `json:"annual_rate"`     // percent applied, exact to 6 decimals
	AmountFen      string     `json:"amount_fen"`      // outstanding × rate × days / basis
}

// Caps is the last step: the rounded amount limited by what remains of
// the enterprise's caps.
type Caps struct {
	UncappedFen            int64  `json:"uncapped_fen"`
	AnnualRemainingFen     *int64 `json:"annual_remaining_fen"`     // null: no annual cap
	CumulativeRemainingFen *int64 `json:"cumulative_remaining_fen"` // null: no cumulative cap
	SubsidyFen             int64  `json:"subsidy_fen"`
	CapHit                 string `json:"cap_hit,omitempty"` // "annual" or "cumulative" when it reduced the amount
}

// Result is a computation with every step and its numbers. Exact
// intermediate amounts are strings of fen with four decimals; only
// UncappedFen is rounded (once, half up).
type Result struct {
	Basis           Basis         `json:"basis"`
	Period          Period        `json:"period"`
	DayCountDays    int64         `json:"day_count_days"` // 360 or 365
	WindowStart     date.Date     `json:"window_start"`   // subsidised days: [window_start, window_end)
	WindowEnd       date.Date     `json:"window_end"`
	TermEnd         date.Date     `json:"term_end,omitzero"` // end of the maximum subsidised term
	Payments        []PaymentLine `json:"payments"`
	Segments        []Segment     `json:"segments"`
	PaidInterestFen string        `json:"paid_interest_fen"`     // (a)
	LimitFen        string        `json:"limit_fen,omitempty"`   // (b); absent when nothing limits (a)
	EligibleFen     string        `json:"eligible_interest_fen"` // min((a), (b))
	LPRShare        money.Rate    `json:"lpr_share,omitzero"`    // after boosts
	IPShare         money.Rate    `json:"ip_share"`              // 100 unless the policy subsidises the IP share only
	Ratio           money.Rate    `json:"ratio"`                 // after boosts
	Caps
}
