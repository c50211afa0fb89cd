// Package idempotency stores Idempotency-Key records so that a retried
// POST replays its first response instead of doing the work again
// (draft-ietf-httpapi-idempotency-key-header).
//
// A key is scoped to the user who sent it. Begin claims the key in a short
// transaction of its own; the request then runs; Finish stores the
// response inside the request's own business transaction, so the change
// and the record of its response commit together or not at all.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/problem"
)

// TTL is how long a key is kept.
const TTL = 24 * time.Hour

// Lease is how long an unfinished claim blocks the key. A claim older than
// this belongs to a request that died before committing (its business
// change rolled back with it), so the key may run again.
const Lease = 5 * time.Minute

// MaxKeyLength is the longest key accepted.
const MaxKeyLength = 255

// ParseKey reads the header value: an RFC 8941 string ("…") or, as
// ipledge also accepts, the bare value; 1 to 255 printable ASCII
// characters.
func ParseKey(values []string) (string, error) {
	if len(values) != 1 {
		return "", problem.BadRequest("invalid_idempotency_key", "send exactly one Idempotency-Key header")
	}
	k := strings.TrimSpace(values[0])
	if len(k) >= 2 && k[0] == '"' && k[len(k)-1] == '"' {
		k = k[1 : len(k)-1]
	}
	if k == "" || len(k) > MaxKeyLength {
		return "", problem.BadRequest("invalid_idempotency_key", "an Idempotency-Key has 1 to %d characters", MaxKeyLength)
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return "", problem.BadRequest("invalid_idempotency_key", "an Idempotency-Key holds printable ASCII characters only")
		}
	}
	return k, nil
}

// Fingerprint identifies a request's method, path and body.
func Fingerprint(method, path string, body []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", method, path)
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Response is a stored response.
type Response struct {
	Status      int    `db:"status"`
	ContentType string `db:"content_type"`
	Body        []byte `db:"body"`
}

// Store keeps the records.
type Store struct {
	db  *db.DB
	now func() time.Time
}

// NewStore returns a Store.
func NewStore(d *db.DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: d, now: now}
}

type record struct {
	Fingerprint string    `db:"fingerprint"`
	State       string    `db:"state"`
	CreatedAt   time.Time `db:"created_at"`
	Response
}

// Begin claims (userID, key) for a request. It returns a stored response
// to replay, or nil when the caller should run the request; a 422 when the
// key was used with another request, a 409 while the first is running.
func (s *Store) Begin(ctx context.Context, userID int64, key, method, path, fingerprint string) (*Response, error) {
	var replay *Response
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		now := s.now().UTC()
		var r record
		err := tx.GetContext(ctx, &r, tx.Rebind(`SELECT fingerprint, state, created_at, status, content_type, body
			FROM idempotency_keys WHERE user_id = ? AND key = ?`), userID, key)
		switch {
		case db.IsNoRows(err):
		case err != nil:
			return err
		case now.Sub(r.CreatedAt) > TTL || (r.State == "in_progress" && now.Sub(r.CreatedAt) > Lease):
			// Expired, or abandoned by a request that died: start afresh.
			if _, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM idempotency_keys WHERE user_id = ? AND key = ?`), userID, key); err != nil {
				return err
			}
		case r.Fingerprint != fingerprint:
			return problem.Unprocessable("idempotency_key_reused", "this Idempotency-Key was used with a different request")
		case r.State == "in_progress":
			return problem.Conflict("idempotency_in_progress", "a request with this Idempotency-Key is still being processed; retry shortly")
		default:
			resp := r.Response
			replay = &resp
			return nil
		}
		_, err = tx.ExecContext(ctx, tx.Rebind(`INSERT INTO idempotency_keys (user_id, key, method, path, fingerprint, state, created_at)
			VALUES (?, ?, ?, ?, ?, 'in_progress', ?)`), userID, key, method, path, fingerprint, now)
		if db.IsUniqueViolation(err) {
			return problem.Conflict("idempotency_in_progress", "a request with this Idempotency-Key is still being processed; retry shortly")
		}
		return err
	})
	return replay, err
}

// Finish stores the response inside tx, the request's own transaction.
func (s *Store) Finish(ctx context.Context, tx *sqlx.Tx, userID int64, key string, r Response) error {
	_, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE idempotency_keys SET state = 'done', status = ?, content_type = ?, body = ?
		WHERE user_id = ? AND key = ?`), r.Status, r.ContentType, r.Body, userID, key)
	return err
}

// FinishAlone stores a response in a transaction of its own (the request
// failed with a 4xx and its business transaction was rolled back).
func (s *Store) FinishAlone(ctx context.Context, userID int64, key string, r Response) error {
	return s.db.InTx(ctx, func(tx *sqlx.Tx) error { return s.Finish(ctx, tx, userID, key, r) })
}

// Release forgets an unfinished claim so the client may retry (5xx
// responses are not stored).
func (s *Store) Release(ctx context.Context, userID int64, key string) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND state = 'in_progress'`), userID, key)
	return err
}

// Purge deletes records older than TTL.
func (s *Store) Purge(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM idempotency_keys WHERE created_at < ?`), s.now().UTC().Add(-TTL))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
