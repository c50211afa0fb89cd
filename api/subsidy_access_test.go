package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/platform/auth"
)

// TestSubsidyAccessMatrix: every subsidy route of the route table, as
// every role: a role the route does not admit gets 403 forbidden; an
// admitted caller of another tenant (ent-b, bank-b) gets 404 for ent-a's
// application, its objections and its attachments; nothing refused is
// stored.
func TestSubsidyAccessMatrix(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		l := settledLoan(t, env, subsidyPledge(t, env), paid{"2024-01-20", 200_000}, paid{"2024-02-20", 200_000})
		p := activePolicy(t, env, plainPolicy(env, 2024))
		a := mustApply(t, env, p, l.ID, "2024-01-01", "2024-01-31")
		pdf := []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
		body, ctype := multipartBody(t, "interest_voucher", "付息凭证.pdf", "application/pdf", pdf)
		r := env.Do(t, http.MethodPost, a.path()+"/attachments", env.Login(t, "ent-a"), body, "Content-Type", ctype)
		r.WantStatus(t, http.StatusCreated)
		att := fmt.Sprintf("%s/attachments/%v", a.path(), r.Map(t)["id"])
		// A pending change of the policy, for the approval routes.
		pr := env.Do(t, http.MethodPut, fmt.Sprintf("%s/subsidy-policies/%d", v1, p), env.Login(t, "ipoffice"), plainPolicy(env, 2024))
		pr.WantStatus(t, http.StatusAccepted)
		approval := fmt.Sprintf("%s/subsidy-approvals/%v", v1, pr.Map(t)["id"])
		pol := fmt.Sprintf("%s/subsidy-policies/%d", v1, p)

		office := []string{auth.RoleIPOffice}
		applicants := []string{auth.RoleEnterprise}
		readers := []string{auth.RoleIPOffice, auth.RoleBank, auth.RoleEnterprise}
		everyone := []string{auth.RoleIPOffice, auth.RoleEconBureau, auth.RoleBank, auth.RoleEnterprise, auth.RoleUniversity, auth.RoleAdmin}
		reason := map[string]any{"reason": "测试"}
		type route struct {
			path    string
			body    any
			headers []string
			roles   []string
			tenant  bool // ent-a's application: 404 to another tenant
		}
		routes := map[string]route{
			"GET /subsidy-lpr":                                      {v1 + "/subsidy-lpr", nil, nil, everyone, false},
			"GET /subsidy-policies":                                 {v1 + "/subsidy-policies", nil, nil, everyone, false},
			"POST /subsidy-policies":                                {v1 + "/subsidy-policies", plainPolicy(env, 2024), nil, office, false},
			"GET /subsidy-policies/:id":                             {pol, nil, nil, everyone, false},
			"PUT /subsidy-policies/:id":                             {pol, plainPolicy(env, 2024), nil, office, false},
			"GET /subsidy-policies/:id/allocation":                  {pol + "/allocation", nil, nil, office, false},
			"POST /subsidy-policies/:id/close":                      {pol + "/close", map[string]any{"notice_working_days": 5}, nil, office, false},
			"GET /subsidy-policies/:id/notice":                      {pol + "/notice", nil, nil, everyone, false},
			"GET /subsidy-policies/:id/notice/export":               {pol + "/notice/export?format=csv", nil, nil, everyone, false},
			"GET /subsidy-approvals":                                {v1 + "/subsidy-approvals", nil, nil, office, false},
			"POST /subsidy-approvals/:id/approve":                   {approval + "/approve", nil, nil, office, false},
			"POST /subsidy-approvals/:id/reject":                    {approval + "/reject", reason, nil, office, false},
			"GET /subsidy-applications":                             {v1 + "/subsidy-applications", nil, nil, readers, false},
			"POST /subsidy-applications":                            {v1 + "/subsidy-applications", map[string]any{"policy_id": p, "loan_id": l.ID, "start": "2024-02-01", "end": "2024-02-29"}, nil, applicants, true},
			"GET /subsidy-applications/:id":                         {a.path(), nil, nil, readers, true},
			"POST /subsidy-applications/:id/approve":                {a.path() + "/approve", reason, nil, office, false},
			"POST /subsidy-applications/:id/reject":                 {a.path() + "/reject", reason, nil, office, false},
			"POST /subsidy-applications/:id/return":                 {a.path() + "/return", reason, nil, office, false},
			"POST /subsidy-applications/:id/resubmit":               {a.path() + "/resubmit", nil, nil, applicants, true},
			"GET /subsidy-applications/:id/objections":              {a.path() + "/objections", nil, nil, readers, true},
			"POST /subsidy-applications/:id/objections":             {a.path() + "/objections", map[string]any{"objector": "某公司", "text": "异议"}, nil, office, false},
			"POST /subsidy-objections/:id/resolve":                  {v1 + "/subsidy-objections/1/resolve", map[string]any{"upheld": true, "resolution": "x"}, nil, office, false},
			"POST /subsidy-applications/:id/payment":                {a.path() + "/payment", map[string]any{"paid_on": "2024-01-01", "amount_fen": 1, "reference": "x"}, nil, office, false},
			"POST /subsidy-applications/:id/clawback":               {a.path() + "/clawback", map[string]any{"amount_fen": 1, "reason": "x"}, nil, office, false},
			"GET /subsidy-applications/:id/attachments":             {a.path() + "/attachments", nil, nil, readers, true},
			"POST /subsidy-applications/:id/attachments":            {a.path() + "/attachments", body, []string{"Content-Type", ctype}, readers, true},
			"GET /subsidy-applications/:id/attachments/:attachment": {att, nil, nil, readers, true},
			"GET /subsidy-reports":                                  {v1 + "/subsidy-reports", nil, nil, office, false},
		}
		// The table covers every subsidy route, with the route's roles.
		seen := 0
		for _, rt := range env.App.API.Routes() {
			if !strings.HasPrefix(rt.Path, "/subsidy") {
				continue
			}
			seen++
			key := rt.Method + " " + rt.Path
			c, ok := routes[key]
			if !ok {
				t.Errorf("%s: not in the access matrix", key)
				continue
			}
			got, want := slices.Sorted(slices.Values(rt.Roles)), slices.Sorted(slices.Values(c.roles))
			if !slices.Equal(got, want) {
				t.Errorf("%s: roles %v, the matrix expects %v", key, got, want)
			}
		}
		if seen != len(routes) {
			t.Fatalf("%d subsidy routes served, %d in the matrix", seen, len(routes))
		}

		tables := []string{"subsidy_policies", "subsidy_approvals", "subsidy_applications", "subsidy_objections", "subsidy_attachments"}
		counts := map[string]int{}
		for _, tb := range tables {
			counts[tb] = countRows(t, env, tb)
		}
		for key, c := range routes {
			method := strings.Fields(key)[0]
			for role, user := range roleUser {
				if slices.Contains(c.roles, role) {
					if method == http.MethodGet {
						// Admitted: anything but 403 (and no server error).
						r := env.Do(t, method, c.path, env.Login(t, user), nil)
						if r.Status == http.StatusForbidden || r.Status >= 500 {
							t.Errorf("%s as %s: %d %s", key, user, r.Status, r.Body)
						}
					}
					continue
				}
				r := env.Do(t, method, c.path, env.Login(t, user), c.body, c.headers...)
				if r.Status != http.StatusForbidden {
					t.Errorf("%s as %s (%s): %d, want 403; %s", key, user, role, r.Status, r.Body)
					continue
				}
				r.WantProblem(t, http.StatusForbidden, "forbidden")
			}
			if !c.tenant {
				continue
			}
			for _, user := range []string{"ent-b", "bank-b"} {
				role := auth.RoleEnterprise
				if user == "bank-b" {
					role = auth.RoleBank
				}
				if !slices.Contains(c.roles, role) {
					continue
				}
				r := env.Do(t, method, c.path, env.Login(t, user), c.body, c.headers...)
				if r.Status != http.StatusNotFound {
					t.Errorf("%s as %s: %d, want 404; %s", key, user, r.Status, r.Body)
					continue
				}
				r.WantProblem(t, http.StatusNotFound, "not_found")
			}
		}
		for _, tb := range tables {
			if n := countRows(t, env, tb); n != counts[tb] {
				t.Errorf("%s: %d rows before the refused calls, %d after", tb, counts[tb], n)
			}
		}

		// Lists show another tenant nothing; the lending bank sees its loan's.
		for user, want := range map[string]int{"ent-b": 0, "bank-b": 0, "bank-a": 1, "ent-a": 1, "ipoffice": 1} {
			var page struct {
				Items []subApp `json:"items"`
			}
			r := env.Do(t, http.MethodGet, v1+"/subsidy-applications", env.Login(t, user), nil)
			r.WantStatus(t, http.StatusOK)
			r.JSON(t, &page)
			if len(page.Items) != want {
				t.Errorf("%s sees %d applications, want %d", user, len(page.Items), want)
			}
		}
		// The parties see the application and its evidence.
		for _, user := range []string{"ent-a", "bank-a", "ipoffice"} {
			env.Do(t, http.MethodGet, a.path(), env.Login(t, user), nil).WantStatus(t, http.StatusOK)
			env.Do(t, http.MethodGet, att, env.Login(t, user), nil).WantStatus(t, http.StatusOK)
		}
	})
}
