package account

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
)

// store holds the package's SQL. Methods take a db.Queryer so that they
// run inside a caller's transaction or on the pool.
type store struct{ db *db.DB }

func (s store) q(query string) string { return s.db.Rebind(query) }

func (s store) insertOrg(ctx context.Context, tx *sqlx.Tx, o *Organisation) error {
	return tx.GetContext(ctx, &o.ID, s.q(`INSERT INTO organisations (kind, name, uscc, created_at) VALUES (?, ?, ?, ?) RETURNING id`),
		o.Kind, o.Name, o.USCC, o.CreatedAt)
}

func (s store) org(ctx context.Context, q db.Queryer, id int64) (Organisation, error) {
	var o Organisation
	err := q.GetContext(ctx, &o, s.q(`SELECT id, kind, name, uscc, created_at FROM organisations WHERE id = ?`), id)
	return o, err
}

func (s store) orgByName(ctx context.Context, q db.Queryer, name string) (Organisation, error) {
	var o Organisation
	err := q.GetContext(ctx, &o, s.q(`SELECT id, kind, name, uscc, created_at FROM organisations WHERE name = ?`), name)
	return o, err
}

func (s store) orgs(ctx context.Context, r page.Request, kind OrgKind) ([]Organisation, error) {
	var os []Organisation
	err := s.db.SelectContext(ctx, &os, s.q(`SELECT id, kind, name, uscc, created_at FROM organisations
		WHERE id > ? AND (? = '' OR kind = ?) ORDER BY id LIMIT ?`), r.After, kind, kind, r.Limit+1)
	return os, err
}

const userCols = `u.id, u.org_id, o.kind AS org_kind, u.username, u.display_name, u.active, u.created_at,
	u.deactivated_at, u.password_hash, u.password_changed_at`

func (s store) insertUser(ctx context.Context, tx *sqlx.Tx, u *User) error {
	return tx.GetContext(ctx, &u.ID, s.q(`INSERT INTO users (org_id, username, display_name, password_hash, active, created_at, password_changed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`), u.OrgID, u.Username, u.DisplayName, u.PasswordHash, true, u.CreatedAt, u.CreatedAt)
}

func (s store) user(ctx context.Context, q db.Queryer, id int64) (User, error) {
	var u User
	err := q.GetContext(ctx, &u, s.q(`SELECT `+userCols+` FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.id = ?`), id)
	u.Role = u.OrgKind.Role()
	return u, err
}

func (s store) userByName(ctx context.Context, q db.Queryer, username string) (User, error) {
	var u User
	err := q.GetContext(ctx, &u, s.q(`SELECT `+userCols+` FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.username = ?`), username)
	u.Role = u.OrgKind.Role()
	return u, err
}

func (s store) users(ctx context.Context, r page.Request, orgID int64) ([]User, error) {
	var us []User
	err := s.db.SelectContext(ctx, &us, s.q(`SELECT `+userCols+` FROM users u JOIN organisations o ON o.id = u.org_id
		WHERE u.id > ? AND (? = 0 OR u.org_id = ?) ORDER BY u.id LIMIT ?`), r.After, orgID, orgID, r.Limit+1)
	for i := range us {
		us[i].Role = us[i].OrgKind.Role()
	}
	return us, err
}

func (s store) deactivateUser(ctx context.Context, tx *sqlx.Tx, id int64, at time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, s.q(`UPDATE users SET active = ?, deactivated_at = ? WHERE id = ? AND active = ?`), false, at, id, true)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func (s store) setPassword(ctx context.Context, tx *sqlx.Tx, id int64, hash string, at time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?`), hash, at, id)
	return err
}

func (s store) inactiveUserIDs(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := s.db.SelectContext(ctx, &ids, s.q(`SELECT id FROM users WHERE active = ?`), false)
	return ids, err
}

// refreshToken is a stored refresh token (its hash only).
type refreshToken struct {
	ID        int64      `db:"id"`
	FamilyID  string     `db:"family_id"`
	UserID    int64      `db:"user_id"`
	TokenHash string     `db:"token_hash"`
	CreatedAt time.Time  `db:"created_at"`
	ExpiresAt time.Time  `db:"expires_at"`
	UsedAt    *time.Time `db:"used_at"`
	RevokedAt *time.Time `db:"revoked_at"`
}

func (s store) insertRefresh(ctx context.Context, tx *sqlx.Tx, t refreshToken) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO refresh_tokens (family_id, user_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`),
		t.FamilyID, t.UserID, t.TokenHash, t.CreatedAt, t.ExpiresAt)
	return err
}

func (s store) refreshByHash(ctx context.Context, q db.Queryer, hash string) (refreshToken, error) {
	var t refreshToken
	err := q.GetContext(ctx, &t, s.q(`SELECT id, family_id, user_id, token_hash, created_at, expires_at, used_at, revoked_at
		FROM refresh_tokens WHERE token_hash = ?`), hash)
	return t, err
}

// markUsed marks a refresh token used; false means another request used it
// first.
func (s store) markUsed(ctx context.Context, tx *sqlx.Tx, id int64, at time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, s.q(`UPDATE refresh_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL`), at, id)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func (s store) revokeFamily(ctx context.Context, tx *sqlx.Tx, family string, at time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL`), at, family)
	return err
}

func (s store) revokeUserRefresh(ctx context.Context, tx *sqlx.Tx, userID int64, at time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`), at, userID)
	return err
}

func (s store) revokeAccess(ctx context.Context, tx *sqlx.Tx, jti string, exp time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO revoked_access_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING`), jti, exp)
	return err
}

func (s store) revokedAccess(ctx context.Context, now time.Time) ([]refreshToken, error) {
	var out []struct {
		JTI string    `db:"jti"`
		Exp time.Time `db:"expires_at"`
	}
	if err := s.db.SelectContext(ctx, &out, s.q(`SELECT jti, expires_at FROM revoked_access_tokens WHERE expires_at > ?`), now); err != nil {
		return nil, fmt.Errorf("load revoked tokens: %w", err)
	}
	ts := make([]refreshToken, len(out))
	for i, o := range out {
		ts[i] = refreshToken{TokenHash: o.JTI, ExpiresAt: o.Exp}
	}
	return ts, nil
}

func (s store) meta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.GetContext(ctx, &v, s.q(`SELECT value FROM meta WHERE key = ?`), key)
	return v, err
}

func (s store) setMeta(ctx context.Context, tx *sqlx.Tx, key, value string) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`), key, value)
	return err
}
