package pledge

import (
	"slices"
	"testing"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/registry"
)

var today = date.MustParse("2026-06-01")

func cleanRequest() Request {
	return Request{PledgorOrgID: 7, Contract: Contract{
		PledgorName: "太原示范新材料科技有限公司", PledgorAddress: "太原市小店区",
		PledgeeName: "晋阳示范商业银行", PledgeeAddress: "太原市迎泽区",
		SecuredClaimKind: "流动资金贷款", SecuredAmountFen: 500_000_000,
		DebtStart: date.MustParse("2026-06-10"), DebtEnd: date.MustParse("2029-06-09"),
		Scope: "主债权及利息、违约金、实现质权的费用", PatentsListed: true,
	}}
}

func cleanPatent() PatentFacts {
	return PatentFacts{Number: "202211359874.7", Status: registry.StatusValid, Granted: true,
		Expiry: date.MustParse("2042-11-01"), FeePaidUntil: date.MustParse("2026-11-01"),
		PatenteeOrgIDs: []int64{7}, Patentees: 1}
}

// Each case changes one fact of a clean request; exactly the named ground
// must then block (or, for the forfeiture clause, only warn; for grounds
// 10 and 11 with the parties' confirmation, be lifted).
func TestEachGroundOnItsOwn(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Request, *PatentFacts)
		blocks string // "" = nothing blocks
		warns  string
		lifted string
	}{
		{"clean", func(*Request, *PatentFacts) {}, "", "", ""},
		{"1 pledgor is not the patentee", func(r *Request, _ *PatentFacts) { r.PledgorOrgID = 8 }, GroundPledgorNotPatentee, "", ""},
		{"2 lapsed", func(_ *Request, p *PatentFacts) { p.Status = registry.StatusLapsed }, GroundPatentNotInForce, "", ""},
		{"2 invalidated", func(_ *Request, p *PatentFacts) { p.Status = registry.StatusInvalidated }, GroundPatentNotInForce, "", ""},
		{"2 past its term", func(r *Request, p *PatentFacts) {
			p.Expiry = date.MustParse("2026-05-31")
			r.Contract.DebtEnd = date.MustParse("2026-05-01")
		}, GroundPatentNotInForce, "", ""},
		{"3 not granted", func(_ *Request, p *PatentFacts) { p.Granted, p.Status = false, registry.StatusPending }, GroundNotGranted, "", ""},
		{"4 in the fee grace period", func(_ *Request, p *PatentFacts) { p.Status = registry.StatusFeeGrace }, GroundAnnualFeeUnpaid, "", ""},
		{"4 fee paid-until passed", func(_ *Request, p *PatentFacts) { p.FeePaidUntil = date.MustParse("2026-05-31") }, GroundAnnualFeeUnpaid, "", ""},
		{"5 ownership dispute", func(_ *Request, p *PatentFacts) { p.Status = registry.StatusOwnershipDispute }, GroundOwnershipDispute, "", ""},
		{"6 debt beyond the term", func(r *Request, _ *PatentFacts) { r.Contract.DebtEnd = date.MustParse("2042-11-02") }, GroundDebtBeyondPatentTerm, "", ""},
		{"6 debt ends on the last day", func(r *Request, _ *PatentFacts) { r.Contract.DebtEnd = date.MustParse("2042-11-01") }, "", "", ""},
		{"7 no scope", func(r *Request, _ *PatentFacts) { r.Contract.Scope = " " }, GroundContractIncomplete, "", ""},
		{"7 no pledgee address", func(r *Request, _ *PatentFacts) { r.Contract.PledgeeAddress = "" }, GroundContractIncomplete, "", ""},
		{"7 no amount", func(r *Request, _ *PatentFacts) { r.Contract.SecuredAmountFen = 0 }, GroundContractIncomplete, "", ""},
		{"7 patents not listed", func(r *Request, _ *PatentFacts) { r.Contract.PatentsListed = false }, GroundContractIncomplete, "", ""},
		{"8 co-owned without consent", func(_ *Request, p *PatentFacts) { p.Patentees = 2 }, GroundCoOwnerConsentMissing, "", ""},
		{"8 co-owned with consent", func(r *Request, p *PatentFacts) { p.Patentees, r.AllCoOwnersConsent = 2, true }, "", "", ""},
		{"8 co-owned with a special agreement", func(r *Request, p *PatentFacts) { p.Patentees, r.SpecialAgreement = 2, true }, "", "", ""},
		{"9 already pledged", func(_ *Request, p *PatentFacts) { p.PledgedInForce = true }, GroundAlreadyPledged, "", ""},
		{"10 same-day dual filing", func(_ *Request, p *PatentFacts) { p.SameDayDualFiling = true }, GroundSameDayDualFiling, "", ""},
		{"10 confirmed by the parties", func(r *Request, p *PatentFacts) { p.SameDayDualFiling, r.ConfirmedDualFiling = true, true }, "", "", GroundSameDayDualFiling},
		{"11 invalidation requested", func(_ *Request, p *PatentFacts) { p.Status = registry.StatusInvalidationRequested }, GroundInvalidationPending, "", ""},
		{"11 confirmed by the parties", func(r *Request, p *PatentFacts) {
			p.Status, r.ConfirmedInvalidation = registry.StatusInvalidationRequested, true
		}, "", "", GroundInvalidationPending},
		{"12 forfeiture clause only warns", func(r *Request, _ *PatentFacts) { r.ForfeitureClause = true }, "", GroundForfeitureClause, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, p := cleanRequest(), cleanPatent()
			c.change(&r, &p)
			gs := Examine(r, []PatentFacts{p}, today)
			if len(gs) != 12 {
				t.Fatalf("%d grounds computed, want all 12", len(gs))
			}
			var blocking, warning, lifted []string
			for _, g := range gs {
				switch {
				case g.Blocks():
					blocking = append(blocking, g.Code)
				case g.Applies && g.Kind == Warn:
					warning = append(warning, g.Code)
				case g.Applies && g.Lifted:
					lifted = append(lifted, g.Code)
				}
				if g.Explanation == "" {
					t.Errorf("ground %s has no explanation", g.Code)
				}
			}
			check := func(what string, got []string, want string) {
				t.Helper()
				if (want == "" && len(got) > 0) || (want != "" && !slices.Equal(got, []string{want})) {
					t.Errorf("%s: %v, want %q", what, got, want)
				}
			}
			check("blocking", blocking, c.blocks)
			check("warning", warning, c.warns)
			check("lifted", lifted, c.lifted)
			if len(Blocking(gs)) != len(blocking) {
				t.Errorf("Blocking() disagrees")
			}
		})
	}
}

// A packaged pledge is examined patent by patent: one bad patent blocks
// the request, and its ground names the patent.
func TestGroundsNameThePatent(t *testing.T) {
	good, bad := cleanPatent(), cleanPatent()
	bad.Number, bad.PledgedInForce = "202121635235.X", true
	gs := Blocking(Examine(cleanRequest(), []PatentFacts{good, bad}, today))
	if len(gs) != 1 || gs[0].Code != GroundAlreadyPledged || gs[0].Patent != "202121635235.X" {
		t.Fatalf("%+v", gs)
	}
}
