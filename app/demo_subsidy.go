package app

import (
	"context"
	"fmt"

	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/money"
	"github.com/ipledge/ipledge/subsidy"
)

// demoSubsidyPolicies are the demo's two calls of the current year, of
// different bases: a Shanxi actual-interest policy with a valuation fee
// subsidy, and a Beijing-style LPR-share one.
func demoSubsidyPolicies(year int) []subsidy.Policy {
	r := money.MustRate
	start, end := date.New(year, 1, 1), date.New(year, 12, 31)
	return []subsidy.Policy{
		{
			Name: fmt.Sprintf("山西省 %d 年专利权质押贷款贴息", year), Region: "140000", Year: year,
			WindowStart: start, WindowEnd: end,
			Basis: subsidy.ActualInterest, RateCap: subsidy.RateCap{Kind: subsidy.CapLPRMultiple, LPRPercent: r("140")},
			Ratio: r("50"), AnnualCapFen: 30_000_000, IPShareOnly: true,
			Eligibility:       subsidy.Switches{InRegionOnly: true, RepaidOnTime: true},
			Fees:              []subsidy.FeeRule{{Kind: subsidy.ValuationFee, Share: r("50"), MaxLoanShare: r("0.5"), CapFen: 2_000_000}},
			BudgetFen:         500_000_000, // ¥5,000,000
			AutoApproveMaxFen: 10_000_000,  // ¥100,000
		},
		{
			Name: fmt.Sprintf("太原市 %d 年知识产权质押融资 LPR 贴息（参照北京模式）", year), Region: "140100", Year: year,
			WindowStart: start, WindowEnd: end,
			Basis: subsidy.LPRShare, LPRShare: r("60"), LPRRule: subsidy.LPRMonthBeforeContract,
			Ratio: r("100"), AnnualCapFen: 50_000_000, MaxTermMonths: 12,
			Boosts:            []subsidy.Boost{{When: subsidy.WhitelistActive, LPRShare: r("80")}},
			BudgetFen:         200_000_000,
			AutoApproveMaxFen: 5_000_000,
		},
	}
}

// seedSubsidies configures the two demo policies the four-eyes way:
// ipoffice proposes, ipoffice-2 approves. It skips when a policy exists.
func (a *App) seedSubsidies(ctx context.Context) error {
	ps, err := a.Subsidies.Policies(ctx)
	if err != nil || len(ps) > 0 {
		return err
	}
	prep, err := a.demoActor(ctx, "ipoffice", auth.RoleIPOffice)
	if err != nil {
		return err
	}
	appr, err := a.demoActor(ctx, "ipoffice-2", auth.RoleIPOffice)
	if err != nil {
		return err
	}
	for _, p := range demoSubsidyPolicies(date.Today(a.Now).Y) {
		ap, err := a.Subsidies.ProposePolicy(ctx, prep, 0, p)
		if err != nil {
			return fmt.Errorf("demo subsidy policy %s: %w", p.Name, err)
		}
		if _, err := a.Subsidies.Approve(ctx, appr, ap.ID); err != nil {
			return fmt.Errorf("demo subsidy policy %s: %w", p.Name, err)
		}
	}
	return nil
}
