package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/whitelist"
)

// Every transition, legal and illegal: an illegal one is 409 invalid_state
// naming the current state, and changes nothing.
func TestPledgeTransitions(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ent, bank, ipo := env.Login(t, "ent-a"), env.Login(t, "bank-a"), env.Login(t, "ipoffice")
		reason := map[string]any{"reason": "理由"}
		refuse := map[string]any{"grounds": []string{"other"}, "reason": "合同与申请不符"}
		type step struct {
			action, token string
			body          any
		}
		steps := map[string]step{
			"file": {"file", ent, nil}, "withdraw": {"withdraw", ent, reason}, "confirm": {"confirm", bank, nil},
			"decline": {"decline", bank, reason}, "register": {"register", ipo, nil}, "refuse": {"refuse", ipo, refuse},
			"revoke": {"revoke", ipo, reason},
		}
		// To reach each state from a fresh draft.
		paths := map[string][]string{
			"draft": {}, "awaiting_pledgee": {"file"}, "submitted": {"file", "confirm"}, "declined": {"file", "decline"},
			"withdrawn": {"withdraw"}, "registered": {"file", "confirm", "register"}, "refused": {"file", "confirm", "refuse"},
			"revoked": {"file", "confirm", "register", "revoke"},
		}
		legal := map[string]map[string]string{
			"draft":            {"file": "awaiting_pledgee", "withdraw": "withdrawn"},
			"awaiting_pledgee": {"confirm": "submitted", "decline": "declined", "withdraw": "withdrawn"},
			"submitted":        {"register": "registered", "refuse": "refused", "withdraw": "withdrawn"},
			"registered":       {"revoke": "revoked"},
			"declined":         {}, "withdrawn": {}, "refused": {}, "revoked": {},
		}
		for from, path := range paths {
			for action, st := range steps {
				t.Run(from+"/"+action, func(t *testing.T) {
					r := env.Do(t, http.MethodPost, v1+"/pledges", ent, pledgeBody(t, env, entAPatent1))
					r.WantStatus(t, http.StatusCreated)
					id := pledgePath(r.Map(t)["id"])
					for _, a := range path {
						env.Do(t, http.MethodPost, id+"/"+a, steps[a].token, steps[a].body).WantStatus(t, http.StatusOK)
					}
					r = env.Do(t, http.MethodPost, id+"/"+action, st.token, st.body)
					if to, ok := legal[from][action]; ok {
						r.WantStatus(t, http.StatusOK)
						if got := r.Map(t)["state"]; got != to {
							t.Fatalf("%s from %s: state %v, want %s", action, from, got, to)
						}
					} else {
						p := r.WantProblem(t, http.StatusConflict, "invalid_state")
						if p["current_state"] != from {
							t.Fatalf("problem names %v, want %s", p["current_state"], from)
						}
						if env.Do(t, http.MethodGet, id, ent, nil).Map(t)["state"] != from {
							t.Fatal("an illegal transition changed the state")
						}
					}
					// Leave nothing in force for the next case.
					if legal[from][action] == "registered" || from == "registered" && action != "revoke" {
						env.Do(t, http.MethodPost, id+"/revoke", ipo, reason).WantStatus(t, http.StatusOK)
					}
				})
			}
		}
	})
}

