package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/dbtest"
	"github.com/ipledge/ipledge/uscc"
	"github.com/ipledge/ipledge/whitelist"
)

// The demo firms (app/demo_whitelist.go).
const (
	entAUSCC = "91140100MA0G3K8T2B" // ent-a: active in 2026年第1批
	entBUSCC = "91140600MA0H7L2N51" // ent-b: pending bureau nomination
)

func demoCode(first17 string) string { return first17 + string(uscc.CheckCharacter(first17)) }

var (
	changzhiUSCC = demoCode("91140400MA0L8W2C6") // suspended
	yunchengUSCC = demoCode("91140800MA0M3P9F1") // rejected nomination
	jinzhongUSCC = demoCode("91140700MA0N6T5H8") // nominated by the IP office, in the draft batch
)

// newFirm makes a valid Shanxi code no demo firm has.
func newFirm(i int) string { return demoCode(fmt.Sprintf("91141100MA0Q%05d", i)) }

// badUSCC fails the check character.
const badUSCC = "91140100MA0G3K8T2C"

func wlStatus(t *testing.T, env *apptest.Env, tok, code string) whitelist.StatusResult {
	t.Helper()
	r := env.Do(t, http.MethodGet, v1+"/whitelist/"+code, tok, nil)
	r.WantStatus(t, http.StatusOK)
	var s whitelist.StatusResult
	r.JSON(t, &s)
	return s
}

// audited counts the audit entries of the request with this action.
func audited(t *testing.T, env *apptest.Env, r *apptest.Response, action string) int {
	t.Helper()
	var n int
	if err := env.App.DB.Get(&n, env.App.DB.Rebind(`SELECT count(*) FROM audit_log WHERE action = ? AND request_id = ?`),
		action, r.Header.Get("X-Request-ID")); err != nil {
		t.Fatal(err)
	}
	return n
}

// wantDenied checks a 404 for another tenant's object, audited.
func wantDenied(t *testing.T, env *apptest.Env, r *apptest.Response) {
	t.Helper()
	r.WantProblem(t, http.StatusNotFound, "not_found")
	if audited(t, env, r, "authz.deny") != 1 {
		t.Errorf("%s: the refusal is not audited", r)
	}
}

// wlCounts counts the whitelist's rows, to show a refused request stored
// nothing.
func wlCounts(t *testing.T, env *apptest.Env) string {
	t.Helper()
	var out []string
	for _, q := range []string{`SELECT count(*) FROM enterprises`, `SELECT count(*) FROM whitelist_nominations`,
		`SELECT count(*) FROM whitelist_nominations WHERE status <> 'pending'`, `SELECT count(*) FROM whitelist_batches`,
		`SELECT count(*) FROM whitelist_batches WHERE status <> 'draft'`, `SELECT count(*) FROM whitelist_entries`,
		`SELECT count(*) FROM whitelist_entries WHERE state <> 'listed'`, `SELECT count(*) FROM whitelist_objections`,
		`SELECT count(*) FROM whitelist_changes`, `SELECT count(*) FROM audit_log WHERE action LIKE 'whitelist.%'`} {
		var n int
		if err := env.App.DB.Get(&n, q); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(n))
	}
	return strings.Join(out, ",")
}

func idOf(t *testing.T, r *apptest.Response) int64 {
	t.Helper()
	var x struct {
		ID int64 `json:"id"`
	}
	r.JSON(t, &x)
	if x.ID == 0 {
		t.Fatalf("%s: no id in %s", r, r.Body)
	}
	return x.ID
}

// nominationOf finds the newest nomination of a code as the IP office.
func nominationOf(t *testing.T, env *apptest.Env, code string) whitelist.Nomination {
	t.Helper()
	items, _ := walk[whitelist.Nomination](t, env, env.Login(t, "ipoffice"), v1+"/whitelist/nominations", "cursor", 500)
	var out whitelist.Nomination
	for _, n := range items {
		if n.USCC == code {
			out = n
		}
	}
	if out.ID == 0 {
		t.Fatalf("no nomination of %s", code)
	}
	return out
}

// entryOf finds the newest entry of a code as the IP office.
func entryOf(t *testing.T, env *apptest.Env, code string) whitelist.Entry {
	t.Helper()
	items, _ := walk[whitelist.Entry](t, env, env.Login(t, "ipoffice"), v1+"/whitelist/entries", "cursor", 500)
	var out whitelist.Entry
	for _, e := range items {
		if e.USCC == code {
			out = e
		}
	}
	if out.ID == 0 {
		t.Fatalf("no entry of %s", code)
	}
	return out
}

