package subsidy

import (
	"testing"
	"time"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/money"
)

var (
	d    = date.MustParse
	rate = money.MustRate
)

// quarterly returns interest payments of fen each on the given dates.
func quarterly(fen int64, days ...string) []Payment {
	var ps []Payment
	for _, s := range days {
		ps = append(ps, Payment{Date: d(s), InterestFen: fen})
	}
	return ps
}

func year(y string) Period { return Period{d(y + "-01-01"), d(y + "-12-31")} }

func mustCompute(t *testing.T, p Policy, loan Loan, period Period, pays []Payment, prior []Prior) Result {
	t.Helper()
	r, err := Compute(p, DefaultLPR(), loan, period, pays, prior)
	if err != nil {
		t.Fatalf("Compute: %v", err)
	}
	return r
}

func beijing() Policy {
	return Policy{
		Name: "北京 2024", Region: "110000", Year: 2024,
		Basis:        ActualInterest,
		RateCap:      RateCap{Kind: CapLPRMultiple, LPRPercent: rate("140")},
		Ratio:        rate("50"),
		AnnualCapFen: 30_000_000, // ¥300k per firm per year
		IPShareOnly:  true,
		Eligibility:  Switches{MinIPShare: rate("50")},
	}
}

// TestSchemeBeijing covers DOMAIN.md's worked example and the rate cap.
func TestSchemeBeijing(t *testing.T) {
	bjLoan := Loan{PrincipalFen: 500_000_000, AnnualRate: rate("3.90"), Start: d("2023-12-20"), Maturity: d("2025-12-20"), IPShare: rate("100")}
	tests := []struct {
		name     string
		loan     func(Loan) Loan
		pays     []Payment
		prior    []Prior
		eligible string
		limit    string
		want     int64
		capHit   string
	}{
		{
			// DOMAIN.md: ¥5,000,000 at 3.90%, ¥195,000 paid in 2024 (4 × 4,875,000 fen).
			// LPR on the contract date 2023-12-20 is 3.45; 1.4 × 3.45 = 4.83 > 3.90, so the
			// capped rate is 3.90: (b) = 500,000,000 × 0.039 × 366/360 = 19,825,000 > (a).
			// Eligible 19,500,000 × 100% IP × 50% = 9,750,000 fen = ¥97,500.
			name:     "worked example",
			loan:     func(l Loan) Loan { return l },
			pays:     quarterly(4_875_000, "2024-03-20", "2024-06-20", "2024-09-20", "2024-12-20"),
			eligible: "19500000.0000", limit: "19825000.0000", want: 9_750_000,
		},
		{
			// At 6% the cap binds: 4.83% on 500,000,000 for 366 days
			// = 24,150,000 × 366/360 = 24,552,500 < 30,000,000 paid.
			// A mixed collateral with 60% IP: 24,552,500 × 0.6 × 0.5 = 7,365,750.
			name:     "cap at 1.4 × LPR, IP share of mixed collateral",
			loan:     func(l Loan) Loan { l.AnnualRate = rate("6"); l.IPShare = rate("60"); return l },
			pays:     quarterly(7_500_000, "2024-03-20", "2024-06-20", "2024-09-20", "2024-12-20"),
			eligible: "24552500.0000", limit: "24552500.0000", want: 7_365_750,
		},
		{
			// Same as above, ¥250,000 already granted in 2024 (and ¥100,000 in 2023,
			// which the annual cap ignores): 30,000,000 − 25,000,000 = 5,000,000 left.
			name:     "annual cap ¥300k",
			loan:     func(l Loan) Loan { l.AnnualRate = rate("6"); l.IPShare = rate("60"); return l },
			pays:     quarterly(7_500_000, "2024-03-20", "2024-06-20", "2024-09-20", "2024-12-20"),
			prior:    []Prior{{2024, 25_000_000}, {2023, 10_000_000}},
			eligible: "24552500.0000", limit: "24552500.0000", want: 5_000_000, capHit: "annual",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustCompute(t, beijing(), tt.loan(bjLoan), year("2024"), tt.pays, tt.prior)
			if r.EligibleFen != tt.eligible || r.LimitFen != tt.limit || r.SubsidyFen != tt.want || r.CapHit != tt.capHit {
				t.Errorf("eligible %s limit %s subsidy %d cap %q; want %s %s %d %q", r.EligibleFen, r.LimitFen, r.SubsidyFen, r.CapHit, tt.eligible, tt.limit, tt.want, tt.capHit)
			}
			if len(r.Segments) != 1 || r.Segments[0].ReferenceLPR != rate("3.45") || r.Segments[0].Days != 366 {
				t.Errorf("segments %+v", r.Segments)
			}
		})
	}
	// IP as the main collateral: a 40% IP share is not eligible.
	if rs := Eligible(beijing(), Facts{PledgeRegistered: true, IPShare: rate("40")}); len(rs) != 1 || rs[0].Code != "ip_share_too_low" {
		t.Errorf("Eligible = %+v", rs)
	}
}

