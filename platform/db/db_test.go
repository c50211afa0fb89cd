package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/dbtest"
)

// TestConcurrentReadModifyWrite runs 50 writers that each read a counter
// and write it back plus one, inside d.InTx. No transaction may fail and
// no increment may be lost. On SQLite the immediate transaction alone
// serialises the writers (db.Lock is a no-op there); on PostgreSQL
// db.Lock's advisory lock does.
func TestConcurrentReadModifyWrite(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := dbtest.Deadline(t)
		if _, err := d.ExecContext(ctx, d.Rebind(`INSERT INTO meta (key, value) VALUES (?, ?)`), "counter", "0"); err != nil {
			t.Fatal(err)
		}
		const writers, each = 50, 10
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		start := make(chan struct{})
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for i := 0; i < each; i++ {
					err := d.InTx(ctx, func(tx *sqlx.Tx) error {
						if err := db.Lock(ctx, tx, 4242); err != nil {
							return err
						}
						var v string
						if err := tx.GetContext(ctx, &v, tx.Rebind(`SELECT value FROM meta WHERE key = ?`), "counter"); err != nil {
							return err
						}
						n, err := strconv.Atoi(v)
						if err != nil {
							return err
						}
						_, err = tx.ExecContext(ctx, tx.Rebind(`UPDATE meta SET value = ? WHERE key = ?`), strconv.Itoa(n+1), "counter")
						return err
					})
					if err != nil {
						errs <- err
					}
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("transaction failed: %v", err)
		}
		var v string
		if err := d.GetContext(ctx, &v, d.Rebind(`SELECT value FROM meta WHERE key = ?`), "counter"); err != nil {
			t.Fatal(err)
		}
		if v != strconv.Itoa(writers*each) {
			t.Fatalf("counter = %s after %d increments: updates were lost", v, writers*each)
		}
	})
}

