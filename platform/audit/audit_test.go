package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/dbtest"
)

// fixedNow is the clock of every log in these tests. It has nanoseconds
// so that the microsecond truncation is exercised.
var fixedNow = time.Date(2025, 5, 20, 9, 30, 15, 123456789, time.FixedZone("CST", 8*3600))

func clock() time.Time { return fixedNow }

var genesis = strings.Repeat("00", 32)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func keys(current string, byID map[string][]byte) audit.Keys {
	return audit.Keys{CurrentID: current, ByID: byID}
}

func newLog(t *testing.T, d *db.DB, k audit.Keys) *audit.Log {
	t.Helper()
	l, err := audit.New(d, k, clock)
	if err != nil {
		t.Fatalf("audit.New: %v", err)
	}
	return l
}

// defaultKeys is the "a" key set most tests use.
func defaultKeys() audit.Keys { return keys("a", map[string][]byte{"a": key('a')}) }

var actor = audit.Actor{UserID: 7, Username: "alice", OrgID: 3, Role: "bank_officer", RequestID: "req-1", ClientIP: "203.0.113.9"}

func entry(i int) audit.Entry {
	return audit.Entry{Action: "pledge.register", ObjectType: "pledge", ObjectID: fmt.Sprint(i), Summary: map[string]any{"n": i}}
}

// appendN appends n entries, each in its own transaction.
func appendN(t *testing.T, l *audit.Log, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		if err := l.AppendAlone(context.Background(), actor, entry(i)); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
}

func mustVerify(t *testing.T, l *audit.Log, checked int64) {
	t.Helper()
	res, err := l.Verify(context.Background())
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !res.OK || res.FirstBadSeq != nil {
		t.Fatalf("Verify = %+v (first bad %v), want ok", res, deref(res.FirstBadSeq))
	}
	if res.Checked != checked {
		t.Fatalf("Verify checked %d entries, want %d", res.Checked, checked)
	}
}