func qingdao() Policy {
	return Policy{
		Name: "青岛 2024", Region: "370200", Year: 2024,
		Basis: LPRShare, LPRShare: rate("60"), LPRRule: LPRMonthBeforeContract,
		Ratio: rate("100"), AnnualCapFen: 50_000_000,
		Eligibility: Switches{SMEOnly: true, OwnIPOnly: true, FirstPledge: true, PledgeBeforeDisbursement: true, RepaidOnTime: true},
	}
}

// TestSchemeQingdao: 60% × the one-year LPR of the month before the contract.
func TestSchemeQingdao(t *testing.T) {
	loan := Loan{PrincipalFen: 100_000_000, AnnualRate: rate("3.8"), Start: d("2024-07-25"), Maturity: d("2025-07-25"), IPShare: rate("100")}
	// Interest monthly on the 25th: 31, 31, 30, 31, 30 days at 3.8% on ¥1M:
	// 3,800,000 × 31/360 = 327,222.2 → 327,222; × 30/360 = 316,666.7 → 316,667; sum 1,615,000.
	pays := []Payment{
		{Date: d("2024-08-25"), InterestFen: 327_222}, {Date: d("2024-09-25"), InterestFen: 327_222},
		{Date: d("2024-10-25"), InterestFen: 316_667}, {Date: d("2024-11-25"), InterestFen: 327_222},
		{Date: d("2024-12-25"), InterestFen: 316_667},
	}
	period := Period{d("2024-07-25"), d("2024-12-31")} // 160 days: 7 + 31 + 30 + 31 + 30 + 31
	tests := []struct {
		rule LPRRule
		lpr  string
		want int64
	}{
		// Month before the 2024-07-25 contract: LPR in force on 2024-06-30 = 3.45.
		// 100,000,000 × 0.0345 × 0.6 × 160/360 = 2,070,000 × 160/360 = 920,000 (¥9,200).
		{LPRMonthBeforeContract, "3.45", 920_000},
		// At the contract date the 2024-07-22 fixing (3.35) applies instead:
		// 2,010,000 × 160/360 = 893,333.33 → 893,333.
		{LPRAtContract, "3.35", 893_333},
	}
	for _, tt := range tests {
		p := qingdao()
		p.LPRRule = tt.rule
		r := mustCompute(t, p, loan, period, pays, nil)
		if r.SubsidyFen != tt.want || r.PaidInterestFen != "1615000.0000" || r.Segments[0].ReferenceLPR != rate(tt.lpr) || r.Segments[0].Days != 160 {
			t.Errorf("%s: subsidy %d paid %s segments %+v; want %d", tt.rule, r.SubsidyFen, r.PaidInterestFen, r.Segments, tt.want)
		}
	}
	// Eligibility: every switch of the scheme fails for this enterprise.
	f := Facts{PledgeRegistered: true, PledgeRegisteredOn: d("2024-07-26"), DisbursedOn: d("2024-07-25")}
	if got := codes(Eligible(qingdao(), f)); got != "not_sme not_own_ip no_first_pledge pledge_after_disbursement not_repaid_on_time" {
		t.Errorf("Eligible = %s", got)
	}
}

