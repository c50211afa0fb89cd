package subsidy

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ipledge/ipledge/platform/problem"
)

// base is a plain policy the rule tests vary one field at a time.
func base() Policy {
	return Policy{Name: "t", Year: 2025, Basis: ActualInterest, Ratio: rate("100")}
}

func TestComputeRules(t *testing.T) {
	// ¥365,000 from 2025-01-01 for two years at 4%; 2025 has 365 days.
	loan := Loan{PrincipalFen: 36_500_000, AnnualRate: rate("4"), Start: d("2025-01-01"), Maturity: d("2027-01-01"), IPShare: rate("60")}
	paid := []Payment{{Date: d("2025-12-31"), InterestFen: 1_480_278}} // 36,500,000 × 0.04 × 365/360
	tests := []struct {
		name   string
		policy func(*Policy)
		loan   func(*Loan)
		pays   []Payment
		period Period
		want   int64
	}{
		{
			// No cap: the interest paid is eligible whatever the rate.
			name: "no rate cap", pays: paid, want: 1_480_278,
		},
		{
			// Fixed cap 3%: 36,500,000 × 0.03 × 365/360 = 1,095,000 × 365/360 = 1,110,208.33 → 1,110,208.
			name: "fixed cap, act/360", policy: func(p *Policy) { p.RateCap = RateCap{Kind: CapFixed, Fixed: rate("3")} },
			pays: paid, want: 1_110_208,
		},
		{
			// Act/365: 1,095,000 × 365/365 = 1,095,000.
			name: "fixed cap, act/365", policy: func(p *Policy) { p.RateCap = RateCap{Kind: CapFixed, Fixed: rate("3")}; p.DayCount = Act365 },
			pays: paid, want: 1_095_000,
		},
		{
			// A fixed cap above the loan rate does not raise it: min(4%, 5%) = 4%. With
			// 2,000,000 paid (penalty interest included), (b) = 36,500,000 × 0.04 × 365/360
			// = 1,480,277.78 → 1,480,278; at 5% it would have been 1,850,347.
			name: "cap above the loan rate", policy: func(p *Policy) { p.RateCap = RateCap{Kind: CapFixed, Fixed: rate("5")} },
			pays: []Payment{{Date: d("2025-12-31"), InterestFen: 2_000_000}}, want: 1_480_278,
		},
		{
			// IP share only: 1,480,278 × 60% = 888,166.8 → 888,167.
			name: "IP share only", policy: func(p *Policy) { p.IPShareOnly = true },
			pays: paid, want: 888_167,
		},
		{
			// Ratio 50% with a whitelist boost to 60%: 1,480,278 × 0.6 = 888,166.8 → 888,167.
			name:   "whitelist boost",
			policy: func(p *Policy) { p.Ratio = rate("50"); p.Boosts = []Boost{{When: WhitelistActive, Ratio: rate("60")}} },
			loan:   func(l *Loan) { l.WhitelistActive = true },
			pays:   paid, want: 888_167,
		},
		{
			// The same without the whitelist: 1,480,278 × 0.5 = 740,139.
			name:   "boost needs its condition",
			policy: func(p *Policy) { p.Ratio = rate("50"); p.Boosts = []Boost{{When: WhitelistActive, Ratio: rate("60")}} },
			pays:   paid, want: 740_139,
		},
		{
			// Rounded once: two payments of 1 fen at 50% give 1 fen (2 × 0.5), not 1 + 1.
			name: "rounding once", policy: func(p *Policy) { p.Ratio = rate("50") },
			pays: []Payment{{Date: d("2025-03-01"), InterestFen: 1}, {Date: d("2025-06-01"), InterestFen: 1}},
			want: 1,
		},
		{
			// Half a fen goes up: 1 fen at 50% = 0.5 → 1.
			name: "half up", policy: func(p *Policy) { p.Ratio = rate("50") },
			pays: []Payment{{Date: d("2025-03-01"), InterestFen: 1}}, want: 1,
		},
		{
			// Payments outside the period do not count.
			name: "payments outside the period", pays: []Payment{{Date: d("2024-12-31"), InterestFen: 500}, {Date: d("2026-01-01"), InterestFen: 700}, {Date: d("2025-05-05"), InterestFen: 9}},
			want: 9,
		},
		{
			// The December rule takes the LPR in force on 2024-12-31 (3.10), the contract
			// rule the one on 2024-01-01 (3.45). LPR share 100%, 2024 has 366 days:
			// 36,000,000 × 0.031 × 366/360 = 1,134,600.
			name:   "LPR of December of the repayment year",
			policy: func(p *Policy) { *p = lprPolicy(LPRDecemberOfYear) },
			loan:   func(l *Loan) { l.PrincipalFen = 36_000_000; l.Start = d("2024-01-01") },
			pays:   []Payment{{Date: d("2024-12-31"), InterestFen: 9_999_999}}, period: year("2024"),
			want: 1_134_600,
		},
		{
			// 36,000,000 × 0.0345 × 366/360 = 1,262,700.
			name:   "LPR at the contract date",
			policy: func(p *Policy) { *p = lprPolicy(LPRAtContract) },
			loan:   func(l *Loan) { l.PrincipalFen = 36_000_000; l.Start = d("2024-01-01") },
			pays:   []Payment{{Date: d("2024-12-31"), InterestFen: 9_999_999}}, period: year("2024"),
			want: 1_262_700,
		},
		{
			// A loan starting mid-period only counts from its start: 2024-07-01 → 2025-01-01
			// is 184 days: 36,000,000 × 0.0345 × 184/360 = 634,800 (LPR 3.35 from 07-22
			// does not apply: the contract date 07-01 fixes it at 3.45).
			name:   "days before the loan do not count",
			policy: func(p *Policy) { *p = lprPolicy(LPRAtContract) },
			loan:   func(l *Loan) { l.PrincipalFen = 36_000_000; l.Start = d("2024-07-01") },
			pays:   []Payment{{Date: d("2024-12-31"), InterestFen: 9_999_999}}, period: year("2024"),
			want: 634_800,
		},
		{
			// Half the principal repaid on 2024-07-01: 182 days on 36,000,000 and 184 on
			// 18,000,000: 0.0345 / 360 × (6,552,000,000 + 3,312,000,000) = 945,300.
			name:   "outstanding principal falls with repayments",
			policy: func(p *Policy) { *p = lprPolicy(LPRAtContract) },
			loan:   func(l *Loan) { l.PrincipalFen = 36_000_000; l.Start = d("2024-01-01") },
			pays: []Payment{
				{Date: d("2024-07-01"), PrincipalFen: 18_000_000, InterestFen: 5_000_000},
				{Date: d("2024-12-31"), InterestFen: 5_000_000},
			},
			period: year("2024"), want: 945_300,
		},
		{
			// A 6-month term from 2025-01-01 ends on 2025-07-01 (excluded). The payment of
			// 2025-06-30 accrued [01-01, 06-30), 180 days, all inside: 180 counts. The one
			// of 2025-07-31 accrued [06-30, 07-31), 31 days, 1 inside: 310 × 1/31 = 10.
			// The one of 2025-08-31 is wholly beyond the term. 180 + 10 = 190.
			name:   "maximum term leaves out later interest",
			policy: func(p *Policy) { p.MaxTermMonths = 6 },
			pays:   []Payment{{Date: d("2025-06-30"), InterestFen: 180}, {Date: d("2025-07-31"), InterestFen: 310}, {Date: d("2025-08-31"), InterestFen: 310}},
			want:   190,
		},
		{
			// Accrual 2025-06-15 → 07-15 (30 days) straddles the term end 2025-07-01:
			// 16 of 30 days count: 300 × 16/30 = 160.
			name:   "maximum term prorates a straddling payment",
			policy: func(p *Policy) { p.MaxTermMonths = 6 },
			pays:   []Payment{{Date: d("2025-06-15"), InterestFen: 1}, {Date: d("2025-07-15"), InterestFen: 300}},
			period: Period{d("2025-07-01"), d("2025-12-31")},
			want:   160,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, l := base(), loan
			if tt.policy != nil {
				tt.policy(&p)
			}
			if tt.loan != nil {
				tt.loan(&l)
			}
			period := tt.period
			if period.From.IsZero() {
				period = year("2025")
			}
			r := mustCompute(t, p, l, period, tt.pays, nil)
			if r.SubsidyFen != tt.want {
				t.Errorf("subsidy %d, want %d (paid %s limit %s eligible %s)", r.SubsidyFen, tt.want, r.PaidInterestFen, r.LimitFen, r.EligibleFen)
			}
		})
	}
}