func mustFailAt(t *testing.T, l *audit.Log, seq int64) {
	t.Helper()
	res, err := l.Verify(context.Background())
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if res.OK {
		t.Fatalf("Verify = ok after tampering (checked %d)", res.Checked)
	}
	if res.FirstBadSeq == nil || *res.FirstBadSeq != seq {
		t.Fatalf("first_bad_seq = %v (%s), want %d", deref(res.FirstBadSeq), res.Reason, seq)
	}
	if res.Reason == "" {
		t.Error("a failed verification gives no reason")
	}
	if res.Checked != seq-1 {
		t.Errorf("checked %d entries before the bad one, want %d", res.Checked, seq-1)
	}
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func count(t *testing.T, d *db.DB, q string) int {
	t.Helper()
	var n int
	if err := d.Get(&n, q); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNewRejectsBadKeys(t *testing.T) {
	d := dbtest.SQLite(t)
	for _, tc := range []struct {
		name string
		k    audit.Keys
	}{
		{"no keys", audit.Keys{CurrentID: "a"}},
		{"current id without key", keys("b", map[string][]byte{"a": key('a')})},
		{"short current key", keys("a", map[string][]byte{"a": key('a')[:31]})},
		{"short old key", keys("a", map[string][]byte{"a": key('a'), "old": []byte("short")})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := audit.New(d, tc.k, clock); err == nil {
				t.Fatal("New accepted a bad key set")
			}
		})
	}
}

func TestAppendAndVerify(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := dbtest.Deadline(t)
		l := newLog(t, d, defaultKeys())

		// An empty log verifies, and its head is the genesis hash.
		mustVerify(t, l, 0)
		seq, hash, at, err := l.Head(ctx)
		if err != nil || seq != 0 || hash != genesis || !at.IsZero() {
			t.Fatalf("empty Head = %d, %q, %v, %v", seq, hash, at, err)
		}

		sys := audit.System("seed")
		if err := l.AppendAlone(ctx, sys, audit.Entry{Action: "demo.seed"}); err != nil {
			t.Fatal(err)
		}
		if err := l.AppendAlone(ctx, actor, audit.Entry{Action: "pledge.view", ObjectType: "pledge", ObjectID: "P-1",
			Outcome: audit.OutcomeDenied, Summary: map[string]string{"why": "other tenant"}}); err != nil {
			t.Fatal(err)
		}
		if err := d.InTx(ctx, func(tx *sqlx.Tx) error {
			return l.Append(ctx, tx, actor, audit.Entry{Action: "user.create", ObjectType: "user", ObjectID: "9", Summary: []int{1, 2}})
		}); err != nil {
			t.Fatal(err)
		}
		mustVerify(t, l, 3)

		rs, err := l.List(ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 3 {
			t.Fatalf("List returned %d entries", len(rs))
		}
		wantAt := fixedNow.UTC().Truncate(time.Microsecond)
		prev := genesis
		for i, r := range rs {
			if r.Seq != int64(i+1) {
				t.Errorf("entry %d has seq %d", i, r.Seq)
			}
			if r.PrevHash != prev {
				t.Errorf("seq %d prev_hash %s, want %s", r.Seq, r.PrevHash, prev)
			}
			if len(r.Hash) != 64 || r.Hash == r.PrevHash {
				t.Errorf("seq %d hash %q", r.Seq, r.Hash)
			}
			if !r.At.Equal(wantAt) || r.At.Location() != time.UTC {
				t.Errorf("seq %d at %v, want %v in UTC", r.Seq, r.At, wantAt)
			}
			if r.KeyID != "a" {
				t.Errorf("seq %d key_id %q", r.Seq, r.KeyID)
			}
			prev = r.Hash
		}
		// The system actor has no user or organisation.
		if rs[0].ActorUserID != nil || rs[0].ActorOrgID != nil || rs[0].ActorUsername != "system:seed" || rs[0].ActorRole != "system" {
			t.Errorf("system entry actor: %+v", rs[0])
		}
		if rs[0].Outcome != audit.OutcomeOK || rs[0].Summary != "" {
			t.Errorf("defaults: outcome %q summary %q", rs[0].Outcome, rs[0].Summary)
		}
		r := rs[1]
		if r.ActorUserID == nil || *r.ActorUserID != 7 || r.ActorOrgID == nil || *r.ActorOrgID != 3 ||
			r.ActorUsername != "alice" || r.ActorRole != "bank_officer" || r.RequestID != "req-1" || r.ClientIP != "203.0.113.9" {
			t.Errorf("actor fields not stored: %+v", r)
		}
		if r.Outcome != audit.OutcomeDenied || r.Action != "pledge.view" || r.ObjectType != "pledge" || r.ObjectID != "P-1" {
			t.Errorf("entry fields not stored: %+v", r)
		}
		var sum map[string]string
		if err := json.Unmarshal([]byte(r.Summary), &sum); err != nil || sum["why"] != "other tenant" {
			t.Errorf("summary %q not JSON of the value (%v)", r.Summary, err)
		}

		seq, hash, at, err = l.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if seq != 3 || hash != rs[2].Hash || !at.Equal(wantAt) {
			t.Fatalf("Head = %d, %s, %v; want 3, %s, %v", seq, hash, at, rs[2].Hash, wantAt)
		}

		// List pages by seq.
		page, err := l.List(ctx, 1, 1)
		if err != nil || len(page) != 1 || page[0].Seq != 2 {
			t.Fatalf("List(after 1, limit 1) = %+v, %v", page, err)
		}

		// A summary that cannot be encoded fails the append, and nothing
		// is written.
		err = l.AppendAlone(ctx, actor, audit.Entry{Action: "x", Summary: func() {}})
		if err == nil {
			t.Fatal("an unencodable summary was accepted")
		}
		mustVerify(t, l, 3)
	})
}

