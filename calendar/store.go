package calendar

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
)

// store holds the package's SQL.
type store struct{ db *db.DB }

func (s store) q(query string) string { return s.db.Rebind(query) }

type yearRow struct {
	Year        int       `db:"year"`
	Provisional bool      `db:"provisional"`
	UpdatedAt   time.Time `db:"updated_at"`
	UpdatedBy   *int64    `db:"updated_by"`
}

func (s store) year(ctx context.Context, q db.Queryer, y int) (yearRow, error) {
	var r yearRow
	err := q.GetContext(ctx, &r, s.q(`SELECT year, provisional, updated_at, updated_by FROM calendar_years WHERE year = ?`), y)
	return r, err
}

func (s store) entries(ctx context.Context, q db.Queryer, y int) ([]Entry, error) {
	var es []Entry
	err := q.SelectContext(ctx, &es, s.q(`SELECT day, kind, name FROM calendar_days WHERE year = ? ORDER BY day`), y)
	return es, err
}

// kindOn returns the kind of the entry on a day, or "" when there is none.
func (s store) kindOn(ctx context.Context, d date.Date) (Kind, error) {
	var ks []Kind
	err := s.db.SelectContext(ctx, &ks, s.q(`SELECT kind FROM calendar_days WHERE day = ?`), d)
	if err != nil || len(ks) == 0 {
		return "", err
	}
	return ks[0], nil
}

// replaceYear writes a year's row and replaces its entries.
func (s store) replaceYear(ctx context.Context, tx *sqlx.Tx, r yearRow, es []Entry) error {
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM calendar_days WHERE year = ?`), r.Year); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO calendar_years (year, provisional, updated_at, updated_by) VALUES (?, ?, ?, ?)
		ON CONFLICT (year) DO UPDATE SET provisional = excluded.provisional, updated_at = excluded.updated_at, updated_by = excluded.updated_by`),
		r.Year, r.Provisional, r.UpdatedAt, r.UpdatedBy); err != nil {
		return err
	}
	stmt, err := tx.PreparexContext(ctx, s.q(`INSERT INTO calendar_days (day, year, kind, name) VALUES (?, ?, ?, ?)`))
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, e := range es {
		if _, err := stmt.ExecContext(ctx, e.Date, r.Year, e.Kind, e.Name); err != nil {
			return err
		}
	}
	return nil
}
