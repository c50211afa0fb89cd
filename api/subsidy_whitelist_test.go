package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/loan"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
)

// TestSubsidyWhitelistAtLoanStart: the whitelist boost and the "whitelist
// only" switch follow the status the firm had when the loan started; the
// risk flag follows today's. ent-a's demo entry is in force from its
// publication in the weeks before the clock's day (2026-11-20).
func TestSubsidyWhitelistAtLoanStart(t *testing.T) {
	clock := func() apptest.Option {
		return apptest.WithClock(apptest.NewClock(time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)))
	}
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ipo := env.Login(t, "ipoffice")
		pid := subsidyPledge(t, env)
		entry := entryOf(t, env, entAUSCC)
		listed := entry.EffectiveOn
		if listed.IsZero() || listed.After(date.MustParse("2026-10-31")) {
			t.Fatalf("ent-a's demo entry is effective on %s", listed)
		}
		boosted := func(year int, whitelistOnly bool) int64 {
			return activePolicy(t, env, plainPolicy(env, year, func(b map[string]any) {
				b["name"] = fmt.Sprintf("白名单贴息 %d %v", year, whitelistOnly)
				b["boosts"] = []map[string]any{{"when": "whitelist_active", "ratio": "80"}}
				b["eligibility"] = map[string]any{"whitelist_only": whitelistOnly}
			}))
		}

		// Listed only after the loan started (2023-12-20): no boost, and
		// a "whitelist only" policy refuses it, though ent-a is active today.
		early := bankLoan(t, env, pid, "2024-12-20", "bullet", paid{"2024-01-20", 200_000}, paid{"2024-02-20", 200_000})
		a := mustApply(t, env, boosted(2024, false), early.ID, "2024-01-01", "2024-01-31")
		// 200,000 × 50% = 100,000 (not × 80%).
		if a.AmountFen != 100_000 || a.Computation["ratio"] != "50" || a.State != "auto_approved" {
			t.Fatalf("listed after the loan started: %+v", a)
		}
		r := applyFor(t, env, boosted(2024, true), early.ID, "2024-02-01", "2024-02-29")
		r.WantProblem(t, http.StatusUnprocessableEntity, "not_eligible")

		// A loan that started on the entry's effective day; the firm is
		// suspended today. 100,000 fen paid ten and twenty days in.
		ba := subsidyActor(t, env, "bank-a", auth.RoleBank)
		late, err := env.App.Loans.Create(t.Context(), ba, loan.Input{PledgeID: pid, ContractNumber: fmt.Sprintf("DK-WL-%d", pid),
			ContractDate: listed, PrincipalFen: 100_000_000, AnnualRate: "3.90", Start: listed,
			Maturity: date.MustParse("2027-06-30"), Method: loan.Bullet})
		if err != nil {
			t.Fatalf("loan: %v", err)
		}
		for _, days := range []int{10, 20} {
			if _, err := env.App.Loans.RecordPayment(t.Context(), ba, late.ID, loan.PaymentInput{PaidOn: listed.AddDays(days), InterestFen: 100_000}); err != nil {
				t.Fatalf("payment: %v", err)
			}
		}
		env.Do(t, http.MethodPost, v1+fmt.Sprintf("/whitelist/entries/%d/suspend", entry.ID), ipo, map[string]any{"reason": "核查中"}).
			WantStatus(t, http.StatusOK)
		start, end := listed.String(), listed.AddDays(10).String()
		// 100,000 × 80% = 80,000, yet queued: not active on the whitelist today.
		a = mustApply(t, env, boosted(2026, false), late.ID, start, end)
		if a.AmountFen != 80_000 || a.Computation["ratio"] != "80" || a.State != "in_review" ||
			!slices.Equal(a.flagCodes(), []string{"not_whitelisted"}) {
			t.Fatalf("active at the loan's start, suspended today: %+v", a)
		}
		a = mustApply(t, env, boosted(2026, true), late.ID, listed.AddDays(11).String(), listed.AddDays(20).String())
		if a.AmountFen != 80_000 || a.State != "in_review" {
			t.Fatalf("whitelist only, active at the loan's start: %+v", a)
		}
	}, clock())
}