// TestConcurrentAppendsAreGapless: 8 goroutines × 1,000 appends, each in
// its own transaction. Sequence numbers run 1..8000 without a gap or a
// duplicate, and the chain verifies (Verify reads it in pages of 2,000,
// so four full pages and an empty one).
//
// The two engines run in parallel, and on PostgreSQL each transaction
// commits with synchronous_commit off: that skips the WAL flush a durable
// commit waits for (irrelevant to ordering and visibility, which are what
// is tested), so the run takes seconds rather than tens of seconds.
func TestConcurrentAppendsAreGapless(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		ctx := dbtest.Deadline(t)
		l := newLog(t, d, defaultKeys())
		const workers, each = 8, 1000
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				a := actor
				a.UserID = int64(w + 1)
				for i := 0; i < each; i++ {
					err := d.InTx(ctx, func(tx *sqlx.Tx) error {
						if d.Dialect == db.Postgres {
							if _, err := tx.ExecContext(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
								return err
							}
						}
						return l.Append(ctx, tx, a, audit.Entry{Action: "load.test", ObjectID: fmt.Sprintf("%d/%d", w, i)})
					})
					if err != nil {
						errs <- fmt.Errorf("worker %d append %d: %w", w, i, err)
						return
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		var st struct {
			N        int64 `db:"n"`
			Distinct int64 `db:"d"`
			Min      int64 `db:"lo"`
			Max      int64 `db:"hi"`
		}
		if err := d.GetContext(ctx, &st, `SELECT count(*) AS n, count(DISTINCT seq) AS d, min(seq) AS lo, max(seq) AS hi FROM audit_log`); err != nil {
			t.Fatal(err)
		}
		if st.N != workers*each || st.Distinct != st.N || st.Min != 1 || st.Max != workers*each {
			t.Fatalf("seq stats %+v, want %d rows numbered 1..%d", st, workers*each, workers*each)
		}
		if n := count(t, d, `SELECT count(DISTINCT object_id) FROM audit_log`); n != workers*each {
			t.Fatalf("%d distinct entries, want %d", n, workers*each)
		}
		mustVerify(t, l, workers*each)
		seq, _, _, err := l.Head(ctx)
		if err != nil || seq != workers*each {
			t.Fatalf("Head seq %d, %v", seq, err)
		}
	})
}

