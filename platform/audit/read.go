package audit

import (
	"context"
	"crypto/hmac"
	"fmt"
	"time"

	"github.com/ipledge/ipledge/platform/db"
)

// List returns up to limit entries with seq > after, oldest first.
func (l *Log) List(ctx context.Context, after int64, limit int) ([]Record, error) {
	var rs []Record
	err := l.db.SelectContext(ctx, &rs, l.db.Rebind(`SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`), after, limit)
	if err != nil {
		return nil, fmt.Errorf("audit list: %w", err)
	}
	for i := range rs {
		rs[i].At = rs[i].At.UTC()
	}
	return rs, nil
}

// VerifyResult is the outcome of walking the chain.
type VerifyResult struct {
	OK          bool   `json:"ok"`
	Checked     int64  `json:"checked"`
	FirstBadSeq *int64 `json:"first_bad_seq"`
	Reason      string `json:"reason,omitempty"`
}

// Verify walks the whole chain: sequence numbers must run 1, 2, 3 … with
// no gap, each prev_hash must equal the previous entry's hash, and each
// hash must be the HMAC of its entry. It reports the first bad entry.
func (l *Log) Verify(ctx context.Context) (VerifyResult, error) {
	const page = 2000
	var (
		res      = VerifyResult{OK: true}
		prevSeq  int64
		prevHash = genesisHex
	)
	bad := func(seq int64, why string) (VerifyResult, error) {
		res.OK = false
		res.FirstBadSeq = &seq
		res.Reason = why
		return res, nil
	}
	for {
		rs, err := l.List(ctx, prevSeq, page)
		if err != nil {
			return res, err
		}
		for _, r := range rs {
			if r.Seq != prevSeq+1 {
				return bad(prevSeq+1, fmt.Sprintf("entry %d is missing", prevSeq+1))
			}
			if r.PrevHash != prevHash {
				return bad(r.Seq, "prev_hash does not match the previous entry")
			}
			want, err := l.hash(r)
			if err != nil {
				return bad(r.Seq, err.Error())
			}
			if !hmac.Equal([]byte(want), []byte(r.Hash)) {
				return bad(r.Seq, "hash does not match the entry's contents")
			}
			res.Checked++
			prevSeq, prevHash = r.Seq, r.Hash
		}
		if len(rs) < page {
			return res, nil
		}
	}
}

// Head returns the newest entry's sequence and hash (0 and the genesis
// hash when the log is empty): anchoring this pair outside the database
// lets a verifier notice a truncated tail.
func (l *Log) Head(ctx context.Context) (int64, string, time.Time, error) {
	var r Record
	err := l.db.GetContext(ctx, &r, `SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1`)
	if err != nil {
		if db.IsNoRows(err) {
			return 0, genesisHex, time.Time{}, nil
		}
		return 0, "", time.Time{}, err
	}
	return r.Seq, r.Hash, r.At, nil
}
