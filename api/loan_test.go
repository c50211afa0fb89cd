package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/platform/date"
)

// loanClock stands at 2026-03-10 10:00 in Shanghai, so that the loans of
// these tests have hand-worked schedules.
func loanClock() *apptest.Clock {
	return apptest.NewClock(time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC))
}

// setDay moves the clock to 10:00 Shanghai on day and forgets the cached
// tokens of users (they would have expired).
func setDay(env *apptest.Env, day string, users ...string) {
	env.Clock.Set(date.MustParse(day).Time().Add(10 * time.Hour))
	for _, u := range users {
		env.Forget(u)
	}
}

var loanUsers = []string{"ent-a", "ent-b", "bank-a", "bank-b", "ipoffice", "ipoffice-2", "bureau", "tto-a", "admin"}

func loanPath(id any) string { return fmt.Sprintf("%s/loans/%v", v1, id) }

// pledgeIDOf is the id at the end of a pledge path.
func pledgeIDOf(path string) string { return strings.TrimPrefix(path, v1+"/pledges/") }

// loanBody is a valid loan of ¥1,000,000 at 3.6% from 2026-03-10 to
// 2026-09-01, interest quarterly, against the pledge at path.
func loanBody(pledgePathOrID string) map[string]any {
	return map[string]any{
		"pledge_id": jsonNumber(pledgeIDOf(pledgePathOrID)), "contract_number": "JYDK-T-001", "contract_date": "2026-03-09",
		"principal_fen": 100_000_000, "annual_rate": "3.6", "start_date": "2026-03-10", "maturity_date": "2026-09-01",
		"repayment_method": "interest_quarterly", "ip_collateral_share_bp": 10000,
	}
}

type jsonNumber string

func (n jsonNumber) MarshalJSON() ([]byte, error) { return []byte(n), nil }

func createLoan(t *testing.T, env *apptest.Env, body map[string]any) (string, map[string]any) {
	t.Helper()
	r := env.Do(t, http.MethodPost, v1+"/loans", env.Login(t, "bank-a"), body)
	r.WantStatus(t, http.StatusCreated)
	l := r.Map(t)
	return loanPath(l["id"]), l
}

func historyActions(t *testing.T, env *apptest.Env, token, path string) string {
	t.Helper()
	hist, _ := walk[map[string]any](t, env, token, path+"/history", "cursor", 3)
	var actions []string
	for _, h := range hist {
		actions = append(actions, h["action"].(string))
	}
	return strings.Join(actions, ",")
}