// TestRollbackLeavesNoEntryAndNoGap: the audit row shares the business
// transaction, both ways round.
func TestRollbackLeavesNoEntryAndNoGap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := dbtest.Deadline(t)
		l := newLog(t, d, defaultKeys())
		appendN(t, l, 1)
		insertOrg := func(tx *sqlx.Tx, name string) error {
			_, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO organisations (kind, name, created_at) VALUES ('bank', ?, ?)`), name, fixedNow)
			return err
		}
		refused := errors.New("business rule refused")

		// The business code fails after auditing: both roll back.
		err := d.InTx(ctx, func(tx *sqlx.Tx) error {
			if err := insertOrg(tx, "Bank One"); err != nil {
				return err
			}
			if err := l.Append(ctx, tx, actor, audit.Entry{Action: "org.create", ObjectID: "Bank One"}); err != nil {
				return err
			}
			return refused
		})
		if !errors.Is(err, refused) {
			t.Fatalf("InTx = %v", err)
		}
		// The database refuses the business change after the audit row
		// was written: both roll back too.
		if err := d.InTx(ctx, func(tx *sqlx.Tx) error { return insertOrg(tx, "Taken") }); err != nil {
			t.Fatal(err)
		}
		err = d.InTx(ctx, func(tx *sqlx.Tx) error {
			if err := l.Append(ctx, tx, actor, audit.Entry{Action: "org.create", ObjectID: "Taken"}); err != nil {
				return err
			}
			return insertOrg(tx, "Taken")
		})
		if !db.IsUniqueViolation(err) {
			t.Fatalf("InTx = %v, want a unique violation", err)
		}
		if n := count(t, d, `SELECT count(*) FROM audit_log`); n != 1 {
			t.Fatalf("%d audit rows after two rolled-back transactions, want 1", n)
		}
		if n := count(t, d, `SELECT count(*) FROM organisations WHERE name = 'Bank One'`); n != 0 {
			t.Fatal("the rolled-back organisation exists")
		}

		// The next committed change gets the next number: no gap.
		err = d.InTx(ctx, func(tx *sqlx.Tx) error {
			if err := insertOrg(tx, "Bank Two"); err != nil {
				return err
			}
			return l.Append(ctx, tx, actor, audit.Entry{Action: "org.create", ObjectID: "Bank Two"})
		})
		if err != nil {
			t.Fatal(err)
		}
		rs, err := l.List(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 2 || rs[1].Seq != 2 || rs[1].ObjectID != "Bank Two" {
			t.Fatalf("entries after rollback: %+v", rs)
		}
		mustVerify(t, l, 2)
	})
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := dbtest.Deadline(t)
		l := newLog(t, d, defaultKeys())
		appendN(t, l, 3)
		stmts := []string{
			`UPDATE audit_log SET action = 'forged' WHERE seq = 2`,
			`UPDATE audit_log SET summary = ''`,
			`DELETE FROM audit_log WHERE seq = 3`,
			`DELETE FROM audit_log`,
		}
		if d.Dialect == db.Postgres {
			stmts = append(stmts, `TRUNCATE audit_log`, `TRUNCATE audit_log CASCADE`)
		}
		for _, q := range stmts {
			if _, err := d.ExecContext(ctx, q); err == nil {
				t.Errorf("%s succeeded through the app connection", q)
			} else if !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s failed, but not for the append-only rule: %v", q, err)
			}
			// And inside a transaction, as a store would run it.
			err := d.InTx(ctx, func(tx *sqlx.Tx) error { _, err := tx.ExecContext(ctx, q); return err })
			if err == nil {
				t.Errorf("%s succeeded in a transaction", q)
			}
		}
		if n := count(t, d, `SELECT count(*) FROM audit_log`); n != 3 {
			t.Fatalf("%d rows left, want 3", n)
		}
		mustVerify(t, l, 3)
	})
}

// asDBA removes the append-only protection, as someone with full
// database rights could.
func asDBA(t *testing.T, d *db.DB) {
	t.Helper()
	var stmts []string
	switch d.Dialect {
	case db.SQLite:
		stmts = []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}
	case db.Postgres:
		stmts = []string{`ALTER TABLE audit_log DISABLE TRIGGER USER`}
	}
	for _, q := range stmts {
		if _, err := d.Exec(q); err != nil {
			t.Fatalf("as DBA: %s: %v", q, err)
		}
	}
}

func TestVerifyFindsFirstTamperedEntry(t *testing.T) {
	const n = 10
	for _, tc := range []struct {
		name string
		k    int64
		q    string // the value (when v is not nil), then the seq
		v    any
	}{
		{"action", 4, `UPDATE audit_log SET action = ? WHERE seq = ?`, "pledge.release"},
		{"object id of the first entry", 1, `UPDATE audit_log SET object_id = ? WHERE seq = ?`, "999"},
		{"outcome of the last entry", n, `UPDATE audit_log SET outcome = ? WHERE seq = ?`, audit.OutcomeFailed},
		{"summary", 5, `UPDATE audit_log SET summary = ? WHERE seq = ?`, `{"n":500}`},
		{"timestamp by one microsecond", 6, `UPDATE audit_log SET at = ? WHERE seq = ?`, fixedNow.UTC().Truncate(time.Microsecond).Add(time.Microsecond)},
		{"actor user", 7, `UPDATE audit_log SET actor_user_id = ? WHERE seq = ?`, int64(8)},
		{"actor removed", 2, `UPDATE audit_log SET actor_user_id = NULL, actor_username = ? WHERE seq = ?`, ""},
		{"client ip", 3, `UPDATE audit_log SET client_ip = ? WHERE seq = ?`, "10.0.0.1"},
		{"key id to an unknown key", 8, `UPDATE audit_log SET key_id = ? WHERE seq = ?`, "z"},
		{"hash", 9, `UPDATE audit_log SET hash = ? WHERE seq = ?`, strings.Repeat("ab", 32)},
		{"prev hash", 4, `UPDATE audit_log SET prev_hash = ? WHERE seq = ?`, genesis},
		{"delete entry", 5, `DELETE FROM audit_log WHERE seq = ?`, nil},
		{"delete first entry", 1, `DELETE FROM audit_log WHERE seq = ?`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				l := newLog(t, d, defaultKeys())
				appendN(t, l, n)
				mustVerify(t, l, n)
				asDBA(t, d)
				args := []any{tc.k}
				if tc.v != nil {
					args = []any{tc.v, tc.k}
				}
				res, err := d.Exec(d.Rebind(tc.q), args...)
				if err != nil {
					t.Fatalf("tamper: %v", err)
				}
				if m, _ := res.RowsAffected(); m != 1 {
					t.Fatalf("tamper changed %d rows", m)
				}
				mustFailAt(t, l, tc.k)
			})
		})
	}
}

// TestVerifyCatchesRewrittenTail: someone with database rights but
// without the audit key rewrites entry k and re-chains every later entry
// with a key of their own. The HMAC key held outside the database makes
// that detectable at k.
func TestVerifyCatchesRewrittenTail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		const n, k = 8, 5
		l := newLog(t, d, defaultKeys())
		appendN(t, l, n)
		asDBA(t, d)
		if _, err := d.Exec(d.Rebind(`DELETE FROM audit_log WHERE seq >= ?`), k); err != nil {
			t.Fatal(err)
		}
		forger := newLog(t, d, keys("a", map[string][]byte{"a": key('f')}))
		for i := k; i <= n; i++ {
			e := entry(i)
			if i == k {
				e.Outcome = audit.OutcomeFailed
			}
			if err := forger.AppendAlone(context.Background(), actor, e); err != nil {
				t.Fatal(err)
			}
		}
		mustFailAt(t, l, k)
		// The forger's key does not verify the genuine entries either.
		mustFailAt(t, forger, 1)
	})
}

func TestVerifyWithWrongKeyFailsAtFirstEntry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		l := newLog(t, d, defaultKeys())
		appendN(t, l, 5)
		mustVerify(t, l, 5)
		for _, k := range []audit.Keys{
			keys("a", map[string][]byte{"a": key('b')}),                // same id, other key
			keys("b", map[string][]byte{"b": key('a')}),                // right bytes under another id
			keys("a", map[string][]byte{"a": append(key('a'), 'x')}),   // one byte longer
			keys("b", map[string][]byte{"a": key('c'), "b": key('a')}), // rotated set with a wrong "a"
		} {
			mustFailAt(t, newLog(t, d, k), 1)
		}
	})
}

// TestKeyRotation: entries written under key a, then under key b by a log
// that keeps a to verify, all verify; a verifier that lost either key
// fails where that key's entries start.
func TestKeyRotation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := dbtest.Deadline(t)
		la := newLog(t, d, keys("a", map[string][]byte{"a": key('a')}))
		appendN(t, la, 3)
		lb := newLog(t, d, keys("b", map[string][]byte{"a": key('a'), "b": key('b')}))
		appendN(t, lb, 4)
		mustVerify(t, lb, 7)
		rs, err := lb.List(ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range rs {
			ids = append(ids, r.KeyID)
		}
		if got := strings.Join(ids, ""); got != "aaabbbb" {
			t.Fatalf("key ids %q, want aaabbbb", got)
		}
		// The chain runs across the rotation.
		if rs[3].PrevHash != rs[2].Hash {
			t.Fatal("first entry under the new key does not chain to the last under the old")
		}
		mustFailAt(t, la, 4)                                                        // knows only a
		mustFailAt(t, newLog(t, d, keys("b", map[string][]byte{"b": key('b')})), 1) // knows only b
		seq, hash, _, err := lb.Head(ctx)
		if err != nil || seq != 7 || hash != rs[6].Hash {
			t.Fatalf("Head = %d, %s, %v", seq, hash, err)
		}
	})
}

// TestTruncatedTailNeedsAnchoredHead: deleting the newest entries leaves a
// chain that verifies on its own; only a head anchored outside the
// database (Head's seq and hash, signed and sent elsewhere) reveals it.
func TestTruncatedTailNeedsAnchoredHead(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := dbtest.Deadline(t)
		l := newLog(t, d, defaultKeys())
		appendN(t, l, 15)
		anchorSeq, anchorHash, _, err := l.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		asDBA(t, d)
		if _, err := d.Exec(`DELETE FROM audit_log WHERE seq > 5`); err != nil {
			t.Fatal(err)
		}
		mustVerify(t, l, 5)
		seq, hash, _, err := l.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if seq >= anchorSeq || hash == anchorHash {
			t.Fatalf("head %d/%s still matches the anchor %d/%s", seq, hash, anchorSeq, anchorHash)
		}
	})
}
