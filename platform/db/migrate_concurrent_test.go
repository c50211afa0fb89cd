package db_test

import (
	"context"
	"sync"
	"testing"

	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/dbtest"
)

// Several instances starting at once on one PostgreSQL database all
// migrate without error: goose's session lock lets one apply while the
// others wait, and they then find nothing left to do.
func TestConcurrentMigrationsOnPostgres(t *testing.T) {
	url := dbtest.EmptyPostgresURL(t)
	ctx := context.Background()
	const instances = 4
	errs := make([]error, instances)
	var wg sync.WaitGroup
	for i := 0; i < instances; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			d, err := db.Open(ctx, url, db.Options{MaxOpenConns: 2})
			if err != nil {
				errs[i] = err
				return
			}
			defer d.Close()
			errs[i] = d.Migrate(ctx)
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
	}
	d, err := db.Open(ctx, url, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	cur, known, err := d.SchemaVersion(ctx)
	if err != nil || cur != known {
		t.Fatalf("schema at %d of %d: %v", cur, known, err)
	}
}
