package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ipledge/ipledge/app/apptest"
)

// pagedIDs walks a list (path may carry a query already) with the given
// limit and returns the ids in the order served and the pages walked,
// failing on a page over the limit or an id served twice or out of order.
func pagedIDs(t *testing.T, env *apptest.Env, token, path string, limit int) ([]int64, int) {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var ids []int64
	cursor := ""
	for pages := 1; pages < 1000; pages++ {
		q := url.Values{"limit": {fmt.Sprint(limit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		r := env.Do(t, http.MethodGet, path+sep+q.Encode(), token, nil)
		r.WantStatus(t, http.StatusOK)
		var p listPage[map[string]any]
		r.JSON(t, &p)
		if len(p.Items) > limit {
			t.Fatalf("%s: %d items on a page of limit %d", r, len(p.Items), limit)
		}
		for _, it := range p.Items {
			id := int64(it["id"].(float64))
			if len(ids) > 0 && id <= ids[len(ids)-1] {
				t.Fatalf("%s: ids out of order or repeated: %v then %d", r, ids, id)
			}
			ids = append(ids, id)
		}
		if p.NextCursor == "" {
			return ids, pages
		}
		cursor = p.NextCursor
	}
	t.Fatalf("%s: pagination does not end", path)
	return nil, 0
}

// badPaging checks the refusals of a list's paging parameters.
func badPaging(t *testing.T, env *apptest.Env, token, path string) {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	for q, field := range map[string]string{
		"cursor=nope": "cursor", "cursor=eDEy": "cursor", "cursor=ay0x": "cursor", "cursor=" + "%E4%B8%AD": "cursor",
		"limit=0": "limit", "limit=-1": "limit", "limit=abc": "limit", "limit=1.5": "limit",
	} {
		p := env.Do(t, http.MethodGet, path+sep+q, token, nil).WantProblem(t, http.StatusBadRequest, "validation_failed")
		if apptest.FieldErrors(p)[field] != "invalid" {
			t.Errorf("%s%s%s: field errors %v", path, sep, q, p["errors"])
		}
	}
	// A limit above the maximum is clamped, not refused.
	env.Do(t, http.MethodGet, path+sep+"limit=100000", token, nil).WantStatus(t, http.StatusOK)
}

// Paging of the registry's lists: every item once, in id order, limit
// items a page, next_cursor empty on the last page; bad cursors and
// limits are 400.
func TestPatentRegistryPaging(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ipo, ent, bank := env.Login(t, "ipoffice"), env.Login(t, "ent-a"), env.Login(t, "bank-a")

		// GET /patents: 7 demo patents.
		all, _ := pagedIDs(t, env, ipo, v1+"/patents", 500)
		if len(all) != 7 {
			t.Fatalf("%d patents", len(all))
		}
		for limit, wantPages := range map[int]int{1: 7, 2: 4, 4: 2, 6: 2, 7: 1, 8: 1} {
			ids, pages := pagedIDs(t, env, ipo, v1+"/patents", limit)
			if fmt.Sprint(ids) != fmt.Sprint(all) || pages != wantPages {
				t.Errorf("limit %d: %v in %d pages, want %v in %d", limit, ids, pages, all, wantPages)
			}
		}
		// The first page of 2: two items and a cursor that continues after them.
		r := env.Do(t, http.MethodGet, v1+"/patents?limit=2", ipo, nil)
		var pg listPage[map[string]any]
		r.JSON(t, &pg)
		if len(pg.Items) != 2 || pg.NextCursor == "" {
			t.Fatalf("first page %s", r.Body)
		}
		r = env.Do(t, http.MethodGet, v1+"/patents?limit=2&cursor="+pg.NextCursor, ipo, nil)
		r.JSON(t, &pg)
		if len(pg.Items) != 2 || int64(pg.Items[0]["id"].(float64)) != all[2] {
			t.Fatalf("second page %s", r.Body)
		}
		// An enterprise pages its own.
		own, pages := pagedIDs(t, env, ent, v1+"/patents", 1)
		if len(own) != 3 || pages != 3 {
			t.Fatalf("ent-a: %v in %d pages", own, pages)
		}
		badPaging(t, env, ipo, v1+"/patents")

		// History: the registration plus four changes.
		num := patentPath("202121635235.X")
		for _, st := range []string{"fee_grace", "valid", "invalidation_requested", "valid"} {
			env.Do(t, http.MethodPost, num+"/legal-status", ipo, map[string]any{"status": st, "reason": "翻页测试"}).WantStatus(t, http.StatusOK)
		}
		hist, pages := walk[map[string]any](t, env, bank, num+"/history", "cursor", 2)
		if len(hist) != 5 || pages != 3 || hist[0]["to"] != "valid" || hist[1]["to"] != "fee_grace" || hist[4]["from"] != "invalidation_requested" {
			t.Fatalf("history %v in %d pages", hist, pages)
		}
		whole, _ := pagedIDs(t, env, bank, num+"/history", 500)
		single, pages := pagedIDs(t, env, bank, num+"/history", 1)
		if fmt.Sprint(whole) != fmt.Sprint(single) || pages != 5 {
			t.Fatalf("history %v, one by one %v in %d pages", whole, single, pages)
		}
		badPaging(t, env, bank, num+"/history")
		// Another patent's history is not this one's.
		if other, _ := pagedIDs(t, env, bank, patentPath("202121635426.6")+"/history", 10); len(other) != 1 {
			t.Fatalf("other history %v", other)
		}

		// Corrections: five, by ent-a and tto-a; two rejected.
		var cids []int64
		for i, c := range []struct{ who, number, status string }{
			{"ent-a", "202121635235.X", "lapsed"}, {"ent-a", "202223220665.2", "fee_grace"}, {"tto-a", "202211359874.7", "expired"},
			{"ent-a", "202121635235.X", "fee_grace"}, {"tto-a", "202211740332.4", "valid"},
		} {
			r := env.Do(t, http.MethodPost, patentPath(c.number)+"/corrections", env.Login(t, c.who),
				map[string]any{"status": c.status, "evidence": fmt.Sprintf("证据%d", i)})
			r.WantStatus(t, http.StatusCreated)
			cids = append(cids, int64(r.Map(t)["id"].(float64)))
		}
		for _, id := range cids[:2] {
			env.Do(t, http.MethodPost, fmt.Sprintf("%s/patents/corrections/%d/reject", v1, id), ipo, map[string]any{"reason": "不属实"}).
				WantStatus(t, http.StatusOK)
		}
		for path, want := range map[string][]int64{
			v1 + "/patents/corrections":                 cids,
			v1 + "/patents/corrections?state=pending":   cids[2:],
			v1 + "/patents/corrections?state=rejected":  cids[:2],
			v1 + "/patents/corrections?state=confirmed": {},
		} {
			for _, limit := range []int{1, 2, 10} {
				got, pages := pagedIDs(t, env, ipo, path, limit)
				wantPages := max(1, (len(want)+limit-1)/limit)
				if fmt.Sprint(got) != fmt.Sprint(want) || pages != wantPages {
					t.Errorf("%s limit %d: %v in %d pages, want %v in %d", path, limit, got, pages, want, wantPages)
				}
			}
		}
		badPaging(t, env, ipo, v1+"/patents/corrections")
		badPaging(t, env, ipo, v1+"/patents/corrections?state=pending")
	})
}