// The demo seed's firms answer every status; the rules of who may ask.
func TestWhitelistStatusCheck(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bank := env.Login(t, "bank-a")
		a := wlStatus(t, env, bank, entAUSCC)
		today := date.Today(env.Clock.Now)
		if a.Status != whitelist.StatusActive || a.Batch != "2026年第1批" || a.Name != "太原示范新材料科技有限公司" ||
			a.EffectiveOn.After(today) || a.ValidUntil.Before(today) || a.Reason != "" {
			t.Errorf("ent-a: %+v", a)
		}
		if s := wlStatus(t, env, bank, entBUSCC); s.Status != whitelist.StatusPending || s.Batch != "" {
			t.Errorf("ent-b: %+v", s)
		}
		if s := wlStatus(t, env, bank, changzhiUSCC); s.Status != whitelist.StatusSuspended || s.Reason == "" {
			t.Errorf("suspended firm: %+v", s)
		}
		if s := wlStatus(t, env, bank, yunchengUSCC); s.Status != whitelist.StatusNotListed || s.Reason == "" {
			t.Errorf("rejected firm: %+v", s)
		}
		if s := wlStatus(t, env, bank, jinzhongUSCC); s.Status != whitelist.StatusPending || s.Batch != "2026年第2批" {
			t.Errorf("draft batch firm: %+v", s)
		}
		// A valid code nobody knows is not_listed, not 404.
		unknown := newFirm(1)
		if s := wlStatus(t, env, bank, unknown); s.Status != whitelist.StatusNotListed || s.USCC != unknown || s.Name != "" {
			t.Errorf("unknown firm: %+v", s)
		}
		// Lower case is accepted and answered normalised.
		if s := wlStatus(t, env, bank, strings.ToLower(entAUSCC)); s.USCC != entAUSCC || s.Status != whitelist.StatusActive {
			t.Errorf("lower case: %+v", s)
		}
		for _, user := range []string{"ipoffice", "bureau"} {
			if s := wlStatus(t, env, env.Login(t, user), entAUSCC); s.Status != whitelist.StatusActive {
				t.Errorf("%s: %+v", user, s)
			}
		}
		// An invalid code is 400 naming the field and the reason.
		p := env.Do(t, http.MethodGet, v1+"/whitelist/"+badUSCC, bank, nil).WantProblem(t, http.StatusBadRequest, "invalid_uscc")
		if fe := apptest.FieldErrors(p); fe["uscc"] != uscc.ReasonCheck {
			t.Errorf("field errors %v", fe)
		}
		p = env.Do(t, http.MethodGet, v1+"/whitelist/9114010", bank, nil).WantProblem(t, http.StatusBadRequest, "invalid_uscc")
		if fe := apptest.FieldErrors(p); fe["uscc"] != uscc.ReasonLength {
			t.Errorf("field errors %v", fe)
		}
		// An enterprise reads its own code only.
		entA := env.Login(t, "ent-a")
		if s := wlStatus(t, env, entA, strings.ToLower(entAUSCC)); s.Status != whitelist.StatusActive {
			t.Errorf("ent-a own: %+v", s)
		}
		wantDenied(t, env, env.Do(t, http.MethodGet, v1+"/whitelist/"+entBUSCC, entA, nil))
		wantDenied(t, env, env.Do(t, http.MethodGet, v1+"/whitelist/"+unknown, entA, nil))
		env.Do(t, http.MethodGet, v1+"/whitelist/"+badUSCC, entA, nil).WantProblem(t, http.StatusBadRequest, "invalid_uscc")
		// The technology-transfer office has no access; nor the admin.
		for _, user := range []string{"tto-a", "admin"} {
			r := env.Do(t, http.MethodGet, v1+"/whitelist/"+entAUSCC, env.Login(t, user), nil)
			r.WantProblem(t, http.StatusForbidden, "forbidden")
			if audited(t, env, r, "authz.forbidden") != 1 {
				t.Errorf("%s: refusal not audited", r)
			}
		}
	})
}

func TestWhitelistBatchCheck(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bank := env.Login(t, "bank-a")
		unknown := newFirm(2)
		codes := []string{entAUSCC, strings.ToLower(entBUSCC), badUSCC, entAUSCC, unknown, "", changzhiUSCC}
		r := env.Do(t, http.MethodPost, v1+"/whitelist/check", bank, map[string]any{"usccs": codes})
		r.WantStatus(t, http.StatusOK)
		var out struct {
			Results []map[string]any `json:"results"`
		}
		r.JSON(t, &out)
		if len(out.Results) != len(codes) {
			t.Fatalf("%d results for %d codes", len(out.Results), len(codes))
		}
		want := []string{"active", "pending", "", "active", "not_listed", "", "suspended"}
		for i, res := range out.Results {
			if want[i] == "" {
				e, _ := res["error"].(map[string]any)
				if e == nil || e["code"] != "invalid_uscc" || e["reason"] == "" || res["uscc"] != codes[i] || res["status"] != nil {
					t.Errorf("slot %d: %v", i, res)
				}
				continue
			}
			if res["status"] != want[i] || res["error"] != nil || res["uscc"] != strings.ToUpper(codes[i]) {
				t.Errorf("slot %d: %v, want %s", i, res, want[i])
			}
		}
		// 1000 codes pass; 1001, none, a missing list and unknown fields are 400.
		many := make([]string, 1001)
		for i := range many {
			many[i] = newFirm(i)
		}
		r = env.Do(t, http.MethodPost, v1+"/whitelist/check", bank, map[string]any{"usccs": many[:1000]})
		r.WantStatus(t, http.StatusOK)
		r.JSON(t, &out)
		if len(out.Results) != 1000 || out.Results[999]["uscc"] != many[999] {
			t.Fatalf("1000 codes: %d results", len(out.Results))
		}
		for _, tc := range []struct {
			body  any
			field string
		}{
			{map[string]any{"usccs": many}, "usccs"},
			{map[string]any{"usccs": []string{}}, "usccs"},
			{map[string]any{}, "usccs"},
			{map[string]any{"usccs": []string{entAUSCC}, "extra": 1}, "extra"},
			{map[string]any{"usccs": []int{1}}, "usccs"},
		} {
			p := env.Do(t, http.MethodPost, v1+"/whitelist/check", bank, tc.body).WantProblem(t, http.StatusBadRequest, "validation_failed")
			if _, ok := apptest.FieldErrors(p)[tc.field]; !ok {
				t.Errorf("%v: errors %v, want %s", tc.body, p["errors"], tc.field)
			}
		}
		env.Do(t, http.MethodPost, v1+"/whitelist/check", bank, "{").WantProblem(t, http.StatusBadRequest, "malformed_json")
		for _, user := range []string{"ent-a", "tto-a"} {
			env.Do(t, http.MethodPost, v1+"/whitelist/check", env.Login(t, user), map[string]any{"usccs": []string{entAUSCC}}).
				WantProblem(t, http.StatusForbidden, "forbidden")
		}
	})
}

