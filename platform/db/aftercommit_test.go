package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/dbtest"
)

// After-commit hooks run only after a commit, never on rollback, and in a
// unit of work only when the unit commits.
func TestAfterCommitHooks(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	var ran []string
	committedInside := false
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		d.AfterCommit(tx, func() { ran = append(ran, "commit") })
		committedInside = len(ran) > 0
		return nil
	})
	if err != nil || committedInside || len(ran) != 1 {
		t.Fatalf("commit: err %v, ran %v, ran before commit %v", err, ran, committedInside)
	}
	_ = d.InTx(ctx, func(tx *sqlx.Tx) error {
		d.AfterCommit(tx, func() { ran = append(ran, "rolled back") })
		return errors.New("refused")
	})
	uctx, u := d.WithUnit(ctx)
	_ = d.InTx(uctx, func(tx *sqlx.Tx) error {
		d.AfterCommit(tx, func() { ran = append(ran, "unit") })
		return nil
	})
	if len(ran) != 1 {
		t.Fatalf("hook ran before the unit committed: %v", ran)
	}
	if err := u.Commit(); err != nil {
		t.Fatal(err)
	}
	if len(ran) != 2 || ran[1] != "unit" {
		t.Fatalf("ran %v", ran)
	}
	uctx, u = d.WithUnit(ctx)
	_ = d.InTx(uctx, func(tx *sqlx.Tx) error {
		d.AfterCommit(tx, func() { ran = append(ran, "unit rolled back") })
		return nil
	})
	u.Rollback()
	if len(ran) != 2 {
		t.Fatalf("ran %v", ran)
	}
}
