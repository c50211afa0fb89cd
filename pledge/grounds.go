// Package pledge will hold patent pledge registrations: requests, the
// pledgee's confirmation, examination, registration and what follows.
// This file is the examination's rule table: the refusal grounds of
// CNIPA's patent pledge registration measures (announcement 461) as pure
// functions of the facts, so that every ground is computed and shown to
// the examiner with its code and explanation.
package pledge

import (
	"strings"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/registry"
)

// Ground kinds.
const (
	// Refuse blocks registration while it applies.
	Refuse = "refuse"
	// Warn is shown to the examiner but does not block.
	Warn = "warn"
)

// Ground codes, stable for clients.
const (
	GroundPledgorNotPatentee    = "pledgor_not_patentee"
	GroundPatentNotInForce      = "patent_not_in_force"
	GroundNotGranted            = "not_granted"
	GroundAnnualFeeUnpaid       = "annual_fee_unpaid"
	GroundOwnershipDispute      = "ownership_dispute"
	GroundDebtBeyondPatentTerm  = "debt_beyond_patent_term"
	GroundContractIncomplete    = "contract_incomplete"
	GroundCoOwnerConsentMissing = "co_owner_consent_missing"
	GroundAlreadyPledged        = "already_pledged"
	GroundSameDayDualFiling     = "same_day_dual_filing"
	GroundInvalidationPending   = "invalidation_pending"
	GroundForfeitureClause      = "forfeiture_clause"
)

// PatentFacts is what the registry says of one pledged patent.
type PatentFacts struct {
	Number       string
	Status       registry.Status
	Granted      bool
	Expiry       date.Date
	FeePaidUntil date.Date
	// PatenteeOrgIDs are the registered patentees that are platform
	// organisations; Patentees counts all of them.
	PatenteeOrgIDs []int64
	Patentees      int
	// SameDayDualFiling: the same applicant filed a utility model and an
	// invention for the same creation on the same day.
	SameDayDualFiling bool
	// PledgedInForce: another registered pledge is in force on it.
	PledgedInForce bool
}

// Contract holds the particulars the measures require a pledge contract
// to state.
type Contract struct {
	PledgorName, PledgorAddress string
	PledgeeName, PledgeeAddress string
	SecuredClaimKind            string
	SecuredAmountFen            int64
	DebtStart, DebtEnd          date.Date
	Scope                       string
	// PatentsListed: each patent's title, number, filing date and grant
	// announcement date are stated.
	PatentsListed bool
}

// Request is what the parties declared.
type Request struct {
	PledgorOrgID int64
	Contract     Contract
	// AllCoOwnersConsent or SpecialAgreement lifts the co-owner ground.
	AllCoOwnersConsent bool
	SpecialAgreement   bool
	// The parties' confirmation, once told, lifts grounds 10 and 11.
	ConfirmedDualFiling   bool
	ConfirmedInvalidation bool
	// ForfeitureClause: the contract gives the patent to the pledgee on
	// default (流质条款).
	ForfeitureClause bool
}

// Ground is one ground as the examiner sees it.
type Ground struct {
	No          int    `json:"no"`
	Code        string `json:"code"`
	Kind        string `json:"kind"`
	Applies     bool   `json:"applies"`
	Lifted      bool   `json:"lifted"` // applies, but lifted by the parties' confirmation
	Patent      string `json:"patent,omitempty"`
	Explanation string `json:"explanation"`
}

// Blocks reports whether the ground stops registration.
func (g Ground) Blocks() bool { return g.Applies && !g.Lifted && g.Kind == Refuse }

func missingParticulars(c Contract) []string {
	var m []string
	add := func(missing bool, what string) {
		if missing {
			m = append(m, what)
		}
	}
	blank := func(s string) bool { return strings.TrimSpace(s) == "" }
	add(blank(c.PledgorName) || blank(c.PledgorAddress), "出质人名称及地址")
	add(blank(c.PledgeeName) || blank(c.PledgeeAddress), "质权人名称及地址")
	add(blank(c.SecuredClaimKind) || c.SecuredAmountFen <= 0, "被担保债权的种类和数额")
	add(c.DebtStart.IsZero() || c.DebtEnd.IsZero(), "债务人履行债务的期限")
	add(!c.PatentsListed, "质押专利的件数及每项专利的名称、专利号、申请日、授权公告日")
	add(blank(c.Scope), "质押担保的范围")
	return m
}