// Bad input gets a clear error naming the field and stores nothing.
func TestPledgeBadInput(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ent := env.Login(t, "ent-a")
		cases := []struct {
			name, field, code string
			edit              func(b map[string]any)
		}{
			{"bad number", "assets[0].number", "invalid_patent_number", func(b map[string]any) { b["assets"] = []any{map[string]any{"number": "2022232206"}} }},
			{"wrong check digit", "assets[0].number", "invalid_patent_number", func(b map[string]any) { b["assets"] = []any{map[string]any{"number": "202223220665.3"}} }},
			{"unknown patent", "assets[0].number", "unknown_patent", func(b map[string]any) { b["assets"] = []any{map[string]any{"number": "202110123456.7"}} }},
			{"patent not owned", "assets[0].number", "not_patentee", func(b map[string]any) { b["assets"] = []any{map[string]any{"number": entBPatent}} }},
			{"no assets", "assets", "required", func(b map[string]any) { b["assets"] = []any{} }},
			{"duplicate patent", "assets[1].number", "duplicate", func(b map[string]any) {
				b["assets"] = []any{map[string]any{"number": entAPatent1}, map[string]any{"number": "ZL" + entAPatent1}}
			}},
			{"shares not 10000", "assets", "share_bp_sum", func(b map[string]any) {
				b["assets"] = []any{map[string]any{"number": entAPatent1, "share_bp": 5000}, map[string]any{"number": entAPatent2, "share_bp": 4000}}
			}},
			{"trademark only", "assets", "no_patent", func(b map[string]any) {
				b["assets"] = []any{map[string]any{"kind": "trademark", "number": "12345678", "title": "示范"}}
			}},
			{"end before start", "debt_end", "before_start", func(b map[string]any) { b["debt_end"] = "2020-01-01" }},
			{"zero amount", "secured_amount_fen", "not_positive", func(b map[string]any) { b["secured_amount_fen"] = 0 }},
			{"negative amount", "secured_amount_fen", "not_positive", func(b map[string]any) { b["secured_amount_fen"] = -100 }},
			{"unknown bank", "pledgee_org_id", "unknown_bank", func(b map[string]any) { b["pledgee_org_id"] = 99999 }},
			{"pledgee not a bank", "pledgee_org_id", "unknown_bank", func(b map[string]any) { b["pledgee_org_id"] = orgID(t, env, "ent-b") }},
			{"no pledgee", "pledgee_org_id", "required", func(b map[string]any) { delete(b, "pledgee_org_id") }},
			{"claim kind", "secured_claim_kind", "invalid", func(b map[string]any) { b["secured_claim_kind"] = "gift" }},
			{"no contract number", "contract_number", "required", func(b map[string]any) { b["contract_number"] = " " }},
			{"contract in future", "contract_date", "in_future", func(b map[string]any) { b["contract_date"] = "2099-01-01" }},
			{"no scope", "scope", "required", func(b map[string]any) { delete(b, "scope") }},
			{"fee payer", "annual_fee_payer", "invalid", func(b map[string]any) { b["annual_fee_payer"] = "bank" }},
			{"bad date", "debt_end", "", func(b map[string]any) { b["debt_end"] = "2027-02-30" }},
			{"amount as float", "secured_amount_fen", "", func(b map[string]any) { b["secured_amount_fen"] = 1.5 }},
			{"unknown field", "", "", func(b map[string]any) { b["interest"] = 3 }},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				b := pledgeBody(t, env, entAPatent1)
				c.edit(b)
				p := env.Do(t, http.MethodPost, v1+"/pledges", ent, b).WantProblem(t, http.StatusBadRequest, "validation_failed")
				if c.field != "" {
					fe := apptest.FieldErrors(p)
					if c.code != "" && fe[c.field] != c.code || c.code == "" && fe[c.field] == "" {
						t.Fatalf("field errors %v, want %s=%s", fe, c.field, c.code)
					}
				}
			})
		}
		var l listPage[map[string]any]
		env.Do(t, http.MethodGet, v1+"/pledges", env.Login(t, "ipoffice"), nil).JSON(t, &l)
		if len(l.Items) != 1 { // the demo pledge
			t.Fatalf("bad input stored %d pledges", len(l.Items)-1)
		}
	})
}

// Only the pledgor, the pledgee and the IP office see a pledge; every
// other bank or enterprise gets 404, and a party acting out of its role
// 403.
func TestPledgeObjectAccess(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ent, bank, ipo := env.Login(t, "ent-a"), env.Login(t, "bank-a"), env.Login(t, "ipoffice")
		id := submittedPledge(t, env, entAPatent1)
		for _, who := range []string{ent, bank, ipo} {
			env.Do(t, http.MethodGet, id, who, nil).WantStatus(t, http.StatusOK)
		}
		other := []string{env.Login(t, "bank-b"), env.Login(t, "ent-b")}
		for _, who := range other {
			for _, path := range []string{"", "/examination", "/history", "/attachments", "/consents", "/amendments"} {
				env.Do(t, http.MethodGet, id+path, who, nil).WantProblem(t, http.StatusNotFound, "not_found")
			}
			var l listPage[map[string]any]
			env.Do(t, http.MethodGet, v1+"/pledges", who, nil).JSON(t, &l)
			if len(l.Items) != 0 {
				t.Fatalf("another party lists %v", l.Items)
			}
		}
		env.Do(t, http.MethodPost, id+"/decline", env.Login(t, "bank-b"), map[string]any{"reason": "x"}).WantProblem(t, http.StatusNotFound, "not_found")
		env.Do(t, http.MethodPost, id+"/withdraw", env.Login(t, "ent-b"), map[string]any{"reason": "x"}).WantProblem(t, http.StatusNotFound, "not_found")
		// Roles: the bureau, a university and an admin are refused at the door.
		for _, u := range []string{"bureau", "tto-a", "admin"} {
			env.Do(t, http.MethodGet, id, env.Login(t, u), nil).WantProblem(t, http.StatusForbidden, "forbidden")
		}
		env.Do(t, http.MethodPost, id+"/register", bank, nil).WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodPost, id+"/confirm", ent, nil).WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodGet, v1+"/pledges/999999", ipo, nil).WantProblem(t, http.StatusNotFound, "not_found")
		env.Do(t, http.MethodGet, v1+"/pledges/abc", ipo, nil).WantProblem(t, http.StatusNotFound, "not_found")
	})
}

