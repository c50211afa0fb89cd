package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/platform/date"
)

// applyFee submits a fee application of ent-a.
func applyFee(t *testing.T, env *apptest.Env, policyID, loanID int64, kind string, invoice int64) *apptest.Response {
	t.Helper()
	return env.Do(t, http.MethodPost, v1+"/subsidy-applications", env.Login(t, "ent-a"),
		map[string]any{"policy_id": policyID, "loan_id": loanID, "kind": kind, "invoice_fen": invoice})
}

// TestSubsidyFeeApplications: valuation, guarantee and insurance invoices
// on a ¥1,000,000 loan, worked by hand.
func TestSubsidyFeeApplications(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		pid := subsidyPledge(t, env)
		l := settledLoan(t, env, pid, paid{"2024-01-20", 200_000})
		fees := []map[string]any{
			{"kind": "valuation", "share": "50", "max_loan_share": "0.5", "cap_fen": 2_000_000},
			{"kind": "guarantee", "share": "30", "max_loan_share": "1.2", "cap_fen": 200_000},
			{"kind": "insurance", "share": "40"},
		}
		p := activePolicy(t, env, plainPolicy(env, 2024, func(b map[string]any) { b["fees"] = fees }))
		for _, c := range []struct {
			kind          string
			invoice       int64
			limit         any
			eligible      string
			uncapped, sub float64
			capHit        bool
		}{
			// Valuation: the fee counts up to 0.5% of 100,000,000 = 500,000;
			// 600,000 invoiced → 500,000 × 50% = 250,000, under the 2,000,000 cap.
			{"valuation", 600_000, "500000.0000", "500000.0000", 250_000, 250_000, false},
			// Guarantee: up to 1.2% = 1,200,000; 1,000,001 × 30% = 300,000.3
			// → 300,000, then the per-fee cap 200,000.
			{"guarantee", 1_000_001, "1200000.0000", "1000001.0000", 300_000, 200_000, true},
			// Insurance: no limit, no cap; 333,333 × 40% = 133,333.2 → 133,333.
			{"insurance", 333_333, nil, "333333.0000", 133_333, 133_333, false},
		} {
			r := applyFee(t, env, p, l.ID, c.kind, c.invoice)
			r.WantStatus(t, http.StatusCreated)
			a := decodeApp(t, r)
			comp := a.Computation
			if a.State != "auto_approved" || a.AmountFen != int64(c.sub) || comp["kind"] != c.kind || comp["loan_limit_fen"] != c.limit ||
				comp["eligible_fen"] != c.eligible || comp["uncapped_fen"] != c.uncapped || comp["subsidy_fen"] != c.sub || comp["cap_hit"] != c.capHit {
				t.Errorf("%s: %s", c.kind, r.Body)
			}
		}
		before := countRows(t, env, "subsidy_applications")
		// One claim per fee of a loan.
		applyFee(t, env, p, l.ID, "valuation", 1_000).WantProblem(t, http.StatusUnprocessableEntity, "fee_already_claimed")
		// A fee the policy does not subsidise.
		l2 := settledLoan(t, env, pid, paid{"2024-01-20", 200_000})
		bare := activePolicy(t, env, plainPolicy(env, 2024))
		applyFee(t, env, bare, l2.ID, "valuation", 1_000).WantProblem(t, http.StatusUnprocessableEntity, "fee_not_subsidised")
		// Outside the window.
		today := date.Today(env.Clock.Now)
		late := activePolicy(t, env, plainPolicy(env, 2024, func(b map[string]any) {
			b["fees"], b["window_start"], b["window_end"] = fees, today.AddDays(-30).String(), today.AddDays(-1).String()
		}))
		applyFee(t, env, late, l2.ID, "valuation", 1_000).WantProblem(t, http.StatusUnprocessableEntity, "outside_application_window")
		// A fee has no period; an interest claim has no invoice; an unknown kind.
		ent := env.Login(t, "ent-a")
		for _, b := range []map[string]any{
			{"policy_id": p, "loan_id": l2.ID, "kind": "valuation", "invoice_fen": 1_000, "start": "2024-01-01", "end": "2024-01-31"},
			{"policy_id": p, "loan_id": l2.ID, "kind": "valuation", "invoice_fen": 0},
			{"policy_id": p, "loan_id": l2.ID, "kind": "valuation", "invoice_fen": -5},
			{"policy_id": p, "loan_id": l2.ID, "start": "2024-01-01", "end": "2024-01-31", "invoice_fen": 1_000},
			{"policy_id": p, "loan_id": l2.ID, "kind": "legal", "invoice_fen": 1_000},
		} {
			env.Do(t, http.MethodPost, v1+"/subsidy-applications", ent, b).WantProblem(t, http.StatusBadRequest, "validation_failed")
		}
		if n := countRows(t, env, "subsidy_applications"); n != before {
			t.Fatalf("refused fee applications stored: %d → %d", before, n)
		}
		// A rejected fee claim can be made again.
		var list struct {
			Items []subApp `json:"items"`
		}
		ipo := env.Login(t, "ipoffice")
		env.Do(t, http.MethodGet, fmt.Sprintf("%s/subsidy-applications?policy_id=%d", v1, p), ipo, nil).JSON(t, &list)
		if len(list.Items) != 3 {
			t.Fatalf("%+v", list.Items)
		}
		env.Do(t, http.MethodPost, list.Items[0].path()+"/reject", ipo, map[string]any{"reason": "发票抬头不符"}).WantStatus(t, http.StatusOK)
		applyFee(t, env, p, l.ID, "insurance", 333_333).WantStatus(t, http.StatusCreated)
	})
}

