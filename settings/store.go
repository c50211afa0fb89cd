package settings

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
)

// store holds the package's SQL.
type store struct{ db *db.DB }

func (s store) q(query string) string { return s.db.Rebind(query) }

const rowCols = `id, key, org_id, value, effective_on, created_at, created_by`

// inForce returns the row in force on a day for orgID: the organisation's
// own row when it has one in force, else the platform's (org 0). orgID 0
// asks for the platform's row only. Bank org ids are positive, so
// "org_id DESC" puts the bank's rows first.
func (s store) inForce(ctx context.Context, q db.Queryer, key string, orgID int64, on date.Date) (Row, error) {
	var r Row
	err := q.GetContext(ctx, &r, s.q(`SELECT `+rowCols+` FROM settings
		WHERE key = ? AND org_id IN (0, ?) AND effective_on <= ?
		ORDER BY org_id DESC, effective_on DESC, id DESC LIMIT 1`), key, orgID, on)
	return r, err
}

// visible returns the rows of the platform and of orgID, of one key or
// (key "") of all, in the order they take effect.
func (s store) visible(ctx context.Context, orgID int64, key string) ([]Row, error) {
	var rs []Row
	err := s.db.SelectContext(ctx, &rs, s.q(`SELECT `+rowCols+` FROM settings
		WHERE org_id IN (0, ?) AND (? = '' OR key = ?) ORDER BY key, org_id, effective_on, id`), orgID, key, key)
	return rs, err
}

// history pages through the rows of one key of the platform and of orgID,
// in the order they were written.
func (s store) history(ctx context.Context, key string, orgID int64, r page.Request) ([]Row, error) {
	var rs []Row
	err := s.db.SelectContext(ctx, &rs, s.q(`SELECT `+rowCols+` FROM settings
		WHERE key = ? AND org_id IN (0, ?) AND id > ? ORDER BY id LIMIT ?`), key, orgID, r.After, r.Limit+1)
	return rs, err
}

func (s store) insert(ctx context.Context, tx *sqlx.Tx, r *Row) error {
	return tx.GetContext(ctx, &r.ID, s.q(`INSERT INTO settings (key, org_id, value, effective_on, created_at, created_by)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), r.Key, r.OrgID, r.Value, r.EffectiveOn, r.CreatedAt, r.CreatedBy)
}