func TestInTxRollsBackOnErrorAndPanic(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := dbtest.Deadline(t)
		insert := func(tx *sqlx.Tx, k string) error {
			_, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO meta (key, value) VALUES (?, 'x')`), k)
			return err
		}
		sentinel := errors.New("business rule says no")
		err := d.InTx(ctx, func(tx *sqlx.Tx) error {
			if err := insert(tx, "rolled-back"); err != nil {
				return err
			}
			return sentinel
		})
		if !errors.Is(err, sentinel) {
			t.Fatalf("InTx returned %v, want the callback's error", err)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("panic was swallowed")
				}
			}()
			_ = d.InTx(ctx, func(tx *sqlx.Tx) error {
				if err := insert(tx, "panicked"); err != nil {
					return err
				}
				panic("boom")
			})
		}()
		if err := d.InTx(ctx, func(tx *sqlx.Tx) error { return insert(tx, "committed") }); err != nil {
			t.Fatal(err)
		}
		var keys []string
		if err := d.SelectContext(ctx, &keys, `SELECT key FROM meta ORDER BY key`); err != nil {
			t.Fatal(err)
		}
		if strings.Join(keys, ",") != "committed" {
			t.Fatalf("meta keys %v, want only the committed one", keys)
		}
	})
}

func openSQLite(t *testing.T, opts db.Options) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "p.db"), opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// TestSQLitePragmasOnEveryConnection holds the whole pool at once, so each
// check runs on a different connection: the driver's per-connection
// default (synchronous=NORMAL) must have been overridden on all of them.
func TestSQLitePragmasOnEveryConnection(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     db.Options
		wantSync int
	}{
		{"default is FULL", db.Options{}, 2},
		{"explicit FULL", db.Options{SQLiteSynchronous: "FULL", MaxOpenConns: 3}, 2},
		{"NORMAL", db.Options{SQLiteSynchronous: "NORMAL"}, 1},
		{"normal lower case", db.Options{SQLiteSynchronous: "normal", MaxOpenConns: 2}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := openSQLite(t, tc.opts)
			ctx := dbtest.Deadline(t)
			n := tc.opts.MaxOpenConns
			if n == 0 {
				n = 8
			}
			if got := d.Stats().MaxOpenConnections; got != n {
				t.Fatalf("pool size %d, want %d", got, n)
			}
			conns := make([]*sql.Conn, n)
			for i := range conns {
				c, err := d.Conn(ctx)
				if err != nil {
					t.Fatalf("conn %d: %v", i, err)
				}
				conns[i] = c
			}
			defer func() {
				for _, c := range conns {
					c.Close()
				}
			}()
			if got := d.Stats().InUse; got != n {
				t.Fatalf("%d connections in use, want %d distinct ones", got, n)
			}
			for i, c := range conns {
				var syncMode, fk, busy int
				var mode string
				if err := c.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&syncMode); err != nil {
					t.Fatal(err)
				}
				if err := c.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
					t.Fatal(err)
				}
				if err := c.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
					t.Fatal(err)
				}
				if err := c.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy); err != nil {
					t.Fatal(err)
				}
				if syncMode != tc.wantSync {
					t.Errorf("conn %d: synchronous = %d, want %d", i, syncMode, tc.wantSync)
				}
				if mode != "wal" {
					t.Errorf("conn %d: journal_mode = %q, want wal", i, mode)
				}
				if fk != 1 {
					t.Errorf("conn %d: foreign_keys = %d, want 1", i, fk)
				}
				if busy <= 0 {
					t.Errorf("conn %d: busy_timeout = %d, want > 0", i, busy)
				}
			}
		})
	}
}

// TestOpenSQLitePathWithSpecialCharacters: the path goes into a file:
// URI, so characters that mean something there must reach the file name
// unchanged. ('?' cannot: in a sqlite:// URL it starts the query.)
func TestOpenSQLitePathWithSpecialCharacters(t *testing.T) {
	for _, name := range []string{"with space.db", "hash#mark.db", "percent%20.db", "数据.db"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			want := filepath.Join(dir, name)
			d, err := db.Open(context.Background(), "sqlite://"+want, db.Options{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer d.Close()
			if _, err := d.Exec(`CREATE TABLE t (x INTEGER)`); err != nil {
				t.Fatal(err)
			}
			if d.Path != want {
				t.Errorf("Path = %q, want %q", d.Path, want)
			}
			if _, err := os.Stat(want); err != nil {
				entries, _ := os.ReadDir(dir)
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Fatalf("database file %q not created (directory has %v)", name, names)
			}
		})
	}
}

func TestOpenRejects(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, url string
		opts      db.Options
		msgHas    string
	}{
		{"empty", "", db.Options{}, "sqlite:// or postgres://"},
		{"mysql", "mysql://user:s3cr3t@localhost/db", db.Options{}, "sqlite:// or postgres://"},
		{"file URI", "file:test.db", db.Options{}, "sqlite:// or postgres://"},
		{"sqlite single slash", "sqlite:/tmp/x.db", db.Options{}, "sqlite:// or postgres://"},
		{"sqlite3 scheme", "sqlite3:///tmp/x.db", db.Options{}, "sqlite:// or postgres://"},
		{"bare path", "/tmp/x.db", db.Options{}, "sqlite:// or postgres://"},
		{"sqlite without path", "sqlite://", db.Options{}, "no file path"},
		{"sqlite query only", "sqlite://?mode=memory", db.Options{}, "no file path"},
		{"synchronous OFF", "sqlite://" + filepath.Join(t.TempDir(), "x.db"), db.Options{SQLiteSynchronous: "OFF"}, "FULL or NORMAL"},
		{"postgres unreachable", "postgres://user:s3cr3t@127.0.0.1:1/db?connect_timeout=2", db.Options{}, "xxxxx"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := db.Open(ctx, tc.url, tc.opts)
			if err == nil {
				d.Close()
				t.Fatalf("Open(%q) succeeded", tc.url)
			}
			if !strings.Contains(err.Error(), tc.msgHas) {
				t.Errorf("error %q does not contain %q", err, tc.msgHas)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error %q leaks the password", err)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://u:pw@h:5432/db?sslmode=disable", "postgres://u:xxxxx@h:5432/db?sslmode=disable"},
		{"postgres://u@h/db", "postgres://u@h/db"},
		{"sqlite://x.db", "sqlite://x.db"},
	} {
		if got := db.Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMigrateTwiceIsNoOp(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := dbtest.Deadline(t)
		var before int
		if err := d.GetContext(ctx, &before, `SELECT count(*) FROM goose_db_version`); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			if err := d.Migrate(ctx); err != nil {
				t.Fatalf("Migrate #%d on a migrated database: %v", i+1, err)
			}
		}
		var after int
		if err := d.GetContext(ctx, &after, `SELECT count(*) FROM goose_db_version`); err != nil {
			t.Fatal(err)
		}
		if after != before {
			t.Fatalf("goose_db_version rows %d → %d: a migration ran again", before, after)
		}
		cur, known, err := d.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cur != known || known < 1 {
			t.Fatalf("SchemaVersion = %d, known %d", cur, known)
		}
	})
}

func TestMigrateFreshSQLite(t *testing.T) {
	d := openSQLite(t, db.Options{})
	ctx := dbtest.Deadline(t)
	if err := d.Migrate(ctx); err != nil {
		t.Fatalf("Migrate on an empty file: %v", err)
	}
	if err := d.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	cur, known, err := d.SchemaVersion(ctx)
	if err != nil || cur != known {
		t.Fatalf("SchemaVersion = %d, %d, %v", cur, known, err)
	}
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := dbtest.Deadline(t)
		_, known, err := d.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		future := known + 1000
		// A newer binary applied a migration this one does not know.
		if _, err := d.ExecContext(ctx, d.Rebind(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, ?)`), future, true); err != nil {
			t.Fatal(err)
		}
		err = d.Migrate(ctx)
		var newer db.ErrSchemaNewer
		if !errors.As(err, &newer) {
			t.Fatalf("Migrate on a newer schema returned %v, want ErrSchemaNewer", err)
		}
		if newer.Current != future || newer.Known != known {
			t.Fatalf("ErrSchemaNewer%+v, want Current %d Known %d", newer, future, known)
		}
		if !strings.Contains(err.Error(), fmt.Sprint(future)) || !strings.Contains(err.Error(), "upgrade") {
			t.Fatalf("message %q should name the version and say to upgrade", err)
		}
		cur, _, err := d.SchemaVersion(ctx)
		if err != nil || cur != future {
			t.Fatalf("SchemaVersion current = %d, %v", cur, err)
		}
	})
}