// TestSubsidyObjections: objections during the public notice are
// recorded, listed and resolved; an upheld one rejects the application;
// an open one blocks the payment.
func TestSubsidyObjections(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		l := settledLoan(t, env, subsidyPledge(t, env), paid{"2024-01-20", 200_000}, paid{"2024-02-20", 400_000})
		p := activePolicy(t, env, plainPolicy(env, 2024))
		a1 := mustApply(t, env, p, l.ID, "2024-01-01", "2024-01-31")
		a2 := mustApply(t, env, p, l.ID, "2024-02-01", "2024-02-29")
		ipo, ent := env.Login(t, "ipoffice"), env.Login(t, "ent-a")
		obj := map[string]any{"objector": "某竞争企业", "text": "付息凭证疑似伪造"}
		// Not on public notice yet.
		env.Do(t, http.MethodPost, a1.path()+"/objections", ipo, obj).WantProblem(t, http.StatusConflict, "invalid_state")
		closeRound(t, env, p)
		env.Do(t, http.MethodPost, a1.path()+"/objections", ent, obj).WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodPost, a1.path()+"/objections", ipo, map[string]any{"objector": "x", "text": " "}).WantProblem(t, http.StatusBadRequest, "validation_failed")
		r := env.Do(t, http.MethodPost, a1.path()+"/objections", ipo, obj)
		r.WantStatus(t, http.StatusCreated)
		o1 := r.Map(t)
		if o1["state"] != "open" || o1["objector"] != "某竞争企业" {
			t.Fatalf("objection %s", r.Body)
		}
		r = env.Do(t, http.MethodPost, a2.path()+"/objections", ipo, map[string]any{"objector": "群众来信", "text": "该企业已停产"})
		r.WantStatus(t, http.StatusCreated)
		o2 := r.Map(t)
		// The applicant and its bank see the objections.
		for _, u := range []string{"ent-a", "bank-a"} {
			var os struct {
				Items []map[string]any `json:"items"`
			}
			env.Do(t, http.MethodGet, a1.path()+"/objections", env.Login(t, u), nil).JSON(t, &os)
			if len(os.Items) != 1 || os.Items[0]["text"] != "付息凭证疑似伪造" {
				t.Fatalf("%s sees %v", u, os.Items)
			}
		}
		resolve := func(o map[string]any) string { return fmt.Sprintf("%s/subsidy-objections/%v/resolve", v1, o["id"]) }
		env.Do(t, http.MethodPost, resolve(o1), ipo, map[string]any{"upheld": false, "resolution": ""}).WantProblem(t, http.StatusBadRequest, "validation_failed")
		env.Do(t, http.MethodPost, v1+"/subsidy-objections/999999/resolve", ipo, map[string]any{"upheld": false, "resolution": "x"}).WantProblem(t, http.StatusNotFound, "not_found")

		// After the notice: the open objection blocks a1's payment.
		env.Clock.Advance(15 * 24 * time.Hour)
		for _, u := range []string{"ipoffice", "ipoffice-2", "ent-a", "bank-a"} {
			env.Forget(u)
		}
		ipo = env.Login(t, "ipoffice")
		pay := map[string]any{"paid_on": date.Today(env.Clock.Now).String(), "amount_fen": 100_000, "reference": "CZ-1"}
		env.Do(t, http.MethodPost, a1.path()+"/payment", ipo, pay).WantProblem(t, http.StatusConflict, "objection_open")
		env.Do(t, http.MethodPost, a1.path()+"/objections", ipo, obj).WantProblem(t, http.StatusConflict, "notice_period_over")

		// Dismissed: a1 stays on the notice and can be paid.
		r = env.Do(t, http.MethodPost, resolve(o1), ipo, map[string]any{"upheld": false, "resolution": "经银行核实凭证真实"})
		r.WantStatus(t, http.StatusOK)
		if m := r.Map(t); m["state"] != "dismissed" || m["resolution"] != "经银行核实凭证真实" || m["resolved_at"] == nil {
			t.Fatalf("dismissed %s", r.Body)
		}
		env.Do(t, http.MethodPost, resolve(o1), ipo, map[string]any{"upheld": true, "resolution": "again"}).WantProblem(t, http.StatusConflict, "invalid_state")
		if got := getApp(t, env, a1); got.State != "public_notice" {
			t.Fatalf("a1 %+v", got)
		}
		env.Do(t, http.MethodPost, a1.path()+"/payment", ipo, pay).WantStatus(t, http.StatusAccepted)

		// Upheld: a2 is rejected with the resolution as its reason.
		r = env.Do(t, http.MethodPost, resolve(o2), ipo, map[string]any{"upheld": true, "resolution": "经核查企业已停产，取消资助"})
		r.WantStatus(t, http.StatusOK)
		if r.Map(t)["state"] != "upheld" {
			t.Fatalf("upheld %s", r.Body)
		}
		if got := getApp(t, env, a2); got.State != "rejected" || got.Reason != "经核查企业已停产，取消资助" {
			t.Fatalf("a2 %+v", got)
		}
		pay["amount_fen"] = 200_000
		env.Do(t, http.MethodPost, a2.path()+"/payment", ipo, pay).WantProblem(t, http.StatusConflict, "invalid_state")
		// The notice no longer lists a2.
		var n struct {
			Items []subApp `json:"items"`
		}
		r = env.Do(t, http.MethodGet, fmt.Sprintf("%s/subsidy-policies/%d/notice", v1, p), env.Login(t, "ent-a"), nil)
		r.WantStatus(t, http.StatusOK)
		r.JSON(t, &n)
		if len(n.Items) != 1 || n.Items[0].ID != a1.ID {
			t.Fatalf("notice %+v", n.Items)
		}
	})
}