// The happy path: the bank records a loan, the platform generates its
// schedule, the bank records the payments and the loan is settled, which
// lets the bank request the pledge's release.
func TestLoanLifecycle(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ent, bank := env.Login(t, "ent-a"), env.Login(t, "bank-a")
		pl := registeredPledge(t, env, entAPatent1)
		id, l := createLoan(t, env, loanBody(pl))
		if l["state"] != "performing" || l["annual_rate"] != "3.6" || l["ip_collateral_share"] != "100" ||
			l["ip_collateral_share_bp"] != 10000.0 || l["outstanding_principal_fen"] != 100_000_000.0 ||
			l["can_request_release"] != false || l["enterprise_name"] != "太原示范新材料科技有限公司" ||
			l["bank_name"] != "晋阳示范商业银行" || l["enterprise_org_id"] != float64(orgID(t, env, "ent-a")) {
			t.Fatalf("created %v", l)
		}
		// ¥1,000,000 at 3.6% / 360 = 10,000 fen a day.
		//   2026-03-10 → 06-10: 21 + 30 + 31 + 10 = 92 days → 920,000
		//   2026-06-10 → 09-01 (maturity): 20 + 31 + 31 + 1 = 83 days → 830,000, with the principal.
		var sched listPage[map[string]any]
		r := env.Do(t, http.MethodGet, id+"/schedule", ent, nil)
		r.WantStatus(t, http.StatusOK)
		r.JSON(t, &sched)
		var got []string
		for _, in := range sched.Items {
			got = append(got, fmt.Sprintf("%v-%v/%v/%v", in["start"], in["due"], in["days"], in["interest_fen"]))
		}
		if strings.Join(got, " ") != "2026-03-10-2026-06-10/92/920000 2026-06-10-2026-09-01/83/830000" {
			t.Fatalf("schedule %v", got)
		}
		r = env.Do(t, http.MethodGet, id+"/schedule", ent, nil)
		if s := r.Map(t)["items"].([]any); s[1].(map[string]any)["principal_fen"] != 100_000_000.0 ||
			s[1].(map[string]any)["total_fen"] != 100_830_000.0 || s[1].(map[string]any)["outstanding_fen"] != 0.0 {
			t.Fatalf("last instalment %v", s[1])
		}

		// The first instalment, paid on its day.
		setDay(env, "2026-06-10", loanUsers...)
		bank = env.Login(t, "bank-a")
		r = env.Do(t, http.MethodPost, id+"/payments", bank, map[string]any{"paid_on": "2026-06-10", "interest_fen": 920_000})
		r.WantStatus(t, http.StatusCreated)
		if p := r.Map(t); p["interest_fen"] != 920_000.0 || p["principal_fen"] != 0.0 || p["paid_on"] != "2026-06-10" {
			t.Fatalf("payment %v", p)
		}
		if _, err := env.App.Loans.ScanOverdue(t.Context()); err != nil {
			t.Fatal(err)
		}
		l = env.Do(t, http.MethodGet, id, bank, nil).Map(t)
		if l["state"] != "performing" || l["days_overdue"] != 0.0 || l["paid_interest_fen"] != 920_000.0 {
			t.Fatalf("after the first payment %v", l)
		}
		// Maturity: principal and the last interest; the loan is settled.
		setDay(env, "2026-09-01", loanUsers...)
		bank, ent = env.Login(t, "bank-a"), env.Login(t, "ent-a")
		env.Do(t, http.MethodPost, id+"/payments", bank, map[string]any{"paid_on": "2026-09-01", "principal_fen": 100_000_000,
			"interest_fen": 830_000}).WantStatus(t, http.StatusCreated)
		l = env.Do(t, http.MethodGet, id, ent, nil).Map(t)
		if l["state"] != "settled" || l["settled_on"] != "2026-09-01" || l["outstanding_principal_fen"] != 0.0 ||
			l["can_request_release"] != true || l["can_start_enforcement"] != false {
			t.Fatalf("settled %v", l)
		}
		var ps listPage[map[string]any]
		env.Do(t, http.MethodGet, id+"/payments", ent, nil).JSON(t, &ps)
		if len(ps.Items) != 2 || ps.Items[0]["paid_on"] != "2026-06-10" || ps.Items[1]["principal_fen"] != 100_000_000.0 {
			t.Fatalf("payments %v", ps.Items)
		}
		// A settled loan takes no more payments.
		env.Do(t, http.MethodPost, id+"/payments", bank, map[string]any{"paid_on": "2026-09-01", "interest_fen": 1}).
			WantProblem(t, http.StatusConflict, "invalid_state")
		env.Do(t, http.MethodPost, id+"/default", bank, map[string]any{"reason": "x"}).WantProblem(t, http.StatusConflict, "invalid_state")
		if h := historyActions(t, env, ent, id); h != "create,payment,payment,settle" {
			t.Fatalf("history %s", h)
		}
		// Settled: the bank requests the pledge's release.
		env.Do(t, http.MethodPost, pl+"/amendments", bank, map[string]any{"kind": "release", "release": map[string]any{"cause": "repaid"}}).
			WantStatus(t, http.StatusCreated)
		// The lists: ent-a and bank-a see it, by state too.
		var ls listPage[map[string]any]
		env.Do(t, http.MethodGet, v1+"/loans?state=settled", ent, nil).JSON(t, &ls)
		if len(ls.Items) != 1 || loanPath(ls.Items[0]["id"]) != id {
			t.Fatalf("settled loans of ent-a %v", ls.Items)
		}
		env.Do(t, http.MethodGet, v1+"/loans?state=bogus", ent, nil).WantProblem(t, http.StatusBadRequest, "validation_failed")
		env.Do(t, http.MethodGet, v1+"/loans?pledge_id=x", ent, nil).WantProblem(t, http.StatusBadRequest, "validation_failed")
		rs := auditLog(t, env)
		seen := map[string]bool{}
		for _, a := range rs {
			if a.ObjectType == "loan" && loanPath(a.ObjectID) == id {
				seen[a.Action] = true
			}
		}
		for _, a := range []string{"loan.create", "loan.payment", "loan.settle"} {
			if !seen[a] {
				t.Errorf("no audit entry %s: %v", a, seen)
			}
		}
	}, apptest.WithClock(loanClock()))
}

