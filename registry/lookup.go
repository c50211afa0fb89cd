package registry

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/db"
)

// LookupTx reads a patent by its canonical application number in q (a
// caller's transaction, so that a pledge examination sees the registry as
// of its own snapshot), with its IPC codes, expiry and patentees but not
// the pledge. A missing patent is sql.ErrNoRows (db.IsNoRows).
func (s *Service) LookupTx(ctx context.Context, q db.Queryer, number string) (Patent, error) {
	p, err := s.st.patentByNumber(ctx, q, number)
	if err != nil {
		return Patent{}, err
	}
	return p, s.fill(ctx, q, []*Patent{&p})
}

// LookupIDTx is LookupTx by id.
func (s *Service) LookupIDTx(ctx context.Context, q db.Queryer, id int64) (Patent, error) {
	p, err := s.st.patentByID(ctx, q, id)
	if err != nil {
		return Patent{}, err
	}
	return p, s.fill(ctx, q, []*Patent{&p})
}

// LockTx takes the patent's row lock until the caller's transaction ends
// (PostgreSQL; SQLite transactions are serial already), so that a pledge
// registration and a transfer of the same patent cannot interleave.
func (s *Service) LockTx(ctx context.Context, tx *sqlx.Tx, patentID int64) error {
	_, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE patents SET id = id WHERE id = ?`), patentID)
	return err
}