// Two examiners race to register two requests over the same patent: one
// is registered, the other gets 409 already_pledged and stays submitted,
// and is then refused citing the ground.
func TestPledgeRegistrationRace(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ipo, ipo2 := env.Login(t, "ipoffice"), env.Login(t, "ipoffice-2")
		for round := 0; round < 3; round++ {
			a := submittedPledge(t, env, entAPatent1)
			b := submittedPledge(t, env, entAPatent1, entAPatent2)
			var wg sync.WaitGroup
			res := make([]*apptest.Response, 2)
			for i, job := range []struct{ id, token string }{{a, ipo}, {b, ipo2}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res[i] = env.Do(t, http.MethodPost, job.id+"/register", job.token, nil)
				}()
			}
			wg.Wait()
			won, lost := 0, -1
			for i, r := range res {
				switch r.Status {
				case http.StatusOK:
					won++
				case http.StatusConflict:
					r.WantProblem(t, http.StatusConflict, "already_pledged")
					lost = i
				default:
					t.Fatalf("round %d: %s: %d %s", round, r, r.Status, r.Body)
				}
			}
			if won != 1 || lost < 0 {
				t.Fatalf("round %d: %d registered", round, won)
			}
			loser, winner := []string{a, b}[lost], []string{a, b}[1-lost]
			if st := env.Do(t, http.MethodGet, loser, ipo, nil).Map(t)["state"]; st != "submitted" {
				t.Fatalf("the loser is %v", st)
			}
			e := env.Do(t, http.MethodGet, loser+"/examination", ipo, nil).Map(t)
			if fmt.Sprint(e["blocking"]) != "[already_pledged]" {
				t.Fatalf("blocking %v", e["blocking"])
			}
			env.Do(t, http.MethodPost, loser+"/refuse", ipo, map[string]any{"grounds": []string{"already_pledged"}, "reason": "已质押"}).
				WantStatus(t, http.StatusOK)
			n := env.Do(t, http.MethodGet, loser+"/notice", env.Login(t, "ent-a"), nil)
			n.WantStatus(t, http.StatusOK)
			if !strings.Contains(string(n.Body), "不予登记") || !strings.Contains(string(n.Body), "already_pledged") {
				t.Fatalf("refusal notice %s", n.Body)
			}
			env.Do(t, http.MethodPost, winner+"/revoke", ipo, map[string]any{"reason": "测试轮次结束"}).WantStatus(t, http.StatusOK)
		}
	})
}

// The registry's facts block registration; the examiner refuses citing
// grounds that apply, not ones that do not.
func TestPledgeGroundsBlock(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ipo := env.Login(t, "ipoffice")
		id := submittedPledge(t, env, entAPatent2)
		env.Do(t, http.MethodPost, patentPath(entAPatent2)+"/legal-status", ipo, map[string]any{"status": "fee_grace", "reason": "年费逾期"}).
			WantStatus(t, http.StatusOK)
		p := env.Do(t, http.MethodPost, id+"/register", ipo, nil).WantProblem(t, http.StatusConflict, "registration_blocked")
		if fmt.Sprint(p["blocking"]) != "[annual_fee_unpaid]" {
			t.Fatalf("blocking %v", p["blocking"])
		}
		env.Do(t, http.MethodPost, id+"/refuse", ipo, map[string]any{"grounds": []string{"not_granted"}, "reason": "x"}).
			WantProblem(t, http.StatusConflict, "ground_not_applicable")
		pb := env.Do(t, http.MethodPost, id+"/refuse", ipo, map[string]any{"grounds": []string{"bogus"}}).WantProblem(t, http.StatusBadRequest, "validation_failed")
		if fe := apptest.FieldErrors(pb); fe["grounds[0]"] != "unknown_ground" || fe["reason"] != "required" {
			t.Fatalf("field errors %v", fe)
		}
		// Invalidation requested: refused unless the parties confirmed.
		env.Do(t, http.MethodPost, patentPath(entAPatent2)+"/legal-status", ipo, map[string]any{"status": "invalidation_requested", "reason": "无效宣告请求"}).
			WantStatus(t, http.StatusOK)
		p = env.Do(t, http.MethodPost, id+"/register", ipo, nil).WantProblem(t, http.StatusConflict, "registration_blocked")
		if fmt.Sprint(p["blocking"]) != "[invalidation_pending]" {
			t.Fatalf("blocking %v", p["blocking"])
		}
		env.Do(t, http.MethodPost, id+"/refuse", ipo, map[string]any{"grounds": []string{"invalidation_pending"}, "reason": "已启动无效程序"}).
			WantStatus(t, http.StatusOK)
		body := pledgeBody(t, env, entAPatent2)
		body["confirmed_invalidation"] = true
		body["forfeiture_clause"] = true
		ent, bank := env.Login(t, "ent-a"), env.Login(t, "bank-a")
		r := env.Do(t, http.MethodPost, v1+"/pledges", ent, body)
		r.WantStatus(t, http.StatusCreated)
		id2 := pledgePath(r.Map(t)["id"])
		env.Do(t, http.MethodPost, id2+"/file", ent, nil).WantStatus(t, http.StatusOK)
		env.Do(t, http.MethodPost, id2+"/confirm", bank, nil).WantStatus(t, http.StatusOK)
		e := env.Do(t, http.MethodGet, id2+"/examination", ipo, nil).Map(t)
		if e["can_register"] != true || fmt.Sprint(e["warnings"]) != "[forfeiture_clause]" {
			t.Fatalf("examination %v", e)
		}
		env.Do(t, http.MethodPost, id2+"/register", ipo, nil).WantStatus(t, http.StatusOK)
	})
}