// Bad input is a 400 naming the field, and nothing is stored.
func TestLoanBadInput(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bank := env.Login(t, "bank-a")
		pl := registeredPledge(t, env, entAPatent1)
		submitted := submittedPledge(t, env, entAPatent2)
		cases := []struct {
			name, field, code string
			token             string
			edit              func(b map[string]any)
		}{
			{"negative rate", "annual_rate", "negative_rate", "", func(b map[string]any) { b["annual_rate"] = "-3.45" }},
			{"rate with 5 decimals", "annual_rate", "too_many_decimals", "", func(b map[string]any) { b["annual_rate"] = "3.45678" }},
			{"rate as a JSON number", "annual_rate", "wrong_type", "", func(b map[string]any) { b["annual_rate"] = 3.45 }},
			{"rate as a float text", "annual_rate", "invalid_rate", "", func(b map[string]any) { b["annual_rate"] = "3.45e0" }},
			{"no rate", "annual_rate", "required", "", func(b map[string]any) { delete(b, "annual_rate") }},
			{"end before start", "maturity_date", "not_after_start", "", func(b map[string]any) { b["maturity_date"] = "2026-03-01" }},
			{"end on start", "maturity_date", "not_after_start", "", func(b map[string]any) { b["maturity_date"] = "2026-03-10" }},
			{"non-integer fen", "principal_fen", "wrong_type", "", func(b map[string]any) { b["principal_fen"] = 1.5 }},
			{"fen as text", "principal_fen", "wrong_type", "", func(b map[string]any) { b["principal_fen"] = "100" }},
			{"zero principal", "principal_fen", "not_positive", "", func(b map[string]any) { b["principal_fen"] = 0 }},
			{"negative principal", "principal_fen", "not_positive", "", func(b map[string]any) { b["principal_fen"] = -1 }},
			{"principal above the secured amount", "principal_fen", "above_secured_amount", "", func(b map[string]any) { b["principal_fen"] = 300_000_001 }},
			{"maturity after the debt end", "maturity_date", "after_debt_end", "", func(b map[string]any) { b["maturity_date"] = "2028-01-01" }},
			{"pledge not registered", "pledge_id", "not_registered", "", func(b map[string]any) { b["pledge_id"] = jsonNumber(pledgeIDOf(submitted)) }},
			{"other bank's pledge", "pledge_id", "unknown_pledge", "bank-b", func(b map[string]any) {}},
			{"unknown pledge", "pledge_id", "unknown_pledge", "", func(b map[string]any) { b["pledge_id"] = 999999 }},
			{"no pledge", "pledge_id", "required", "", func(b map[string]any) { delete(b, "pledge_id") }},
			{"unknown method", "repayment_method", "unknown", "", func(b map[string]any) { b["repayment_method"] = "balloon" }},
			{"annuity with a stub", "maturity_date", "not_whole_months", "", func(b map[string]any) { b["repayment_method"] = "equal_installment" }},
			{"share above 100%", "ip_collateral_share_bp", "out_of_range", "", func(b map[string]any) { b["ip_collateral_share_bp"] = 10001 }},
			{"negative share", "ip_collateral_share_bp", "out_of_range", "", func(b map[string]any) { b["ip_collateral_share_bp"] = -1 }},
			{"share as a float", "ip_collateral_share_bp", "wrong_type", "", func(b map[string]any) { b["ip_collateral_share_bp"] = 99.5 }},
			{"no contract number", "contract_number", "required", "", func(b map[string]any) { b["contract_number"] = " " }},
			{"contract in the future", "contract_date", "in_future", "", func(b map[string]any) { b["contract_date"] = "2026-03-11" }},
			{"contract after the start", "contract_date", "after_start", "", func(b map[string]any) { b["start_date"] = "2026-03-08" }},
			{"bad date", "start_date", "invalid", "", func(b map[string]any) { b["start_date"] = "2026-02-30" }},
			{"unknown field", "interest", "unknown_field", "", func(b map[string]any) { b["interest"] = "3" }},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				b := loanBody(pl)
				c.edit(b)
				tok := bank
				if c.token != "" {
					tok = env.Login(t, c.token)
				}
				p := env.Do(t, http.MethodPost, v1+"/loans", tok, b).WantProblem(t, http.StatusBadRequest, "validation_failed")
				if fe := apptest.FieldErrors(p); fe[c.field] != c.code {
					t.Fatalf("field errors %v, want %s=%s", fe, c.field, c.code)
				}
			})
		}
		var ls listPage[map[string]any]
		env.Do(t, http.MethodGet, v1+"/loans?pledge_id="+pledgeIDOf(pl), env.Login(t, "ipoffice"), nil).JSON(t, &ls)
		if len(ls.Items) != 0 {
			t.Fatalf("bad input stored %d loans", len(ls.Items))
		}
		// The same contract number twice; a second loan within what the
		// first leaves of the secured amount (¥3,000,000 − ¥1,000,000).
		id, _ := createLoan(t, env, loanBody(pl))
		p := env.Do(t, http.MethodPost, v1+"/loans", bank, loanBody(pl)).WantProblem(t, http.StatusBadRequest, "validation_failed")
		if fe := apptest.FieldErrors(p); fe["contract_number"] != "duplicate" {
			t.Fatalf("field errors %v", fe)
		}
		b := loanBody(pl)
		b["contract_number"], b["principal_fen"] = "JYDK-T-002", 200_000_001
		p = env.Do(t, http.MethodPost, v1+"/loans", bank, b).WantProblem(t, http.StatusBadRequest, "validation_failed")
		if fe := apptest.FieldErrors(p); fe["principal_fen"] != "above_secured_amount" {
			t.Fatalf("field errors %v", fe)
		}
		b["principal_fen"] = 200_000_000
		b["ip_collateral_share_bp"] = 6250
		_, l := createLoan(t, env, b)
		if l["ip_collateral_share"] != "62.5" {
			t.Fatalf("share %v", l["ip_collateral_share"])
		}

		// Payments.
		pays := []struct {
			name, field, code string
			body              map[string]any
		}{
			{"in the future", "paid_on", "in_future", map[string]any{"paid_on": "2026-03-11", "interest_fen": 1}},
			{"before the start", "paid_on", "before_start", map[string]any{"paid_on": "2026-03-09", "interest_fen": 1}},
			{"no date", "paid_on", "required", map[string]any{"interest_fen": 1}},
			{"negative principal", "principal_fen", "negative", map[string]any{"paid_on": "2026-03-10", "principal_fen": -1, "interest_fen": 5}},
			{"negative interest", "interest_fen", "negative", map[string]any{"paid_on": "2026-03-10", "interest_fen": -1}},
			{"nothing paid", "principal_fen", "nothing_paid", map[string]any{"paid_on": "2026-03-10", "principal_fen": 0, "interest_fen": 0}},
			{"above the outstanding", "principal_fen", "above_outstanding", map[string]any{"paid_on": "2026-03-10", "principal_fen": 100_000_001}},
			{"non-integer fen", "interest_fen", "wrong_type", map[string]any{"paid_on": "2026-03-10", "interest_fen": 0.5}},
		}
		for _, c := range pays {
			t.Run("payment "+c.name, func(t *testing.T) {
				p := env.Do(t, http.MethodPost, id+"/payments", bank, c.body).WantProblem(t, http.StatusBadRequest, "validation_failed")
				if fe := apptest.FieldErrors(p); fe[c.field] != c.code {
					t.Fatalf("field errors %v, want %s=%s", fe, c.field, c.code)
				}
			})
		}
		var ps listPage[map[string]any]
		env.Do(t, http.MethodGet, id+"/payments", bank, nil).JSON(t, &ps)
		if len(ps.Items) != 0 {
			t.Fatalf("bad payments stored: %v", ps.Items)
		}
		env.Do(t, http.MethodPost, id+"/default", bank, map[string]any{"reason": " "}).WantProblem(t, http.StatusBadRequest, "validation_failed")
	}, apptest.WithClock(loanClock()))
}

