package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ipledge/ipledge/app/apptest"
)

type searchHit struct {
	ApplicationNumber string   `json:"application_number"`
	TitleHTML         string   `json:"title_html"`
	IPCCodes          []string `json:"ipc_codes"`
}

type searchPage struct {
	Items      []searchHit `json:"items"`
	NextCursor string      `json:"next_cursor"`
}

func search(t *testing.T, env *apptest.Env, tok string, params url.Values) searchPage {
	t.Helper()
	r := env.Do(t, http.MethodGet, v1+"/patents/search?"+params.Encode(), tok, nil)
	r.WantStatus(t, http.StatusOK)
	var p searchPage
	r.JSON(t, &p)
	return p
}

func TestPatentSearch(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tok := env.Login(t, "bank-a")
		// A bigram inside a longer run; highlighted.
		p := search(t, env, tok, url.Values{"q": {"监测"}})
		if len(p.Items) != 1 || !strings.Contains(p.Items[0].TitleHTML, "<mark>监测</mark>") {
			t.Fatalf("监测: %+v", p)
		}
		// AND of terms, mixed Chinese and English.
		p = search(t, env, tok, url.Values{"q": {"WEB 采集"}})
		if len(p.Items) != 1 || p.Items[0].TitleHTML != "一种<mark>web</mark>端数据通用<mark>采集</mark>方法" {
			t.Fatalf("web 采集: %+v", p)
		}
		if p = search(t, env, tok, url.Values{"q": {"监测 web"}}); len(p.Items) != 0 {
			t.Fatalf("AND: %+v", p)
		}
		// One character: a prefix.
		if p = search(t, env, tok, url.Values{"q": {"溯"}}); len(p.Items) != 1 || !strings.Contains(p.Items[0].TitleHTML, "<mark>溯</mark>") {
			t.Fatalf("溯: %+v", p)
		}
		// IPC prefix filter and paging.
		p = search(t, env, tok, url.Values{"ipc": {"g01n"}, "limit": {"1"}})
		if len(p.Items) != 1 || p.NextCursor == "" {
			t.Fatalf("ipc page 1: %+v", p)
		}
		p2 := search(t, env, tok, url.Values{"ipc": {"G01N"}, "limit": {"1"}, "cursor": {p.NextCursor}})
		if len(p2.Items) != 1 || p2.Items[0].ApplicationNumber == p.Items[0].ApplicationNumber || p2.NextCursor != "" {
			t.Fatalf("ipc page 2: %+v", p2)
		}
		if p = search(t, env, tok, url.Values{"q": {"监测"}, "ipc": {"H04"}}); len(p.Items) != 0 {
			t.Fatalf("ipc filter: %+v", p)
		}
		// Bad input.
		for _, q := range []string{"dormant=maybe", "ipc=%25%25", "type=x", "min_remaining_years=-1", "limit=0", "q=" + strings.Repeat("a", 201), "q=%21%21"} {
			env.Do(t, http.MethodGet, v1+"/patents/search?"+q, tok, nil).WantProblem(t, http.StatusBadRequest, "validation_failed")
		}
	})
}

func TestNeedsAndMatches(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ent, entB := env.Login(t, "ent-a"), env.Login(t, "ent-b")
		// Bad input stores nothing.
		r := env.Do(t, http.MethodPost, v1+"/needs", ent, map[string]any{"title": "", "description": "x", "ipc_codes": []string{"??"},
			"budget_min_fen": 5, "budget_max_fen": 1})
		if fe := apptest.FieldErrors(r.WantProblem(t, http.StatusBadRequest, "validation_failed")); fe["title"] == "" ||
			fe["ipc_codes[0]"] == "" || fe["budget_max_fen"] == "" {
			t.Fatalf("field errors %v", fe)
		}
		var list searchPage
		env.Do(t, http.MethodGet, v1+"/needs", ent, nil).JSON(t, &list)
		if len(list.Items) != 0 {
			t.Fatalf("stored %v", list)
		}
		env.Do(t, http.MethodPost, v1+"/needs", env.Login(t, "bank-a"), map[string]any{"title": "a", "description": "b"}).
			WantProblem(t, http.StatusForbidden, "forbidden")
		r = env.Do(t, http.MethodPost, v1+"/needs", ent, map[string]any{"title": "空气污染监测", "description": "需要无人机大气污染物溯源技术",
			"budget_min_fen": 100, "budget_max_fen": 50_000_000, "region": "太原"})
		r.WantStatus(t, http.StatusCreated)
		matches := fmt.Sprintf("%s/needs/%v/matches", v1, r.Map(t)["id"])
		m := env.Do(t, http.MethodGet, matches, ent, nil)
		m.WantStatus(t, http.StatusOK)
		if inf, _ := m.Map(t)["inferred_ipc"].([]any); len(inf) == 0 || inf[0].(map[string]any)["subclass"] != "G01N" {
			t.Fatalf("inferred %v", m.Map(t))
		}
		// Another enterprise: 404.
		env.Do(t, http.MethodGet, matches, entB, nil).WantProblem(t, http.StatusNotFound, "not_found")
		// Licensees of a patent: the university holding it, the IP office.
		lic := v1 + "/patents/CN202121741650.3/licensees"
		l := env.Do(t, http.MethodGet, lic, env.Login(t, "tto-a"), nil)
		l.WantStatus(t, http.StatusOK)
		items := l.Map(t)["items"].([]any)
		if len(items) == 0 || items[0].(map[string]any)["whitelist_status"] == "" {
			t.Fatalf("licensees %s", l.Body)
		}
		env.Do(t, http.MethodGet, lic, env.Login(t, "ipoffice"), nil).WantStatus(t, http.StatusOK)
		env.Do(t, http.MethodGet, v1+"/patents/CN202121635426.6/licensees", env.Login(t, "tto-a"), nil).
			WantProblem(t, http.StatusNotFound, "not_found")
	})
}
