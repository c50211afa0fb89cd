package whitelist

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/page"
)

func (s store) insertException(ctx context.Context, tx *sqlx.Tx, x Exception) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO uscc_exceptions (uscc, reason, created_by, created_at) VALUES (?, ?, ?, ?)`),
		x.USCC, x.Reason, x.CreatedBy, x.CreatedAt)
	return err
}

// deleteException removes a code and returns the row as it was
// (sql.ErrNoRows when the code is not listed).
func (s store) deleteException(ctx context.Context, tx *sqlx.Tx, code string) (Exception, error) {
	var x Exception
	err := tx.GetContext(ctx, &x, s.q(`DELETE FROM uscc_exceptions WHERE uscc = ? RETURNING uscc, reason, created_by, created_at`), code)
	return x, err
}

// exceptions returns the codes at positions r.After … r.After+r.Limit (one
// more than a page, to tell whether another follows).
func (s store) exceptions(ctx context.Context, r page.Request) ([]Exception, error) {
	var xs []Exception
	err := s.db.SelectContext(ctx, &xs, s.q(`SELECT uscc, reason, created_by, created_at FROM uscc_exceptions
		ORDER BY uscc LIMIT ? OFFSET ?`), r.Limit+1, r.After)
	return xs, err
}