// The state follows the schedule: overdue when an instalment is more than
// loan.overdue_days (30) late, performing again once paid; at 90 days the
// enterprise's whitelist entry is flagged for review, once; the bank
// declares the default.
func TestLoanOverdueAndDefault(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		pl := registeredPledge(t, env, entAPatent1)
		b := loanBody(pl)
		b["repayment_method"], b["maturity_date"] = "interest_monthly", "2027-03-10"
		id, _ := createLoan(t, env, b)
		scan := func() {
			t.Helper()
			if _, err := env.App.Loans.ScanOverdue(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		want := func(state string, days int) map[string]any {
			t.Helper()
			l := env.Do(t, http.MethodGet, id, env.Login(t, "ent-a"), nil).Map(t)
			if l["state"] != state || l["days_overdue"] != float64(days) {
				t.Fatalf("state %v, %v days overdue; want %s, %d", l["state"], l["days_overdue"], state, days)
			}
			return l
		}
		// The first instalment, 2026-04-10 (31 days: 310,000 fen), is not paid.
		// 30 days late is not yet overdue; 31 days is.
		setDay(env, "2026-05-10", loanUsers...)
		scan()
		want("performing", 30)
		setDay(env, "2026-05-11", loanUsers...)
		scan()
		want("overdue", 31)
		// Paying it cures the loan: the next (due 05-10, 300,000) is 1 day late.
		env.Do(t, http.MethodPost, id+"/payments", env.Login(t, "bank-a"), map[string]any{"paid_on": "2026-05-11", "interest_fen": 310_000}).
			WantStatus(t, http.StatusCreated)
		want("performing", 1)
		// 89 days after 05-10: overdue, no flag yet; at 90 the flag, once.
		setDay(env, "2026-08-07", loanUsers...)
		scan()
		if l := want("overdue", 89); l["review_flagged_at"] != nil {
			t.Fatalf("flagged early %v", l)
		}
		for _, day := range []string{"2026-08-08", "2026-08-08", "2026-08-09", "2026-09-20"} {
			setDay(env, day, loanUsers...)
			scan()
		}
		l := want("overdue", 133)
		if l["review_flagged_at"] == nil {
			t.Fatalf("not flagged %v", l)
		}
		ent := env.Login(t, "ent-a")
		if h := historyActions(t, env, ent, id); h != "create,overdue,payment,cured,overdue,review_flag" {
			t.Fatalf("history %s", h)
		}
		flags := 0
		for _, a := range auditLog(t, env) {
			if a.Action == "whitelist.review_flag" && strings.Contains(a.Summary, "JYDK-T-001") {
				flags++
			}
		}
		if flags != 1 {
			t.Fatalf("%d whitelist review flags for the loan, want 1", flags)
		}
		// Default, declared by the bank with a reason: final, and lets it enforce.
		bank := env.Login(t, "bank-a")
		env.Do(t, http.MethodPost, id+"/default", ent, map[string]any{"reason": "x"}).WantProblem(t, http.StatusForbidden, "forbidden")
		r := env.Do(t, http.MethodPost, id+"/default", bank, map[string]any{"reason": "借款人逾期超过90天，宣布贷款提前到期"})
		r.WantStatus(t, http.StatusOK)
		l = r.Map(t)
		if l["state"] != "defaulted" || l["can_start_enforcement"] != true || l["can_request_release"] != false ||
			l["defaulted_at"] == nil || !strings.Contains(l["default_reason"].(string), "90天") {
			t.Fatalf("defaulted %v", l)
		}
		env.Do(t, http.MethodPost, id+"/default", bank, map[string]any{"reason": "again"}).WantProblem(t, http.StatusConflict, "invalid_state")
		scan()
		want("defaulted", 133)
		var ls listPage[map[string]any]
		env.Do(t, http.MethodGet, v1+"/loans?state=defaulted", env.Login(t, "ipoffice"), nil).JSON(t, &ls)
		if len(ls.Items) != 1 {
			t.Fatalf("defaulted loans %v", ls.Items)
		}
		// A recovery after default is recorded; the state stays.
		env.Do(t, http.MethodPost, id+"/payments", bank, map[string]any{"paid_on": "2026-09-20", "principal_fen": 1000}).
			WantStatus(t, http.StatusCreated)
		want("defaulted", 133)
	}, apptest.WithClock(loanClock()))
}

