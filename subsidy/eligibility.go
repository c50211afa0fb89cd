package subsidy

import (
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/money"
)

// Facts are what eligibility depends on, gathered by the service from
// the enterprise, pledge, loan and whitelist records.
type Facts struct {
	SME                bool       `json:"sme"`
	InRegion           bool       `json:"in_region"`
	BorrowerIsPatentee bool       `json:"borrower_is_patentee"`
	PledgeRegistered   bool       `json:"pledge_registered"`
	PledgeRegisteredOn date.Date  `json:"pledge_registered_on"`
	DisbursedOn        date.Date  `json:"disbursed_on"`
	FirstPledge        bool       `json:"first_pledge"` // some pledged patent was never pledged before
	RepaidOnTime       bool       `json:"repaid_on_time"`
	Settled            bool       `json:"settled"`
	WhitelistActive    bool       `json:"whitelist_active"` // when the loan started
	IPShare            money.Rate `json:"ip_share"`         // the loan's ip_collateral_share
}

// Reason is one failed eligibility condition, with a stable code.
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Eligible lists why an enterprise's loan does not qualify under p; an
// empty list means it qualifies. All reasons are listed so that the
// reviewer and the enterprise see everything at once.
func Eligible(p Policy, f Facts) []Reason {
	var rs []Reason
	add := func(code, msg string) { rs = append(rs, Reason{code, msg}) }
	s := p.Eligibility
	// Every policy subsidises pledge loans only: without a registration
	// there is no pledge to speak of.
	if !f.PledgeRegistered {
		add("pledge_not_registered", "the loan is not secured by a registered pledge")
	}
	if s.SMEOnly && !f.SME {
		add("not_sme", "the policy is for small and medium-sized enterprises")
	}
	if s.InRegionOnly && !f.InRegion {
		add("not_in_region", "the enterprise is not registered in the policy's region")
	}
	if s.OwnIPOnly && !f.BorrowerIsPatentee {
		add("not_own_ip", "the borrower is not the owner of the pledged IP")
	}
	if s.FirstPledge && !f.FirstPledge {
		add("no_first_pledge", "no pledged patent is pledged for the first time")
	}
	// Registered on the disbursement day counts as before: the pledge
	// exists from its registration day, so the loan was secured from the start.
	if s.PledgeBeforeDisbursement && (!f.PledgeRegistered || f.PledgeRegisteredOn.IsZero() || f.PledgeRegisteredOn.After(f.DisbursedOn)) {
		add("pledge_after_disbursement", "the pledge was not registered before the loan was disbursed")
	}
	if s.RepaidOnTime && !f.RepaidOnTime {
		add("not_repaid_on_time", "the loan was not repaid as agreed")
	}
	if s.SettledOnly && !f.Settled {
		add("loan_not_settled", "the loan is not fully repaid yet")
	}
	if s.WhitelistOnly && !f.WhitelistActive {
		add("not_whitelisted", "the enterprise was not active on the whitelist when the loan started")
	}
	if !s.MinIPShare.IsZero() && f.IPShare.Cmp(s.MinIPShare) < 0 {
		add("ip_share_too_low", "IP is not enough of the collateral ("+f.IPShare.String()+"% < "+s.MinIPShare.String()+"%)")
	}
	return rs
}

// RiskFacts are the conditions that stop automatic approval.
type RiskFacts struct {
	LoanOverdue     bool `json:"loan_overdue"`
	LoanDefaulted   bool `json:"loan_defaulted"`
	WhitelistActive bool `json:"whitelist_active"` // now, not at the loan's start
	PledgeOpenAlert bool `json:"pledge_open_alert"`
}

// ReviewFlags lists why an application with subsidyFen cannot be approved
// automatically ("no-meeting approval", seed 003 item 10); an empty list
// means it can. Ineligibility is the caller's first check, not a flag.
func ReviewFlags(p Policy, subsidyFen int64, r RiskFacts) []Reason {
	var rs []Reason
	add := func(code, msg string) { rs = append(rs, Reason{code, msg}) }
	if r.LoanOverdue {
		add("loan_overdue", "the loan is overdue")
	}
	if r.LoanDefaulted {
		add("loan_defaulted", "the loan is in default")
	}
	// At the threshold itself the application still passes: the
	// threshold is the largest amount approved without review.
	if subsidyFen > p.AutoApproveMaxFen {
		add("above_auto_approval_threshold", "the amount is above the automatic approval threshold")
	}
	if !r.WhitelistActive {
		add("not_whitelisted", "the enterprise is not active on the whitelist")
	}
	if r.PledgeOpenAlert {
		add("pledge_alert", "the pledge has an open alert")
	}
	return rs
}
