// Package db opens the one relational database ipledge runs on — SQLite in
// the embedded mode, PostgreSQL when scaled out — and gives the domain
// stores the few things that really differ between the two engines.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/jmoiron/sqlx"
	"github.com/mattn/go-sqlite3"
)

// Dialect names the SQL engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database with its dialect.
type DB struct {
	*sqlx.DB
	Dialect Dialect
	// Path is the SQLite file (empty for PostgreSQL).
	Path string

	hooksMu sync.Mutex
	hooks   map[*sqlx.Tx][]func()
}

// Options tunes Open.
type Options struct {
	// SQLiteSynchronous is FULL (default: an acknowledged commit survives a
	// power loss) or NORMAL (about ten times faster single-row commits; the
	// last commits may roll back after a power loss, never corrupting).
	SQLiteSynchronous string
	// MaxOpenConns bounds the pool (PostgreSQL: keep instances × this under
	// max_connections).
	MaxOpenConns int
}

// Open opens the database named by rawURL: sqlite://path/to/file.db,
// sqlite:///absolute/path.db, or postgres://… .
func Open(ctx context.Context, rawURL string, opts Options) (*DB, error) {
	switch {
	case strings.HasPrefix(rawURL, "sqlite://"):
		return openSQLite(ctx, rawURL, opts)
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return openPostgres(ctx, rawURL, opts)
	default:
		return nil, fmt.Errorf("database URL must start with sqlite:// or postgres:// (got %q)", redact(rawURL))
	}
}

// SQLitePath extracts the file path from a sqlite:// URL.
func SQLitePath(rawURL string) (string, error) {
	rest := strings.TrimPrefix(rawURL, "sqlite://")
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest = rest[:i]
	}
	if rest == "" {
		return "", errors.New("sqlite URL has no file path")
	}
	return rest, nil
}

func openSQLite(ctx context.Context, rawURL string, opts Options) (*DB, error) {
	path, err := SQLitePath(rawURL)
	if err != nil {
		return nil, err
	}
	sync := strings.ToUpper(opts.SQLiteSynchronous)
	if sync == "" {
		sync = "FULL"
	}
	if sync != "FULL" && sync != "NORMAL" {
		return nil, fmt.Errorf("SQLite synchronous must be FULL or NORMAL, not %q", opts.SQLiteSynchronous)
	}
	// _txlock=immediate: a transaction that reads and then writes would
	// otherwise fail with SQLITE_BUSY at once, ignoring busy_timeout.
	// _synchronous is applied after the journal mode, so it wins over the
	// NORMAL the driver sets by default. Each connection caches 256
	// prepared statements and 64 MiB of pages: a bulk import runs the same
	// few statements hundreds of thousands of times (2.7× faster with both).
	dsn := fmt.Sprintf("file:%s?_journal_mode=WAL&_busy_timeout=10000&_txlock=immediate&_foreign_keys=on&_synchronous=%s&_stmt_cache_size=256&_cache_size=-65536",
		url.PathEscape(path), sync)
	x, err := sqlx.Open("sqlite3", dsn)
	if err != nil {
		return nil, err
	}
	n := opts.MaxOpenConns
	if n <= 0 {
		n = 8
	}
	x.SetMaxOpenConns(n)
	x.SetMaxIdleConns(n)
	if err := x.PingContext(ctx); err != nil {
		x.Close()
		return nil, fmt.Errorf("open SQLite %s: %w", path, err)
	}
	abs, _ := filepath.Abs(path)
	return &DB{DB: x, Dialect: SQLite, Path: abs}, nil
}

func openPostgres(ctx context.Context, rawURL string, opts Options) (*DB, error) {
	x, err := sqlx.Open("pgx", withConnectTimeout(rawURL))
	if err != nil {
		return nil, err
	}
	n := opts.MaxOpenConns
	if n <= 0 {
		n = 20
	}
	x.SetMaxOpenConns(n)
	x.SetMaxIdleConns(n / 2)
	x.SetConnMaxLifetime(30 * time.Minute)
	x.SetConnMaxIdleTime(5 * time.Minute)
	if err := x.PingContext(ctx); err != nil {
		x.Close()
		return nil, fmt.Errorf("open PostgreSQL %s: %w", redact(rawURL), err)
	}
	return &DB{DB: x, Dialect: Postgres}, nil
}

// redact hides a password in a URL for messages and logs.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Redact hides the password in a database URL.
func Redact(raw string) string { return redact(raw) }

// InTx runs fn in a transaction and commits it when fn returns nil. On
// SQLite the transaction takes the write lock at BEGIN (_txlock=immediate),
// so read-then-write logic inside fn never races another writer.
//
// When ctx carries a Unit (see WithUnit), fn joins the unit's transaction
// instead and the unit's owner commits.
func (d *DB) InTx(ctx context.Context, fn func(tx *sqlx.Tx) error) (err error) {
	if u := unitFrom(ctx); u != nil {
		return u.join(ctx, fn)
	}
	tx, err := d.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		d.takeHooks(tx)
		return err
	}
	if err = tx.Commit(); err != nil {
		d.takeHooks(tx)
		return fmt.Errorf("commit: %w", err)
	}
	for _, h := range d.takeHooks(tx) {
		h()
	}
	return nil
}

// AfterCommit runs fn once tx has committed (and never if it rolls back).
// Call it from inside InTx for side effects outside the database — cache
// invalidation, broadcasts — so that they never announce a change that
// did not happen, nor run before it is visible.
func (d *DB) AfterCommit(tx *sqlx.Tx, fn func()) {
	d.hooksMu.Lock()
	defer d.hooksMu.Unlock()
	if d.hooks == nil {
		d.hooks = map[*sqlx.Tx][]func(){}
	}
	d.hooks[tx] = append(d.hooks[tx], fn)
}

// takeHooks removes and returns tx's after-commit hooks.
func (d *DB) takeHooks(tx *sqlx.Tx) []func() {
	d.hooksMu.Lock()
	defer d.hooksMu.Unlock()
	h := d.hooks[tx]
	delete(d.hooks, tx)
	return h
}

// IsUniqueViolation reports whether err is a unique-constraint violation.
func IsUniqueViolation(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return false
}

// IsForeignKeyViolation reports whether err is a foreign-key violation.
func IsForeignKeyViolation(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.ExtendedCode == sqlite3.ErrConstraintForeignKey
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23503"
	}
	return false
}

// IsNoRows reports whether err is sql.ErrNoRows.
func IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Queryer is what both *sqlx.DB and *sqlx.Tx offer, so a store method can
// run inside or outside a transaction.
type Queryer interface {
	sqlx.ExtContext
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}

// Lock takes a transaction-scoped exclusive lock named by key. On
// PostgreSQL it is an advisory lock held until commit or rollback; SQLite
// needs none because an immediate transaction already holds the single
// write lock. Used to serialise sequence assignment (audit chain, change
// feeds) so that sequence numbers follow commit order.
func Lock(ctx context.Context, tx *sqlx.Tx, key int64) error {
	if tx.DriverName() != "pgx" {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", key)
	return err
}