func xiamen() Policy {
	return Policy{
		Name: "厦门 2023", Region: "350200", Year: 2025, InterestYear: 2024,
		Basis: LPRShare, LPRShare: rate("60"), Ratio: rate("100"),
		AnnualCapFen: 30_000_000, MaxTermMonths: 12,
		Eligibility: Switches{SettledOnly: true},
	}
}

// TestSchemeXiamen: ≤ 60% of the one-year LPR, the actual rate if lower,
// at most one year per loan, claimed the year after repayment.
func TestSchemeXiamen(t *testing.T) {
	t.Run("actual rate lower", func(t *testing.T) {
		// ¥100,000 at 1.5% for 2024-01-01 → 2024-12-31, repaid with 152,083 fen of
		// interest (10,000,000 × 0.015 × 365/360 = 152,083.3). 60% of LPR 3.45 = 2.07%:
		// (b) = 10,000,000 × 0.0207 × 365/360 = 209,875 > 152,083, so (a) is the subsidy.
		loan := Loan{PrincipalFen: 10_000_000, AnnualRate: rate("1.5"), Start: d("2024-01-01"), Maturity: d("2024-12-31")}
		pays := []Payment{{Date: d("2024-12-31"), PrincipalFen: 10_000_000, InterestFen: 152_083}}
		r := mustCompute(t, xiamen(), loan, year("2024"), pays, nil)
		if r.LimitFen != "209875.0000" || r.SubsidyFen != 152_083 {
			t.Errorf("limit %s subsidy %d", r.LimitFen, r.SubsidyFen)
		}
	})
	t.Run("one year per loan", func(t *testing.T) {
		// ¥100,000 at 4% from 2023-09-01 (LPR 3.45 → 2.07%), interest monthly.
		// The term ends 2024-09-01, so 2024 counts 244 days, not the 335 to maturity:
		// 10,000,000 × 0.0207 × 244/360 = 207,000 × 244/360 = 140,300.
		loan := Loan{PrincipalFen: 10_000_000, AnnualRate: rate("4"), Start: d("2023-09-01"), Maturity: d("2024-12-01")}
		var pays []Payment
		for m := 1; m <= 12; m++ {
			pays = append(pays, Payment{Date: date.New(2024, timeMonth(m), 1), InterestFen: 34_000})
		}
		r := mustCompute(t, xiamen(), loan, year("2024"), pays, nil)
		if r.WindowEnd != d("2024-09-01") || r.LimitFen != "140300.0000" || r.SubsidyFen != 140_300 {
			t.Errorf("window end %s limit %s subsidy %d", r.WindowEnd, r.LimitFen, r.SubsidyFen)
		}
		// Paid interest counts only up to the term: the 9 payments of Jan–Sep.
		if r.PaidInterestFen != "306000.0000" {
			t.Errorf("paid %s", r.PaidInterestFen)
		}
	})
	t.Run("claimed the year after, loan settled", func(t *testing.T) {
		loan := Loan{Start: d("2024-01-01"), Maturity: d("2024-12-31")}
		pays := []Payment{{Date: d("2024-12-31"), InterestFen: 1}}
		if err := CheckPeriod(xiamen(), loan, year("2024"), pays, nil, d("2025-03-01")); err != nil {
			t.Errorf("2024 period under the 2025 policy: %v", err)
		}
		if got := codes(Eligible(xiamen(), Facts{PledgeRegistered: true})); got != "loan_not_settled" {
			t.Errorf("Eligible = %s", got)
		}
	})
}