// Every whitelist route refuses the roles it does not name (403,
// audited) and stores nothing.
func TestWhitelistWrongRoles(t *testing.T) {
	env := apptest.New(t)
	nom := nominationOf(t, env, entBUSCC)
	entry := entryOf(t, env, entAUSCC)
	draft := entryOf(t, env, jinzhongUSCC)
	n, b, e, d := fmt.Sprint(nom.ID), fmt.Sprint(entry.BatchID), fmt.Sprint(entry.ID), fmt.Sprint(draft.BatchID)
	reason := map[string]any{"reason": "测试"}
	for _, tc := range []struct {
		method, path string
		body         any
		refused      []string
	}{
		{"GET", "/whitelist/" + entAUSCC, nil, []string{"tto-a", "admin"}},
		{"POST", "/whitelist/check", map[string]any{"usccs": []string{entAUSCC}}, []string{"ent-a", "tto-a", "admin"}},
		{"GET", "/whitelist/changes", nil, []string{"ent-a", "tto-a", "admin"}},
		{"GET", "/whitelist/" + entAUSCC + "/history", nil, []string{"bank-a", "tto-a", "admin"}},
		{"GET", "/enterprises/" + entAUSCC, nil, []string{"tto-a", "admin"}},
		{"POST", "/whitelist/nominations", map[string]any{"uscc": newFirm(7), "name": "测试企业", "valid_invention_patents": 1},
			[]string{"bank-a", "tto-a", "admin"}},
		{"GET", "/whitelist/nominations", nil, []string{"bank-a", "tto-a", "admin"}},
		{"GET", "/whitelist/nominations/" + n, nil, []string{"bank-a", "tto-a", "admin"}},
		{"GET", "/whitelist/nominations/" + n + "/eligibility", nil, []string{"bureau", "bank-a", "ent-b", "tto-a", "admin"}},
		{"POST", "/whitelist/nominations/" + n + "/accept", map[string]any{"batch_id": draft.BatchID},
			[]string{"bureau", "bank-a", "ent-b", "tto-a", "admin"}},
		{"POST", "/whitelist/nominations/" + n + "/reject", reason, []string{"bureau", "bank-a", "ent-b", "tto-a", "admin"}},
		{"POST", "/whitelist/batches", map[string]any{"name": "2026年第9批"}, []string{"bureau", "bank-a", "ent-a", "tto-a", "admin"}},
		{"GET", "/whitelist/batches", nil, []string{"ent-a", "tto-a", "admin"}},
		{"GET", "/whitelist/batches/" + b, nil, []string{"ent-a", "tto-a", "admin"}},
		{"GET", "/whitelist/batches/" + b + "/entries", nil, []string{"ent-a", "tto-a", "admin"}},
		{"GET", "/whitelist/batches/" + b + "/objections", nil, []string{"ent-a", "tto-a", "admin"}},
		{"POST", "/whitelist/batches/" + d + "/notice", map[string]any{}, []string{"bureau", "bank-a", "ent-a", "tto-a", "admin"}},
		{"POST", "/whitelist/batches/" + d + "/publish", map[string]any{}, []string{"bureau", "bank-a", "ent-a", "tto-a", "admin"}},
		{"GET", "/whitelist/entries?review=true", nil, []string{"bureau", "bank-a", "ent-a", "tto-a", "admin"}},
		{"GET", "/whitelist/entries/" + e, nil, []string{"bureau", "bank-a", "ent-a", "tto-a", "admin"}},
		{"POST", "/whitelist/entries/" + e + "/suspend", reason, []string{"bureau", "bank-a", "ent-a", "tto-a", "admin"}},
		{"POST", "/whitelist/entries/" + e + "/reinstate", reason, []string{"bureau", "bank-a", "ent-a", "tto-a", "admin"}},
		{"POST", "/whitelist/entries/" + e + "/revoke", reason, []string{"bureau", "bank-a", "ent-a", "tto-a", "admin"}},
		{"POST", "/whitelist/entries/" + fmt.Sprint(draft.ID) + "/objections", map[string]any{"objector": "张三", "content": "异议"},
			[]string{"bureau", "bank-a", "ent-a", "tto-a", "admin"}},
		{"POST", "/whitelist/entries/" + e + "/review/close", map[string]any{"outcome": "无问题"},
			[]string{"bureau", "bank-a", "ent-a", "tto-a", "admin"}},
		{"POST", "/whitelist/objections/1/resolve", map[string]any{"upheld": true, "resolution": "成立"},
			[]string{"bureau", "bank-a", "ent-a", "tto-a", "admin"}},
	} {
		for _, user := range tc.refused {
			t.Run(tc.method+" "+tc.path+" as "+user, func(t *testing.T) {
				before := wlCounts(t, env)
				r := env.Do(t, tc.method, v1+tc.path, env.Login(t, user), tc.body)
				r.WantProblem(t, http.StatusForbidden, "forbidden")
				if audited(t, env, r, "authz.forbidden") != 1 {
					t.Errorf("%s: refusal not audited", r)
				}
				if after := wlCounts(t, env); after != before {
					t.Errorf("%s stored something: %s → %s", r, before, after)
				}
			})
		}
	}
}

