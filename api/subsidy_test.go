package api_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/loan"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
)

func subsidyActor(t *testing.T, env *apptest.Env, username, role string) audit.Actor {
	t.Helper()
	u, err := env.App.Accounts.UserByUsername(t.Context(), username)
	if err != nil {
		t.Fatal(err)
	}
	return audit.Actor{UserID: u.ID, Username: u.Username, OrgID: u.OrgID, Role: role}
}

// workedLoan records DOMAIN.md's loan: ¥5,000,000 at 3.90% from
// 2023-12-20 to 2025-12-20 on a registered pledge of ent-a with bank-a,
// interest paid quarterly, 4 × 4,875,000 fen = ¥195,000 in 2024, and the
// principal repaid at maturity (the loan is settled).
func workedLoan(t *testing.T, env *apptest.Env) loan.Loan {
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
	ba := subsidyActor(t, env, "bank-a", auth.RoleBank)
	share := 10_000
	l, err := env.App.Loans.Create(t.Context(), ba, loan.Input{PledgeID: pid, ContractNumber: fmt.Sprintf("DK-%d", pid),
		ContractDate: date.MustParse("2023-12-20"), PrincipalFen: 500_000_000, AnnualRate: "3.90",
		Start: date.MustParse("2023-12-20"), Maturity: date.MustParse("2025-12-20"), Method: "interest_quarterly",
		IPCollateralShareBP: &share})
	if err != nil {
		t.Fatalf("loan: %v", err)
	}
	for _, d := range []string{"2024-03-20", "2024-06-20", "2024-09-20", "2024-12-20"} {
		if _, err := env.App.Loans.RecordPayment(t.Context(), ba, l.ID, loan.PaymentInput{PaidOn: date.MustParse(d), InterestFen: 4_875_000}); err != nil {
			t.Fatalf("payment %s: %v", d, err)
		}
	}
	if _, err := env.App.Loans.RecordPayment(t.Context(), ba, l.ID, loan.PaymentInput{PaidOn: date.MustParse("2025-12-20"),
		PrincipalFen: 500_000_000, InterestFen: 19_500_000}); err != nil {
		t.Fatalf("repayment: %v", err)
	}
	return l
}

// beijingPolicy is DOMAIN.md's 50% actual-interest policy with the
// 1.4 × LPR cap, for 2024 interest, its window open today.
func beijingPolicy(env *apptest.Env, budget, autoMax int64) map[string]any {
	today := date.Today(env.Clock.Now)
	return map[string]any{
		"name": "北京式 2024 贴息", "region": "140000", "year": 2024,
		"window_start": today.AddDays(-1).String(), "window_end": today.AddDays(30).String(),
		"basis": "actual_interest", "rate_cap": map[string]any{"kind": "lpr_multiple", "lpr_percent": "140"},
		"ratio": "50", "annual_cap_fen": 30_000_000, "ip_share_only": true,
		"budget_fen": budget, "auto_approve_max_fen": autoMax,
	}
}

// activePolicy proposes (ipoffice) and approves (ipoffice-2) a policy.
func activePolicy(t *testing.T, env *apptest.Env, body map[string]any) int64 {
	t.Helper()
	r := env.Do(t, http.MethodPost, v1+"/subsidy-policies", env.Login(t, "ipoffice"), body)
	r.WantStatus(t, http.StatusAccepted)
	ap := r.Map(t)
	env.Do(t, http.MethodPost, fmt.Sprintf("%s/subsidy-approvals/%v/approve", v1, ap["id"]), env.Login(t, "ipoffice-2"), nil).WantStatus(t, http.StatusOK)
	return int64(ap["policy_id"].(float64))
}