func fujian() Policy {
	return Policy{
		Name: "福建 2022", Region: "350000", Year: 2024,
		Basis: LPRShare, LPRShare: rate("20"), Ratio: rate("100"),
		Boosts:           []Boost{{When: InsuredOrGuaranteed, LPRShare: rate("50")}},
		CumulativeCapFen: 20_000_000, MaxTermMonths: 12,
	}
}

// TestSchemeFujian: 20% of LPR, 50% with insurance or a policy guarantee,
// ¥200k cumulative per firm, at most one year.
func TestSchemeFujian(t *testing.T) {
	loan := Loan{PrincipalFen: 1_000_000_000, AnnualRate: rate("3.9"), Start: d("2024-01-01"), Maturity: d("2026-01-01")}
	pays := quarterly(9_750_000, "2024-04-01", "2024-07-01", "2024-10-01", "2025-01-01")
	prior := []Prior{{2023, 5_000_000}} // an earlier loan already got ¥50,000
	// 2025-01-01 is outside the period, so (a) = 3 × 9,750,000 = 29,250,000.
	// Uninsured: 1,000,000,000 × 0.0345 × 0.2 × 366/360 = 6,900,000 × 366/360 = 7,015,000.
	r := mustCompute(t, fujian(), loan, year("2024"), pays, prior)
	if r.SubsidyFen != 7_015_000 || r.CapHit != "" || r.PaidInterestFen != "29250000.0000" || *r.CumulativeRemainingFen != 15_000_000 {
		t.Errorf("uninsured: %d %q paid %s", r.SubsidyFen, r.CapHit, r.PaidInterestFen)
	}
	// Insured: 50% → 17,250,000 × 366/360 = 17,537,500, cut to the ¥150,000 left of ¥200k.
	loan.InsuredOrGuaranteed = true
	r = mustCompute(t, fujian(), loan, year("2024"), pays, prior)
	if r.UncappedFen != 17_537_500 || r.SubsidyFen != 15_000_000 || r.CapHit != "cumulative" || r.LPRShare != rate("50") {
		t.Errorf("insured: %d → %d %q share %s", r.UncappedFen, r.SubsidyFen, r.CapHit, r.LPRShare)
	}
}

func shanxi() Policy {
	return Policy{
		Name: "山西 2025（2022 年贷款）", Region: "140000", Year: 2025, InterestYear: 2022,
		Basis: ActualInterest, Ratio: rate("50"),
		Eligibility: Switches{InRegionOnly: true, OwnIPOnly: true, RepaidOnTime: true},
		Fees:        []FeeRule{{Kind: ValuationFee, Share: rate("50"), MaxLoanShare: rate("0.5")}},
	}
}

// TestSchemeShanxi: the 2025 notice for 2022 loans sets no formula, only
// eligibility (legal person in Shanxi, own IP, registered pledge, repaid on
// time) and a valuation fee subsidy; the ratio and fee share are assumed.
func TestSchemeShanxi(t *testing.T) {
	ok := Facts{InRegion: true, BorrowerIsPatentee: true, PledgeRegistered: true, RepaidOnTime: true}
	if rs := Eligible(shanxi(), ok); len(rs) != 0 {
		t.Errorf("eligible firm refused: %+v", rs)
	}
	if got := codes(Eligible(shanxi(), Facts{})); got != "pledge_not_registered not_in_region not_own_ip not_repaid_on_time" {
		t.Errorf("Eligible = %s", got)
	}
	// 2022 interest under the 2025 policy: ¥2,000,000 from 2022-09-01 at 4.2%, no cap;
	// paid 2022-12-01 for 91 days: 200,000,000 × 0.042 × 91/360 = 2,123,333.3 → 2,123,333;
	// × 50% = 1,061,666.5 → 1,061,667 (half up).
	loan := Loan{PrincipalFen: 200_000_000, AnnualRate: rate("4.2"), Start: d("2022-09-01"), Maturity: d("2023-09-01")}
	pays := []Payment{{Date: d("2022-12-01"), InterestFen: 2_123_333}}
	period := Period{d("2022-09-01"), d("2022-12-31")}
	if err := CheckPeriod(shanxi(), loan, period, pays, nil, d("2025-06-01")); err != nil {
		t.Fatal(err)
	}
	r := mustCompute(t, shanxi(), loan, period, pays, nil)
	if r.SubsidyFen != 1_061_667 || r.LimitFen != "" || len(r.Segments) != 0 {
		t.Errorf("subsidy %d limit %q", r.SubsidyFen, r.LimitFen)
	}
	// Valuation fee ¥15,000 on the ¥2M loan: limit 0.5% = 1,000,000 fen; × 50% = 500,000.
	f, err := ComputeFee(shanxi(), ValuationFee, 200_000_000, 1_500_000)
	if err != nil || f.EligibleFen != "1000000.0000" || f.SubsidyFen != 500_000 {
		t.Errorf("fee %+v %v", f, err)
	}
}

