package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/uscc"
	"github.com/ipledge/ipledge/whitelist"
)

// demoActor is a demo user as an audit actor, for service calls that set
// up a test's data.
func demoActor(t *testing.T, env *apptest.Env, username string) audit.Actor {
	t.Helper()
	u, err := env.App.Accounts.UserByUsername(t.Context(), username)
	if err != nil {
		t.Fatal(err)
	}
	o, err := env.App.Accounts.Organisation(t.Context(), u.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	role := string(o.Kind)
	return audit.Actor{UserID: u.ID, Username: u.Username, OrgID: u.OrgID, Role: role}
}

// feedbackFirm makes a valid code from a serial number.
func feedbackFirm(i int) string {
	first := fmt.Sprintf("91140100MA%07d", 7000+i)
	return first + string(uscc.CheckCharacter(first))
}

// publishFirms takes firms through nomination, a batch, its public notice
// and publication (through the service), and leaves the clock on the day
// they take effect. Call it before logging in: it moves the clock past
// the access tokens' lifetime.
func publishFirms(t *testing.T, env *apptest.Env, codes ...string) {
	t.Helper()
	ctx := context.Background()
	wl := env.App.Whitelist
	bureau, ip := demoActor(t, env, "bureau"), demoActor(t, env, "ipoffice")
	b, err := wl.CreateBatch(ctx, ip, "反馈测试批次")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range codes {
		n, err := wl.Nominate(ctx, bureau, "", whitelist.NominationInput{USCC: c, Name: "反馈测试企业" + c[10:],
			BureauDocNo: "晋民经认〔2026〕9号", ValidInventionPatents: 3})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := wl.Accept(ctx, ip, n.ID, b.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := wl.StartNotice(ctx, ip, b.ID, date.Date{}); err != nil {
		t.Fatal(err)
	}
	env.Clock.Advance(30 * 24 * time.Hour)
	if _, err := wl.Publish(ctx, ip, b.ID, date.Date{}, date.Date{}); err != nil {
		t.Fatal(err)
	}
}

// pilotCode is a Fujian-style pilot code (9135…M000…) with a wrong check
// character.
func pilotCode(i int) string {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	first := fmt.Sprintf("91350100M000%05d", i)
	want := uscc.CheckCharacter(first)
	return first + string(alphabet[(strings.IndexByte(alphabet, want)+1)%len(alphabet)])
}

// walkFeedback pages through GET /whitelist/feedback (one item a page),
// for one firm when code is not empty.
func walkFeedback(t *testing.T, env *apptest.Env, token, code string) []whitelist.Feedback {
	t.Helper()
	var out []whitelist.Feedback
	q := url.Values{"limit": {"1"}}
	if code != "" {
		q.Set("uscc", code)
	}
	for range 100 {
		r := env.Do(t, http.MethodGet, v1+"/whitelist/feedback?"+q.Encode(), token, nil)
		r.WantStatus(t, http.StatusOK)
		var p listPage[whitelist.Feedback]
		r.JSON(t, &p)
		out = append(out, p.Items...)
		if p.NextCursor == "" {
			return out
		}
		q.Set("cursor", p.NextCursor)
	}
	t.Fatal("pagination does not end")
	return nil
}

func TestUSCCExceptionsAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ip, bank, bureau, ent := env.Login(t, "ipoffice"), env.Login(t, "bank-a"), env.Login(t, "bureau"), env.Login(t, "ent-a")
		code := pilotCode(1)
		body := map[string]string{"uscc": code, "reason": "2015年试点期间赋码，校验位不符，经核实有效"}

		// Wrong roles.
		env.Do(t, http.MethodGet, v1+"/uscc-exceptions", ent, nil).WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodPost, v1+"/uscc-exceptions", bureau, body).WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodPost, v1+"/uscc-exceptions", bank, body).WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodPost, v1+"/uscc-exceptions/"+code+"/remove", bank, map[string]string{"reason": "x"}).
			WantProblem(t, http.StatusForbidden, "forbidden")

		// Before: the code fails the check.
		env.Do(t, http.MethodGet, v1+"/whitelist/"+code, bank, nil).WantProblem(t, http.StatusBadRequest, "invalid_uscc")

		// Refusals.
		env.Do(t, http.MethodPost, v1+"/uscc-exceptions", ip, map[string]string{"uscc": feedbackFirm(1), "reason": "x"}).
			WantProblem(t, http.StatusUnprocessableEntity, "not_needed")
		env.Do(t, http.MethodPost, v1+"/uscc-exceptions", ip, map[string]string{"uscc": code[:17], "reason": "x"}).
			WantProblem(t, http.StatusBadRequest, "invalid_uscc")
		p := env.Do(t, http.MethodPost, v1+"/uscc-exceptions", ip, map[string]string{"uscc": code}).
			WantProblem(t, http.StatusBadRequest, "validation_failed")
		if apptest.FieldErrors(p)["reason"] != "required" {
			t.Fatalf("no reason: %v", p)
		}

		r := env.Do(t, http.MethodPost, v1+"/uscc-exceptions", ip, map[string]string{"uscc": strings.ToLower(code), "reason": body["reason"]})
		r.WantStatus(t, http.StatusCreated)
		addID := r.Header.Get("X-Request-ID")
		var x whitelist.Exception
		r.JSON(t, &x)
		if x.USCC != code || x.Reason != body["reason"] {
			t.Fatalf("added %+v", x)
		}
		env.Do(t, http.MethodPost, v1+"/uscc-exceptions", ip, body).WantProblem(t, http.StatusConflict, "duplicate")

		for _, tok := range []string{ip, bank, bureau} {
			items, _ := walk[whitelist.Exception](t, env, tok, v1+"/uscc-exceptions", "cursor", 1)
			if len(items) != 1 || items[0].USCC != code {
				t.Fatalf("list: %+v", items)
			}
		}
		// Now the code passes: a status check answers.
		r = env.Do(t, http.MethodGet, v1+"/whitelist/"+code, bank, nil)
		r.WantStatus(t, http.StatusOK)
		if st := r.Map(t)["status"]; st != "not_listed" {
			t.Fatalf("status %v", st)
		}

		p = env.Do(t, http.MethodPost, v1+"/uscc-exceptions/"+code+"/remove", ip, map[string]string{"reason": " "}).
			WantProblem(t, http.StatusBadRequest, "validation_failed")
		if apptest.FieldErrors(p)["reason"] != "required" {
			t.Fatalf("no reason: %v", p)
		}
		r = env.Do(t, http.MethodPost, v1+"/uscc-exceptions/"+strings.ToLower(code)+"/remove", ip, map[string]string{"reason": "核实为错误赋码"})
		r.WantStatus(t, http.StatusOK)
		removeID := r.Header.Get("X-Request-ID")
		env.Do(t, http.MethodPost, v1+"/uscc-exceptions/"+code+"/remove", ip, map[string]string{"reason": "again"}).
			WantProblem(t, http.StatusNotFound, "not_found")
		// Removed: the code fails again.
		env.Do(t, http.MethodGet, v1+"/whitelist/"+code, bank, nil).WantProblem(t, http.StatusBadRequest, "invalid_uscc")
		if items, _ := walk[whitelist.Exception](t, env, ip, v1+"/uscc-exceptions", "cursor", 10); len(items) != 0 {
			t.Fatalf("after removal: %+v", items)
		}

		log := auditLog(t, env)
		if a := findAudit(log, "uscc_exception.add", addID); len(a) != 1 || a[0].ObjectID != code {
			t.Fatalf("add audit: %+v", a)
		}
		if a := findAudit(log, "uscc_exception.remove", removeID); len(a) != 1 || a[0].ObjectID != code ||
			!strings.Contains(a[0].Summary, "核实为错误赋码") || !strings.Contains(a[0].Summary, "试点") {
			t.Fatalf("remove audit: %+v", a)
		}
	})
}

func TestWhitelistFeedbackAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		firmA, firmB, unknown := feedbackFirm(1), feedbackFirm(2), feedbackFirm(3)
		publishFirms(t, env, firmA, firmB)
		ip, bankA, bankB := env.Login(t, "ipoffice"), env.Login(t, "bank-a"), env.Login(t, "bank-b")
		bureau, ent := env.Login(t, "bureau"), env.Login(t, "ent-a")
		orgA, orgB := demoActor(t, env, "bank-a").OrgID, demoActor(t, env, "bank-b").OrgID
		today := date.Of(env.Clock.Now())
		fb := func(c, kind string, extra map[string]any) map[string]any {
			m := map[string]any{"uscc": c, "kind": kind, "occurred_on": today.String()}
			for k, v := range extra {
				m[k] = v
			}
			return m
		}

		// Wrong roles, on every endpoint.
		for _, tok := range []string{ip, bureau, ent} {
			env.Do(t, http.MethodPost, v1+"/whitelist/feedback", tok, fb(firmA, "contacted", nil)).WantProblem(t, http.StatusForbidden, "forbidden")
		}
		for _, tok := range []string{bureau, ent} {
			env.Do(t, http.MethodGet, v1+"/whitelist/feedback", tok, nil).WantProblem(t, http.StatusForbidden, "forbidden")
		}
		for _, tok := range []string{bankA, bureau, ent} {
			env.Do(t, http.MethodGet, v1+"/whitelist/feedback/totals?by=bank", tok, nil).WantProblem(t, http.StatusForbidden, "forbidden")
		}

		post := func(tok string, body any) *apptest.Response {
			t.Helper()
			return env.Do(t, http.MethodPost, v1+"/whitelist/feedback", tok, body)
		}
		r := post(bankA, fb(firmA, "credit_granted", map[string]any{"amount_fen": 300_000_000, "note": "首贷"}))
		r.WantStatus(t, http.StatusCreated)
		var first whitelist.Feedback
		r.JSON(t, &first)
		if first.BankOrgID != orgA || first.USCC != firmA || first.AmountFen != 300_000_000 || first.Kind != "credit_granted" {
			t.Fatalf("recorded %+v", first)
		}
		if a := findAudit(auditLog(t, env), "whitelist.feedback", r.Header.Get("X-Request-ID")); len(a) != 1 {
			t.Fatalf("audit: %+v", a)
		}
		post(bankA, fb(firmB, "contacted", map[string]any{"occurred_on": today.AddDays(-20).String()})).WantStatus(t, http.StatusCreated)
		post(bankA, fb(firmA, "declined", map[string]any{"reason": "担保不足"})).WantStatus(t, http.StatusCreated)
		post(bankB, fb(firmA, "application_received", nil)).WantStatus(t, http.StatusCreated)
		post(bankB, fb(firmB, "credit_granted", map[string]any{"amount_fen": 5})).WantStatus(t, http.StatusCreated)

		// Bad input: 400 with field errors, nothing stored.
		for _, tc := range []struct {
			name, body, field, code string
		}{
			{"fraction", `{"uscc":"` + firmA + `","kind":"credit_granted","amount_fen":1.5,"occurred_on":"` + today.String() + `"}`, "amount_fen", "wrong_type"},
			{"string amount", `{"uscc":"` + firmA + `","kind":"credit_granted","amount_fen":"100","occurred_on":"` + today.String() + `"}`, "amount_fen", "wrong_type"},
			{"negative", `{"uscc":"` + firmA + `","kind":"credit_granted","amount_fen":-100,"occurred_on":"` + today.String() + `"}`, "amount_fen", "not_positive"},
			{"zero", `{"uscc":"` + firmA + `","kind":"credit_granted","amount_fen":0,"occurred_on":"` + today.String() + `"}`, "amount_fen", "not_positive"},
			{"no amount", `{"uscc":"` + firmA + `","kind":"credit_granted","occurred_on":"` + today.String() + `"}`, "amount_fen", "required"},
			{"declined without reason", `{"uscc":"` + firmA + `","kind":"declined","occurred_on":"` + today.String() + `"}`, "reason", "required"},
			{"bad kind", `{"uscc":"` + firmA + `","kind":"visited","occurred_on":"` + today.String() + `"}`, "kind", "invalid"},
			{"future", `{"uscc":"` + firmA + `","kind":"contacted","occurred_on":"` + today.AddDays(1).String() + `"}`, "occurred_on", "in_future"},
			{"bad date", `{"uscc":"` + firmA + `","kind":"contacted","occurred_on":"2026-13-01"}`, "occurred_on", "invalid"},
			{"no date", `{"uscc":"` + firmA + `","kind":"contacted"}`, "occurred_on", "required"},
			{"unknown field", `{"uscc":"` + firmA + `","kind":"contacted","occurred_on":"` + today.String() + `","amount":1}`, "amount", "unknown_field"},
		} {
			p := post(bankA, tc.body).WantProblem(t, http.StatusBadRequest, "validation_failed")
			if got := apptest.FieldErrors(p)[tc.field]; got != tc.code {
				t.Fatalf("%s: field errors %v, want %s %s", tc.name, apptest.FieldErrors(p), tc.field, tc.code)
			}
		}
		post(bankA, fb("91140100MA0G3K8T2X", "contacted", nil)).WantProblem(t, http.StatusBadRequest, "invalid_uscc")
		post(bankA, fb(unknown, "contacted", nil)).WantProblem(t, http.StatusUnprocessableEntity, "not_listed")

		all, _ := walk[whitelist.Feedback](t, env, ip, v1+"/whitelist/feedback", "cursor", 2)
		if len(all) != 5 {
			t.Fatalf("ip office sees %d items, want 5 (bad input stored?)", len(all))
		}

		// Each bank sees only its own, whatever it asks.
		for _, bc := range []struct {
			tok  string
			org  int64
			want int
		}{{bankA, orgA, 3}, {bankB, orgB, 2}} {
			for _, q := range []string{"", firmA, strings.ToLower(firmB)} {
				items := walkFeedback(t, env, bc.tok, q)
				for _, it := range items {
					if it.BankOrgID != bc.org {
						t.Fatalf("bank org %d sees org %d's feedback %+v", bc.org, it.BankOrgID, it)
					}
				}
				if q == "" && len(items) != bc.want {
					t.Fatalf("bank org %d sees %d items, want %d", bc.org, len(items), bc.want)
				}
			}
		}
		// bank-b's list never contains bank-a's first item.
		items := walkFeedback(t, env, bankB, firmA)
		for _, it := range items {
			if it.ID == first.ID {
				t.Fatal("bank-b sees bank-a's feedback")
			}
		}
		env.Do(t, http.MethodGet, v1+"/whitelist/feedback?uscc=123", bankA, nil).WantProblem(t, http.StatusBadRequest, "invalid_uscc")

		// Totals reconcile with the line items.
		var want whitelist.FeedbackCounts
		for _, it := range all {
			want.Total++
			switch it.Kind {
			case "contacted":
				want.Contacted++
			case "application_received":
				want.ApplicationReceived++
			case "credit_granted":
				want.CreditGranted++
				want.CreditGrantedFen += it.AmountFen
			case "declined":
				want.Declined++
			}
		}
		if want.CreditGrantedFen != 300_000_005 {
			t.Fatalf("line items: %+v", want)
		}
		for _, by := range []string{"bank", "enterprise", "kind", ""} {
			q := ""
			if by != "" {
				q = "?by=" + by
			}
			r := env.Do(t, http.MethodGet, v1+"/whitelist/feedback/totals"+q, ip, nil)
			r.WantStatus(t, http.StatusOK)
			var tot whitelist.FeedbackTotals
			r.JSON(t, &tot)
			if tot.Overall != want {
				t.Fatalf("by %q: overall %+v, line items %+v", by, tot.Overall, want)
			}
			var sum whitelist.FeedbackCounts
			for _, g := range tot.Groups {
				sum.Contacted += g.Contacted
				sum.ApplicationReceived += g.ApplicationReceived
				sum.CreditGranted += g.CreditGranted
				sum.Declined += g.Declined
				sum.Total += g.Total
				sum.CreditGrantedFen += g.CreditGrantedFen
			}
			if sum != want {
				t.Fatalf("by %q: groups add up to %+v, want %+v", by, sum, want)
			}
			if by == "bank" && (len(tot.Groups) != 2 || tot.Groups[0].Key != fmt.Sprint(orgA) || tot.Groups[0].CreditGrantedFen != 300_000_000 ||
				tot.Groups[1].CreditGrantedFen != 5) {
				t.Fatalf("by bank: %+v", tot.Groups)
			}
		}
		env.Do(t, http.MethodGet, v1+"/whitelist/feedback/totals?by=region", ip, nil).WantProblem(t, http.StatusBadRequest, "validation_failed")
	})
}
