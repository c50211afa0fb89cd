package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/loan"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
)

// subApp is the part of a subsidy application the tests read.
type subApp struct {
	ID           int64          `json:"id"`
	State        string         `json:"state"`
	AmountFen    int64          `json:"amount_fen"`
	AllocatedFen *int64         `json:"allocated_fen"`
	Reason       string         `json:"reason"`
	Computation  map[string]any `json:"computation"`
	Flags        []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"flags"`
}

func (a subApp) flagCodes() []string {
	out := []string{}
	for _, f := range a.Flags {
		out = append(out, f.Code)
	}
	return out
}

func (a subApp) path() string { return fmt.Sprintf("%s/subsidy-applications/%d", v1, a.ID) }

func decodeApp(t *testing.T, r *apptest.Response) subApp {
	t.Helper()
	var a subApp
	r.JSON(t, &a)
	return a
}

// subsidyPledge registers a pledge of ent-a with bank-a over entAPatent1,
// its debt period from 2023-12-01, ¥6,000,000 secured, and returns its id.
func subsidyPledge(t *testing.T, env *apptest.Env) int64 {
	t.Helper()
	body := pledgeBody(t, env, entAPatent1)
	body["contract_date"], body["debt_start"], body["secured_amount_fen"] = "2023-12-01", "2023-12-01", 600_000_000
	ent, bank := env.Login(t, "ent-a"), env.Login(t, "bank-a")
	r := env.Do(t, http.MethodPost, v1+"/pledges", ent, body)
	r.WantStatus(t, http.StatusCreated)
	id := pledgePath(r.Map(t)["id"])
	env.Do(t, http.MethodPost, id+"/file", ent, nil).WantStatus(t, http.StatusOK)
	env.Do(t, http.MethodPost, id+"/confirm", bank, nil).WantStatus(t, http.StatusOK)
	env.Do(t, http.MethodPost, id+"/register", env.Login(t, "ipoffice"), nil).WantStatus(t, http.StatusOK)
	var pid int64
	fmt.Sscanf(id, v1+"/pledges/%d", &pid)
	return pid
}

// paid is an interest payment: the day and the fen.
type paid struct {
	on  string
	fen int64
}

var loanSeq atomic.Int64

// settledLoan records a ¥1,000,000 bullet loan of bank-a at 3.90% from
// 2023-12-20 to 2024-12-20 on pledge pid, the interest payments given,
// and the principal repaid at maturity: the loan is settled and raises
// no risk flag.
func settledLoan(t *testing.T, env *apptest.Env, pid int64, pays ...paid) loan.Loan {
	t.Helper()
	l := bankLoan(t, env, pid, "2024-12-20", "bullet", pays...)
	ba := subsidyActor(t, env, "bank-a", auth.RoleBank)
	if _, err := env.App.Loans.RecordPayment(t.Context(), ba, l.ID, loan.PaymentInput{PaidOn: date.MustParse("2024-12-20"), PrincipalFen: 100_000_000}); err != nil {
		t.Fatalf("repayment: %v", err)
	}
	return l
}

// bankLoan records a ¥1,000,000 loan of bank-a at 3.90% from 2023-12-20
// to maturity on pledge pid with the interest payments given.
func bankLoan(t *testing.T, env *apptest.Env, pid int64, maturity, method string, pays ...paid) loan.Loan {
	t.Helper()
	ba := subsidyActor(t, env, "bank-a", auth.RoleBank)
	l, err := env.App.Loans.Create(t.Context(), ba, loan.Input{PledgeID: pid, ContractNumber: fmt.Sprintf("DK-%d-%d", pid, loanSeq.Add(1)),
		ContractDate: date.MustParse("2023-12-20"), PrincipalFen: 100_000_000, AnnualRate: "3.90",
		Start: date.MustParse("2023-12-20"), Maturity: date.MustParse(maturity), Method: loan.Method(method)})
	if err != nil {
		t.Fatalf("loan: %v", err)
	}
	for _, p := range pays {
		if _, err := env.App.Loans.RecordPayment(t.Context(), ba, l.ID, loan.PaymentInput{PaidOn: date.MustParse(p.on), InterestFen: p.fen}); err != nil {
			t.Fatalf("payment %s: %v", p.on, err)
		}
	}
	return l
}

// plainPolicy subsidises 50% of the interest actually paid, uncapped
// rate, in region 140000 for year, its window open today; mods change it.
func plainPolicy(env *apptest.Env, year int, mods ...func(map[string]any)) map[string]any {
	today := date.Today(env.Clock.Now)
	b := map[string]any{
		"name": fmt.Sprintf("测试贴息 %d", year), "region": "140000", "year": year,
		"window_start": today.AddDays(-1).String(), "window_end": today.AddDays(30).String(),
		"basis": "actual_interest", "ratio": "50", "auto_approve_max_fen": 100_000_000,
	}
	for _, m := range mods {
		m(b)
	}
	return b
}

// applyFor submits an interest application of ent-a.
func applyFor(t *testing.T, env *apptest.Env, policyID, loanID int64, start, end string) *apptest.Response {
	t.Helper()
	return env.Do(t, http.MethodPost, v1+"/subsidy-applications", env.Login(t, "ent-a"),
		map[string]any{"policy_id": policyID, "loan_id": loanID, "start": start, "end": end})
}

// mustApply submits an interest application that must be stored.
func mustApply(t *testing.T, env *apptest.Env, policyID, loanID int64, start, end string) subApp {
	t.Helper()
	r := applyFor(t, env, policyID, loanID, start, end)
	r.WantStatus(t, http.StatusCreated)
	return decodeApp(t, r)
}

// closeRound closes a policy's round the four-eyes way.
func closeRound(t *testing.T, env *apptest.Env, policyID int64) {
	t.Helper()
	r := env.Do(t, http.MethodPost, fmt.Sprintf("%s/subsidy-policies/%d/close", v1, policyID), env.Login(t, "ipoffice"), map[string]any{"notice_working_days": 5})
	r.WantStatus(t, http.StatusAccepted)
	env.Do(t, http.MethodPost, fmt.Sprintf("%s/subsidy-approvals/%v/approve", v1, r.Map(t)["id"]), env.Login(t, "ipoffice-2"), nil).WantStatus(t, http.StatusOK)
}

func getApp(t *testing.T, env *apptest.Env, a subApp) subApp {
	t.Helper()
	r := env.Do(t, http.MethodGet, a.path(), env.Login(t, "ipoffice"), nil)
	r.WantStatus(t, http.StatusOK)
	return decodeApp(t, r)
}

// TestSubsidyRoundProRata closes rounds through the API whose budgets are
// smaller than, equal to and far below the approved total.
func TestSubsidyRoundProRata(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		pid := subsidyPledge(t, env)
		// Policy 1: budget ¥10,000.05. Four applications of 50% of the
		// interest paid in one month each, submitted a minute apart:
		//   A Jan 2,000,000 paid → 1,000,000    B Feb 600,000 → 300,000
		//   C Mar   600,000 paid →   300,000    D Apr 200,000 → 100,000
		// Total 1,700,000 > budget 1,000,005: each × 1,000,005 / 1,700,000
		//   A 1,000,005,000,000 / 1,700,000 = 588,238 + 4/17
		//   B   300,001,500,000 / 1,700,000 = 176,471 + 8/17
		//   C   (as B)                       = 176,471 + 8/17
		//   D   100,000,500,000 / 1,700,000 =  58,823 + 14/17
		// Floors sum to 1,000,003; the 2 leftover fen go to D (14/17) and,
		// of the tie B = C (8/17), to B, submitted earlier:
		//   A 588,238  B 176,472  C 176,471  D 58,824 = 1,000,005.
		l1 := settledLoan(t, env, pid, paid{"2024-01-20", 2_000_000}, paid{"2024-02-20", 600_000}, paid{"2024-03-20", 600_000}, paid{"2024-04-20", 200_000})
		p1 := activePolicy(t, env, plainPolicy(env, 2024, func(b map[string]any) { b["budget_fen"] = 1_000_005 }))
		// Policy 2: budget 1 fen, E (Feb) and F (Jan) 300,000 each, E
		// submitted first. Each × 1 / 600,000 = 0 + 1/2: a tie, the one fen
		// goes to E, the earlier submission, though its period is later.
		l2 := settledLoan(t, env, pid, paid{"2024-01-20", 600_000}, paid{"2024-02-20", 600_000})
		p2 := activePolicy(t, env, plainPolicy(env, 2024, func(b map[string]any) { b["budget_fen"] = 1 }))
		// Policy 3: budget = the approved total exactly (G 123,457 from
		// 246,913 paid, rounded half up from 123,456.5): in full.
		l3 := settledLoan(t, env, pid, paid{"2024-01-20", 246_913})
		p3 := activePolicy(t, env, plainPolicy(env, 2024, func(b map[string]any) { b["budget_fen"] = 123_457 }))

		var apps []subApp
		for _, c := range []struct {
			policy, loan int64
			start, end   string
			amount       int64
		}{
			{p1, l1.ID, "2024-01-01", "2024-01-31", 1_000_000},
			{p1, l1.ID, "2024-02-01", "2024-02-29", 300_000},
			{p1, l1.ID, "2024-03-01", "2024-03-31", 300_000},
			{p1, l1.ID, "2024-04-01", "2024-04-30", 100_000},
			{p2, l2.ID, "2024-02-01", "2024-02-29", 300_000},
			{p2, l2.ID, "2024-01-01", "2024-01-31", 300_000},
			{p3, l3.ID, "2024-01-01", "2024-01-31", 123_457},
		} {
			a := mustApply(t, env, c.policy, c.loan, c.start, c.end)
			if a.AmountFen != c.amount || a.State != "auto_approved" {
				t.Fatalf("%s: %+v", c.start, a)
			}
			apps = append(apps, a)
			env.Clock.Advance(time.Minute)
		}
		ipo := env.Login(t, "ipoffice")
		// The preview shows what closing will allocate.
		var al struct {
			BudgetFen         int64 `json:"budget_fen"`
			ApprovedTotalFen  int64 `json:"approved_total_fen"`
			AllocatedTotalFen int64 `json:"allocated_total_fen"`
			ProRata           bool  `json:"pro_rata"`
			Lines             []struct {
				ApplicationID int64 `json:"application_id"`
				AllocatedFen  int64 `json:"allocated_fen"`
			} `json:"lines"`
		}
		r := env.Do(t, http.MethodGet, fmt.Sprintf("%s/subsidy-policies/%d/allocation", v1, p1), ipo, nil)
		r.WantStatus(t, http.StatusOK)
		r.JSON(t, &al)
		if al.BudgetFen != 1_000_005 || al.ApprovedTotalFen != 1_700_000 || al.AllocatedTotalFen != 1_000_005 || !al.ProRata || len(al.Lines) != 4 {
			t.Fatalf("preview %s", r.Body)
		}
		for _, p := range []int64{p1, p2, p3} {
			closeRound(t, env, p)
		}
		want := []int64{588_238, 176_472, 176_471, 58_824, 1, 0, 123_457}
		for i, a := range apps {
			got := getApp(t, env, a)
			if got.State != "public_notice" || got.AllocatedFen == nil || *got.AllocatedFen != want[i] || got.AmountFen != a.AmountFen {
				t.Errorf("application %d: %+v, want %d allocated", i, got, want[i])
			}
			if i < 4 && al.Lines[i].ApplicationID != a.ID || i < 4 && al.Lines[i].AllocatedFen != want[i] {
				t.Errorf("preview line %d: %+v", i, al.Lines[i])
			}
		}
		// The totals equal the budgets exactly.
		for _, c := range []struct {
			policy int64
			budget int64
			rows   []int
		}{{p1, 1_000_005, []int{0, 1, 2, 3}}, {p2, 1, []int{4, 5}}, {p3, 123_457, []int{6}}} {
			var sum int64
			for _, i := range c.rows {
				sum += want[i]
			}
			if sum != c.budget {
				t.Fatalf("hand-worked allocation of %d sums to %d", c.policy, sum)
			}
			var n struct {
				Items []struct {
					AllocatedFen int64 `json:"allocated_fen"`
				} `json:"items"`
			}
			r := env.Do(t, http.MethodGet, fmt.Sprintf("%s/subsidy-policies/%d/notice", v1, c.policy), env.Login(t, "ent-a"), nil)
			r.WantStatus(t, http.StatusOK)
			r.JSON(t, &n)
			sum = 0
			for _, it := range n.Items {
				sum += it.AllocatedFen
			}
			if sum != c.budget || len(n.Items) != len(c.rows) {
				t.Errorf("notice of policy %d allocates %d of %d: %s", c.policy, sum, c.budget, r.Body)
			}
		}
		// A closed round takes no more applications and cannot close twice.
		applyFor(t, env, p1, l1.ID, "2024-05-01", "2024-05-31").WantProblem(t, http.StatusUnprocessableEntity, "policy_not_open")
		env.Do(t, http.MethodPost, fmt.Sprintf("%s/subsidy-policies/%d/close", v1, p1), ipo, map[string]any{}).WantProblem(t, http.StatusConflict, "round_closed")
	})
}

// TestSubsidyRoundCloseNeedsReviews: a round with an application in
// review does not close.
func TestSubsidyRoundCloseNeedsReviews(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		l := settledLoan(t, env, subsidyPledge(t, env), paid{"2024-01-20", 2_000_000})
		p := activePolicy(t, env, plainPolicy(env, 2024, func(b map[string]any) { b["auto_approve_max_fen"] = 999_999 }))
		a := mustApply(t, env, p, l.ID, "2024-01-01", "2024-01-31")
		if a.State != "in_review" {
			t.Fatalf("%+v", a)
		}
		ipo := env.Login(t, "ipoffice")
		env.Do(t, http.MethodPost, fmt.Sprintf("%s/subsidy-policies/%d/close", v1, p), ipo, map[string]any{}).WantProblem(t, http.StatusConflict, "reviews_pending")
		env.Do(t, http.MethodPost, a.path()+"/approve", ipo, map[string]any{"reason": "材料齐全"}).WantStatus(t, http.StatusOK)
		closeRound(t, env, p)
		if got := getApp(t, env, a); got.State != "public_notice" || *got.AllocatedFen != 1_000_000 {
			t.Fatalf("%+v", got)
		}
	})
}

// TestSubsidyCapsHitExactly: the annual and the cumulative caps, reached
// to the fen through the API.
func TestSubsidyCapsHitExactly(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		pid := subsidyPledge(t, env)
		// Annual cap ¥10,000 = 1,000,000 fen, 50% of the interest paid:
		//   Jan 1,200,000 paid → 600,000; 400,000 of the cap remain.
		//   Feb   800,000 paid → 400,000 = what remains: not cut, no cap hit.
		//   Mar         2 paid →       1 > 0 remaining: cut to 0, annual.
		l := settledLoan(t, env, pid, paid{"2024-01-20", 1_200_000}, paid{"2024-02-20", 800_000}, paid{"2024-03-20", 2})
		p := activePolicy(t, env, plainPolicy(env, 2024, func(b map[string]any) { b["annual_cap_fen"] = 1_000_000 }))
		caps := func(a subApp) (uncapped, annualRem, sub float64, hit any) {
			c := a.Computation
			return c["uncapped_fen"].(float64), c["annual_remaining_fen"].(float64), c["subsidy_fen"].(float64), c["cap_hit"]
		}
		a := mustApply(t, env, p, l.ID, "2024-01-01", "2024-01-31")
		if u, rem, s, hit := caps(a); a.AmountFen != 600_000 || u != 600_000 || rem != 1_000_000 || s != 600_000 || hit != nil {
			t.Fatalf("jan %+v", a)
		}
		a = mustApply(t, env, p, l.ID, "2024-02-01", "2024-02-29")
		if u, rem, s, hit := caps(a); a.AmountFen != 400_000 || u != 400_000 || rem != 400_000 || s != 400_000 || hit != nil {
			t.Fatalf("feb (exactly the cap) %+v", a)
		}
		a = mustApply(t, env, p, l.ID, "2024-03-01", "2024-03-31")
		if u, rem, s, hit := caps(a); a.AmountFen != 0 || u != 1 || rem != 0 || s != 0 || hit != "annual" {
			t.Fatalf("mar (cap exhausted) %+v", a)
		}

		// Cumulative cap across the policy years of the region: a 2023
		// policy grants 50% of 200,000 = 100,000 for Dec 2023. A second 2024
		// policy of the region has a cumulative cap of 1,600,000 fen.
		l2 := settledLoan(t, env, pid, paid{"2023-12-31", 200_000}, paid{"2024-04-20", 1_000_000}, paid{"2024-05-20", 1_000_000})
		p23 := activePolicy(t, env, plainPolicy(env, 2023))
		p24b := activePolicy(t, env, plainPolicy(env, 2024, func(b map[string]any) { b["cumulative_cap_fen"] = 1_600_000; b["name"] = "累计封顶" }))
		a = mustApply(t, env, p23, l2.ID, "2023-12-20", "2023-12-31")
		if a.AmountFen != 100_000 {
			t.Fatalf("2023 %+v", a)
		}
		// Prior in region 140000: 600,000 + 400,000 + 0 (2024) + 100,000
		// (2023) = 1,100,000; cap 1,600,000 leaves 500,000 = Apr's 500,000
		// exactly: not cut.
		a = mustApply(t, env, p24b, l2.ID, "2024-04-01", "2024-04-30")
		if c := a.Computation; a.AmountFen != 500_000 || c["cumulative_remaining_fen"] != 500_000.0 || c["cap_hit"] != nil {
			t.Fatalf("apr (exactly the cumulative cap) %+v", a)
		}
		// May: 500,000 uncapped, nothing of the cumulative cap remains.
		a = mustApply(t, env, p24b, l2.ID, "2024-05-01", "2024-05-31")
		if c := a.Computation; a.AmountFen != 0 || c["uncapped_fen"] != 500_000.0 || c["cumulative_remaining_fen"] != 0.0 || c["cap_hit"] != "cumulative" {
			t.Fatalf("may (cumulative cap exhausted) %+v", a)
		}
	})
}

// TestSubsidyCumulativeCapCut: a cumulative cap that cuts an amount
// part-way, across two policy years.
func TestSubsidyCumulativeCapCut(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		pid := subsidyPledge(t, env)
		// 2023: 50% of 200,000 = 100,000. 2024: 50% of 1,000,000 = 500,000,
		// cut by the cumulative cap 500,000 − 100,000 = 400,000; the annual
		// cap 450,000 of 2024 is not reached (nothing granted in 2024 yet),
		// so the cut is "cumulative" and the total is the cap exactly.
		l := settledLoan(t, env, pid, paid{"2023-12-31", 200_000}, paid{"2024-04-20", 1_000_000})
		p23 := activePolicy(t, env, plainPolicy(env, 2023))
		p24 := activePolicy(t, env, plainPolicy(env, 2024, func(b map[string]any) {
			b["cumulative_cap_fen"], b["annual_cap_fen"] = 500_000, 450_000
		}))
		a := mustApply(t, env, p23, l.ID, "2023-12-20", "2023-12-31")
		b := mustApply(t, env, p24, l.ID, "2024-04-01", "2024-04-30")
		c := b.Computation
		if a.AmountFen != 100_000 || b.AmountFen != 400_000 || c["uncapped_fen"] != 500_000.0 || c["annual_remaining_fen"] != 450_000.0 ||
			c["cumulative_remaining_fen"] != 400_000.0 || c["cap_hit"] != "cumulative" || a.AmountFen+b.AmountFen != 500_000 {
			t.Fatalf("2023 %+v; 2024 %+v", a, b)
		}
	})
}

// TestSubsidyRiskFlags: each risk flag alone stops automatic approval and
// is listed; the IP office approves or rejects with a reason.
func TestSubsidyRiskFlags(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ipo, ent := env.Login(t, "ipoffice"), env.Login(t, "ent-a")
		pid := subsidyPledge(t, env)
		// Threshold 100,000 fen; 50% of the interest paid.
		p := activePolicy(t, env, plainPolicy(env, 2024, func(b map[string]any) { b["auto_approve_max_fen"] = 100_000 }))
		clean := settledLoan(t, env, pid, paid{"2024-01-20", 200_000}, paid{"2024-02-20", 200_002}, paid{"2024-03-20", 2_000},
			paid{"2024-04-20", 2_000}, paid{"2024-05-20", 2_000})
		check := func(a subApp, state string, flags ...string) {
			t.Helper()
			if a.State != state || !slices.Equal(a.flagCodes(), append([]string{}, flags...)) {
				t.Fatalf("want %s %v: %+v", state, flags, a)
			}
			for _, f := range a.Flags {
				if f.Message == "" {
					t.Fatalf("flag without message: %+v", a)
				}
			}
		}
		// 100,000 = the threshold: approved at once.
		check(mustApply(t, env, p, clean.ID, "2024-01-01", "2024-01-31"), "auto_approved")
		// 200,002 × 50% = 100,001 > 100,000.
		above := mustApply(t, env, p, clean.ID, "2024-02-01", "2024-02-29")
		check(above, "in_review", "above_auto_approval_threshold")
		// Approve needs a reason too — and only from in_review.
		env.Do(t, http.MethodPost, above.path()+"/approve", ipo, map[string]any{"reason": " "}).WantProblem(t, http.StatusBadRequest, "validation_failed")
		r := env.Do(t, http.MethodPost, above.path()+"/approve", ipo, map[string]any{"reason": "经核实付息凭证无误"})
		r.WantStatus(t, http.StatusOK)
		if a := decodeApp(t, r); a.State != "approved" || a.Reason != "经核实付息凭证无误" {
			t.Fatalf("approved %+v", a)
		}
		env.Do(t, http.MethodPost, above.path()+"/approve", ipo, map[string]any{"reason": "同意"}).WantProblem(t, http.StatusConflict, "invalid_state")

		// An overdue loan: interest_quarterly to 2026-12-20, only the first
		// two quarters of 2024 paid, so the instalment due 2024-09-20 is
		// long overdue (the periodic scan says so).
		od := bankLoan(t, env, pid, "2026-12-20", "interest_quarterly", paid{"2024-03-20", 2_000}, paid{"2024-06-20", 2_000})
		if _, err := env.App.Loans.ScanOverdue(t.Context()); err != nil {
			t.Fatal(err)
		}
		if l, _ := env.App.Loans.Get(t.Context(), od.ID); l.State != "overdue" {
			t.Fatalf("loan %s", l.State)
		}
		a := mustApply(t, env, p, od.ID, "2024-01-01", "2024-03-31")
		check(a, "in_review", "loan_overdue")
		// Reject needs a reason; it is kept and frees the period.
		env.Do(t, http.MethodPost, a.path()+"/reject", ipo, map[string]any{"reason": " "}).WantProblem(t, http.StatusBadRequest, "validation_failed")
		r = env.Do(t, http.MethodPost, a.path()+"/reject", ipo, map[string]any{"reason": "贷款逾期，不予贴息"})
		r.WantStatus(t, http.StatusOK)
		if a := decodeApp(t, r); a.State != "rejected" || a.Reason != "贷款逾期，不予贴息" {
			t.Fatalf("rejected %+v", a)
		}
		env.Do(t, http.MethodPost, a.path()+"/approve", ipo, map[string]any{"reason": "同意"}).WantProblem(t, http.StatusConflict, "invalid_state")
		// The bank declares the default: the next claim is flagged so.
		if _, err := env.App.Loans.Default(t.Context(), subsidyActor(t, env, "bank-a", auth.RoleBank), od.ID, "借款人停止付息"); err != nil {
			t.Fatal(err)
		}
		check(mustApply(t, env, p, od.ID, "2024-04-01", "2024-06-30"), "in_review", "loan_defaulted")

		// The enterprise suspended on the whitelist.
		entry := entryOf(t, env, entAUSCC)
		entryPath := v1 + fmt.Sprintf("/whitelist/entries/%d", entry.ID)
		env.Do(t, http.MethodPost, entryPath+"/suspend", ipo, map[string]any{"reason": "核查中"}).WantStatus(t, http.StatusOK)
		check(mustApply(t, env, p, clean.ID, "2024-03-01", "2024-03-31"), "in_review", "not_whitelisted")
		env.Do(t, http.MethodPost, entryPath+"/reinstate", ipo, map[string]any{"reason": "核查完毕"}).WantStatus(t, http.StatusOK)

		// An impaired pledge: the pledged patent's annual fee is overdue.
		env.Do(t, http.MethodPost, patentPath(entAPatent1)+"/legal-status", ipo, map[string]any{"status": "fee_grace", "reason": "年费未缴"}).
			WantStatus(t, http.StatusOK)
		check(mustApply(t, env, p, clean.ID, "2024-04-01", "2024-04-30"), "in_review", "pledge_alert")

		// The enterprise sees its flags; the review queue lists them.
		var q struct {
			Items []subApp `json:"items"`
		}
		env.Do(t, http.MethodGet, v1+"/subsidy-applications?state=in_review", ipo, nil).JSON(t, &q)
		seen := map[string]bool{}
		for _, it := range q.Items {
			for _, c := range it.flagCodes() {
				seen[c] = true
			}
		}
		if len(q.Items) != 3 || !seen["loan_defaulted"] || !seen["not_whitelisted"] || !seen["pledge_alert"] {
			t.Fatalf("queue %+v", q.Items)
		}
		env.Do(t, http.MethodPost, q.Items[0].path()+"/approve", ent, map[string]any{"reason": "同意"}).WantProblem(t, http.StatusForbidden, "forbidden")
	})
}

// TestSubsidySubmissionRefusals: the 422s of issue 6, each with its code
// and nothing stored.
func TestSubsidySubmissionRefusals(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		pid := subsidyPledge(t, env)
		l := settledLoan(t, env, pid, paid{"2024-01-20", 200_000}, paid{"2024-03-20", 200_000})
		p := activePolicy(t, env, plainPolicy(env, 2024))
		today := date.Today(env.Clock.Now)
		closed := activePolicy(t, env, plainPolicy(env, 2024, func(b map[string]any) {
			b["window_start"], b["window_end"] = today.AddDays(-60).String(), today.AddDays(-1).String()
		}))
		future := activePolicy(t, env, plainPolicy(env, 2024, func(b map[string]any) {
			b["window_start"], b["window_end"] = today.AddDays(1).String(), today.AddDays(60).String()
		}))
		mustApply(t, env, p, l.ID, "2024-01-01", "2024-01-31")
		before := countRows(t, env, "subsidy_applications")
		for _, c := range []struct {
			name       string
			policy     int64
			start, end string
			code       string
		}{
			{"no interest paid", p, "2024-02-01", "2024-02-29", "no_interest_paid"},
			{"window over", closed, "2024-03-01", "2024-03-31", "outside_application_window"},
			{"window not open", future, "2024-03-01", "2024-03-31", "outside_application_window"},
			{"before the loan", p, "2023-12-01", "2024-01-31", "period_outside_loan"},
			{"after the loan", p, "2024-12-01", "2024-12-31", "period_outside_loan"},
			{"other year", p, "2023-12-20", "2024-03-31", "period_outside_policy_year"},
			{"overlap", p, "2024-01-31", "2024-03-31", "period_overlaps_claim"},
			{"same period", p, "2024-01-01", "2024-01-31", "period_overlaps_claim"},
		} {
			r := applyFor(t, env, c.policy, l.ID, c.start, c.end)
			if r.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
				continue
			}
			if got := r.Problem(t)["code"]; got != c.code {
				t.Errorf("%s: %v, want %s", c.name, got, c.code)
			}
		}
		// A proposed (not yet approved) policy takes no applications.
		rp := env.Do(t, http.MethodPost, v1+"/subsidy-policies", env.Login(t, "ipoffice"), plainPolicy(env, 2024))
		rp.WantStatus(t, http.StatusAccepted)
		applyFor(t, env, int64(rp.Map(t)["policy_id"].(float64)), l.ID, "2024-03-01", "2024-03-31").
			WantProblem(t, http.StatusUnprocessableEntity, "policy_not_open")

		// The pledge's registration revoked: the loan is no longer secured
		// by a registered pledge.
		env.Do(t, http.MethodPost, fmt.Sprintf("%s/pledges/%d/revoke", v1, pid), env.Login(t, "ipoffice"), map[string]any{"reason": "登记依据的合同无效"}).
			WantStatus(t, http.StatusOK)
		applyFor(t, env, p, l.ID, "2024-03-01", "2024-03-31").WantProblem(t, http.StatusUnprocessableEntity, "loan_not_pledged")
		if n := countRows(t, env, "subsidy_applications"); n != before {
			t.Fatalf("refused applications stored: %d → %d", before, n)
		}
	})
}

// TestSubsidyCapRace: concurrent claims of one enterprise against one
// annual cap never grant more than the cap. Cap 1,000,000; four claims
// of 50% × 1,000,000 = 500,000 each: two get 500,000, two get 0, the sum
// is the cap exactly.
func TestSubsidyCapRace(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		l := settledLoan(t, env, subsidyPledge(t, env), paid{"2024-01-20", 1_000_000}, paid{"2024-02-20", 1_000_000},
			paid{"2024-03-20", 1_000_000}, paid{"2024-04-20", 1_000_000})
		p := activePolicy(t, env, plainPolicy(env, 2024, func(b map[string]any) { b["annual_cap_fen"] = 1_000_000 }))
		env.Login(t, "ent-a")
		months := [][2]string{{"2024-01-01", "2024-01-31"}, {"2024-02-01", "2024-02-29"}, {"2024-03-01", "2024-03-31"}, {"2024-04-01", "2024-04-30"}}
		got := make([]*apptest.Response, len(months))
		var wg sync.WaitGroup
		for i, m := range months {
			wg.Go(func() { got[i] = applyFor(t, env, p, l.ID, m[0], m[1]) })
		}
		wg.Wait()
		var sum int64
		var amounts []int64
		for _, r := range got {
			r.WantStatus(t, http.StatusCreated)
			a := decodeApp(t, r)
			sum += a.AmountFen
			amounts = append(amounts, a.AmountFen)
		}
		slices.Sort(amounts)
		if sum != 1_000_000 || !slices.Equal(amounts, []int64{0, 0, 500_000, 500_000}) {
			t.Fatalf("amounts %v", amounts)
		}
	})
}
