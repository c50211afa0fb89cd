package app_test

import (
	"testing"

	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/whitelist"
)

// The demo whitelist is seeded once: a seed that runs again (an
// interrupted first seed completing) adds nothing once a batch exists.
func TestDemoWhitelistSeedsOnce(t *testing.T) {
	env := apptest.New(t)
	ctx := t.Context()
	count := func() (n int) {
		if err := env.App.DB.Get(&n, `SELECT (SELECT count(*) FROM whitelist_batches) + (SELECT count(*) FROM whitelist_nominations)
			+ (SELECT count(*) FROM whitelist_entries) + (SELECT count(*) FROM whitelist_changes)`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	bs, err := env.App.Whitelist.Batches(ctx, page.Request{Limit: 10})
	if err != nil || len(bs.Items) != 2 || bs.Items[0].Status != whitelist.BatchPublished || bs.Items[1].Status != whitelist.BatchDraft {
		t.Fatalf("demo batches %+v, %v", bs.Items, err)
	}
	if _, err := env.App.DB.Exec(`DELETE FROM meta WHERE key = 'demo_seeded'`); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	if after := count(); after != before {
		t.Fatalf("a second seed added whitelist rows: %d → %d", before, after)
	}
	st, err := env.App.Whitelist.Status(ctx, "91140100MA0G3K8T2B")
	if err != nil || st.Status != whitelist.StatusActive {
		t.Fatalf("ent-a %+v, %v", st, err)
	}
}
