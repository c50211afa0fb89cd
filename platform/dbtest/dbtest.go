// Package dbtest gives each test a fresh, migrated database: a temporary
// SQLite file always, and a PostgreSQL database when
// IPLEDGE_TEST_POSTGRES_URL is set. PostgreSQL databases are created with
// CREATE DATABASE … TEMPLATE from one migrated template per schema
// version, so a fresh database costs milliseconds, not a migration run.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/migrations"
	"github.com/ipledge/ipledge/platform/db"
)

// PostgresEnv is the variable naming the test PostgreSQL server.
const PostgresEnv = "IPLEDGE_TEST_POSTGRES_URL"

// RedisEnv is the variable naming the test Redis server.
const RedisEnv = "IPLEDGE_TEST_REDIS_URL"

// Each runs fn once per available engine as subtests "sqlite" and
// "postgres". The postgres subtest skips with a message when
// IPLEDGE_TEST_POSTGRES_URL is unset.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns a migrated database in a temporary file.
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	d, err := db.Open(context.Background(), "sqlite://"+path, db.Options{})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return d
}

// SQLiteURL returns the URL of a fresh, unmigrated SQLite file.
func SQLiteURL(t testing.TB) string {
	return "sqlite://" + filepath.Join(t.TempDir(), "test.db")
}

// Postgres returns a fresh migrated PostgreSQL database, or skips the test
// when IPLEDGE_TEST_POSTGRES_URL is unset.
func Postgres(t testing.TB) *db.DB {
	t.Helper()
	u := PostgresURL(t)
	d, err := db.Open(context.Background(), u, db.Options{MaxOpenConns: 10})
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// PostgresURL creates a fresh migrated PostgreSQL database and returns its
// URL (dropped at cleanup), or skips the test when the server is not
// configured.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://root@127.0.0.1:5432/test?sslmode=disable)", PostgresEnv)
	}
	ctx := context.Background()
	admin, err := sqlx.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", PostgresEnv, err)
	}
	defer admin.Close()
	tpl, err := ensureTemplate(ctx, admin, base)
	if err != nil {
		t.Fatalf("postgres template: %v", err)
	}
	name := "ipledge_t_" + randomHex(8)
	if _, err := admin.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, tpl)); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sqlx.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.ExecContext(context.Background(), fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
	})
	return withDatabase(base, name)
}

// ensureTemplate creates (once per schema version, across concurrently
// running test binaries) a migrated template database.
func ensureTemplate(ctx context.Context, admin *sqlx.DB, base string) (string, error) {
	name := "ipledge_tpl_" + schemaHash()
	conn, err := admin.Connx(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	// A session-level advisory lock: other test binaries wait here while
	// one of them builds the template.
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(774411)`); err != nil {
		return "", err
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(774411)`)
	var exists bool
	if err := conn.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_build"
	_, _ = conn.ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, building))
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %s`, building)); err != nil {
		return "", err
	}
	d, err := db.Open(ctx, withDatabase(base, building), db.Options{MaxOpenConns: 2})
	if err != nil {
		return "", err
	}
	err = d.Migrate(ctx)
	d.Close()
	if err != nil {
		return "", err
	}
	// Renaming makes the finished template appear atomically.
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`ALTER DATABASE %s RENAME TO %s`, building, name)); err != nil {
		return "", err
	}
	return name, nil
}

// schemaHash names the template after the migrations' content, so a
// changed migration gets a new template.
func schemaHash() string {
	h := sha256.New()
	var names []string
	_ = fs.WalkDir(migrations.FS, "postgres", func(p string, de fs.DirEntry, err error) error {
		if err == nil && !de.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	for _, n := range names {
		b, _ := migrations.FS.ReadFile(n)
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func withDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// RedisURL returns the test Redis URL or skips the test.
func RedisURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(RedisEnv)
	if u == "" {
		t.Skipf("Redis tests skipped: set %s (e.g. redis://127.0.0.1:6379/0)", RedisEnv)
	}
	return u
}

// Deadline is a short context for test setup.
func Deadline(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// EmptyPostgresURL creates an empty (unmigrated) PostgreSQL database and
// returns its URL, or skips the test when the server is not configured.
func EmptyPostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skipf("PostgreSQL tests skipped: set %s", PostgresEnv)
	}
	admin, err := sqlx.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := "ipledge_e_" + randomHex(8)
	if _, err := admin.Exec(fmt.Sprintf(`CREATE DATABASE %s`, name)); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sqlx.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec(fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
	})
	return withDatabase(base, name)
}
