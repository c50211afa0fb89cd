package subsidy

import (
	"math/big"

	"github.com/ipledge/ipledge/platform/money"
	"github.com/ipledge/ipledge/platform/problem"
)

// FeeResult is a fee subsidy with its steps.
type FeeResult struct {
	Kind         FeeKind    `json:"kind"`
	InvoiceFen   int64      `json:"invoice_fen"`
	LoanLimitFen string     `json:"loan_limit_fen,omitempty"` // principal × max_loan_share, when set
	EligibleFen  string     `json:"eligible_fen"`             // min(invoice, loan limit)
	Share        money.Rate `json:"share"`
	UncappedFen  int64      `json:"uncapped_fen"` // eligible × share, rounded half up once
	CapFen       int64      `json:"cap_fen,omitempty"`
	SubsidyFen   int64      `json:"subsidy_fen"`
	CapHit       bool       `json:"cap_hit"`
}

// ComputeFee works out the subsidy on one fee invoice: the fee counts up
// to the policy's share of the loan principal, the subsidy is a share of
// that, rounded once, then limited by the per-fee cap. Whether fee
// subsidies also draw on the enterprise's annual and cumulative caps is
// the caller's choice (ApplyCaps), since the schemes do not say.
func ComputeFee(p Policy, kind FeeKind, loanPrincipalFen, invoiceFen int64) (FeeResult, error) {
	var rule *FeeRule
	for i := range p.Fees {
		if p.Fees[i].Kind == kind {
			rule = &p.Fees[i]
		}
	}
	if rule == nil {
		return FeeResult{}, problem.Unprocessable("fee_not_subsidised", "the policy does not subsidise %s fees", kind)
	}
	if invoiceFen <= 0 {
		return FeeResult{}, problem.Invalid(problem.Field("invoice_fen", "not_positive", "the fee must be at least 1 fen"))
	}
	r := FeeResult{Kind: kind, InvoiceFen: invoiceFen, Share: rule.Share, CapFen: rule.CapFen}
	eligible := money.Fen(invoiceFen)
	if !rule.MaxLoanShare.IsZero() {
		limit := new(big.Rat).Mul(money.Fen(loanPrincipalFen), rule.MaxLoanShare.Fraction())
		r.LoanLimitFen = money.FormatFen(limit)
		eligible = minRat(eligible, limit)
	}
	r.EligibleFen = money.FormatFen(eligible)
	r.UncappedFen = money.RoundHalfUp(new(big.Rat).Mul(eligible, rule.Share.Fraction()))
	r.SubsidyFen = r.UncappedFen
	if rule.CapFen > 0 && r.SubsidyFen > rule.CapFen {
		r.SubsidyFen, r.CapHit = rule.CapFen, true
	}
	return r, nil
}
