package app_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/uscc"
)

// feedSeqs walks a feed (items with a seq, next_cursor as ?after=) to its
// end and returns every seq in order.
func feedSeqs(t *testing.T, url, token string) []int64 {
	t.Helper()
	var seqs []int64
	after := ""
	for {
		var p struct {
			Items []struct {
				Seq int64 `json:"seq"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if code := getJSON(t, url+"?limit=500&after="+after, token, &p); code != 200 {
			t.Fatalf("GET %s: %d", url, code)
		}
		for _, it := range p.Items {
			seqs = append(seqs, it.Seq)
		}
		if len(p.Items) == 0 || p.NextCursor == "" || p.NextCursor == after {
			return seqs
		}
		after = p.NextCursor
	}
}

func wantGapFree(t *testing.T, what string, seqs []int64) {
	t.Helper()
	for i, s := range seqs {
		if s != int64(i+1) {
			t.Fatalf("%s: position %d holds seq %d (want %d): a gap or a duplicate", what, i+1, s, i+1)
		}
	}
}

// Writes going to both instances at once — whitelist suspensions and
// reinstatements, nominations — leave the change feed and the audit chain
// without a gap or a fork, read through either instance.
func TestTwoInstancesFeedAndAuditStayGapFree(t *testing.T) {
	c := apptest.NewCluster(t, 2)
	urls := []string{c.Instances[0].URL, c.Instances[1].URL}
	login := func(url, user string) string {
		code, p := post(t, url+"/api/v1/auth/login", "", map[string]string{"username": user, "password": "demo-pass-2026"})
		if code != 200 {
			t.Fatalf("login %s: %d", user, code)
		}
		return p["access_token"].(string)
	}
	ipo := []string{login(urls[0], "ipoffice"), login(urls[1], "ipoffice-2")}
	var entries struct {
		Items []struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		} `json:"items"`
	}
	if code := getJSON(t, urls[0]+"/api/v1/whitelist/batches/1/entries?limit=100", ipo[0], &entries); code != 200 {
		t.Fatalf("entries: %d", code)
	}
	var active []int64
	for _, e := range entries.Items {
		if e.Status == "active" {
			active = append(active, e.ID)
		}
	}
	if len(active) < 2 {
		t.Fatalf("the demo's first batch has %d active entries; want 2", len(active))
	}
	feedBefore := len(feedSeqs(t, urls[0]+"/api/v1/whitelist/changes", ipo[0]))

	const rounds = 6
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 2; i++ {
		wg.Add(2)
		// Each instance suspends and reinstates an entry of its own…
		go func(i int) {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				for _, step := range []string{"suspend", "reinstate"} {
					code, p := post(t, fmt.Sprintf("%s/api/v1/whitelist/entries/%d/%s", urls[i], active[i], step), ipo[i],
						map[string]string{"reason": "扩展测试"})
					if code != http.StatusOK {
						errs <- fmt.Errorf("instance %d %s: %d %v", i+1, step, code, p)
						return
					}
				}
			}
		}(i)
		// …and takes nominations at the same time.
		go func(i int) {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				first17 := fmt.Sprintf("91141100MA0T%d%04d", i, r)
				code, p := post(t, urls[i]+"/api/v1/whitelist/nominations", ipo[i], map[string]any{
					"uscc": first17 + string(uscc.CheckCharacter(first17)), "name": fmt.Sprintf("扩展测试企业%d-%d", i, r), "valid_invention_patents": 1, "source": "ip_office"})
				if code != http.StatusCreated {
					errs <- fmt.Errorf("instance %d nomination: %d %v", i+1, code, p)
					return
				}
			}
		}(i)
	}
	wg.Wait()
	t.Logf("%d transitions and %d nominations through two instances in %s", 2*2*rounds, 2*rounds, time.Since(start).Round(time.Millisecond))
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	for i, url := range urls {
		feed := feedSeqs(t, url+"/api/v1/whitelist/changes", ipo[i])
		wantGapFree(t, fmt.Sprintf("change feed through instance %d", i+1), feed)
		// Each suspension and reinstatement is one change (a nomination
		// may add its own).
		if got, want := len(feed)-feedBefore, 2*2*rounds; got < want {
			t.Fatalf("change feed through instance %d grew by %d; want at least %d", i+1, got, want)
		}
		wantGapFree(t, fmt.Sprintf("audit log through instance %d", i+1), feedSeqs(t, url+"/api/v1/audit", ipo[i]))
		var v struct {
			OK      bool  `json:"ok"`
			Checked int64 `json:"checked"`
		}
		if code := getJSON(t, url+"/api/v1/audit/verify", ipo[i], &v); code != 200 || !v.OK || v.Checked == 0 {
			t.Fatalf("audit verify through instance %d: %d %+v", i+1, code, v)
		}
	}
}