func countRows(t *testing.T, env *apptest.Env, table string) int {
	t.Helper()
	var n int
	if err := env.App.DB.GetContext(t.Context(), &n, "SELECT COUNT(*) FROM "+table); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSubsidyWorkedExampleEndToEnd(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ent, ipo, ipo2 := env.Login(t, "ent-a"), env.Login(t, "ipoffice"), env.Login(t, "ipoffice-2")
		l := workedLoan(t, env)

		// Four eyes: the preparer cannot approve a policy of their own.
		r := env.Do(t, http.MethodPost, v1+"/subsidy-policies", ipo, beijingPolicy(env, 0, 10_000_000))
		r.WantStatus(t, http.StatusAccepted)
		ap := r.Map(t)
		approve := fmt.Sprintf("%s/subsidy-approvals/%v/approve", v1, ap["id"])
		env.Do(t, http.MethodPost, approve, ipo, nil).WantProblem(t, http.StatusForbidden, "four_eyes_same_user")
		pid := ap["policy_id"]
		if env.Do(t, http.MethodGet, fmt.Sprintf("%s/subsidy-policies/%v", v1, pid), ent, nil).Map(t)["state"] != "proposed" {
			t.Fatal("a policy proposed but not approved is open")
		}
		env.Do(t, http.MethodPost, approve, ipo2, nil).WantStatus(t, http.StatusOK)
		// The enterprise and the bank may not configure policies.
		env.Do(t, http.MethodPost, v1+"/subsidy-policies", ent, beijingPolicy(env, 0, 1)).WantProblem(t, http.StatusForbidden, "forbidden")

		// DOMAIN.md: ¥195,000 paid in 2024; LPR 3.45 at the contract date, cap
		// 1.4 × 3.45 = 4.83% > 3.90%, so (b) = 500,000,000 × 0.039 × 366/360
		// = 19,825,000 > (a) = 19,500,000. Eligible 19,500,000 × 100% × 50%
		// = 9,750,000 fen = ¥97,500, under the ¥100,000 threshold: auto-approved.
		in := map[string]any{"policy_id": pid, "loan_id": l.ID, "start": "2024-01-01", "end": "2024-12-31"}
		r = env.Do(t, http.MethodPost, v1+"/subsidy-applications", ent, in)
		r.WantStatus(t, http.StatusCreated)
		a := r.Map(t)
		c := a["computation"].(map[string]any)
		if a["amount_fen"] != 9_750_000.0 || a["state"] != "auto_approved" || c["paid_interest_fen"] != "19500000.0000" ||
			c["limit_fen"] != "19825000.0000" || c["eligible_interest_fen"] != "19500000.0000" || c["ratio"] != "50" {
			t.Fatalf("application %v", a)
		}
		appPath := fmt.Sprintf("%s/subsidy-applications/%v", v1, a["id"])

		// No double claim: an overlapping period is refused and nothing stored.
		before := countRows(t, env, "subsidy_applications")
		in["start"], in["end"] = "2024-12-01", "2024-12-31"
		env.Do(t, http.MethodPost, v1+"/subsidy-applications", ent, in).WantProblem(t, http.StatusUnprocessableEntity, "period_overlaps_claim")
		in["start"], in["end"] = "2023-01-01", "2023-12-31"
		env.Do(t, http.MethodPost, v1+"/subsidy-applications", ent, in).WantProblem(t, http.StatusUnprocessableEntity, "period_outside_loan")
		in["start"], in["end"] = "2025-01-01", "2025-06-30"
		env.Do(t, http.MethodPost, v1+"/subsidy-applications", ent, in).WantProblem(t, http.StatusUnprocessableEntity, "period_outside_policy_year")
		// Bad input: end before start, non-integer fen.
		in["start"], in["end"] = "2024-06-30", "2024-06-01"
		env.Do(t, http.MethodPost, v1+"/subsidy-applications", ent, in).WantProblem(t, http.StatusBadRequest, "validation_failed")
		env.Do(t, http.MethodPost, v1+"/subsidy-applications", ent, map[string]any{"policy_id": pid, "loan_id": l.ID, "kind": "valuation", "invoice_fen": 12.5}).
			WantProblem(t, http.StatusBadRequest, "validation_failed")
		if n := countRows(t, env, "subsidy_applications"); n != before {
			t.Fatalf("refused applications stored: %d → %d", before, n)
		}

		// Other tenant: 404; wrong role: 403.
		env.Do(t, http.MethodGet, appPath, env.Login(t, "ent-b"), nil).WantProblem(t, http.StatusNotFound, "not_found")
		env.Do(t, http.MethodGet, appPath, env.Login(t, "bank-b"), nil).WantProblem(t, http.StatusNotFound, "not_found")
		env.Do(t, http.MethodGet, appPath, env.Login(t, "bank-a"), nil).WantStatus(t, http.StatusOK)
		env.Do(t, http.MethodPost, appPath+"/approve", ent, map[string]any{"reason": "x"}).WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodGet, v1+"/subsidy-reports", ent, nil).WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodPost, v1+"/subsidy-applications", env.Login(t, "ent-b"), map[string]any{"policy_id": pid, "loan_id": l.ID,
			"start": "2024-01-01", "end": "2024-03-31"}).WantProblem(t, http.StatusNotFound, "not_found")

		// Close the round (four eyes): no budget → full amount; public notice.
		r = env.Do(t, http.MethodPost, fmt.Sprintf("%s/subsidy-policies/%v/close", v1, pid), ipo, map[string]any{"notice_working_days": 5})
		r.WantStatus(t, http.StatusAccepted)
		closeAp := fmt.Sprintf("%s/subsidy-approvals/%v", v1, r.Map(t)["id"])
		env.Do(t, http.MethodPost, closeAp+"/approve", ipo, nil).WantProblem(t, http.StatusForbidden, "four_eyes_same_user")
		env.Do(t, http.MethodPost, closeAp+"/approve", ipo2, nil).WantStatus(t, http.StatusOK)
		a = env.Do(t, http.MethodGet, appPath, ent, nil).Map(t)
		if a["state"] != "public_notice" || a["allocated_fen"] != 9_750_000.0 {
			t.Fatalf("after close %v", a)
		}
		exp := env.Do(t, http.MethodGet, fmt.Sprintf("%s/subsidy-policies/%v/notice/export?format=csv", v1, pid), ent, nil)
		exp.WantStatus(t, http.StatusOK)
		// Payment before the notice ends is refused.
		pay := map[string]any{"paid_on": date.Today(env.Clock.Now).String(), "amount_fen": 9_750_000, "reference": "CZ-001"}
		env.Do(t, http.MethodPost, appPath+"/payment", ipo, pay).WantProblem(t, http.StatusConflict, "notice_period_running")
		env.Clock.Advance(15 * 24 * 3600 * 1e9)
		for _, u := range []string{"ipoffice", "ipoffice-2", "ent-a"} {
			env.Forget(u)
		}
		ipo, ipo2 = env.Login(t, "ipoffice"), env.Login(t, "ipoffice-2")
		pay["paid_on"] = date.Today(env.Clock.Now).String()
		r = env.Do(t, http.MethodPost, appPath+"/payment", ipo, pay)
		r.WantStatus(t, http.StatusAccepted)
		payAp := fmt.Sprintf("%s/subsidy-approvals/%v", v1, r.Map(t)["id"])
		env.Do(t, http.MethodPost, payAp+"/approve", ipo, nil).WantProblem(t, http.StatusForbidden, "four_eyes_same_user")
		env.Do(t, http.MethodPost, payAp+"/approve", ipo2, nil).WantStatus(t, http.StatusOK)
		r = env.Do(t, http.MethodPost, appPath+"/clawback", ipo, map[string]any{"amount_fen": 9_750_000, "reason": "伪造付息凭证"})
		r.WantStatus(t, http.StatusOK)
		if r.Map(t)["state"] != "clawed_back" {
			t.Fatalf("clawback %s", r.Body)
		}

		// The report reconciles with its line items.
		var rep struct {
			Rows   []map[string]float64 `json:"-"`
			Totals map[string]any       `json:"totals"`
		}
		rr := env.Do(t, http.MethodGet, v1+"/subsidy-reports?year=2024&by=bank", ipo, nil)
		rr.WantStatus(t, http.StatusOK)
		rr.JSON(t, &rep)
		m := rr.Map(t)
		var sum, paid float64
		for _, row := range m["rows"].([]any) {
			sum += row.(map[string]any)["amount_fen"].(float64)
			paid += row.(map[string]any)["paid_fen"].(float64)
		}
		if sum != rep.Totals["amount_fen"] || sum != 9_750_000 || paid != 9_750_000 || rep.Totals["clawed_back_fen"] != 9_750_000.0 {
			t.Fatalf("report %s", rr.Body)
		}
	})
}