// Only the loan's bank, its enterprise and the IP office see a loan;
// other banks and enterprises get 404 (audited), other roles 403, and
// the enterprise and the IP office may not act as the bank.
func TestLoanAccess(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		pl := registeredPledge(t, env, entAPatent1)
		id, _ := createLoan(t, env, loanBody(pl))
		reads := []string{"", "/schedule", "/payments", "/history"}
		for _, u := range []string{"ent-a", "bank-a", "ipoffice"} {
			for _, p := range reads {
				env.Do(t, http.MethodGet, id+p, env.Login(t, u), nil).WantStatus(t, http.StatusOK)
			}
		}
		pay := map[string]any{"paid_on": "2026-03-10", "interest_fen": 1}
		reason := map[string]any{"reason": "x"}
		for _, u := range []string{"bank-b", "ent-b"} {
			tok := env.Login(t, u)
			for _, p := range reads {
				env.Do(t, http.MethodGet, id+p, tok, nil).WantProblem(t, http.StatusNotFound, "not_found")
			}
			var ls listPage[map[string]any]
			env.Do(t, http.MethodGet, v1+"/loans", tok, nil).JSON(t, &ls)
			for _, l := range ls.Items {
				if loanPath(l["id"]) == id {
					t.Fatalf("%s lists the loan", u)
				}
			}
		}
		bankB := env.Login(t, "bank-b")
		env.Do(t, http.MethodPost, id+"/payments", bankB, pay).WantProblem(t, http.StatusNotFound, "not_found")
		env.Do(t, http.MethodPost, id+"/default", bankB, reason).WantProblem(t, http.StatusNotFound, "not_found")
		for _, u := range []string{"bureau", "tto-a", "admin"} {
			tok := env.Login(t, u)
			env.Do(t, http.MethodGet, v1+"/loans", tok, nil).WantProblem(t, http.StatusForbidden, "forbidden")
			for _, p := range reads {
				env.Do(t, http.MethodGet, id+p, tok, nil).WantProblem(t, http.StatusForbidden, "forbidden")
			}
		}
		for _, u := range []string{"ent-a", "ipoffice", "bureau"} {
			tok := env.Login(t, u)
			env.Do(t, http.MethodPost, v1+"/loans", tok, loanBody(pl)).WantProblem(t, http.StatusForbidden, "forbidden")
			env.Do(t, http.MethodPost, id+"/payments", tok, pay).WantProblem(t, http.StatusForbidden, "forbidden")
			env.Do(t, http.MethodPost, id+"/default", tok, reason).WantProblem(t, http.StatusForbidden, "forbidden")
		}
		ipo := env.Login(t, "ipoffice")
		env.Do(t, http.MethodGet, v1+"/loans/999999", ipo, nil).WantProblem(t, http.StatusNotFound, "not_found")
		env.Do(t, http.MethodGet, v1+"/loans/abc", ipo, nil).WantProblem(t, http.StatusNotFound, "not_found")
		// The enterprise's list holds its own loans only; the IP office's all.
		var ls listPage[map[string]any]
		env.Do(t, http.MethodGet, v1+"/loans", env.Login(t, "ent-a"), nil).JSON(t, &ls)
		for _, l := range ls.Items {
			if l["enterprise_org_id"] != float64(orgID(t, env, "ent-a")) {
				t.Fatalf("ent-a lists %v", l)
			}
		}
		denied := 0
		for _, a := range auditLog(t, env) {
			if a.Action == "authz.deny" && a.ObjectType == "loan" && loanPath(a.ObjectID) == id {
				denied++
			}
		}
		if denied != 2*len(reads)+2 {
			t.Fatalf("%d audited denials, want %d", denied, 2*len(reads)+2)
		}
	}, apptest.WithClock(loanClock()))
}

