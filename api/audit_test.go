package api_test

import (
	"net/http"
	"testing"

	"github.com/ipledge/ipledge/app"
	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/platform/audit"
)

func TestAuditLogRecordsRequests(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		admin := env.Login(t, "admin")
		login(t, env, "bank-a", app.DemoPassword, "X-Request-ID", "req-audit-login-ok").WantStatus(t, http.StatusOK)
		login(t, env, "bank-a", "wrong-password", "X-Request-ID", "req-audit-login-bad").WantStatus(t, http.StatusUnauthorized)
		env.Do(t, http.MethodPost, v1+"/users", admin, map[string]any{"org_id": 1, "username": "audited-user",
			"display_name": "审计测试", "password": "a-long-enough-password"}, "X-Request-ID", "req-audit-user-create").
			WantStatus(t, http.StatusCreated)

		log := auditLog(t, env)
		for i, e := range log {
			if e.Seq != int64(i+1) {
				t.Fatalf("entry %d has seq %d: the feed skips or repeats", i, e.Seq)
			}
		}
		for _, tc := range []struct {
			action, requestID, actor, outcome string
		}{
			{"auth.login", "req-audit-login-ok", "bank-a", audit.OutcomeOK},
			{"auth.login", "req-audit-login-bad", "bank-a", audit.OutcomeFailed},
			{"user.create", "req-audit-user-create", "admin", audit.OutcomeOK},
		} {
			got := findAudit(log, tc.action, tc.requestID)
			if len(got) != 1 {
				t.Errorf("%d %s entries with request id %s, want 1", len(got), tc.action, tc.requestID)
				continue
			}
			e := got[0]
			if e.ActorUsername != tc.actor || e.Outcome != tc.outcome || e.ClientIP != "127.0.0.1" || e.Hash == "" || e.PrevHash == "" {
				t.Errorf("%s %s: %+v", tc.action, tc.requestID, e)
			}
		}
		// Every login through the API carries a request id.
		for _, e := range log {
			if e.Action == "auth.login" && e.RequestID == "" {
				t.Errorf("login entry %d has no request id", e.Seq)
			}
		}

		r := env.Do(t, http.MethodGet, v1+"/audit/verify", env.Login(t, "ipoffice"), nil)
		r.WantStatus(t, http.StatusOK)
		var res struct {
			OK          *bool  `json:"ok"`
			Checked     *int64 `json:"checked"`
			FirstBadSeq *int64 `json:"first_bad_seq"`
		}
		r.JSON(t, &res)
		// Reading the log is not itself audited, so nothing was appended
		// since it was read.
		if res.OK == nil || !*res.OK || res.Checked == nil || *res.Checked != int64(len(log)) || res.FirstBadSeq != nil {
			t.Errorf("verify = %s, want ok and %d checked", r.Body, len(log))
		}

		bank := env.Login(t, "bank-a")
		env.Do(t, http.MethodGet, v1+"/audit", bank, nil).WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodGet, v1+"/audit/verify", bank, nil).WantProblem(t, http.StatusForbidden, "forbidden")
	})
}

func TestAuditFeedParameters(t *testing.T) {
	env := apptest.New(t)
	tok := env.Login(t, "ipoffice")
	for _, q := range []string{"limit=abc", "limit=0", "after=not-a-cursor"} {
		t.Run(q, func(t *testing.T) {
			env.Do(t, http.MethodGet, v1+"/audit?"+q, tok, nil).WantProblem(t, http.StatusBadRequest, "validation_failed")
		})
	}
	r := env.Do(t, http.MethodGet, v1+"/audit?limit=100000", tok, nil)
	r.WantStatus(t, http.StatusOK)
	var p listPage[audit.Record]
	r.JSON(t, &p)
	if len(p.Items) == 0 || len(p.Items) > 500 || p.NextCursor == "" {
		t.Errorf("limit=100000: %d items, cursor %q", len(p.Items), p.NextCursor)
	}
}