func lprPolicy(rule LPRRule) Policy {
	return Policy{Name: "t", Year: 2024, Basis: LPRShare, LPRShare: rate("100"), LPRRule: rule, Ratio: rate("100")}
}

func TestComputeFiveYearLPR(t *testing.T) {
	// 5-year LPR on 2024-01-01 is 4.20: 36,000,000 × 0.042 × 366/360 = 1,537,200.
	p := lprPolicy(LPRAtContract)
	p.LPRTenor = FiveYear
	loan := Loan{PrincipalFen: 36_000_000, AnnualRate: rate("5"), Start: d("2024-01-01"), Maturity: d("2030-01-01")}
	r := mustCompute(t, p, loan, year("2024"), []Payment{{Date: d("2024-12-31"), InterestFen: 9_999_999}}, nil)
	if r.SubsidyFen != 1_537_200 {
		t.Errorf("subsidy %d", r.SubsidyFen)
	}
}

func TestComputeDecemberRuleSplitsYears(t *testing.T) {
	// A claim across 2024-07-01 → 2025-06-30 under the December rule uses 3.10
	// for 2024 (184 days) and 3.00 for 2025 (181 days), 36,000,000 fen, share 100%:
	// 100,000 × 3.10 × 184 / 100 … = 36,000,000 × (0.031 × 184 + 0.030 × 181) / 360
	// = 36,000,000 × 11.134 / 360 = 1,113,400.
	p := lprPolicy(LPRDecemberOfYear)
	loan := Loan{PrincipalFen: 36_000_000, AnnualRate: rate("5"), Start: d("2024-07-01"), Maturity: d("2026-07-01")}
	r := mustCompute(t, p, loan, Period{d("2024-07-01"), d("2025-06-30")}, []Payment{{Date: d("2025-06-30"), InterestFen: 9_999_999}}, nil)
	if len(r.Segments) != 2 || r.Segments[0].ReferenceLPR != rate("3.1") || r.Segments[1].ReferenceLPR != rate("3") || r.SubsidyFen != 1_113_400 {
		t.Errorf("segments %+v subsidy %d", r.Segments, r.SubsidyFen)
	}
}

