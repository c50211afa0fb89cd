package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ipledge/ipledge/api"
	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/settings"
)

// platformClock stands on Monday 2026-03-02, 10:00 in Shanghai.
func platformClock() *apptest.Clock {
	return apptest.NewClock(time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC))
}

type settingPage struct {
	Items      []settings.View `json:"items"`
	NextCursor string          `json:"next_cursor"`
}

func findSetting(t *testing.T, p settingPage, key string) settings.View {
	t.Helper()
	for _, v := range p.Items {
		if v.Key == key {
			return v
		}
	}
	t.Fatalf("%s is not listed", key)
	return settings.View{}
}

func TestSettingsAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ipo := env.Login(t, "ipoffice")
		code := v1 + "/settings/" + settings.KeyProvinceCode
		list := func(t *testing.T, user string) settingPage {
			t.Helper()
			r := env.Do(t, http.MethodGet, v1+"/settings", env.Login(t, user), nil)
			r.WantStatus(t, http.StatusOK)
			var p settingPage
			r.JSON(t, &p)
			return p
		}
		history := func(t *testing.T, user string) []settings.Row {
			t.Helper()
			rows, _ := walk[settings.Row](t, env, env.Login(t, user), code+"/history", "cursor", 50)
			return rows
		}

		t.Run("everyone lists the platform settings with their defaults", func(t *testing.T) {
			for _, user := range []string{"ent-a", "bank-a", "tto-a", "admin"} {
				v := findSetting(t, list(t, user), settings.KeyProvinceName)
				if v.Value != "山西省" || v.Default != "山西省" || v.Source != "default" || v.Kind != settings.KindString ||
					v.Scope != settings.ScopePlatform || v.Description == "" || !v.EffectiveOn.IsZero() {
					t.Errorf("%s sees %+v", user, v)
				}
			}
		})

		t.Run("wrong roles are refused", func(t *testing.T) {
			for _, user := range []string{"ent-a", "bureau", "tto-a", "admin"} {
				env.Do(t, http.MethodPut, code, env.Login(t, user), map[string]string{"value": "130000"}).
					WantProblem(t, http.StatusForbidden, "forbidden")
			}
			// A bank changes only its own values of bank-scoped keys.
			env.Do(t, http.MethodPut, code, env.Login(t, "bank-a"), map[string]string{"value": "130000"}).
				WantProblem(t, http.StatusForbidden, "forbidden")
		})

		t.Run("unknown key", func(t *testing.T) {
			env.Do(t, http.MethodPut, v1+"/settings/platform.nope", ipo, map[string]string{"value": "1"}).
				WantProblem(t, http.StatusNotFound, "not_found")
			env.Do(t, http.MethodGet, v1+"/settings/platform.nope/history", ipo, nil).
				WantProblem(t, http.StatusNotFound, "not_found")
		})

		t.Run("bad input is refused with field errors and stores nothing", func(t *testing.T) {
			for _, tc := range []struct {
				name  string
				body  any
				field string
				code  string
			}{
				{"not a province code", map[string]string{"value": "130100"}, "value", "invalid"},
				{"a number, not a string", map[string]any{"value": 130000}, "value", "wrong_type"},
				{"no value", map[string]string{"effective_on": "2026-04-01"}, "value", "required"},
				{"malformed date", map[string]string{"value": "130000", "effective_on": "2026-4-1"}, "effective_on", "invalid"},
				{"in the past", map[string]string{"value": "130000", "effective_on": "2026-03-01"}, "effective_on", "in_past"},
				{"unknown field", map[string]string{"value": "130000", "org_id": "3"}, "org_id", "unknown_field"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					p := env.Do(t, http.MethodPut, code, ipo, tc.body).WantProblem(t, http.StatusBadRequest, "validation_failed")
					if fe := apptest.FieldErrors(p); fe[tc.field] != tc.code {
						t.Errorf("errors %v, want %s=%s", fe, tc.field, tc.code)
					}
				})
			}
			env.Do(t, http.MethodPut, code, ipo, "{").WantProblem(t, http.StatusBadRequest, "malformed_json")
			if rows := history(t, "ipoffice"); len(rows) != 0 {
				t.Errorf("refused changes were stored: %+v", rows)
			}
		})

		t.Run("the IP office changes a platform setting, now and later", func(t *testing.T) {
			r := env.Do(t, http.MethodPut, code, ipo, map[string]string{"value": "130000"})
			r.WantStatus(t, http.StatusOK)
			var v settings.View
			r.JSON(t, &v)
			if v.Value != "130000" || v.Source != "platform" || v.EffectiveOn.String() != "2026-03-02" {
				t.Fatalf("after the change: %s", r.Body)
			}
			if got := findAudit(auditLog(t, env), "setting.change", r.Header.Get("X-Request-ID")); len(got) != 1 {
				t.Errorf("%d audit entries for the change", len(got))
			}
			r = env.Do(t, http.MethodPut, code, ipo, map[string]string{"value": "120000", "effective_on": "2026-04-01"})
			r.WantStatus(t, http.StatusOK)
			r.JSON(t, &v)
			if v.Value != "130000" || len(v.Scheduled) != 1 || v.Scheduled[0].Value != "120000" {
				t.Fatalf("after scheduling: %s", r.Body)
			}
			if got := findSetting(t, list(t, "ent-a"), settings.KeyProvinceCode); got.Value != "130000" || len(got.Scheduled) != 1 {
				t.Errorf("enterprise sees %+v", got)
			}
			rows := history(t, "bank-b")
			if len(rows) != 2 || rows[0].Value != "130000" || rows[1].EffectiveOn.String() != "2026-04-01" || rows[0].CreatedBy == nil {
				t.Errorf("history %+v", rows)
			}
			// The clock is shared by the sqlite and postgres runs: put it
			// back. Tokens issued before the move have expired by April.
			env.Clock.Set(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)) // 08:00 in Shanghai
			defer env.Clock.Set(platformClock().Now())
			env.Forget("ent-a")
			if got := findSetting(t, list(t, "ent-a"), settings.KeyProvinceCode); got.Value != "120000" || len(got.Scheduled) != 0 {
				t.Errorf("on April 1st: %+v", got)
			}
		})
	}, apptest.WithClock(platformClock()))
}