// Objects owned by another tenant answer 404 (audited); lists show only
// the caller's own.
func TestWhitelistOwnership(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		entA, bureau := env.Login(t, "ent-a"), env.Login(t, "bureau")
		entBNom := nominationOf(t, env, entBUSCC)         // the bureau's
		jinzhongNom := nominationOf(t, env, jinzhongUSCC) // the IP office's
		entANom := nominationOf(t, env, entAUSCC)         // the bureau's, for ent-a
		for _, path := range []string{"/whitelist/" + entBUSCC, "/whitelist/" + entBUSCC + "/history", "/enterprises/" + entBUSCC,
			"/enterprises/" + strings.ToLower(entBUSCC), "/whitelist/nominations/" + fmt.Sprint(entBNom.ID)} {
			wantDenied(t, env, env.Do(t, http.MethodGet, v1+path, entA, nil))
		}
		wantDenied(t, env, env.Do(t, http.MethodGet, v1+"/whitelist/nominations/"+fmt.Sprint(jinzhongNom.ID), bureau, nil))
		// Their own they see.
		env.Do(t, http.MethodGet, v1+"/whitelist/nominations/"+fmt.Sprint(entANom.ID), entA, nil).WantStatus(t, http.StatusOK)
		env.Do(t, http.MethodGet, v1+"/whitelist/nominations/"+fmt.Sprint(entBNom.ID), bureau, nil).WantStatus(t, http.StatusOK)
		r := env.Do(t, http.MethodGet, v1+"/enterprises/"+entAUSCC, entA, nil)
		r.WantStatus(t, http.StatusOK)
		var ent whitelist.Enterprise
		r.JSON(t, &ent)
		if ent.USCC != entAUSCC || ent.RegionName != "山西省太原市" {
			t.Errorf("enterprise %+v", ent)
		}
		hist, _ := walk[whitelist.HistoryEvent](t, env, entA, v1+"/whitelist/"+entAUSCC+"/history", "cursor", 2)
		if len(hist) < 4 || hist[0].Action != "nominated" {
			t.Errorf("history %+v", hist)
		}
		// A nomination that does not exist is a plain 404.
		env.Do(t, http.MethodGet, v1+"/whitelist/nominations/999999", bureau, nil).WantProblem(t, http.StatusNotFound, "not_found")
		env.Do(t, http.MethodGet, v1+"/enterprises/"+newFirm(3), bureau, nil).WantProblem(t, http.StatusNotFound, "not_found")
		// Lists.
		mine, _ := walk[whitelist.Nomination](t, env, entA, v1+"/whitelist/nominations", "cursor", 50)
		if len(mine) != 1 || mine[0].USCC != entAUSCC {
			t.Errorf("ent-a's nominations: %+v", mine)
		}
		byBureau, _ := walk[whitelist.Nomination](t, env, bureau, v1+"/whitelist/nominations", "cursor", 1)
		all, _ := walk[whitelist.Nomination](t, env, env.Login(t, "ipoffice"), v1+"/whitelist/nominations", "cursor", 50)
		if len(byBureau) == 0 || len(byBureau) >= len(all) {
			t.Errorf("bureau sees %d of %d", len(byBureau), len(all))
		}
		for _, n := range byBureau {
			if n.Source != whitelist.SourceBureau {
				t.Errorf("bureau sees %+v", n)
			}
		}
		pending := firstPage[whitelist.Nomination](t, env, bureau, v1+"/whitelist/nominations?status=pending")
		if len(pending) != 1 || pending[0].USCC != entBUSCC {
			t.Errorf("bureau's pending: %+v", pending)
		}
		env.Do(t, http.MethodGet, v1+"/whitelist/nominations?status=bogus", bureau, nil).WantProblem(t, http.StatusBadRequest, "validation_failed")
		// An enterprise nominates itself only.
		env.Do(t, http.MethodPost, v1+"/whitelist/nominations", entA, map[string]any{"uscc": entBUSCC, "name": "别人"}).
			WantProblem(t, http.StatusUnprocessableEntity, "not_own_enterprise")
	})
}

