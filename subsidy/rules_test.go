package subsidy

import (
	"reflect"
	"testing"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/money"
	"github.com/ipledge/ipledge/platform/problem"
)

func TestDefaultLPR(t *testing.T) {
	tests := []struct {
		on        string
		one, five string
	}{
		{"2022-08-22", "3.65", "4.3"},
		{"2023-06-19", "3.65", "4.3"}, // the day before a fixing takes effect
		{"2023-06-20", "3.55", "4.2"}, // in force from its effective day
		{"2023-08-21", "3.45", "4.2"},
		{"2024-02-20", "3.45", "3.95"},
		{"2024-07-22", "3.35", "3.85"},
		{"2024-10-21", "3.1", "3.6"},
		{"2025-05-19", "3.1", "3.6"},
		{"2025-05-20", "3", "3.5"},
		{"2026-11-23", "3", "3.5"}, // unchanged into 2026
	}
	tab := DefaultLPR()
	for _, tt := range tests {
		one, err1 := tab.Rate(d(tt.on), OneYear)
		five, err2 := tab.Rate(d(tt.on), FiveYear)
		if err1 != nil || err2 != nil || one.String() != tt.one || five.String() != tt.five {
			t.Errorf("%s: %s / %s (%v %v), want %s / %s", tt.on, one, five, err1, err2, tt.one, tt.five)
		}
	}
	if _, err := tab.At(d("2022-08-21")); err == nil {
		t.Error("a date before the table was answered")
	}
}

func TestReferenceDate(t *testing.T) {
	c := d("2024-03-15")
	for rule, want := range map[LPRRule]string{
		LPRAtContract:          "2024-03-15",
		"":                     "2024-03-15", // the default
		LPRMonthBeforeContract: "2024-02-29", // the last day of the previous month
		LPRDecemberOfYear:      "2025-12-31", // of the year asked for, not the contract's
	} {
		if got := referenceDate(rule, c, 2025); got != d(want) {
			t.Errorf("%q: %s, want %s", rule, got, want)
		}
	}
	if got := referenceDate(LPRMonthBeforeContract, d("2024-01-10"), 0); got != d("2023-12-31") {
		t.Errorf("January contract: %s", got)
	}
}