// TestSubsidyAttachments: evidence files are PDF, JPG or PNG up to
// 20 MiB, checked by content, seen by the parties only.
func TestSubsidyAttachments(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		l := settledLoan(t, env, subsidyPledge(t, env), paid{"2024-01-20", 200_000}, paid{"2024-02-20", 200_000})
		p := activePolicy(t, env, plainPolicy(env, 2024))
		a := mustApply(t, env, p, l.ID, "2024-01-01", "2024-01-31")
		other := mustApply(t, env, p, l.ID, "2024-02-01", "2024-02-29")
		ent, bank, ipo := env.Login(t, "ent-a"), env.Login(t, "bank-a"), env.Login(t, "ipoffice")
		pdf := []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
		body, ctype := multipartBody(t, "interest_voucher", "付息凭证.pdf", "application/pdf", pdf)
		r := env.Do(t, http.MethodPost, a.path()+"/attachments", ent, body, "Content-Type", ctype)
		r.WantStatus(t, http.StatusCreated)
		at := r.Map(t)
		if at["filename"] != "付息凭证.pdf" || at["content_type"] != "application/pdf" || at["size_bytes"] != float64(len(pdf)) || len(at["sha256"].(string)) != 64 {
			t.Fatalf("attachment %s", r.Body)
		}
		atPath := fmt.Sprintf("%s/attachments/%v", a.path(), at["id"])
		for _, tok := range []string{bank, ipo, ent} {
			d := env.Do(t, http.MethodGet, atPath, tok, nil)
			d.WantStatus(t, http.StatusOK)
			if !bytes.Equal(d.Body, pdf) || d.Header.Get("Content-Type") != "application/pdf" || d.Header.Get("X-Content-SHA256") != at["sha256"] ||
				d.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("download %d bytes, %v", len(d.Body), d.Header)
			}
		}
		// Another tenant, another application's path, an unknown id: 404.
		for _, u := range []string{"ent-b", "bank-b"} {
			tok := env.Login(t, u)
			env.Do(t, http.MethodGet, atPath, tok, nil).WantProblem(t, http.StatusNotFound, "not_found")
			env.Do(t, http.MethodGet, a.path()+"/attachments", tok, nil).WantProblem(t, http.StatusNotFound, "not_found")
			env.Do(t, http.MethodPost, a.path()+"/attachments", tok, body, "Content-Type", ctype).WantProblem(t, http.StatusNotFound, "not_found")
		}
		env.Do(t, http.MethodGet, fmt.Sprintf("%s/attachments/%v", other.path(), at["id"]), ipo, nil).WantProblem(t, http.StatusNotFound, "not_found")
		env.Do(t, http.MethodGet, a.path()+"/attachments/999999", ipo, nil).WantProblem(t, http.StatusNotFound, "not_found")
		env.Do(t, http.MethodGet, v1+"/subsidy-applications/999999/attachments", ipo, nil).WantProblem(t, http.StatusNotFound, "not_found")

		before := countRows(t, env, "subsidy_attachments")
		png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
		jpg := append([]byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"), make([]byte, 64)...)
		big := append(slices.Clone(pdf), make([]byte, 20<<20-len(pdf))...) // exactly 20 MiB
		stored := 0
		for _, c := range []struct {
			name, kind, file, ctype string
			content                 []byte
			status                  int
			code                    string
		}{
			{"png", "bank_statement", "对账单.PNG", "image/png", png, http.StatusCreated, ""},
			{"jpg", "fee_invoice", "发票.jpeg", "image/jpeg", jpg, http.StatusCreated, ""},
			{"octet-stream", "other", "a.pdf", "application/octet-stream", pdf, http.StatusCreated, ""},
			{"20 MiB", "other", "big.pdf", "application/pdf", big, http.StatusCreated, ""},
			{"text", "other", "a.pdf", "application/pdf", []byte("just text"), http.StatusUnsupportedMediaType, "unsupported_attachment_type"},
			{"declared wrong", "other", "a.pdf", "image/png", pdf, http.StatusUnsupportedMediaType, "unsupported_attachment_type"},
			{"extension wrong", "other", "a.png", "", pdf, http.StatusUnsupportedMediaType, "unsupported_attachment_type"},
			{"html", "other", "a.html", "text/html", []byte("<html><body>x</body></html>"), http.StatusUnsupportedMediaType, "unsupported_attachment_type"},
			{"bad kind", "invoice", "a.pdf", "", pdf, http.StatusBadRequest, "validation_failed"},
			{"no kind", "", "a.pdf", "", pdf, http.StatusBadRequest, "validation_failed"},
			{"empty", "other", "a.pdf", "", nil, http.StatusBadRequest, "validation_failed"},
			{"one byte too large", "other", "a.pdf", "", append(slices.Clone(big), 0), http.StatusRequestEntityTooLarge, "payload_too_large"},
		} {
			body, ctype := multipartBody(t, c.kind, c.file, c.ctype, c.content)
			r := env.Do(t, http.MethodPost, a.path()+"/attachments", bank, body, "Content-Type", ctype)
			if c.code == "" {
				if r.Status != c.status {
					t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
				}
				stored++
			} else if r.Status != c.status {
				t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
			} else if got := r.Problem(t)["code"]; got != c.code {
				t.Errorf("%s: %v, want %s", c.name, got, c.code)
			}
		}
		env.Do(t, http.MethodPost, a.path()+"/attachments", bank, `{"kind":"other"}`).WantProblem(t, http.StatusUnsupportedMediaType, "unsupported_format")
		if n := countRows(t, env, "subsidy_attachments"); n != before+stored {
			t.Fatalf("attachments %d → %d, %d accepted", before, n, stored)
		}
		var list struct {
			Items []map[string]any `json:"items"`
		}
		env.Do(t, http.MethodGet, a.path()+"/attachments", ent, nil).JSON(t, &list)
		if len(list.Items) != 1+stored || list.Items[0]["filename"] != "付息凭证.pdf" {
			t.Fatalf("list %v", list.Items)
		}
		if _, ok := list.Items[0]["content"]; ok {
			t.Fatal("the list carries the content")
		}
	})
}

