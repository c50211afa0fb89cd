package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/ipledge/ipledge/app/apptest"
)

func patentPath(number string) string { return v1 + "/patents/" + url.PathEscape(number) }

func TestPatentRegistryAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ipo, ent, entB, bank := env.Login(t, "ipoffice"), env.Login(t, "ent-a"), env.Login(t, "ent-b"), env.Login(t, "bank-a")

		// Every written form of a demo patent's number finds it; every role reads it.
		for _, n := range []string{"202121635235.X", "ZL202121635235.X", "ZL 2021 2 1635235.X", "CN202121635235.X", "202121635235", "ｚｌ２０２１２１６３５２３５．Ｘ"} {
			r := env.Do(t, http.MethodGet, patentPath(n), bank, nil)
			r.WantStatus(t, http.StatusOK)
			m := r.Map(t)
			if m["application_number"] != "202121635235.X" || m["type"] != "utility_model" || m["expiry_date"] != "2031-07-14" {
				t.Fatalf("%s: %v", n, m)
			}
			if pl := m["pledge"].(map[string]any); pl["in_force"] != false || pl["since"] != nil {
				t.Fatalf("pledge %v", pl)
			}
		}
		p := env.Do(t, http.MethodGet, patentPath("202121635235.3"), ent, nil).WantProblem(t, http.StatusBadRequest, "invalid_patent_number")
		if p["expected_check_digit"] != "X" {
			t.Fatalf("expected digit: %v", p)
		}
		env.Do(t, http.MethodGet, patentPath("202110123456.7"), ent, nil).WantProblem(t, http.StatusNotFound, "not_found")
		env.Do(t, http.MethodGet, patentPath("abc"), ent, nil).WantProblem(t, http.StatusBadRequest, "invalid_patent_number")

		// Lists: ip_office all, an enterprise its own, a bank 403.
		all, _ := walk[map[string]any](t, env, ipo, v1+"/patents", "cursor", 2)
		own, _ := walk[map[string]any](t, env, ent, v1+"/patents", "cursor", 10)
		if len(all) != 7 || len(own) != 3 {
			t.Fatalf("all %d, ent-a %d", len(all), len(own))
		}
		env.Do(t, http.MethodGet, v1+"/patents", bank, nil).WantProblem(t, http.StatusForbidden, "forbidden")

		// Legal status: ip_office only, reason required, history and audit.
		num := patentPath("ZL202121635235.X")
		for _, who := range []string{ent, bank, env.Login(t, "tto-a"), env.Login(t, "bureau")} {
			env.Do(t, http.MethodPost, num+"/legal-status", who, map[string]any{"status": "fee_grace", "reason": "x"}).
				WantProblem(t, http.StatusForbidden, "forbidden")
		}
		env.Do(t, http.MethodPost, num+"/legal-status", ipo, map[string]any{"status": "fee_grace"}).WantProblem(t, http.StatusBadRequest, "validation_failed")
		env.Do(t, http.MethodPost, num+"/legal-status", ipo, map[string]any{"status": "bogus", "reason": "r"}).WantProblem(t, http.StatusBadRequest, "validation_failed")
		env.Do(t, http.MethodPost, num+"/legal-status", ipo, map[string]any{"status": "valid", "reason": "r"}).WantProblem(t, http.StatusConflict, "invalid_state")
		env.Do(t, http.MethodPost, patentPath("202110123456.7")+"/legal-status", ipo, map[string]any{"status": "valid", "reason": "r"}).WantProblem(t, http.StatusNotFound, "not_found")
		r := env.Do(t, http.MethodPost, num+"/legal-status", ipo, map[string]any{"status": "fee_grace", "reason": "年费逾期", "evidence": "缴费通知书"})
		r.WantStatus(t, http.StatusOK)
		if r.Map(t)["legal_status"] != "fee_grace" {
			t.Fatal("status not changed")
		}
		if len(findAudit(auditLog(t, env), "patent.legal_status", r.Header.Get("X-Request-ID"))) != 1 {
			t.Fatal("legal status change not audited")
		}
		hist, _ := walk[map[string]any](t, env, bank, num+"/history", "cursor", 10)
		if len(hist) != 2 || hist[1]["from"] != "valid" || hist[1]["to"] != "fee_grace" || hist[1]["reason"] != "年费逾期" {
			t.Fatalf("history %v", hist)
		}

		// Corrections: the patentee asks; another enterprise gets 404; ip_office confirms.
		body := map[string]any{"status": "valid", "evidence": "年费缴纳收据"}
		env.Do(t, http.MethodPost, num+"/corrections", entB, body).WantProblem(t, http.StatusNotFound, "not_found")
		env.Do(t, http.MethodPost, num+"/corrections", bank, body).WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodPost, num+"/corrections", ent, map[string]any{"status": "valid"}).WantProblem(t, http.StatusBadRequest, "validation_failed")
		env.Do(t, http.MethodPost, num+"/corrections", ent, map[string]any{"status": "valid", "evidence": "e", "x": 1}).WantProblem(t, http.StatusBadRequest, "validation_failed")
		r = env.Do(t, http.MethodPost, num+"/corrections", ent, body)
		r.WantStatus(t, http.StatusCreated)
		id := r.Map(t)["id"].(float64)
		cid := fmt.Sprint(int64(id))
		if r := env.Do(t, http.MethodGet, v1+"/patents/corrections?state=pending", ipo, nil); len(r.Map(t)["items"].([]any)) != 1 {
			t.Fatalf("pending corrections %s", r.Body)
		}
		env.Do(t, http.MethodGet, v1+"/patents/corrections?state=nope", ipo, nil).WantProblem(t, http.StatusBadRequest, "validation_failed")
		env.Do(t, http.MethodGet, v1+"/patents/corrections", ent, nil).WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodPost, v1+"/patents/corrections/"+cid+"/confirm", ent, map[string]any{}).WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodPost, v1+"/patents/corrections/"+cid+"/reject", ipo, map[string]any{}).WantProblem(t, http.StatusBadRequest, "validation_failed")
		env.Do(t, http.MethodPost, v1+"/patents/corrections/999/confirm", ipo, map[string]any{}).WantProblem(t, http.StatusNotFound, "not_found")
		r = env.Do(t, http.MethodPost, v1+"/patents/corrections/"+cid+"/confirm", ipo, map[string]any{"reason": "收据属实"})
		r.WantStatus(t, http.StatusOK)
		if r.Map(t)["state"] != "confirmed" {
			t.Fatal("not confirmed")
		}
		env.Do(t, http.MethodPost, v1+"/patents/corrections/"+cid+"/reject", ipo, map[string]any{"reason": "x"}).WantProblem(t, http.StatusConflict, "invalid_state")
		if m := env.Do(t, http.MethodGet, num, ent, nil).Map(t); m["legal_status"] != "valid" {
			t.Fatalf("after correction: %v", m["legal_status"])
		}

		// Register: ip_office only; bad input stores nothing.
		good := map[string]any{"application_number": "ZL 2021 1 0123456.7", "title": "一种测试方法", "filing_date": "2021-03-01",
			"patentees": []map[string]any{{"name": "朔州示范智能装备有限公司"}}, "ipc_codes": []string{"G06F16/00"}}
		env.Do(t, http.MethodPost, v1+"/patents", ent, good).WantProblem(t, http.StatusForbidden, "forbidden")
		// (A wrong check digit is invalid_patent_number: TestPatentRegistryBadInput.)
		bad := map[string]any{"application_number": "202110123456", "title": "", "filing_date": "2020-03-01", "patentees": []any{}}
		env.Do(t, http.MethodPost, v1+"/patents", ipo, bad).WantProblem(t, http.StatusBadRequest, "validation_failed")
		env.Do(t, http.MethodGet, patentPath("202110123456.7"), ipo, nil).WantProblem(t, http.StatusNotFound, "not_found")
		r = env.Do(t, http.MethodPost, v1+"/patents", ipo, good)
		r.WantStatus(t, http.StatusOK)
		m := r.Map(t)
		if m["application_number"] != "202110123456.7" || m["legal_status"] != "pending" || m["expiry_date"] != "2041-02-28" {
			t.Fatalf("registered %v", m)
		}
		if pt := m["patentees"].([]any)[0].(map[string]any); pt["org_id"] == nil {
			t.Fatal("patentee not linked to ent-b by name")
		}

		// Import: the real sample rows (as CSV); a bad row; a wrong header.
		raw, err := os.ReadFile("../../shared/data/cn-patent-full-records-sample.tsv")
		if err != nil {
			t.Skip("shared sample not found")
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
		for _, l := range lines {
			_ = w.Write(strings.Split(l, "\t"))
		}
		w.Flush()
		sample := buf.Bytes()
		csvHdr := []string{"Content-Type", "text/csv"}
		env.Do(t, http.MethodPost, v1+"/patents/import", ent, sample, csvHdr...).WantProblem(t, http.StatusForbidden, "forbidden")
		r = env.Do(t, http.MethodPost, v1+"/patents/import", ipo, sample, csvHdr...)
		r.WantStatus(t, http.StatusOK)
		if m := r.Map(t); m["invalid"] != float64(0) || m["total"] != float64(len(lines)-1) {
			t.Fatalf("import report %v", m)
		}
		if m := env.Do(t, http.MethodGet, patentPath("CN202310605823.6"), bank, nil).Map(t); m["legal_status"] != "pending" || m["title"] != "一种人员聚集发现算法" {
			t.Fatalf("imported %v", m)
		}
		badFile := "申请号,专利名称,申请日\n202110999999.1,好的,2021-01-01\nCN202310605823.1,错的校验位,20230523\n"
		env.Do(t, http.MethodPost, v1+"/patents/import", ipo, []byte(badFile), csvHdr...).WantProblem(t, http.StatusUnprocessableEntity, "import_rejected")
		env.Do(t, http.MethodGet, patentPath("202110999999"), ipo, nil).WantProblem(t, http.StatusNotFound, "not_found")
		env.Do(t, http.MethodPost, v1+"/patents/import", ipo, []byte("名称,日期\n甲,2021-01-01\n"), csvHdr...).WantProblem(t, http.StatusBadRequest, "invalid_header")
	})
}