func TestPolicyValidate(t *testing.T) {
	for _, p := range []Policy{beijing(), qingdao(), xiamen(), fujian(), shanxi()} {
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
	tests := []struct {
		edit  func(*Policy)
		field string
		code  string
	}{
		{func(p *Policy) { p.Name = "" }, "name", "required"},
		{func(p *Policy) { p.Year = 0 }, "year", "invalid"},
		{func(p *Policy) { p.InterestYear = p.Year + 1 }, "interest_year", "invalid"},
		{func(p *Policy) { p.WindowStart, p.WindowEnd = d("2025-03-01"), d("2025-02-01") }, "window_end", "before_start"},
		{func(p *Policy) { p.Basis = "grant" }, "basis", "unknown"},
		{func(p *Policy) { p.RateCap = RateCap{Kind: CapFixed} }, "rate_cap.fixed", "required"},
		{func(p *Policy) { p.RateCap = RateCap{Kind: CapLPRMultiple} }, "rate_cap.lpr_percent", "required"},
		{func(p *Policy) { p.RateCap = RateCap{Kind: "ceiling"} }, "rate_cap.kind", "unknown"},
		{func(p *Policy) { p.Basis = LPRShare }, "lpr_share", "required"},
		{func(p *Policy) { p.Basis, p.LPRShare = LPRShare, rate("100.0001") }, "lpr_share", "above_100"},
		{func(p *Policy) { p.DayCount = "30/360" }, "day_count", "unknown"},
		{func(p *Policy) { p.LPRRule = "whenever" }, "lpr_rule", "unknown"},
		{func(p *Policy) { p.LPRTenor = "10y" }, "lpr_tenor", "unknown"},
		{func(p *Policy) { p.Ratio = money.Rate{} }, "ratio", "required"},
		{func(p *Policy) { p.Ratio = rate("101") }, "ratio", "above_100"},
		{func(p *Policy) { p.Boosts = []Boost{{When: "sunny"}} }, "boosts[0].when", "unknown"},
		{func(p *Policy) { p.Boosts = []Boost{{When: WhitelistActive, Ratio: rate("120")}} }, "boosts[0].ratio", "above_100"},
		{func(p *Policy) { p.Eligibility.MinIPShare = rate("150") }, "eligibility.min_ip_share", "above_100"},
		{func(p *Policy) { p.MaxTermMonths = -1 }, "max_term_months", "negative"},
		{func(p *Policy) { p.AnnualCapFen = -1 }, "annual_cap_fen", "negative"},
		{func(p *Policy) { p.CumulativeCapFen = -1 }, "cumulative_cap_fen", "negative"},
		{func(p *Policy) { p.BudgetFen = -1 }, "budget_fen", "negative"},
		{func(p *Policy) { p.AutoApproveMaxFen = -1 }, "auto_approve_max_fen", "negative"},
		{func(p *Policy) { p.Fees = []FeeRule{{Kind: "legal", Share: rate("10")}} }, "fees[0].kind", "unknown"},
		{func(p *Policy) { p.Fees = []FeeRule{{Kind: ValuationFee}} }, "fees[0].share", "required"},
		{func(p *Policy) {
			p.Fees = []FeeRule{{Kind: ValuationFee, Share: rate("1")}, {Kind: ValuationFee, Share: rate("1")}}
		}, "fees[1].kind", "duplicate"},
		{func(p *Policy) { p.Fees = []FeeRule{{Kind: ValuationFee, Share: rate("1"), CapFen: -1}} }, "fees[0].cap_fen", "negative"},
	}
	for _, tt := range tests {
		p := beijing()
		tt.edit(&p)
		err := p.Validate()
		pe, ok := problem.As(err)
		if !ok || len(pe.Fields) != 1 || pe.Fields[0].Field != tt.field || pe.Fields[0].Code != tt.code {
			t.Errorf("%s/%s: got %v", tt.field, tt.code, err)
		}
	}
}

func TestEligibleSwitches(t *testing.T) {
	all := Switches{SMEOnly: true, InRegionOnly: true, OwnIPOnly: true, FirstPledge: true, PledgeBeforeDisbursement: true, RepaidOnTime: true, SettledOnly: true, WhitelistOnly: true, MinIPShare: rate("50")}
	good := Facts{SME: true, InRegion: true, BorrowerIsPatentee: true, PledgeRegistered: true, PledgeRegisteredOn: d("2025-01-10"), DisbursedOn: d("2025-01-10"), FirstPledge: true, RepaidOnTime: true, Settled: true, WhitelistActive: true, IPShare: rate("50")}
	p := Policy{Eligibility: all}
	if rs := Eligible(p, good); len(rs) != 0 {
		t.Fatalf("good facts refused (registered on the disbursement day counts): %+v", rs)
	}
	tests := []struct {
		code string
		edit func(*Facts)
	}{
		{"not_sme", func(f *Facts) { f.SME = false }},
		{"not_in_region", func(f *Facts) { f.InRegion = false }},
		{"not_own_ip", func(f *Facts) { f.BorrowerIsPatentee = false }},
		{"no_first_pledge", func(f *Facts) { f.FirstPledge = false }},
		{"pledge_after_disbursement", func(f *Facts) { f.PledgeRegisteredOn = d("2025-01-11") }},
		{"pledge_after_disbursement", func(f *Facts) { f.PledgeRegisteredOn = date.Date{} }},
		{"not_repaid_on_time", func(f *Facts) { f.RepaidOnTime = false }},
		{"loan_not_settled", func(f *Facts) { f.Settled = false }},
		{"not_whitelisted", func(f *Facts) { f.WhitelistActive = false }},
		{"ip_share_too_low", func(f *Facts) { f.IPShare = rate("49.9999") }},
	}
	for _, tt := range tests {
		f := good
		tt.edit(&f)
		if got := codes(Eligible(p, f)); got != tt.code {
			t.Errorf("%s: got %q", tt.code, got)
		}
		// With the switches off the same facts pass.
		if rs := Eligible(Policy{}, f); len(rs) != 0 {
			t.Errorf("%s with switches off: %+v", tt.code, rs)
		}
	}
	f := good
	f.PledgeRegistered = false
	if got := codes(Eligible(Policy{}, f)); got != "pledge_not_registered" {
		t.Errorf("unregistered pledge: %q", got)
	}
}

func TestReviewFlags(t *testing.T) {
	p := Policy{AutoApproveMaxFen: 1_000_000}
	clean := RiskFacts{WhitelistActive: true}
	if rs := ReviewFlags(p, 1_000_000, clean); len(rs) != 0 {
		t.Errorf("at the threshold: %+v", rs)
	}
	tests := []struct {
		code   string
		amount int64
		r      RiskFacts
	}{
		{"above_auto_approval_threshold", 1_000_001, clean},
		{"loan_overdue", 1, RiskFacts{WhitelistActive: true, LoanOverdue: true}},
		{"loan_defaulted", 1, RiskFacts{WhitelistActive: true, LoanDefaulted: true}},
		{"not_whitelisted", 1, RiskFacts{}},
		{"pledge_alert", 1, RiskFacts{WhitelistActive: true, PledgeOpenAlert: true}},
	}
	for _, tt := range tests {
		if got := codes(ReviewFlags(p, tt.amount, tt.r)); got != tt.code {
			t.Errorf("%s: got %q", tt.code, got)
		}
	}
}

func TestCheckPeriod(t *testing.T) {
	p := Policy{Year: 2025, WindowStart: d("2026-01-01"), WindowEnd: d("2026-03-31")}
	loan := Loan{Start: d("2025-01-10"), Maturity: d("2026-01-10")}
	pays := []Payment{{Date: d("2025-06-10"), InterestFen: 100}, {Date: d("2025-09-10"), PrincipalFen: 5}}
	claimed := []Period{{d("2025-01-10"), d("2025-03-31")}}
	ok := Period{d("2025-04-01"), d("2025-12-31")}
	today := d("2026-01-01")
	if err := CheckPeriod(p, loan, ok, pays, claimed, today); err != nil {
		t.Fatalf("good claim refused: %v", err)
	}
	tests := []struct {
		code   string
		period Period
		today  string
	}{
		{"outside_application_window", ok, "2025-12-31"},
		{"outside_application_window", ok, "2026-04-01"},
		{"period_outside_loan", Period{d("2025-01-09"), d("2025-12-31")}, ""},
		{"period_outside_policy_year", Period{d("2025-04-01"), d("2026-01-05")}, ""},
		{"period_overlaps_claim", Period{d("2025-03-31"), d("2025-12-31")}, ""}, // sharing one day overlaps
		{"no_interest_paid", Period{d("2025-07-01"), d("2025-12-31")}, ""},      // a principal-only payment is not interest
	}
	for _, tt := range tests {
		day := today
		if tt.today != "" {
			day = d(tt.today)
		}
		if err := CheckPeriod(p, loan, tt.period, pays, claimed, day); !problem.HasCode(err, tt.code) {
			t.Errorf("%s: got %v", tt.code, err)
		}
	}
	if err := CheckPeriod(p, loan, Period{d("2025-05-01"), d("2025-04-01")}, pays, nil, today); !problem.HasCode(err, "validation_failed") {
		t.Errorf("reversed period: %v", err)
	}
}

func TestAllocateBudget(t *testing.T) {
	tests := []struct {
		name     string
		budget   int64
		approved []int64
		want     []int64
	}{
		{"fits: everyone in full", 1000, []int64{300, 700}, []int64{300, 700}},
		{"fits with room to spare", 5000, []int64{300, 700}, []int64{300, 700}},
		// DOMAIN.md: a ¥100k claim, ¥1M approved in total, ¥500k budget → ¥50k.
		{"pro rata", 50_000_000, []int64{10_000_000, 90_000_000}, []int64{5_000_000, 45_000_000}},
		{"1 fen budget, tie to the earlier submission", 1, []int64{500, 500}, []int64{1, 0}},
		// 10 over 3 equal claims of 7: 3 each + 1 left → the first.
		{"ties by submission order", 10, []int64{7, 7, 7}, []int64{4, 3, 3}},
		{"empty round", 100, nil, nil},
	}
	for _, tt := range tests {
		if got := AllocateBudget(tt.budget, tt.approved); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
