package notify

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
)

// store holds the package's SQL.
type store struct{ db *db.DB }

func (s store) q(query string) string { return s.db.Rebind(query) }

const cols = `id, user_id, kind, title, body, link, created_at, read_at`

func (s store) insert(ctx context.Context, tx *sqlx.Tx, n Notification, userIDs []int64) error {
	stmt, err := tx.PreparexContext(ctx, s.q(`INSERT INTO notifications (user_id, kind, title, body, link, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`))
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, id := range userIDs {
		if _, err := stmt.ExecContext(ctx, id, n.Kind, n.Title, n.Body, n.Link, n.CreatedAt); err != nil {
			return err
		}
	}
	return nil
}

// activeUsers lists the active users of an organisation. The users table
// is the account domain's, shared schema; only ids are read.
func (s store) activeUsers(ctx context.Context, tx *sqlx.Tx, orgID int64) ([]int64, error) {
	var ids []int64
	err := tx.SelectContext(ctx, &ids, s.q(`SELECT id FROM users WHERE org_id = ? AND active = ? ORDER BY id`), orgID, true)
	return ids, err
}

func (s store) feed(ctx context.Context, userID int64, r page.Request) ([]Notification, error) {
	var ns []Notification
	err := s.db.SelectContext(ctx, &ns, s.q(`SELECT `+cols+` FROM notifications WHERE user_id = ? AND id > ? ORDER BY id LIMIT ?`),
		userID, r.After, r.Limit+1)
	return ns, err
}

func (s store) get(ctx context.Context, q db.Queryer, id int64) (Notification, error) {
	var n Notification
	err := q.GetContext(ctx, &n, s.q(`SELECT `+cols+` FROM notifications WHERE id = ?`), id)
	return n, err
}

func (s store) markRead(ctx context.Context, tx *sqlx.Tx, id int64, at time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, s.q(`UPDATE notifications SET read_at = ? WHERE id = ? AND read_at IS NULL`), at, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (s store) markAllRead(ctx context.Context, tx *sqlx.Tx, userID int64, at time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, s.q(`UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`), at, userID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (s store) unread(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, s.q(`SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL`), userID)
	return n, err
}

func (s store) hasKind(ctx context.Context, userID int64, kind string) (bool, error) {
	var ids []int64
	err := s.db.SelectContext(ctx, &ids, s.q(`SELECT id FROM notifications WHERE user_id = ? AND kind = ? LIMIT 1`), userID, kind)
	return len(ids) > 0, err
}