// TestSubsidyReturnAndResubmit: a returned application keeps its period,
// is corrected and resubmitted, and is evaluated anew.
func TestSubsidyReturnAndResubmit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		l := settledLoan(t, env, subsidyPledge(t, env), paid{"2024-01-20", 300_000})
		body := plainPolicy(env, 2024, func(b map[string]any) { b["auto_approve_max_fen"] = 100_000 })
		p := activePolicy(t, env, body)
		// 300,000 × 50% = 150,000 > 100,000: in review.
		a := mustApply(t, env, p, l.ID, "2024-01-01", "2024-01-31")
		if a.State != "in_review" || a.AmountFen != 150_000 {
			t.Fatalf("%+v", a)
		}
		ipo, ent := env.Login(t, "ipoffice"), env.Login(t, "ent-a")
		env.Do(t, http.MethodPost, a.path()+"/resubmit", ent, nil).WantProblem(t, http.StatusConflict, "invalid_state")
		env.Do(t, http.MethodPost, a.path()+"/return", ipo, map[string]any{"reason": ""}).WantProblem(t, http.StatusBadRequest, "validation_failed")
		r := env.Do(t, http.MethodPost, a.path()+"/return", ipo, map[string]any{"reason": "请补充银行付息凭证"})
		r.WantStatus(t, http.StatusOK)
		if got := decodeApp(t, r); got.State != "returned" || got.Reason != "请补充银行付息凭证" {
			t.Fatalf("returned %+v", got)
		}
		// The returned application still holds its period.
		applyFor(t, env, p, l.ID, "2024-01-15", "2024-01-31").WantProblem(t, http.StatusUnprocessableEntity, "period_overlaps_claim")
		env.Do(t, http.MethodPost, a.path()+"/resubmit", env.Login(t, "bank-a"), nil).WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodPost, a.path()+"/resubmit", env.Login(t, "ent-b"), nil).WantProblem(t, http.StatusNotFound, "not_found")
		// The enterprise attaches the voucher; meanwhile the office raises
		// the threshold to 150,000 (four eyes).
		pdf := []byte("%PDF-1.4\n%%EOF\n")
		mb, ct := multipartBody(t, "interest_voucher", "凭证.pdf", "application/pdf", pdf)
		env.Do(t, http.MethodPost, a.path()+"/attachments", ent, mb, "Content-Type", ct).WantStatus(t, http.StatusCreated)
		body["auto_approve_max_fen"] = 150_000
		pr := env.Do(t, http.MethodPut, fmt.Sprintf("%s/subsidy-policies/%d", v1, p), ipo, body)
		pr.WantStatus(t, http.StatusAccepted)
		env.Do(t, http.MethodPost, fmt.Sprintf("%s/subsidy-approvals/%v/approve", v1, pr.Map(t)["id"]), env.Login(t, "ipoffice-2"), nil).WantStatus(t, http.StatusOK)
		r = env.Do(t, http.MethodPost, a.path()+"/resubmit", ent, nil)
		r.WantStatus(t, http.StatusOK)
		got := decodeApp(t, r)
		if got.State != "auto_approved" || got.AmountFen != 150_000 || got.Reason != "" || len(got.Flags) != 0 || got.ID != a.ID {
			t.Fatalf("resubmitted %+v", got)
		}
		env.Do(t, http.MethodPost, a.path()+"/resubmit", ent, nil).WantProblem(t, http.StatusConflict, "invalid_state")
		// An auto-approved application can be returned too; a rejected one
		// frees its period.
		env.Do(t, http.MethodPost, a.path()+"/return", ipo, map[string]any{"reason": "金额复核"}).WantStatus(t, http.StatusOK)
		env.Do(t, http.MethodPost, a.path()+"/reject", ipo, map[string]any{"reason": "未按期补正"}).WantProblem(t, http.StatusConflict, "invalid_state")
		if n := countRows(t, env, "subsidy_applications"); n != 1 {
			t.Fatalf("%d applications", n)
		}
	})
}