// bankScopedServer serves env's API with one bank-scoped setting more than
// the application registers (none yet: the pledge domain will declare the
// banks' rates), to test who sees and changes bank values over HTTP.
func bankScopedServer(t *testing.T, env *apptest.Env) string {
	t.Helper()
	defs := append(settings.SettingDefs(), settings.Def{Key: "test.pledge_rate", Kind: settings.KindPercent, Default: "3.45",
		Scope: settings.ScopeBank, Description: "质押贷款年利率（%）", Min: "0", Max: "24"})
	st, err := settings.NewService(env.App.DB, env.App.Audit, env.App.Now, defs...)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Deps{Log: env.App.Log, Accounts: env.App.Accounts, Audit: env.App.Audit, DB: env.App.DB,
		Idempotency: env.App.Idempotency, Settings: st, Calendar: env.App.Calendar, Notify: env.App.Notify})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return hs.URL
}

func doAt(t *testing.T, base, method, path, token string, body any) *apptest.Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &apptest.Response{Method: method, Path: path, Status: res.StatusCode, Header: res.Header, Body: b}
}

func TestBankScopedSettingsAPI(t *testing.T) {
	env := apptest.New(t, apptest.WithClock(platformClock()))
	base := bankScopedServer(t, env)
	rate := v1 + "/settings/test.pledge_rate"
	see := func(t *testing.T, user string) settings.View {
		t.Helper()
		r := doAt(t, base, http.MethodGet, v1+"/settings", env.Login(t, user), nil)
		r.WantStatus(t, http.StatusOK)
		var p settingPage
		r.JSON(t, &p)
		return findSetting(t, p, "test.pledge_rate")
	}

	doAt(t, base, http.MethodPut, rate, env.Login(t, "ipoffice"), map[string]string{"value": "4.00"}).WantStatus(t, http.StatusOK)
	r := doAt(t, base, http.MethodPut, rate, env.Login(t, "bank-a"), map[string]string{"value": "3.15"})
	r.WantStatus(t, http.StatusOK)
	p := doAt(t, base, http.MethodPut, rate, env.Login(t, "bank-b"), map[string]string{"value": "24.01"}).
		WantProblem(t, http.StatusBadRequest, "validation_failed")
	if fe := apptest.FieldErrors(p); fe["value"] != "too_large" {
		t.Errorf("errors %v", fe)
	}
	doAt(t, base, http.MethodPut, rate, env.Login(t, "ent-a"), map[string]string{"value": "1.00"}).
		WantProblem(t, http.StatusForbidden, "forbidden")

	for _, tc := range []struct{ user, value, source string }{
		{"bank-a", "3.15", "bank"}, {"bank-b", "4.00", "platform"}, {"ent-a", "4.00", "platform"}, {"ipoffice", "4.00", "platform"},
	} {
		if v := see(t, tc.user); v.Value != tc.value || v.Source != tc.source || v.Default != "3.45" {
			t.Errorf("%s sees %+v", tc.user, v)
		}
	}
	// Another bank's values are not in anyone else's history.
	for _, tc := range []struct {
		user string
		rows int
	}{{"bank-a", 2}, {"bank-b", 1}, {"ipoffice", 1}} {
		r := doAt(t, base, http.MethodGet, rate+"/history", env.Login(t, tc.user), nil)
		r.WantStatus(t, http.StatusOK)
		var h struct{ Items []settings.Row }
		r.JSON(t, &h)
		if len(h.Items) != tc.rows {
			t.Errorf("%s sees %d history rows: %s", tc.user, len(h.Items), r.Body)
		}
	}
}
