package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/platform/date"
)

var subsidyTables = []string{"subsidy_policies", "subsidy_approvals", "subsidy_applications", "subsidy_objections",
	"subsidy_attachments", "audit_log"}

func subsidyCounts(t *testing.T, env *apptest.Env) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tb := range subsidyTables {
		out[tb] = countRows(t, env, tb)
	}
	return out
}

// TestSubsidyBadInputStoresNothing: malformed and incoherent input to
// every writing subsidy endpoint is a problem+json and stores nothing
// (not even an audit entry).
func TestSubsidyBadInputStoresNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		l := settledLoan(t, env, subsidyPledge(t, env), paid{"2024-01-20", 200_000})
		p := activePolicy(t, env, plainPolicy(env, 2024))
		a := mustApply(t, env, p, l.ID, "2024-01-01", "2024-01-31")
		ipo, ent := env.Login(t, "ipoffice"), env.Login(t, "ent-a")
		tomorrow := date.Today(env.Clock.Now).AddDays(1).String()
		before := subsidyCounts(t, env)

		type call struct {
			name, method, path, token string
			body                      any
			status                    int
			code, field               string
		}
		pol := func(mut func(map[string]any)) map[string]any {
			b := plainPolicy(env, 2024)
			mut(b)
			return b
		}
		var calls []call
		for name, mut := range map[string]func(map[string]any){
			"negative ratio":        func(b map[string]any) { b["ratio"] = "-50" },
			"negative fixed cap":    func(b map[string]any) { b["rate_cap"] = map[string]any{"kind": "fixed", "fixed": "-3.45"} },
			"negative lpr multiple": func(b map[string]any) { b["rate_cap"] = map[string]any{"kind": "lpr_multiple", "lpr_percent": "-140"} },
			"negative lpr share":    func(b map[string]any) { b["basis"], b["lpr_share"] = "lpr_share", "-60" },
			"negative fee share":    func(b map[string]any) { b["fees"] = []map[string]any{{"kind": "valuation", "share": "-50"}} },
			"negative boost":        func(b map[string]any) { b["boosts"] = []map[string]any{{"when": "whitelist_active", "ratio": "-1"}} },
			"five decimals cap":     func(b map[string]any) { b["rate_cap"] = map[string]any{"kind": "fixed", "fixed": "3.12345"} },
			"five decimals share":   func(b map[string]any) { b["basis"], b["lpr_share"] = "lpr_share", "60.00001" },
			"five decimals fee":     func(b map[string]any) { b["fees"] = []map[string]any{{"kind": "insurance", "share": "40.12345"}} },
			"rate as a JSON number": func(b map[string]any) { b["ratio"] = 50 },
			"rate not a number":     func(b map[string]any) { b["ratio"] = "五十" },
			"fractional annual cap": func(b map[string]any) { b["annual_cap_fen"] = 1.5 },
			"fractional cumulative": func(b map[string]any) { b["cumulative_cap_fen"] = 0.01 },
			"fractional threshold":  func(b map[string]any) { b["auto_approve_max_fen"] = 100.5 },
			"fractional fee cap": func(b map[string]any) {
				b["fees"] = []map[string]any{{"kind": "valuation", "share": "50", "cap_fen": 9.9}}
			},
			"fen as a string":     func(b map[string]any) { b["budget_fen"] = "100" },
			"negative budget":     func(b map[string]any) { b["budget_fen"] = -1 },
			"negative annual cap": func(b map[string]any) { b["annual_cap_fen"] = -100 },
			"window ends before":  func(b map[string]any) { b["window_start"], b["window_end"] = "2024-06-30", "2024-06-01" },
			"window not a date":   func(b map[string]any) { b["window_end"] = "2024-02-30" },
			"unknown basis":       func(b map[string]any) { b["basis"] = "principal" },
			"negative term":       func(b map[string]any) { b["max_term_months"] = -12 },
			"fractional year":     func(b map[string]any) { b["year"] = 2024.5 },
			"duplicate fee rule": func(b map[string]any) {
				b["fees"] = []map[string]any{{"kind": "valuation", "share": "5"}, {"kind": "valuation", "share": "6"}}
			},
			"interest year after year": func(b map[string]any) { b["interest_year"] = 2025 },
		} {
			calls = append(calls,
				call{"propose: " + name, http.MethodPost, v1 + "/subsidy-policies", ipo, pol(mut), http.StatusBadRequest, "", ""},
				call{"change: " + name, http.MethodPut, fmt.Sprintf("%s/subsidy-policies/%d", v1, p), ipo, pol(mut), http.StatusBadRequest, "", ""})
		}
		app := func(kv ...any) map[string]any {
			b := map[string]any{"policy_id": p, "loan_id": l.ID, "start": "2024-01-01", "end": "2024-01-31"}
			for i := 0; i < len(kv); i += 2 {
				if kv[i+1] == nil {
					delete(b, kv[i].(string))
				} else {
					b[kv[i].(string)] = kv[i+1]
				}
			}
			return b
		}
		apps := v1 + "/subsidy-applications"
		calls = append(calls,
			call{"end before start", http.MethodPost, apps, ent, app("start", "2024-01-31", "end", "2024-01-01"), 400, "validation_failed", "end"},
			call{"no end", http.MethodPost, apps, ent, app("end", nil), 400, "validation_failed", "end"},
			call{"not a date", http.MethodPost, apps, ent, app("end", "2024-01-32"), 400, "validation_failed", ""},
			call{"fractional invoice", http.MethodPost, apps, ent, app("start", nil, "end", nil, "kind", "valuation", "invoice_fen", 1.5), 400, "validation_failed", ""},
			call{"fractional loan id", http.MethodPost, apps, ent, app("loan_id", 1.5), 400, "validation_failed", ""},
			call{"no policy", http.MethodPost, apps, ent, app("policy_id", nil), 400, "validation_failed", "policy_id"},
			call{"unknown policy", http.MethodPost, apps, ent, app("policy_id", 999_999, "start", "2024-02-01", "end", "2024-02-29"), 422, "policy_not_found", ""},
			// An unknown loan is answered like another tenant's: 404.
			call{"unknown loan", http.MethodPost, apps, ent, app("loan_id", 999_999, "start", "2024-02-01", "end", "2024-02-29"), 404, "not_found", ""},
			call{"not JSON", http.MethodPost, apps, ent, "{", 400, "", ""},
			call{"close: too long a notice", http.MethodPost, fmt.Sprintf("%s/subsidy-policies/%d/close", v1, p), ipo, map[string]any{"notice_working_days": 31}, 400, "validation_failed", "notice_working_days"},
			call{"close: negative notice", http.MethodPost, fmt.Sprintf("%s/subsidy-policies/%d/close", v1, p), ipo, map[string]any{"notice_working_days": -1}, 400, "validation_failed", "notice_working_days"},
			call{"close: fractional notice", http.MethodPost, fmt.Sprintf("%s/subsidy-policies/%d/close", v1, p), ipo, map[string]any{"notice_working_days": 5.5}, 400, "validation_failed", ""},
			call{"close: unknown policy", http.MethodPost, v1 + "/subsidy-policies/999999/close", ipo, map[string]any{}, 404, "not_found", ""},
			call{"change: unknown policy", http.MethodPut, v1 + "/subsidy-policies/999999", ipo, plainPolicy(env, 2024), 404, "not_found", ""},
			call{"payment: fractional", http.MethodPost, a.path() + "/payment", ipo, map[string]any{"paid_on": "2024-06-01", "amount_fen": 1.5, "reference": "x"}, 400, "validation_failed", ""},
			call{"payment: negative", http.MethodPost, a.path() + "/payment", ipo, map[string]any{"paid_on": "2024-06-01", "amount_fen": -1, "reference": "x"}, 400, "validation_failed", "amount_fen"},
			call{"payment: future", http.MethodPost, a.path() + "/payment", ipo, map[string]any{"paid_on": tomorrow, "amount_fen": 1, "reference": "x"}, 400, "validation_failed", "paid_on"},
			call{"payment: no reference", http.MethodPost, a.path() + "/payment", ipo, map[string]any{"paid_on": "2024-06-01", "amount_fen": 1, "reference": " "}, 400, "validation_failed", "reference"},
			call{"clawback: fractional", http.MethodPost, a.path() + "/clawback", ipo, map[string]any{"amount_fen": 0.5, "reason": "x"}, 400, "validation_failed", ""},
			call{"clawback: zero", http.MethodPost, a.path() + "/clawback", ipo, map[string]any{"amount_fen": 0, "reason": "x"}, 400, "validation_failed", "amount_fen"},
			call{"clawback: no reason", http.MethodPost, a.path() + "/clawback", ipo, map[string]any{"amount_fen": 1, "reason": ""}, 400, "validation_failed", "reason"},
			call{"reject: no reason", http.MethodPost, a.path() + "/reject", ipo, map[string]any{"reason": " "}, 400, "validation_failed", "reason"},
			call{"objection: no objector", http.MethodPost, a.path() + "/objections", ipo, map[string]any{"objector": "", "text": "x"}, 400, "validation_failed", "objector"},
			call{"approval: unknown", http.MethodPost, v1 + "/subsidy-approvals/999999/approve", ipo, nil, 404, "not_found", ""},
			call{"list: bad state", http.MethodGet, apps + "?state=paid_twice", ipo, nil, 400, "validation_failed", "state"},
			call{"list: bad policy", http.MethodGet, apps + "?policy_id=-1", ipo, nil, 400, "validation_failed", "policy_id"},
		)
		for _, c := range calls {
			r := env.Do(t, c.method, c.path, c.token, c.body)
			if r.Status != c.status {
				t.Errorf("%s: %d, want %d: %s", c.name, r.Status, c.status, r.Body)
				continue
			}
			pr := r.Problem(t)
			if c.code != "" && pr["code"] != c.code {
				t.Errorf("%s: code %v, want %s: %s", c.name, pr["code"], c.code, r.Body)
			}
			if c.field != "" {
				if _, ok := apptest.FieldErrors(pr)[c.field]; !ok {
					t.Errorf("%s: no error on %s: %s", c.name, c.field, r.Body)
				}
			}
		}
		after := subsidyCounts(t, env)
		for _, tb := range subsidyTables {
			if after[tb] != before[tb] {
				t.Errorf("%s: %d rows → %d after bad input", tb, before[tb], after[tb])
			}
		}
		// The application is as it was.
		if got := getApp(t, env, a); got.State != "auto_approved" || got.AmountFen != 100_000 {
			t.Fatalf("%+v", got)
		}
	})
}
