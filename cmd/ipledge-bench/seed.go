package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/uscc"
)

// benchCode is the n-th enterprise code of the benchmark data set (all
// valid, in Taiyuan).
func benchCode(n int) string {
	first := fmt.Sprintf("91140100MA%07d", n)
	return first + string(uscc.CheckCharacter(first))
}

// seedEnterprises writes n enterprises straight into the database — a
// published batch listing every other one, so that status checks meet
// both listed and unlisted firms — in one transaction with prepared
// statements. It is benchmark data, so it skips the service (and with it
// the audit log and change feed, which a real nomination writes).
func seedEnterprises(ctx context.Context, d *db.DB, n int) (time.Duration, error) {
	start := time.Now()
	now := time.Now().UTC()
	today := now.Format("2006-01-02")
	until := now.AddDate(1, 0, 0).Format("2006-01-02")
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		var batchID int64
		if err := tx.GetContext(ctx, &batchID, tx.Rebind(`INSERT INTO whitelist_batches (name, status, notice_start, notice_end, effective_on, valid_until, created_at, published_at)
			VALUES ('基准测试批次', 'published', ?, ?, ?, ?, ?, ?) RETURNING id`), today, today, today, until, now, now); err != nil {
			return err
		}
		ent, err := tx.PreparexContext(ctx, tx.Rebind(`INSERT INTO enterprises (uscc, name, region_code, is_sme, valid_invention_patents, created_at, updated_at)
			VALUES (?, ?, '140100', ?, 1, ?, ?) RETURNING id`))
		if err != nil {
			return err
		}
		nom, err := tx.PreparexContext(ctx, tx.Rebind(`INSERT INTO whitelist_nominations (enterprise_id, source, priority, status, created_at)
			VALUES (?, 'bureau', ?, 'accepted', ?) RETURNING id`))
		if err != nil {
			return err
		}
		entry, err := tx.PreparexContext(ctx, tx.Rebind(`INSERT INTO whitelist_entries (batch_id, enterprise_id, nomination_id, state, created_at, updated_at)
			VALUES (?, ?, ?, 'listed', ?, ?)`))
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			var id, nid int64
			if err := ent.GetContext(ctx, &id, benchCode(i), fmt.Sprintf("基准企业%06d有限公司", i), i%3 != 0, now, now); err != nil {
				return err
			}
			if i%2 == 1 {
				continue
			}
			if err := nom.GetContext(ctx, &nid, id, true, now); err != nil {
				return err
			}
			if _, err := entry.ExecContext(ctx, batchID, id, nid, now, now); err != nil {
				return err
			}
		}
		return nil
	})
	return time.Since(start), err
}