// TestSubsidyReportsReconcile: reports by year, region and bank; each row
// and the totals are recomputed here from the applications themselves.
func TestSubsidyReportsReconcile(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		pid := subsidyPledge(t, env)
		l1 := settledLoan(t, env, pid, paid{"2023-12-31", 200_000}, paid{"2024-01-20", 2_000_000}, paid{"2024-02-20", 600_002}, paid{"2024-03-20", 50_000})
		l2 := settledLoan(t, env, pid, paid{"2024-01-20", 444_444})
		p23 := activePolicy(t, env, plainPolicy(env, 2023))
		p24 := activePolicy(t, env, plainPolicy(env, 2024, func(b map[string]any) {
			b["budget_fen"] = 1_000_000
			b["fees"] = []map[string]any{{"kind": "valuation", "share": "50"}}
		}))
		pty := activePolicy(t, env, plainPolicy(env, 2024, func(b map[string]any) { b["region"] = "140100" }))
		ipo := env.Login(t, "ipoffice")
		mustApply(t, env, p23, l1.ID, "2023-12-20", "2023-12-31")                           // 100,000 (2023, 140000)
		a := mustApply(t, env, p24, l1.ID, "2024-01-01", "2024-01-31")                      // 1,000,000
		mustApply(t, env, p24, l1.ID, "2024-02-01", "2024-02-29")                           // 300,001
		applyFee(t, env, p24, l1.ID, "valuation", 10_001).WantStatus(t, http.StatusCreated) // 5,001 (half up)
		mustApply(t, env, pty, l2.ID, "2024-01-01", "2024-01-31")                           // 222,222 (2024, 140100)
		rej := mustApply(t, env, pty, l1.ID, "2024-03-01", "2024-03-31")                    // 25,000, then rejected: not reported
		env.Do(t, http.MethodPost, rej.path()+"/reject", ipo, map[string]any{"reason": "重复申报"}).WantStatus(t, http.StatusOK)
		// p24's round closes pro rata: 1,305,002 approved, budget 1,000,000.
		closeRound(t, env, p24)
		if got := getApp(t, env, a); got.AllocatedFen == nil || *got.AllocatedFen == 0 {
			t.Fatalf("%+v", got)
		}

		type line struct {
			Key              string `json:"key"`
			Applications     int    `json:"applications"`
			Loans            int    `json:"loans"`
			LoanPrincipalFen int64  `json:"loan_principal_fen"`
			AmountFen        int64  `json:"amount_fen"`
			AllocatedFen     int64  `json:"allocated_fen"`
			PaidFen          int64  `json:"paid_fen"`
			ClawedBackFen    int64  `json:"clawed_back_fen"`
		}
		type item struct {
			ID               int64  `json:"id"`
			State            string `json:"state"`
			LoanID           int64  `json:"loan_id"`
			LoanPrincipalFen int64  `json:"loan_principal_fen"`
			AmountFen        int64  `json:"amount_fen"`
			AllocatedFen     *int64 `json:"allocated_fen"`
			PaidFen          *int64 `json:"paid_fen"`
			ClawbackFen      *int64 `json:"clawback_fen"`
			Region           string `json:"region"`
			PolicyYear       int    `json:"policy_year"`
			BankOrgID        int64  `json:"bank_org_id"`
		}
		items, _ := walk[item](t, env, ipo, v1+"/subsidy-applications", "cursor", 2)
		if len(items) != 6 {
			t.Fatalf("%d applications", len(items))
		}
		for _, c := range []struct {
			query string
			key   func(item) string
			keys  []string
		}{
			{"by=year", func(i item) string { return strconv.Itoa(i.PolicyYear) }, []string{"2023", "2024"}},
			{"by=region", func(i item) string { return i.Region }, []string{"140000", "140100"}},
			{"by=region&year=2024", func(i item) string { return i.Region }, []string{"140000", "140100"}},
			{"by=bank&year=2024", func(i item) string { return strconv.FormatInt(i.BankOrgID, 10) }, []string{strconv.FormatInt(orgID(t, env, "bank-a"), 10)}},
			{"year=2023", func(i item) string { return i.Region }, []string{"140000"}},
		} {
			var rep struct {
				Rows   []line `json:"rows"`
				Totals line   `json:"totals"`
			}
			r := env.Do(t, http.MethodGet, v1+"/subsidy-reports?"+c.query, ipo, nil)
			r.WantStatus(t, http.StatusOK)
			r.JSON(t, &rep)
			q, _ := url.ParseQuery(c.query)
			year, _ := strconv.Atoi(q.Get("year"))
			// Expected, from the line items: all but rejected and returned.
			want := map[string]*line{}
			tot := line{Key: "total"}
			loansIn := map[string]map[int64]bool{}
			allLoans := map[int64]bool{}
			add := func(l *line, seen map[int64]bool, i item) {
				l.Applications++
				if !seen[i.LoanID] {
					seen[i.LoanID] = true
					l.Loans++
					l.LoanPrincipalFen += i.LoanPrincipalFen
				}
				l.AmountFen += i.AmountFen
				for _, x := range []struct {
					p   *int64
					sum *int64
				}{{i.AllocatedFen, &l.AllocatedFen}, {i.PaidFen, &l.PaidFen}, {i.ClawbackFen, &l.ClawedBackFen}} {
					if x.p != nil {
						*x.sum += *x.p
					}
				}
			}
			for _, i := range items {
				if i.State == "rejected" || i.State == "returned" || (year != 0 && i.PolicyYear != year) {
					continue
				}
				k := c.key(i)
				if want[k] == nil {
					want[k] = &line{Key: k}
					loansIn[k] = map[int64]bool{}
				}
				add(want[k], loansIn[k], i)
				add(&tot, allLoans, i)
			}
			var keys []string
			var sum line
			for _, row := range rep.Rows {
				keys = append(keys, row.Key)
				w := want[row.Key]
				if w == nil || row != *w {
					t.Errorf("%s: row %+v, from the items %+v", c.query, row, w)
				}
				sum.Applications += row.Applications
				sum.AmountFen += row.AmountFen
				sum.AllocatedFen += row.AllocatedFen
				sum.PaidFen += row.PaidFen
				sum.ClawedBackFen += row.ClawedBackFen
			}
			if !slices.Equal(keys, c.keys) {
				t.Errorf("%s: rows %v, want %v", c.query, keys, c.keys)
			}
			rep.Totals.Key = "total"
			if rep.Totals != tot {
				t.Errorf("%s: totals %+v, from the items %+v", c.query, rep.Totals, tot)
			}
			if sum.Applications != tot.Applications || sum.AmountFen != tot.AmountFen || sum.AllocatedFen != tot.AllocatedFen ||
				sum.PaidFen != tot.PaidFen || sum.ClawedBackFen != tot.ClawedBackFen {
				t.Errorf("%s: the rows sum to %+v, the totals say %+v", c.query, sum, rep.Totals)
			}
		}
		// Hand-worked: all years 100,000 + 1,000,000 + 300,001 + 5,001 +
		// 222,222 = 1,627,224; the allocation of 2024 (140000) sums to its
		// budget 1,000,000.
		var rep struct {
			Rows   []line `json:"rows"`
			Totals line   `json:"totals"`
		}
		env.Do(t, http.MethodGet, v1+"/subsidy-reports?by=region&year=2024", ipo, nil).JSON(t, &rep)
		if rep.Totals.AmountFen != 1_527_224 || rep.Rows[0].AllocatedFen != 1_000_000 || rep.Rows[0].AmountFen != 1_305_002 || rep.Rows[1].AmountFen != 222_222 {
			t.Fatalf("report %+v", rep)
		}
		env.Do(t, http.MethodGet, v1+"/subsidy-reports?by=patent", ipo, nil).WantProblem(t, http.StatusBadRequest, "validation_failed")
		env.Do(t, http.MethodGet, v1+"/subsidy-reports?year=1999", ipo, nil).WantProblem(t, http.StatusBadRequest, "validation_failed")
		env.Do(t, http.MethodGet, v1+"/subsidy-reports?year=abc", ipo, nil).WantProblem(t, http.StatusBadRequest, "validation_failed")
	})
}
