// Package audit keeps the append-only, HMAC-chained audit log.
//
// Every state-changing request appends an entry in the same transaction as
// its business change, so there is never a change without a record nor a
// record without a change. Entries carry a gapless sequence; each entry's
// hash is HMAC-SHA256(key, prev_hash || canonical(entry)) with a key held
// outside the database, so someone with write access to the database alone
// cannot rewrite history and recompute the chain.
package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/db"
)

// Outcome values.
const (
	OutcomeOK     = "ok"
	OutcomeDenied = "denied"
	OutcomeFailed = "failed"
)

// lockKey serialises appends on PostgreSQL (an advisory lock id).
const lockKey = 0x6970_6c65_6467_01 // "ipledg" + 1

// genesis is the prev_hash of the first entry: 32 zero bytes.
var genesisHex = strings.Repeat("00", 32)

// Actor is who did something, and from where. Every domain service call
// that changes state takes one.
type Actor struct {
	UserID    int64
	Username  string
	OrgID     int64
	Role      string
	RequestID string
	ClientIP  string
}

// System is the actor for changes made by the platform itself (demo seed,
// command-line tools).
func System(what string) Actor { return Actor{Username: "system:" + what, Role: "system"} }

// Entry is what a caller records.
type Entry struct {
	Action     string // e.g. "user.create", "auth.login"
	ObjectType string // e.g. "user"
	ObjectID   string
	Outcome    string // ok (default), denied, failed
	// Summary is a small before/after description; it is stored as JSON.
	Summary any
}

// Record is a stored entry.
type Record struct {
	Seq           int64     `db:"seq" json:"seq"`
	At            time.Time `db:"at" json:"at"`
	KeyID         string    `db:"key_id" json:"key_id"`
	ActorUserID   *int64    `db:"actor_user_id" json:"actor_user_id"`
	ActorUsername string    `db:"actor_username" json:"actor_username"`
	ActorOrgID    *int64    `db:"actor_org_id" json:"actor_org_id"`
	ActorRole     string    `db:"actor_role" json:"actor_role"`
	Action        string    `db:"action" json:"action"`
	ObjectType    string    `db:"object_type" json:"object_type"`
	ObjectID      string    `db:"object_id" json:"object_id"`
	Outcome       string    `db:"outcome" json:"outcome"`
	Summary       string    `db:"summary" json:"summary"`
	RequestID     string    `db:"request_id" json:"request_id"`
	ClientIP      string    `db:"client_ip" json:"client_ip"`
	PrevHash      string    `db:"prev_hash" json:"prev_hash"`
	Hash          string    `db:"hash" json:"hash"`
}

// Keys is the audit key set: the current key signs new entries; older
// keys stay so that entries written before a rotation still verify.
type Keys struct {
	CurrentID string
	ByID      map[string][]byte
}

// Log appends to and verifies the audit log.
type Log struct {
	db   *db.DB
	keys Keys
	now  func() time.Time
}

// New returns a Log. now is injectable for tests.
func New(d *db.DB, keys Keys, now func() time.Time) (*Log, error) {
	if _, ok := keys.ByID[keys.CurrentID]; !ok {
		return nil, errors.New("audit: the current key id has no key")
	}
	for id, k := range keys.ByID {
		if len(k) < 32 {
			return nil, fmt.Errorf("audit: key %q is shorter than 32 bytes", id)
		}
	}
	if now == nil {
		now = time.Now
	}
	return &Log{db: d, keys: keys, now: now}, nil
}

// Append writes an entry inside tx. Call it last in the transaction: on
// PostgreSQL it takes the chain lock, which is held until commit.
func (l *Log) Append(ctx context.Context, tx *sqlx.Tx, a Actor, e Entry) error {
	if err := db.Lock(ctx, tx, lockKey); err != nil {
		return fmt.Errorf("audit lock: %w", err)
	}
	var head struct {
		Seq  int64  `db:"seq"`
		Hash string `db:"hash"`
	}
	err := tx.GetContext(ctx, &head, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`)
	switch {
	case db.IsNoRows(err):
		head.Seq, head.Hash = 0, genesisHex
	case err != nil:
		return fmt.Errorf("audit head: %w", err)
	}
	r := Record{
		Seq:           head.Seq + 1,
		At:            l.now().UTC().Truncate(time.Microsecond),
		KeyID:         l.keys.CurrentID,
		ActorUsername: a.Username,
		ActorRole:     a.Role,
		Action:        e.Action,
		ObjectType:    e.ObjectType,
		ObjectID:      e.ObjectID,
		Outcome:       e.Outcome,
		RequestID:     a.RequestID,
		ClientIP:      a.ClientIP,
		PrevHash:      head.Hash,
	}
	if a.UserID != 0 {
		r.ActorUserID = &a.UserID
	}
	if a.OrgID != 0 {
		r.ActorOrgID = &a.OrgID
	}
	if r.Outcome == "" {
		r.Outcome = OutcomeOK
	}
	if e.Summary != nil {
		b, err := json.Marshal(e.Summary)
		if err != nil {
			return fmt.Errorf("audit summary: %w", err)
		}
		r.Summary = string(b)
	}
	r.Hash, err = l.hash(r)
	if err != nil {
		return err
	}
	_, err = tx.NamedExecContext(ctx, `INSERT INTO audit_log
		(seq, at, key_id, actor_user_id, actor_username, actor_org_id, actor_role, action, object_type, object_id,
		 outcome, summary, request_id, client_ip, prev_hash, hash)
		VALUES (:seq, :at, :key_id, :actor_user_id, :actor_username, :actor_org_id, :actor_role, :action, :object_type, :object_id,
		 :outcome, :summary, :request_id, :client_ip, :prev_hash, :hash)`, r)
	if err != nil {
		return fmt.Errorf("audit append: %w", err)
	}
	return nil
}

// AppendAlone writes an entry in a transaction of its own (refused
// authorizations, failed logins: nothing else changes).
func (l *Log) AppendAlone(ctx context.Context, a Actor, e Entry) error {
	return l.db.InTx(ctx, func(tx *sqlx.Tx) error { return l.Append(ctx, tx, a, e) })
}

func (l *Log) hash(r Record) (string, error) {
	key, ok := l.keys.ByID[r.KeyID]
	if !ok {
		return "", fmt.Errorf("audit: unknown key id %q", r.KeyID)
	}
	prev, err := hex.DecodeString(r.PrevHash)
	if err != nil {
		return "", fmt.Errorf("audit: bad prev_hash at seq %d", r.Seq)
	}
	m := hmac.New(sha256.New, key)
	m.Write(prev)
	m.Write(canonical(r))
	return hex.EncodeToString(m.Sum(nil)), nil
}

// canonical encodes an entry's fields as length-prefixed byte strings in a
// fixed order. The encoding must never change: old entries are verified
// with it forever. Adding a field means a new version prefix.
func canonical(r Record) []byte {
	fields := []string{
		"v1",
		strconv.FormatInt(r.Seq, 10),
		r.At.UTC().Format(time.RFC3339Nano),
		r.KeyID,
		optInt(r.ActorUserID),
		r.ActorUsername,
		optInt(r.ActorOrgID),
		r.ActorRole,
		r.Action,
		r.ObjectType,
		r.ObjectID,
		r.Outcome,
		r.Summary,
		r.RequestID,
		r.ClientIP,
	}
	var b []byte
	for _, f := range fields {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

func optInt(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}
