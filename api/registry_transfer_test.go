package api_test

import (
	"net/http"
	"testing"

	"github.com/ipledge/ipledge/app/apptest"
)

// A transfer of a patent: recorded by the IP office only, the patentees
// replaced, history every role reads, audited; bad input stores nothing.
func TestPatentTransferAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ipo, entA, entB, bank := env.Login(t, "ipoffice"), env.Login(t, "ent-a"), env.Login(t, "ent-b"), env.Login(t, "bank-a")
		num := patentPath("ZL 2021 2 1635235.X") // ent-a's
		body := func() map[string]any {
			return map[string]any{"patentees": []map[string]any{{"name": "朔州示范智能装备有限公司"}},
				"effective_date": "2025-01-15", "registration_number": "2025990001234", "reason": "专利权转让", "evidence": "转让合同及著录项目变更通知书"}
		}
		transfers := func() int {
			var n int
			if err := env.App.DB.Get(&n, `SELECT count(*) FROM patent_transfers`); err != nil {
				t.Fatal(err)
			}
			return n
		}

		// Every role but the IP office: 403.
		for _, u := range []string{"ent-a", "ent-b", "bank-a", "tto-a", "bureau", "admin"} {
			env.Do(t, http.MethodPost, num+"/transfers", env.Login(t, u), body()).WantProblem(t, http.StatusForbidden, "forbidden")
		}

		// Bad input.
		env.Do(t, http.MethodPost, patentPath("202110123456.7")+"/transfers", ipo, body()).WantProblem(t, http.StatusNotFound, "not_found")
		env.Do(t, http.MethodGet, patentPath("202110123456.7")+"/transfers", bank, nil).WantProblem(t, http.StatusNotFound, "not_found")
		p := env.Do(t, http.MethodPost, patentPath("202121635235.3")+"/transfers", ipo, body()).WantProblem(t, http.StatusBadRequest, "invalid_patent_number")
		if p["expected_check_digit"] != "X" {
			t.Fatalf("expected digit: %v", p)
		}
		env.Do(t, http.MethodPost, patentPath("abc")+"/transfers", ipo, body()).WantProblem(t, http.StatusBadRequest, "invalid_patent_number")
		env.Do(t, http.MethodGet, patentPath("abc")+"/transfers", bank, nil).WantProblem(t, http.StatusBadRequest, "invalid_patent_number")
		for _, c := range []struct {
			name, field, code string
			change            func(map[string]any)
		}{
			{"empty patentees", "patentees", "required", func(b map[string]any) { b["patentees"] = []any{} }},
			{"no patentees", "patentees", "required", func(b map[string]any) { delete(b, "patentees") }},
			{"unknown org", "patentees[0].org_id", "unknown_org", func(b map[string]any) { b["patentees"] = []map[string]any{{"org_id": 999999}} }},
			{"unchanged", "patentees", "unchanged", func(b map[string]any) {
				b["patentees"] = []map[string]any{{"name": "太原示范新材料科技有限公司"}}
			}},
			{"no date", "effective_date", "required", func(b map[string]any) { delete(b, "effective_date") }},
			{"bad date", "effective_date", "invalid", func(b map[string]any) { b["effective_date"] = "2025-02-30" }},
			{"before filing", "effective_date", "before_filing", func(b map[string]any) { b["effective_date"] = "2021-07-14" }},
			{"future", "effective_date", "future", func(b map[string]any) { b["effective_date"] = "2999-01-01" }},
			{"no registration number", "registration_number", "required", func(b map[string]any) { b["registration_number"] = " " }},
			{"unknown field", "", "", func(b map[string]any) { b["consent"] = true }},
		} {
			t.Run(c.name, func(t *testing.T) {
				b := body()
				c.change(b)
				p := env.Do(t, http.MethodPost, num+"/transfers", ipo, b).WantProblem(t, http.StatusBadRequest, "validation_failed")
				if c.field != "" && apptest.FieldErrors(p)[c.field] != c.code {
					t.Fatalf("field errors %v, want %s: %s", p["errors"], c.field, c.code)
				}
			})
		}
		if n := transfers(); n != 0 {
			t.Fatalf("bad input stored %d transfers", n)
		}
		if m := env.Do(t, http.MethodGet, num, bank, nil).Map(t); m["patentees"].([]any)[0].(map[string]any)["name"] != "太原示范新材料科技有限公司" {
			t.Fatalf("bad input changed the patentees: %v", m["patentees"])
		}

		// Recorded: the patentees replaced, history, audit.
		r := env.Do(t, http.MethodPost, num+"/transfers", ipo, body())
		r.WantStatus(t, http.StatusOK)
		m := r.Map(t)
		holders := m["patentees"].([]any)
		if len(holders) != 1 || holders[0].(map[string]any)["name"] != "朔州示范智能装备有限公司" || holders[0].(map[string]any)["org_id"] == nil {
			t.Fatalf("patentees after the transfer: %v", holders)
		}
		if len(findAudit(auditLog(t, env), "patent.transfer", r.Header.Get("X-Request-ID"))) != 1 {
			t.Fatal("the transfer was not audited")
		}
		for _, who := range []string{"ipoffice", "bureau", "bank-a", "ent-a", "ent-b", "tto-a", "admin"} {
			hist, _ := walk[map[string]any](t, env, env.Login(t, who), num+"/transfers", "cursor", 10)
			if len(hist) != 1 {
				t.Fatalf("%s: transfers %v", who, hist)
			}
			h := hist[0]
			if h["effective_date"] != "2025-01-15" || h["registration_number"] != "2025990001234" || h["actor"] != "ipoffice" ||
				h["from"].([]any)[0].(map[string]any)["name"] != "太原示范新材料科技有限公司" ||
				h["to"].([]any)[0].(map[string]any)["name"] != "朔州示范智能装备有限公司" || h["reason"] != "专利权转让" {
				t.Fatalf("transfer %v", h)
			}
		}
		// The patent moved from ent-a's list to ent-b's; ent-a can no
		// longer ask for its correction.
		ownA, _ := walk[map[string]any](t, env, entA, v1+"/patents", "cursor", 10)
		ownB, _ := walk[map[string]any](t, env, entB, v1+"/patents", "cursor", 10)
		if len(ownA) != 2 || len(ownB) != 2 {
			t.Fatalf("ent-a holds %d, ent-b %d", len(ownA), len(ownB))
		}
		env.Do(t, http.MethodPost, num+"/corrections", entA, map[string]any{"status": "lapsed", "evidence": "x"}).WantProblem(t, http.StatusNotFound, "not_found")
		// The same transfer again changes nothing: 400 unchanged.
		p = env.Do(t, http.MethodPost, num+"/transfers", ipo, body()).WantProblem(t, http.StatusBadRequest, "validation_failed")
		if apptest.FieldErrors(p)["patentees"] != "unchanged" {
			t.Fatalf("again: %v", p)
		}
		// Back to ent-a, with shares this time.
		b := body()
		b["patentees"] = []map[string]any{{"name": "太原示范新材料科技有限公司", "share_bp": 6000}, {"name": "朔州示范智能装备有限公司", "share_bp": 4000}}
		b["registration_number"] = "2025990005678"
		env.Do(t, http.MethodPost, num+"/transfers", ipo, b).WantStatus(t, http.StatusOK)
		hist, pages := walk[map[string]any](t, env, bank, num+"/transfers", "cursor", 1)
		if len(hist) != 2 || pages != 2 || hist[1]["registration_number"] != "2025990005678" || len(hist[1]["to"].([]any)) != 2 {
			t.Fatalf("transfers %v in %d pages", hist, pages)
		}
		env.Do(t, http.MethodGet, num+"/transfers?cursor=nope", bank, nil).WantProblem(t, http.StatusBadRequest, "validation_failed")
	})
}