// A pledged patent's legal status turns worse: the pledge is flagged, the
// pledgee alerted and notified, and on lapse the pledgor's whitelist
// entry is flagged for review. A fee falling due alerts both parties once.
func TestPledgeRiskAlerts(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ent, bank, ipo := env.Login(t, "ent-a"), env.Login(t, "bank-a"), env.Login(t, "ipoffice")
		id := registeredPledge(t, env, entAPatent2)
		env.Do(t, http.MethodPost, patentPath(entAPatent2)+"/legal-status", ipo, map[string]any{"status": "lapsed", "reason": "未缴年费终止"}).
			WantStatus(t, http.StatusOK)
		p := env.Do(t, http.MethodGet, id, bank, nil).Map(t)
		if p["collateral_impaired"] != true || !strings.Contains(p["impaired_reason"].(string), entAPatent2) {
			t.Fatalf("pledge %v", p)
		}
		alerts, _ := walk[map[string]any](t, env, bank, v1+"/alerts", "after", 10)
		if len(alerts) != 1 || alerts[0]["kind"] != "collateral_impaired" || alerts[0]["legal_status"] != "lapsed" {
			t.Fatalf("alerts %v", alerts)
		}
		for _, who := range []string{env.Login(t, "bank-b"), ent} {
			if as, _ := walk[map[string]any](t, env, who, v1+"/alerts", "after", 10); len(as) != 0 {
				t.Fatalf("alerts leak: %v", as)
			}
		}
		var ns listPage[map[string]any]
		env.Do(t, http.MethodGet, v1+"/notifications", bank, nil).JSON(t, &ns)
		if !hasKind(ns.Items, "pledge.collateral_impaired") {
			t.Fatalf("notifications %v", ns.Items)
		}
		es, err := env.App.Whitelist.Entries(t.Context(), page.Request{Limit: 10}, whitelist.EntryFilter{ReviewOnly: true})
		if err != nil || len(es.Items) != 1 || es.Items[0].USCC != "91140100MA0G3K8T2B" || !strings.Contains(es.Items[0].ReviewReason, entAPatent2) {
			t.Fatalf("whitelist review flags: %+v %v", es.Items, err)
		}

		// Fee due within 30 days on another pledged patent.
		id2 := registeredPledge(t, env, entAPatent1)
		due := time.Now().In(time.UTC).AddDate(0, 0, 20).Format("2006-01-02")
		setFeePaidUntil(t, env, entAPatent1, due)
		for i, want := range []int{1, 0} {
			n, err := env.App.Pledges.ScanFeeDue(t.Context())
			if err != nil || n != want {
				t.Fatalf("scan %d: %d alerts, %v", i, n, err)
			}
		}
		for _, who := range []string{ent, bank} {
			as, _ := walk[map[string]any](t, env, who, v1+"/alerts", "after", 10)
			last := as[len(as)-1]
			if last["kind"] != "annual_fee_due" || last["due_on"] != due || fmt.Sprint(last["pledge_id"]) != strings.TrimPrefix(id2, v1+"/pledges/") {
				t.Fatalf("fee alert %v", last)
			}
		}
		env.Do(t, http.MethodGet, v1+"/alerts?after=bogus", bank, nil).WantProblem(t, http.StatusBadRequest, "validation_failed")
	})
}

func hasKind(ns []map[string]any, kind string) bool {
	for _, n := range ns {
		if n["kind"] == kind {
			return true
		}
	}
	return false
}

func setFeePaidUntil(t *testing.T, env *apptest.Env, number, until string) {
	t.Helper()
	p, err := env.App.Registry.Get(t.Context(), number)
	if err != nil {
		t.Fatal(err)
	}
	_, err = env.App.DB.ExecContext(t.Context(), env.App.DB.Rebind(`UPDATE patents SET fee_paid_until = ? WHERE id = ?`), until, p.ID)
	if err != nil {
		t.Fatal(err)
	}
}