func TestConstraintViolations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := dbtest.Deadline(t)
		now := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
		exec := func(q string, args ...any) error {
			_, err := d.ExecContext(ctx, d.Rebind(q), args...)
			return err
		}
		if err := exec(`INSERT INTO organisations (kind, name, created_at) VALUES ('bank', 'Bank A', ?)`, now); err != nil {
			t.Fatal(err)
		}
		if err := exec(`INSERT INTO meta (key, value) VALUES ('k', 'v')`); err != nil {
			t.Fatal(err)
		}
		var orgID int64
		if err := d.GetContext(ctx, &orgID, `SELECT id FROM organisations WHERE name = 'Bank A'`); err != nil {
			t.Fatal(err)
		}
		unique := exec(`INSERT INTO organisations (kind, name, created_at) VALUES ('bank', 'Bank A', ?)`, now)
		primary := exec(`INSERT INTO meta (key, value) VALUES ('k', 'w')`)
		foreign := exec(`INSERT INTO users (org_id, username, display_name, password_hash, created_at, password_changed_at)
			VALUES (?, 'u', 'U', 'h', ?, ?)`, orgID+1000, now, now)
		check := exec(`INSERT INTO organisations (kind, name, created_at) VALUES ('enterprise', 'No USCC', ?)`, now)
		notNull := exec(`INSERT INTO meta (key, value) VALUES ('n', NULL)`)
		for _, tc := range []struct {
			name         string
			err          error
			unique, fkey bool
		}{
			{"unique column", unique, true, false},
			{"primary key", primary, true, false},
			{"wrapped unique", fmt.Errorf("create org: %w", unique), true, false},
			{"foreign key", foreign, false, true},
			{"wrapped foreign key", fmt.Errorf("create user: %w", foreign), false, true},
			{"check constraint", check, false, false},
			{"not null", notNull, false, false},
			{"nil", nil, false, false},
			{"no rows", sql.ErrNoRows, false, false},
			{"plain error", errors.New("UNIQUE constraint failed"), false, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if tc.name != "nil" && tc.err == nil {
					t.Fatal("the statement did not fail")
				}
				if got := db.IsUniqueViolation(tc.err); got != tc.unique {
					t.Errorf("IsUniqueViolation(%v) = %v, want %v", tc.err, got, tc.unique)
				}
				if got := db.IsForeignKeyViolation(tc.err); got != tc.fkey {
					t.Errorf("IsForeignKeyViolation(%v) = %v, want %v", tc.err, got, tc.fkey)
				}
			})
		}
		if !db.IsNoRows(d.GetContext(ctx, new(string), `SELECT value FROM meta WHERE key = 'absent'`)) {
			t.Error("IsNoRows false for an empty result")
		}
	})
}