// Bad input is refused with 400 and stores nothing.
func TestWhitelistBadInput(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ipo, bureau := env.Login(t, "ipoffice"), env.Login(t, "bureau")
		nom := nominationOf(t, env, entBUSCC)
		draft := entryOf(t, env, jinzhongUSCC)
		active := entryOf(t, env, entAUSCC)
		good := map[string]any{"uscc": newFirm(5), "name": "吕梁示范化工有限公司", "bureau_doc_no": "晋民经发〔2026〕40号",
			"valid_invention_patents": 2}
		with := func(k string, v any) map[string]any {
			m := map[string]any{}
			for a, b := range good {
				m[a] = b
			}
			m[k] = v
			return m
		}
		for _, tc := range []struct {
			tok, method, path string
			body              any
			code, field       string
		}{
			{bureau, "POST", "/whitelist/nominations", with("uscc", badUSCC), "invalid_uscc", "uscc"},
			{bureau, "POST", "/whitelist/nominations", with("uscc", "123"), "invalid_uscc", "uscc"},
			{bureau, "POST", "/whitelist/nominations", with("extra", true), "validation_failed", "extra"},
			{bureau, "POST", "/whitelist/nominations", with("bureau_recognised_on", "2026-02-30"), "validation_failed", "bureau_recognised_on"},
			{bureau, "POST", "/whitelist/nominations", with("name", ""), "validation_failed", "name"},
			{bureau, "POST", "/whitelist/nominations", with("source", "self"), "validation_failed", "source"},
			{bureau, "POST", "/whitelist/nominations", with("valid_invention_patents", "2"), "validation_failed", "valid_invention_patents"},
			{ipo, "POST", "/whitelist/nominations/" + fmt.Sprint(nom.ID) + "/accept", map[string]any{}, "validation_failed", "batch_id"},
			{ipo, "POST", "/whitelist/nominations/" + fmt.Sprint(nom.ID) + "/accept", map[string]any{"batch_id": draft.BatchID, "x": 1}, "validation_failed", "x"},
			{ipo, "POST", "/whitelist/nominations/" + fmt.Sprint(nom.ID) + "/reject", map[string]any{"reason": " "}, "validation_failed", "reason"},
			{ipo, "POST", "/whitelist/batches", map[string]any{"name": ""}, "validation_failed", "name"},
			{ipo, "POST", "/whitelist/batches", map[string]any{"name": "x", "notes": ""}, "validation_failed", "notes"},
			{ipo, "POST", "/whitelist/batches/" + fmt.Sprint(draft.BatchID) + "/notice", map[string]any{"start": "tomorrow"}, "validation_failed", "start"},
			{ipo, "POST", "/whitelist/batches/" + fmt.Sprint(draft.BatchID) + "/notice", map[string]any{"start": "2020-01-06"}, "validation_failed", "start"},
			{ipo, "POST", "/whitelist/batches/" + fmt.Sprint(draft.BatchID) + "/publish", map[string]any{"effective_on": "2026-13-01"}, "validation_failed", "effective_on"},
			{ipo, "POST", "/whitelist/batches/" + fmt.Sprint(draft.BatchID) + "/publish", map[string]any{"valid_until": "01/02/2027"}, "validation_failed", "valid_until"},
			{ipo, "POST", "/whitelist/entries/" + fmt.Sprint(active.ID) + "/suspend", map[string]any{"reason": ""}, "validation_failed", "reason"},
			{ipo, "POST", "/whitelist/entries/" + fmt.Sprint(active.ID) + "/suspend", map[string]any{"reason": "x", "until": "y"}, "validation_failed", "until"},
			{ipo, "POST", "/whitelist/entries/" + fmt.Sprint(active.ID) + "/revoke", map[string]any{}, "validation_failed", "reason"},
			{ipo, "POST", "/whitelist/entries/" + fmt.Sprint(draft.ID) + "/objections", map[string]any{"objector": "张三"}, "validation_failed", "content"},
			{ipo, "POST", "/whitelist/objections/1/resolve", map[string]any{"resolution": "x"}, "validation_failed", "upheld"},
			{ipo, "POST", "/whitelist/entries/" + fmt.Sprint(active.ID) + "/review/close", map[string]any{"outcome": ""}, "validation_failed", "outcome"},
			{ipo, "GET", "/whitelist/entries?review=maybe", nil, "validation_failed", "review"},
			{ipo, "GET", "/whitelist/changes?after=zzz", nil, "validation_failed", ""},
		} {
			t.Run(tc.method+" "+tc.path+" "+tc.field, func(t *testing.T) {
				before := wlCounts(t, env)
				r := env.Do(t, tc.method, v1+tc.path, tc.tok, tc.body)
				if tc.field == "" {
					if r.Status != http.StatusBadRequest {
						t.Fatalf("%s: %d %s", r, r.Status, r.Body)
					}
				} else {
					p := r.WantProblem(t, http.StatusBadRequest, tc.code)
					if _, ok := apptest.FieldErrors(p)[tc.field]; !ok {
						t.Errorf("%s: errors %v, want field %s", r, p["errors"], tc.field)
					}
				}
				if after := wlCounts(t, env); after != before {
					t.Errorf("%s stored something: %s → %s", r, before, after)
				}
			})
		}
		// Lower case is accepted: the nomination stores the normal form.
		lower := newFirm(6)
		r := env.Do(t, http.MethodPost, v1+"/whitelist/nominations", bureau, with("uscc", strings.ToLower(lower)))
		r.WantStatus(t, http.StatusCreated)
		var n whitelist.Nomination
		r.JSON(t, &n)
		if n.USCC != lower || n.Status != whitelist.NominationPending || !n.Priority {
			t.Errorf("nomination %+v", n)
		}
	})
}

// relogin forgets the cached tokens after the clock moved (access tokens
// live 15 minutes).
func relogin(env *apptest.Env) {
	for _, u := range []string{"ipoffice", "ipoffice-2", "bureau", "bank-a", "bank-b", "ent-a", "ent-b", "tto-a", "admin"} {
		env.Forget(u)
	}
}