// Examine computes every ground for a request over its patents on a day.
// Grounds that concern one patent appear once per patent.
func Examine(r Request, patents []PatentFacts, today date.Date) []Ground {
	var gs []Ground
	missing := missingParticulars(r.Contract)
	gs = append(gs, Ground{No: 7, Code: GroundContractIncomplete, Kind: Refuse, Applies: len(missing) > 0,
		Explanation: explain(len(missing) > 0, "合同缺少必要事项："+strings.Join(missing, "、"), "合同载明了全部必要事项")})
	gs = append(gs, Ground{No: 12, Code: GroundForfeitureClause, Kind: Warn, Applies: r.ForfeitureClause,
		Explanation: explain(r.ForfeitureClause,
			"合同约定债务人不履行到期债务时质押财产归质权人所有（流质条款）。依民法典第四百二十八条，该约定无效，质权人只能依法就质押财产优先受偿；不影响登记。",
			"合同未约定流质条款")})
	for _, p := range patents {
		notInForce := p.Status == registry.StatusLapsed || p.Status == registry.StatusExpired ||
			p.Status == registry.StatusInvalidated || (!p.Expiry.IsZero() && today.After(p.Expiry))
		feeUnpaid := p.Status == registry.StatusFeeGrace || (!p.FeePaidUntil.IsZero() && today.After(p.FeePaidUntil))
		owner := false
		for _, id := range p.PatenteeOrgIDs {
			owner = owner || id == r.PledgorOrgID
		}
		coOwned := p.Patentees > 1
		beyond := !r.Contract.DebtEnd.IsZero() && !p.Expiry.IsZero() && r.Contract.DebtEnd.After(p.Expiry)
		per := []Ground{
			{No: 1, Code: GroundPledgorNotPatentee, Kind: Refuse, Applies: !owner,
				Explanation: explain(!owner, "出质人不是专利登记簿记载的专利权人", "出质人是登记的专利权人")},
			{No: 2, Code: GroundPatentNotInForce, Kind: Refuse, Applies: notInForce,
				Explanation: explain(notInForce, "专利权已终止（未缴年费失效或期限届满）或已被宣告无效", "专利权有效")},
			{No: 3, Code: GroundNotGranted, Kind: Refuse, Applies: !p.Granted || p.Status == registry.StatusPending,
				Explanation: explain(!p.Granted || p.Status == registry.StatusPending, "专利申请尚未被授予专利权", "已授权")},
			{No: 4, Code: GroundAnnualFeeUnpaid, Kind: Refuse, Applies: feeUnpaid,
				Explanation: explain(feeUnpaid, "专利权处于年费缴纳滞纳期", "年费已按期缴纳")},
			{No: 5, Code: GroundOwnershipDispute, Kind: Refuse, Applies: p.Status == registry.StatusOwnershipDispute,
				Explanation: explain(p.Status == registry.StatusOwnershipDispute, "因专利权的归属发生纠纷已请求中止有关程序，或者专利权已被法院裁定采取保全措施", "无权属纠纷或保全")},
			{No: 6, Code: GroundDebtBeyondPatentTerm, Kind: Refuse, Applies: beyond,
				Explanation: explain(beyond, "债务人履行债务的期限超过专利权有效期（届满日 "+p.Expiry.String()+"）", "债务履行期限在专利权有效期内")},
			{No: 8, Code: GroundCoOwnerConsentMissing, Kind: Refuse, Applies: coOwned && !r.AllCoOwnersConsent && !r.SpecialAgreement,
				Explanation: explain(coOwned && !r.AllCoOwnersConsent && !r.SpecialAgreement, "共有专利未经全体共有人同意且无特别约定", "无共有人同意问题")},
			{No: 9, Code: GroundAlreadyPledged, Kind: Refuse, Applies: p.PledgedInForce,
				Explanation: explain(p.PledgedInForce, "专利权已被登记质押且质押尚在有效期内", "专利权未被质押")},
			{No: 10, Code: GroundSameDayDualFiling, Kind: Refuse, Applies: p.SameDayDualFiling, Lifted: p.SameDayDualFiling && r.ConfirmedDualFiling,
				Explanation: explain(p.SameDayDualFiling, "同一申请人同日对同样的发明创造既申请实用新型又申请发明；当事人被告知后确认的，可以登记", "无同日申请问题")},
			{No: 11, Code: GroundInvalidationPending, Kind: Refuse, Applies: p.Status == registry.StatusInvalidationRequested,
				Lifted:      p.Status == registry.StatusInvalidationRequested && r.ConfirmedInvalidation,
				Explanation: explain(p.Status == registry.StatusInvalidationRequested, "专利权已被启动无效宣告程序；当事人被告知后确认的，可以登记", "未启动无效宣告程序")},
		}
		for i := range per {
			per[i].Patent = p.Number
		}
		gs = append(gs, per...)
	}
	return gs
}

// Blocking returns the grounds that stop registration.
func Blocking(gs []Ground) []Ground {
	var out []Ground
	for _, g := range gs {
		if g.Blocks() {
			out = append(out, g)
		}
	}
	return out
}

func explain(applies bool, yes, no string) string {
	if applies {
		return yes
	}
	return no
}