// TestSubsidyDoubleClaimRace: concurrent overlapping claims on one loan,
// only one is stored.
func TestSubsidyDoubleClaimRace(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		l := workedLoan(t, env)
		pid := activePolicy(t, env, beijingPolicy(env, 0, 100_000_000))
		ent := env.Login(t, "ent-a")
		var wg sync.WaitGroup
		statuses := make([]int, 6)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := env.Do(t, http.MethodPost, v1+"/subsidy-applications", ent, map[string]any{"policy_id": pid, "loan_id": l.ID,
					"start": fmt.Sprintf("2024-0%d-01", 1+i%3), "end": "2024-12-31"})
				statuses[i] = r.Status
			}()
		}
		wg.Wait()
		created := 0
		for _, s := range statuses {
			if s == http.StatusCreated {
				created++
			} else if s != http.StatusUnprocessableEntity {
				t.Errorf("status %d", s)
			}
		}
		if created != 1 || countRows(t, env, "subsidy_applications") != 1 {
			t.Fatalf("created %d: %v", created, statuses)
		}
	})
}

// TestSubsidyPolicyBadInput: negative rates, too many decimals and
// non-integer fen are 400 problems and nothing is stored.
func TestSubsidyPolicyBadInput(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ipo := env.Login(t, "ipoffice")
		before := countRows(t, env, "subsidy_policies")
		for name, mut := range map[string]func(map[string]any){
			"negative rate":  func(b map[string]any) { b["ratio"] = "-5" },
			"five decimals":  func(b map[string]any) { b["ratio"] = "50.00001" },
			"fractional fen": func(b map[string]any) { b["budget_fen"] = 100.5 },
			"window order":   func(b map[string]any) { b["window_end"] = "2000-01-01" },
			"ratio over 100": func(b map[string]any) { b["ratio"] = "101" },
		} {
			b := beijingPolicy(env, 0, 0)
			mut(b)
			r := env.Do(t, http.MethodPost, v1+"/subsidy-policies", ipo, b)
			if r.Status != http.StatusBadRequest {
				t.Errorf("%s: %d %s", name, r.Status, r.Body)
			}
			r.Problem(t)
		}
		if countRows(t, env, "subsidy_policies") != before || countRows(t, env, "subsidy_approvals") != 2 {
			t.Fatal("bad policies stored")
		}
	})
}