// The whole flow over HTTP: nominate, accept, notice, publish, check;
// a check right after a change sees it.
func TestWhitelistFlow(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		firm, other := newFirm(10), newFirm(11)
		bureau, ipo, bank := env.Login(t, "bureau"), env.Login(t, "ipoffice"), env.Login(t, "bank-a")
		var noms []whitelist.Nomination
		for _, code := range []string{firm, other} {
			r := env.Do(t, http.MethodPost, v1+"/whitelist/nominations", bureau, map[string]any{"uscc": code, "name": "吕梁示范" + code[14:] + "有限公司",
				"industry": "装备制造", "is_sme": true, "bureau_doc_no": "晋民经发〔2026〕50号", "bureau_recognised_on": "2026-01-15",
				"valid_invention_patents": 0})
			r.WantStatus(t, http.StatusCreated)
			var n whitelist.Nomination
			r.JSON(t, &n)
			noms = append(noms, n)
		}
		if s := wlStatus(t, env, bank, firm); s.Status != whitelist.StatusPending {
			t.Fatalf("after nomination: %+v", s)
		}
		r := env.Do(t, http.MethodGet, v1+fmt.Sprintf("/whitelist/nominations/%d/eligibility", noms[0].ID), ipo, nil)
		r.WantStatus(t, http.StatusOK)
		var el struct {
			Eligible bool              `json:"eligible"`
			Checks   []whitelist.Check `json:"checks"`
		}
		r.JSON(t, &el)
		if el.Eligible || len(el.Checks) == 0 {
			t.Errorf("eligibility %+v", el)
		}
		r = env.Do(t, http.MethodPost, v1+"/whitelist/batches", ipo, map[string]any{"name": "2026年第7批"})
		r.WantStatus(t, http.StatusCreated)
		batchID := idOf(t, r)
		env.Do(t, http.MethodPost, v1+"/whitelist/batches", ipo, map[string]any{"name": "2026年第7批"}).WantProblem(t, http.StatusConflict, "duplicate")
		// No invention patent: refused unless overridden with a reason.
		accept := v1 + fmt.Sprintf("/whitelist/nominations/%d/accept", noms[0].ID)
		env.Do(t, http.MethodPost, accept, ipo, map[string]any{"batch_id": batchID}).WantProblem(t, http.StatusUnprocessableEntity, "not_eligible")
		env.Do(t, http.MethodPost, accept, ipo, map[string]any{"batch_id": 999999}).WantProblem(t, http.StatusUnprocessableEntity, "not_eligible")
		for _, n := range noms {
			r = env.Do(t, http.MethodPost, v1+fmt.Sprintf("/whitelist/nominations/%d/accept", n.ID), ipo,
				map[string]any{"batch_id": batchID, "override_reason": "专利申请已进入实审，准予豁免"})
			r.WantStatus(t, http.StatusOK)
		}
		env.Do(t, http.MethodPost, accept, ipo, map[string]any{"batch_id": batchID, "override_reason": "x"}).
			WantProblem(t, http.StatusConflict, "invalid_state")
		// The bureau was told.
		var notes listPage[struct {
			Kind string `json:"kind"`
		}]
		r = env.Do(t, http.MethodGet, v1+"/notifications", bureau, nil)
		r.WantStatus(t, http.StatusOK)
		r.JSON(t, &notes)
		told := 0
		for _, n := range notes.Items {
			if n.Kind == "nomination.accepted" {
				told++
			}
		}
		if told < 2 {
			t.Errorf("bureau notifications %+v", notes.Items)
		}
		env.Do(t, http.MethodPost, v1+fmt.Sprintf("/whitelist/batches/%d/publish", batchID), ipo, map[string]any{}).
			WantProblem(t, http.StatusConflict, "invalid_state")
		r = env.Do(t, http.MethodPost, v1+fmt.Sprintf("/whitelist/batches/%d/notice", batchID), ipo, map[string]any{})
		r.WantStatus(t, http.StatusOK)
		var b whitelist.Batch
		r.JSON(t, &b)
		if b.Status != whitelist.BatchPublicNotice || b.NoticeEnd.Before(b.NoticeStart) || b.Entries != 2 {
			t.Fatalf("batch %+v", b)
		}
		if s := wlStatus(t, env, bank, firm); s.Status != whitelist.StatusPending || s.Batch != "2026年第7批" {
			t.Fatalf("under notice: %+v", s)
		}
		env.Do(t, http.MethodPost, v1+fmt.Sprintf("/whitelist/batches/%d/publish", batchID), ipo, map[string]any{}).
			WantProblem(t, http.StatusUnprocessableEntity, "notice_not_over")
		// An objection against the other firm, upheld: it leaves the batch.
		entries, _ := walk[whitelist.Entry](t, env, ipo, v1+fmt.Sprintf("/whitelist/batches/%d/entries", batchID), "cursor", 1)
		if len(entries) != 2 {
			t.Fatalf("entries %+v", entries)
		}
		var otherEntry, firmEntry whitelist.Entry
		for _, e := range entries {
			if e.USCC == other {
				otherEntry = e
			} else {
				firmEntry = e
			}
		}
		r = env.Do(t, http.MethodPost, v1+fmt.Sprintf("/whitelist/entries/%d/objections", otherEntry.ID), ipo,
			map[string]any{"objector": "某供应商", "content": "该企业存在拖欠货款纠纷"})
		r.WantStatus(t, http.StatusCreated)
		objID := idOf(t, r)
		var objs struct {
			Items []whitelist.Objection `json:"items"`
		}
		// Objections name private persons: banks may not read them.
		env.Do(t, http.MethodGet, v1+fmt.Sprintf("/whitelist/batches/%d/objections", batchID), bank, nil).
			WantProblem(t, http.StatusForbidden, "forbidden")
		r = env.Do(t, http.MethodGet, v1+fmt.Sprintf("/whitelist/batches/%d/objections", batchID), ipo, nil)
		r.WantStatus(t, http.StatusOK)
		r.JSON(t, &objs)
		if len(objs.Items) != 1 || objs.Items[0].Status != "open" {
			t.Fatalf("objections %+v", objs)
		}
		r = env.Do(t, http.MethodPost, v1+fmt.Sprintf("/whitelist/objections/%d/resolve", objID), ipo,
			map[string]any{"upheld": true, "resolution": "经核实异议成立"})
		r.WantStatus(t, http.StatusOK)
		if s := wlStatus(t, env, bank, other); s.Status != whitelist.StatusNotListed || s.Reason != "经核实异议成立" {
			t.Errorf("after upheld objection: %+v", s)
		}
		// Past the notice: publish; the bank sees active.
		env.Clock.Set(b.NoticeEnd.AddDays(1).Time().Add(9 * time.Hour))
		relogin(env)
		ipo, bank = env.Login(t, "ipoffice"), env.Login(t, "bank-a")
		env.Do(t, http.MethodPost, v1+fmt.Sprintf("/whitelist/batches/%d/publish", batchID), ipo,
			map[string]any{"effective_on": b.NoticeEnd.String()}).WantProblem(t, http.StatusBadRequest, "validation_failed")
		env.Do(t, http.MethodPost, v1+fmt.Sprintf("/whitelist/batches/%d/publish", batchID), ipo,
			map[string]any{"effective_on": "2030-01-02", "valid_until": "2030-01-01"}).WantProblem(t, http.StatusBadRequest, "validation_failed")
		r = env.Do(t, http.MethodPost, v1+fmt.Sprintf("/whitelist/batches/%d/publish", batchID), ipo, map[string]any{})
		r.WantStatus(t, http.StatusOK)
		r.JSON(t, &b)
		if b.Status != whitelist.BatchPublished || b.EffectiveOn != date.Today(env.Clock.Now) || b.Entries != 1 {
			t.Fatalf("published %+v", b)
		}
		s := wlStatus(t, env, bank, firm)
		if s.Status != whitelist.StatusActive || s.Batch != "2026年第7批" || s.EffectiveOn != b.EffectiveOn || s.ValidUntil != b.ValidUntil {
			t.Fatalf("after publication: %+v", s)
		}
		// A check right after a change sees it (the cached status is dropped).
		entryPath := v1 + fmt.Sprintf("/whitelist/entries/%d", firmEntry.ID)
		env.Do(t, http.MethodPost, entryPath+"/reinstate", ipo, map[string]any{"reason": "x"}).WantProblem(t, http.StatusConflict, "invalid_state")
		for _, step := range []struct{ verb, want string }{{"suspend", "suspended"}, {"reinstate", "active"}, {"suspend", "suspended"}, {"revoke", "revoked"}} {
			env.Do(t, http.MethodPost, entryPath+"/"+step.verb, ipo, map[string]any{"reason": "复核：" + step.verb}).WantStatus(t, http.StatusOK)
			if s := wlStatus(t, env, bank, firm); string(s.Status) != step.want {
				t.Fatalf("after %s: %+v", step.verb, s)
			}
			var out struct {
				Results []whitelist.StatusResult `json:"results"`
			}
			r := env.Do(t, http.MethodPost, v1+"/whitelist/check", bank, map[string]any{"usccs": []string{firm}})
			r.WantStatus(t, http.StatusOK)
			r.JSON(t, &out)
			if string(out.Results[0].Status) != step.want {
				t.Fatalf("batch check after %s: %+v", step.verb, out)
			}
		}
		// valid_until is inclusive: the last day is active, the next expired
		// (checked on ent-a's demo entry, still cached from earlier).
		a := wlStatus(t, env, bank, entAUSCC)
		env.Clock.Set(a.ValidUntil.Time().Add(23 * time.Hour))
		relogin(env)
		bank = env.Login(t, "bank-a")
		if s := wlStatus(t, env, bank, entAUSCC); s.Status != whitelist.StatusActive {
			t.Errorf("on valid_until: %+v", s)
		}
		env.Clock.Set(a.ValidUntil.AddDays(1).Time().Add(time.Hour))
		relogin(env)
		bank, ipo = env.Login(t, "bank-a"), env.Login(t, "ipoffice")
		if s := wlStatus(t, env, bank, entAUSCC); s.Status != whitelist.StatusExpired {
			t.Errorf("after valid_until: %+v", s)
		}
		// The feed tells a mirror every step of the firm.
		changes, _ := walk[whitelist.Change](t, env, bank, v1+"/whitelist/changes", "after", 5)
		var seen []string
		for _, c := range changes {
			if c.USCC == firm {
				seen = append(seen, string(c.Status))
			}
		}
		if strings.Join(seen, ",") != "pending,pending,pending,active,suspended,active,suspended,revoked" {
			t.Errorf("feed for the firm: %v", seen)
		}
		// The history shows it too, to the IP office.
		hist, _ := walk[whitelist.HistoryEvent](t, env, ipo, v1+"/whitelist/"+firm+"/history", "cursor", 50)
		if len(hist) != 8 || hist[len(hist)-1].Action != "revoked" || hist[len(hist)-1].ActorUsername != "ipoffice" {
			t.Errorf("history %+v", hist)
		}
	})
}

