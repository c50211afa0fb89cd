package whitelist

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
)

// feedLockKey serialises change-feed sequence assignment on PostgreSQL.
const feedLockKey = 0x6970_6c65_6467_02

// appendChange records an enterprise's status after a change, in the
// change's transaction. The sequence is assigned under a lock held until
// commit, so sequence order is commit order: a poller that has seen seq N
// will never later find a committed change below N.
func (s *Service) appendChange(ctx context.Context, tx *sqlx.Tx, r StatusResult, enterpriseID int64, at time.Time) error {
	if err := db.Lock(ctx, tx, feedLockKey); err != nil {
		return err
	}
	var seq int64
	if err := tx.GetContext(ctx, &seq, `SELECT COALESCE(max(seq), 0) FROM whitelist_changes`); err != nil {
		return fmt.Errorf("change feed head: %w", err)
	}
	_, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO whitelist_changes (seq, enterprise_id, uscc, name, status, batch, effective_on, valid_until, reason, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), seq+1, enterpriseID, r.USCC, r.Name, r.Status, r.Batch, r.EffectiveOn, r.ValidUntil, r.Reason, at)
	return err
}

// Changes returns the status changes after the cursor, oldest first.
func (s *Service) Changes(ctx context.Context, r page.Request) (page.Page[Change], error) {
	var cs []Change
	err := s.db.SelectContext(ctx, &cs, s.db.Rebind(`SELECT seq, enterprise_id, uscc, name, status, batch, effective_on, valid_until, reason, at
		FROM whitelist_changes WHERE seq > ? ORDER BY seq LIMIT ?`), r.After, r.Limit+1)
	if err != nil {
		return page.Page[Change]{}, err
	}
	for i := range cs {
		cs[i].At = cs[i].At.UTC()
	}
	return page.Feed(r, cs, func(c Change) int64 { return c.Seq }), nil
}