func TestComputeErrors(t *testing.T) {
	loan := Loan{PrincipalFen: 100, AnnualRate: rate("4"), Start: d("2020-01-01"), Maturity: d("2021-01-01")}
	pays := []Payment{{Date: d("2020-06-01"), InterestFen: 1}}
	_, err := Compute(lprPolicy(LPRAtContract), DefaultLPR(), loan, year("2020"), pays, nil)
	if !problem.HasCode(err, "lpr_unknown") {
		t.Errorf("LPR before the table: %v", err)
	}
	_, err = Compute(base(), DefaultLPR(), loan, Period{d("2020-02-01"), d("2020-01-01")}, pays, nil)
	if p, ok := problem.As(err); !ok || p.Fields[0].Code != "before_start" {
		t.Errorf("reversed period: %v", err)
	}
	bad := base()
	bad.Ratio = rate("101")
	if _, err = Compute(bad, DefaultLPR(), loan, year("2020"), pays, nil); !problem.HasCode(err, "validation_failed") {
		t.Errorf("invalid policy: %v", err)
	}
}

func TestApplyCaps(t *testing.T) {
	p := Policy{Year: 2025, AnnualCapFen: 1000, CumulativeCapFen: 1500}
	tests := []struct {
		name   string
		amount int64
		prior  []Prior
		want   int64
		hit    string
	}{
		{"under both", 999, nil, 999, ""},
		{"annual hit exactly: nothing cut", 1000, nil, 1000, ""},
		{"annual cap cuts", 1001, nil, 1000, "annual"},
		{"annual counts this year only", 800, []Prior{{2025, 300}, {2024, 100}}, 700, "annual"},
		{"cumulative counts every year", 800, []Prior{{2024, 1000}}, 500, "cumulative"},
		{"cumulative binds after annual", 1000, []Prior{{2025, 200}, {2024, 800}}, 500, "cumulative"},
		{"exhausted caps give 0, never negative", 10, []Prior{{2025, 2000}}, 0, "annual"},
	}
	for _, tt := range tests {
		c := ApplyCaps(p, tt.amount, tt.prior)
		if c.SubsidyFen != tt.want || c.CapHit != tt.hit || c.UncappedFen != tt.amount {
			t.Errorf("%s: %+v, want %d %q", tt.name, c, tt.want, tt.hit)
		}
	}
	if c := ApplyCaps(Policy{}, 5, []Prior{{0, 99}}); c.SubsidyFen != 5 || c.AnnualRemainingFen != nil || c.CumulativeRemainingFen != nil {
		t.Errorf("no caps: %+v", c)
	}
}

// TestResultJSON: the API returns Result as is, so its keys are snake_case
// and exact amounts are strings.
func TestResultJSON(t *testing.T) {
	p := beijing()
	loan := Loan{PrincipalFen: 500_000_000, AnnualRate: rate("3.90"), Start: d("2023-12-20"), Maturity: d("2025-12-20"), IPShare: rate("100")}
	r := mustCompute(t, p, loan, year("2024"), quarterly(4_875_000, "2024-03-20", "2024-06-20", "2024-09-20", "2024-12-20"), nil)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`"subsidy_fen":9750000`, `"paid_interest_fen":"19500000.0000"`, `"reference_lpr":"3.45"`, `"annual_rate":"3.9"`, `"accrual_start":"2024-03-20"`, `"annual_remaining_fen":30000000`, `"cumulative_remaining_fen":null`, `"ratio":"50"`} {
		if !strings.Contains(s, want) {
			t.Errorf("JSON lacks %s: %s", want, s)
		}
	}
	if strings.ContainsAny(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		t.Errorf("JSON has an upper-case key: %s", s)
	}
}