// The review queue: a flag raised by another domain shows under
// ?review=true until the IP office closes the review.
func TestWhitelistReviewQueue(t *testing.T) {
	env := apptest.New(t)
	ipo := env.Login(t, "ipoffice")
	entry := entryOf(t, env, entAUSCC)
	queue := func() []whitelist.Entry {
		return firstPage[whitelist.Entry](t, env, ipo, v1+"/whitelist/entries?review=true")
	}
	if q := queue(); len(q) != 0 {
		t.Fatalf("queue %+v", q)
	}
	env.Do(t, http.MethodPost, v1+fmt.Sprintf("/whitelist/entries/%d/review/close", entry.ID), ipo, map[string]any{"outcome": "x"}).
		WantProblem(t, http.StatusConflict, "invalid_state")
	if err := env.App.Whitelist.FlagForReview(t.Context(), auditSystem(), entAUSCC, "质押贷款逾期90天"); err != nil {
		t.Fatal(err)
	}
	q := queue()
	if len(q) != 1 || q[0].ID != entry.ID || !q[0].ReviewFlag || q[0].ReviewReason != "质押贷款逾期90天" {
		t.Fatalf("queue %+v", q)
	}
	r := env.Do(t, http.MethodPost, v1+fmt.Sprintf("/whitelist/entries/%d/review/close", entry.ID), ipo, map[string]any{"outcome": "已还款，维持"})
	r.WantStatus(t, http.StatusOK)
	if q := queue(); len(q) != 0 {
		t.Fatalf("queue after close %+v", q)
	}
	r = env.Do(t, http.MethodGet, v1+fmt.Sprintf("/whitelist/entries/%d", entry.ID), ipo, nil)
	r.WantStatus(t, http.StatusOK)
	var e whitelist.Entry
	r.JSON(t, &e)
	if e.ReviewFlag || e.Status != whitelist.StatusActive {
		t.Errorf("entry %+v", e)
	}
	env.Do(t, http.MethodGet, v1+"/whitelist/entries/999999", ipo, nil).WantProblem(t, http.StatusNotFound, "not_found")
	env.Do(t, http.MethodGet, v1+"/whitelist/batches/999999", ipo, nil).WantProblem(t, http.StatusNotFound, "not_found")
	env.Do(t, http.MethodGet, v1+"/whitelist/batches/999999/entries", ipo, nil).WantProblem(t, http.StatusNotFound, "not_found")
	env.Do(t, http.MethodGet, v1+"/whitelist/batches/999999/objections", ipo, nil).WantProblem(t, http.StatusNotFound, "not_found")
}