// TestSchemeOtherFees: valuation ≤ 0.5% of the loan, guarantee or insurance
// ≤ 1.2%, each capped, paid after full repayment.
func TestSchemeOtherFees(t *testing.T) {
	p := Policy{
		Name: "fees", Year: 2025, Basis: ActualInterest, Ratio: rate("100"),
		Eligibility: Switches{SettledOnly: true},
		Fees: []FeeRule{
			{Kind: ValuationFee, Share: rate("100"), MaxLoanShare: rate("0.5"), CapFen: 2_000_000},
			{Kind: GuaranteeFee, Share: rate("100"), MaxLoanShare: rate("1.2"), CapFen: 1_000_000},
			{Kind: InsuranceFee, Share: rate("33.3333")},
		},
	}
	tests := []struct {
		kind     FeeKind
		invoice  int64
		eligible string
		want     int64
		capHit   bool
	}{
		// ¥1M loan (100,000,000 fen). Valuation ¥3,000 is under 0.5% (500,000): all of it.
		{ValuationFee, 300_000, "300000.0000", 300_000, false},
		// Valuation ¥8,000 is over 0.5%: 500,000.
		{ValuationFee, 800_000, "500000.0000", 500_000, false},
		// Guarantee 1.5% = 1,500,000 → 1.2% = 1,200,000 → per-fee cap 1,000,000.
		{GuaranteeFee, 1_500_000, "1200000.0000", 1_000_000, true},
		// Exactly the cap: not hit.
		{GuaranteeFee, 1_000_000, "1000000.0000", 1_000_000, false},
		// Insurance 100 fen × 33.3333% = 33.3333 → 33.
		{InsuranceFee, 100, "100.0000", 33, false},
	}
	for _, tt := range tests {
		f, err := ComputeFee(p, tt.kind, 100_000_000, tt.invoice)
		if err != nil || f.EligibleFen != tt.eligible || f.SubsidyFen != tt.want || f.CapHit != tt.capHit {
			t.Errorf("%s %d: %+v %v", tt.kind, tt.invoice, f, err)
		}
	}
	if _, err := ComputeFee(beijing(), ValuationFee, 1, 1); err == nil {
		t.Error("fee not in the policy accepted")
	}
	if _, err := ComputeFee(p, ValuationFee, 1, 0); err == nil {
		t.Error("zero invoice accepted")
	}
	if got := codes(Eligible(p, Facts{PledgeRegistered: true})); got != "loan_not_settled" {
		t.Errorf("Eligible = %s", got)
	}
}

func codes(rs []Reason) string {
	s := ""
	for i, r := range rs {
		if i > 0 {
			s += " "
		}
		s += r.Code
	}
	return s
}

func timeMonth(m int) time.Month { return time.Month(m) }
