package db_test

import (
	"context"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/dbtest"
)

// Work detached from a unit (a background job started by an idempotent
// request) commits on its own, even when the unit rolls back.
func TestWithoutUnit(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	if db.WithoutUnit(ctx) != ctx {
		t.Error("a context without a unit is not returned as it is")
	}
	uctx, u := d.WithUnit(ctx)
	if err := d.InTx(uctx, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`INSERT INTO meta (key, value) VALUES ('in-unit', '1')`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	u.Rollback() // releases SQLite's write lock before the detached write
	detached := db.WithoutUnit(uctx)
	ran := false
	d.OnCommit(detached, func() { ran = true })
	if !ran {
		t.Error("OnCommit on a detached context did not run at once")
	}
	if err := d.InTx(detached, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`INSERT INTO meta (key, value) VALUES ('detached', '1')`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var keys []string
	if err := d.Select(&keys, `SELECT key FROM meta WHERE key IN ('in-unit', 'detached') ORDER BY key`); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0] != "detached" {
		t.Errorf("committed keys = %v, want only the detached write", keys)
	}
}