// Two instances on one PostgreSQL and Redis: a suspension made through
// one is seen through the other at once, though the other had the status
// cached.
func TestWhitelistSuspensionAcrossInstances(t *testing.T) {
	one := apptest.New(t, apptest.WithDatabaseURL(dbtest.PostgresURL(t)), apptest.WithRedisURL(dbtest.RedisURL(t)))
	two := one.Peer(t)
	bankTwo := two.Login(t, "bank-a")
	if s := wlStatus(t, two, bankTwo, entAUSCC); s.Status != whitelist.StatusActive {
		t.Fatalf("before: %+v", s)
	}
	entry := entryOf(t, one, entAUSCC)
	one.Do(t, http.MethodPost, v1+fmt.Sprintf("/whitelist/entries/%d/suspend", entry.ID), one.Login(t, "ipoffice"),
		map[string]any{"reason": "涉嫌虚报专利信息，暂停核查"}).WantStatus(t, http.StatusOK)
	s := wlStatus(t, two, bankTwo, entAUSCC)
	if s.Status != whitelist.StatusSuspended || s.Reason != "涉嫌虚报专利信息，暂停核查" {
		t.Fatalf("through instance 2: %+v", s)
	}
	var out struct {
		Results []whitelist.StatusResult `json:"results"`
	}
	r := two.Do(t, http.MethodPost, v1+"/whitelist/check", bankTwo, map[string]any{"usccs": []string{entAUSCC}})
	r.WantStatus(t, http.StatusOK)
	r.JSON(t, &out)
	if out.Results[0].Status != whitelist.StatusSuspended {
		t.Fatalf("batch check through instance 2: %+v", out)
	}
}

func auditSystem() audit.Actor { return audit.System("test") }

// firstPage gets the items of one page of a list whose path has a query.
func firstPage[T any](t *testing.T, env *apptest.Env, tok, path string) []T {
	t.Helper()
	r := env.Do(t, http.MethodGet, path+"&limit=500", tok, nil)
	r.WantStatus(t, http.StatusOK)
	var p listPage[T]
	r.JSON(t, &p)
	if p.NextCursor != "" {
		t.Fatalf("%s: more than one page", r)
	}
	return p.Items
}
