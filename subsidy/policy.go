// Package subsidy holds the pure rules of loan interest subsidies (贴息):
// policies as data, eligibility, the exact computation, fee subsidies and
// budget allocation. It reads no database and serves no HTTP; the service
// layer feeds it facts and stores what it returns.
package subsidy

import (
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/money"
)

// Basis is what a policy subsidises.
type Basis string

// The two bases of issue 6.
const (
	// ActualInterest subsidises the interest actually paid, optionally
	// limited to the interest at a capped rate (Beijing).
	ActualInterest Basis = "actual_interest"
	// LPRShare subsidises outstanding principal × reference LPR × share ×
	// days / basis, never more than the interest actually paid (Qingdao,
	// Xiamen, Fujian).
	LPRShare Basis = "lpr_share"
)

// CapKind limits the rate under ActualInterest.
type CapKind string

// Rate caps.
const (
	CapNone        CapKind = "none"
	CapFixed       CapKind = "fixed"        // a fixed annual percentage
	CapLPRMultiple CapKind = "lpr_multiple" // a multiple of the reference LPR
)

// DayCount is the day-count basis for interest the policy computes itself.
type DayCount string

// Day counts; Act360 is the default because banks compute interest so.
const (
	Act360 DayCount = "act_360"
	Act365 DayCount = "act_365"
)

func (d DayCount) days() int64 {
	if d == Act365 {
		return 365
	}
	return 360
}

// LPRRule picks the reference LPR.
type LPRRule string

// Reference LPR rules.
const (
	LPRAtContract          LPRRule = "contract_date"
	LPRMonthBeforeContract LPRRule = "month_before_contract"
	LPRDecemberOfYear      LPRRule = "december_of_repayment_year"
)

// Tenor selects the one- or five-year LPR.
type Tenor string

// LPR tenors; every scheme in DOMAIN.md uses the one-year rate.
const (
	OneYear  Tenor = "1y"
	FiveYear Tenor = "5y"
)

// RateCap is the rate limit under ActualInterest.
type RateCap struct {
	Kind CapKind `json:"kind"`
	// Fixed is the capped annual rate for CapFixed.
	Fixed money.Rate `json:"fixed"`
	// LPRPercent is the multiple of the LPR for CapLPRMultiple, written as
	// a percentage so that it stays an exact decimal: 140 means 1.4 × LPR.
	LPRPercent money.Rate `json:"lpr_percent"`
}

// Condition names a fact that raises a policy's ratio or LPR share.
type Condition string

// Boost conditions.
const (
	// WhitelistActive: the enterprise was active on the whitelist when the
	// loan started (issue 6's optional higher ratio).
	WhitelistActive Condition = "whitelist_active"
	// InsuredOrGuaranteed: the loan has pledge-loan insurance or a policy
	// guarantee (Fujian: 50% of LPR instead of 20%).
	InsuredOrGuaranteed Condition = "insured_or_guaranteed"
)

// Boost replaces the ratio and/or the LPR share when its condition holds;
// a zero field leaves the base value. When several boosts hold, the
// highest value of each field wins, so their order does not matter.
type Boost struct {
	When     Condition  `json:"when"`
	Ratio    money.Rate `json:"ratio"`
	LPRShare money.Rate `json:"lpr_share"`
}

// Switches are the eligibility conditions a policy may require.
type Switches struct {
	SMEOnly                  bool       `json:"sme_only"`
	InRegionOnly             bool       `json:"in_region_only"` // legal person registered in the region (Shanxi)
	OwnIPOnly                bool       `json:"own_ip_only"`    // the borrower is the patentee (Qingdao, Shanxi)
	FirstPledge              bool       `json:"first_pledge"`   // at least one patent pledged for the first time
	PledgeBeforeDisbursement bool       `json:"pledge_before_disbursement"`
	RepaidOnTime             bool       `json:"repaid_on_time"`
	SettledOnly              bool       `json:"settled_only"`   // the loan is fully repaid (Xiamen; fee subsidies)
	WhitelistOnly            bool       `json:"whitelist_only"` // active on the whitelist when the loan started
	MinIPShare               money.Rate `json:"min_ip_share"`   // IP as the main collateral (Beijing); 0 = no minimum
}

// FeeKind is a fee a policy may subsidise.
type FeeKind string

// Fee kinds.
const (
	ValuationFee FeeKind = "valuation"
	GuaranteeFee FeeKind = "guarantee"
	InsuranceFee FeeKind = "insurance"
)

// FeeRule subsidises a share of one kind of fee.
type FeeRule struct {
	Kind  FeeKind    `json:"kind"`
	Share money.Rate `json:"share"` // percent of the eligible fee
	// MaxLoanShare limits the eligible fee to this percentage of the
	// loan's principal (valuation ≤ 0.5%, guarantee or insurance ≤ 1.2%);
	// zero means no such limit.
	MaxLoanShare money.Rate `json:"max_loan_share"`
	CapFen       int64      `json:"cap_fen"` // per fee; 0 = none
}

// Policy is a subsidy scheme as the IP office configures it. Zero caps
// mean "no cap"; an empty DayCount, LPRRule or LPRTenor takes the
// default (act/360, contract date, one-year).
type Policy struct {
	Name   string `json:"name"`
	Region string `json:"region"`
	Year   int    `json:"year"` // the policy year, for the annual cap
	// InterestYear is the year whose interest is claimed when it is not
	// the policy year (Xiamen 2023 and Shanxi 2025 pay for earlier loans).
	InterestYear int       `json:"interest_year,omitempty"`
	WindowStart  date.Date `json:"window_start"`
	WindowEnd    date.Date `json:"window_end"`

	Basis    Basis      `json:"basis"`
	RateCap  RateCap    `json:"rate_cap"`  // ActualInterest only
	LPRShare money.Rate `json:"lpr_share"` // LPRShare only: percent of the LPR
	DayCount DayCount   `json:"day_count"`
	LPRRule  LPRRule    `json:"lpr_rule"`
	LPRTenor Tenor      `json:"lpr_tenor"`
	Ratio    money.Rate `json:"ratio"` // percent of the eligible interest
	Boosts   []Boost    `json:"boosts"`

	MaxTermMonths    int   `json:"max_term_months"` // from the loan's start; 0 = none
	AnnualCapFen     int64 `json:"annual_cap_fen"`
	CumulativeCapFen int64 `json:"cumulative_cap_fen"`
	IPShareOnly      bool  `json:"ip_share_only"`

	Eligibility Switches  `json:"eligibility"`
	Fees        []FeeRule `json:"fees"`

	BudgetFen         int64 `json:"budget_fen"`
	AutoApproveMaxFen int64 `json:"auto_approve_max_fen"` // above this, manual review
}

// interestYear is the year whose interest the policy pays for.
func (p Policy) interestYear() int {
	if p.InterestYear != 0 {
		return p.InterestYear
	}
	return p.Year
}

// ratioFor and shareFor apply the boosts whose conditions hold.
func (p Policy) ratioFor(holds func(Condition) bool) money.Rate {
	r := p.Ratio
	for _, b := range p.Boosts {
		if holds(b.When) && b.Ratio.Cmp(r) > 0 {
			r = b.Ratio
		}
	}
	return r
}

func (p Policy) shareFor(holds func(Condition) bool) money.Rate {
	s := p.LPRShare
	for _, b := range p.Boosts {
		if holds(b.When) && b.LPRShare.Cmp(s) > 0 {
			s = b.LPRShare
		}
	}
	return s
}
