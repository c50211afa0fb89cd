package api_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/ipledge/ipledge/app/apptest"
)

// The settings list pages like every list: limit=1 walks every setting
// exactly once.
func TestSettingsListPages(t *testing.T) {
	env := apptest.New(t)
	tok := env.Login(t, "bank-a")
	var all struct {
		Items []map[string]any `json:"items"`
	}
	env.Do(t, "GET", "/api/v1/settings", tok, nil).JSON(t, &all)
	seen := map[string]int{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > len(all.Items) {
			t.Fatal("paging does not end")
		}
		var p struct {
			Items      []map[string]any `json:"items"`
			NextCursor string           `json:"next_cursor"`
		}
		r := env.Do(t, "GET", "/api/v1/settings?limit=1&cursor="+url.QueryEscape(cursor), tok, nil)
		r.WantStatus(t, http.StatusOK)
		r.JSON(t, &p)
		for _, it := range p.Items {
			seen[it["key"].(string)]++
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	if len(seen) != len(all.Items) || len(all.Items) < 2 {
		t.Fatalf("walked %d of %d settings", len(seen), len(all.Items))
	}
	for k, n := range seen {
		if n != 1 {
			t.Fatalf("%s seen %d times", k, n)
		}
	}
	env.Do(t, "GET", "/api/v1/settings?limit=zero", tok, nil).WantProblem(t, http.StatusBadRequest, "validation_failed")
}
