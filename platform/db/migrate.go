package db

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/ipledge/ipledge/migrations"
)

// Migrate applies every embedded migration not yet applied. On PostgreSQL
// goose's session locker lets several instances start at once: one applies,
// the others wait. A database whose schema is newer than this binary is
// refused, because an old binary must not write into a schema it does not
// know.
func (d *DB) Migrate(ctx context.Context) error {
	p, err := d.provider()
	if err != nil {
		return err
	}
	if err := d.checkNotNewer(ctx, p); err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// SchemaVersion returns the applied version and the newest version this
// binary knows.
func (d *DB) SchemaVersion(ctx context.Context) (current, known int64, err error) {
	p, err := d.provider()
	if err != nil {
		return 0, 0, err
	}
	current, err = p.GetDBVersion(ctx)
	if err != nil {
		return 0, 0, err
	}
	srcs := p.ListSources()
	if len(srcs) > 0 {
		known = srcs[len(srcs)-1].Version
	}
	return current, known, nil
}

// ErrSchemaNewer is returned when the database was migrated by a newer binary.
type ErrSchemaNewer struct{ Current, Known int64 }

func (e ErrSchemaNewer) Error() string {
	return fmt.Sprintf("database schema version %d is newer than this binary knows (%d): upgrade ipledge before starting it on this database", e.Current, e.Known)
}

func (d *DB) checkNotNewer(ctx context.Context, p *goose.Provider) error {
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		// A fresh database has no version table yet.
		return nil
	}
	srcs := p.ListSources()
	var known int64
	if len(srcs) > 0 {
		known = srcs[len(srcs)-1].Version
	}
	if current > known {
		return ErrSchemaNewer{Current: current, Known: known}
	}
	return nil
}

func (d *DB) provider() (*goose.Provider, error) {
	var (
		dialect goose.Dialect
		dir     string
		opts    []goose.ProviderOption
	)
	switch d.Dialect {
	case SQLite:
		dialect, dir = goose.DialectSQLite3, "sqlite"
	case Postgres:
		dialect, dir = goose.DialectPostgres, "postgres"
		// Retry every second (the minimum) for up to 5 minutes: instances
		// starting together wait about a second for the one migrating.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	sub, err := fs.Sub(migrations.FS, dir)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(dialect, d.DB.DB, sub, opts...)
}
