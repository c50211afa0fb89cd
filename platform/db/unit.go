package db

import (
	"context"
	"errors"
	"sync"

	"github.com/jmoiron/sqlx"
)

// Unit is a request-scoped unit of work. When a context carries one, every
// InTx call made with that context joins a single transaction, which the
// unit's owner commits at the end — after it has written its own rows
// (the stored response of an idempotent request) into the same
// transaction. That is how a business change and the record of its
// response commit together or not at all.
//
// Inside a unit, a failed InTx marks the whole unit failed: the owner
// rolls everything back.
type Unit struct {
	d      *DB
	mu     sync.Mutex
	tx     *sqlx.Tx
	failed bool
	after  []func()
}

type unitKey struct{}

// WithUnit returns a context whose InTx calls join a new unit.
func (d *DB) WithUnit(ctx context.Context) (context.Context, *Unit) {
	u := &Unit{d: d}
	return context.WithValue(ctx, unitKey{}, u), u
}

// WithoutUnit returns ctx without its unit of work: InTx calls made with it
// run their own transactions, and OnCommit runs at once. Work that outlives
// the request (a background import) must use it, or it would write into
// the request's transaction after that has committed.
func WithoutUnit(ctx context.Context) context.Context {
	if unitFrom(ctx) == nil {
		return ctx
	}
	return context.WithValue(ctx, unitKey{}, (*Unit)(nil))
}

func unitFrom(ctx context.Context) *Unit {
	u, _ := ctx.Value(unitKey{}).(*Unit)
	return u
}

// join runs fn in the unit's transaction, beginning it on first use.
func (u *Unit) join(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.failed {
		return errors.New("the request's unit of work has failed already")
	}
	if u.tx == nil {
		// The unit's transaction outlives the call that began it, so it
		// must not end with that call's context.
		tx, err := u.d.BeginTxx(context.WithoutCancel(ctx), nil)
		if err != nil {
			u.failed = true
			return err
		}
		u.tx = tx
	}
	if err := fn(u.tx); err != nil {
		u.failed = true
		return err
	}
	return nil
}

// Failed reports whether some InTx in the unit returned an error.
func (u *Unit) Failed() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.failed
}

// Tx returns the unit's transaction, beginning one when no InTx has yet.
func (u *Unit) Tx(ctx context.Context) (*sqlx.Tx, error) {
	var tx *sqlx.Tx
	err := u.join(ctx, func(t *sqlx.Tx) error { tx = t; return nil })
	return tx, err
}

// Commit commits the unit's transaction and then runs the callbacks that
// OnCommit deferred.
func (u *Unit) Commit() error {
	u.mu.Lock()
	tx, after := u.tx, u.after
	u.tx, u.after = nil, nil
	u.mu.Unlock()
	if tx != nil {
		if err := tx.Commit(); err != nil {
			u.d.takeHooks(tx)
			return err
		}
		after = append(u.d.takeHooks(tx), after...)
	}
	for _, f := range after {
		f()
	}
	return nil
}

// Rollback abandons the unit's transaction and its deferred callbacks.
func (u *Unit) Rollback() {
	u.mu.Lock()
	tx := u.tx
	u.tx, u.after, u.failed = nil, nil, true
	u.mu.Unlock()
	if tx != nil {
		_ = tx.Rollback()
		u.d.takeHooks(tx)
	}
}

// OnCommit runs fn once the caller's writes are durable: at once outside a
// unit (call it after InTx returned nil), or after the unit commits. Use
// it for side effects outside the database — cache invalidation,
// broadcasts — so they never announce a change that is rolled back.
func (d *DB) OnCommit(ctx context.Context, fn func()) {
	if u := unitFrom(ctx); u != nil {
		u.mu.Lock()
		if u.tx != nil {
			u.after = append(u.after, fn)
			u.mu.Unlock()
			return
		}
		u.mu.Unlock()
	}
	fn()
}