// The demo: ent-a's loan from bank-a on its third patent, with the
// instalments due so far paid.
func TestLoanDemo(t *testing.T) {
	env := apptest.New(t, apptest.WithClock(apptest.NewClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))))
	var ls listPage[map[string]any]
	env.Do(t, http.MethodGet, v1+"/loans", env.Login(t, "ent-a"), nil).JSON(t, &ls)
	if len(ls.Items) != 1 {
		t.Fatalf("demo loans %v", ls.Items)
	}
	l := ls.Items[0]
	// ¥3,000,000 at 3.45%: 28,750 fen a day; quarters of 90, 91 and 92 days paid.
	if l["state"] != "performing" || l["principal_fen"] != 300_000_000.0 || l["annual_rate"] != "3.45" ||
		l["paid_interest_fen"] != float64(28_750*(90+91+92)) || l["ip_collateral_share"] != "100" {
		t.Fatalf("demo loan %v", l)
	}
	// Its past payments were entered one by one at the seed: that passes
	// through no overdue state and raises no whitelist flag.
	if l["review_flagged_at"] != nil || l["days_overdue"] != 0.0 {
		t.Fatalf("demo loan %v", l)
	}
	if h := historyActions(t, env, env.Login(t, "ent-a"), loanPath(l["id"])); h != "create,payment,payment,payment" {
		t.Fatalf("demo loan history %s", h)
	}
	if n, err := env.App.Loans.ScanOverdue(t.Context()); err != nil || n != 0 {
		t.Fatalf("scan: %d changes, %v", n, err)
	}
	if q := firstPage[map[string]any](t, env, env.Login(t, "ipoffice"), v1+"/whitelist/entries?review=true"); len(q) != 0 {
		t.Fatalf("review queue %v", q)
	}
	p := env.Do(t, http.MethodGet, pledgePath(l["pledge_id"]), env.Login(t, "bank-a"), nil).Map(t)
	a := p["assets"].([]any)[0].(map[string]any)
	if p["state"] != "registered" || a["number"] != "202122975192.6" || a["registered_on"] != "2026-01-13" {
		t.Fatalf("demo pledge %v", p)
	}
}
