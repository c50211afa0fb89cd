package whitelist

import (
	"context"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/tabular"
	"github.com/ipledge/ipledge/uscc"
)

// exportPage is how many entries an export reads per query.
const exportPage = 500

// ExportHeaders are the columns of a whitelist export, as Chinese users
// read them.
var ExportHeaders = []string{"统一社会信用代码", "企业名称", "所属地区", "状态", "批次", "生效日期", "有效期至", "说明", "复核中"}

// StatusLabels are the statuses in Chinese, as exports write them.
var StatusLabels = map[Status]string{
	StatusActive:    "有效",
	StatusSuspended: "暂停",
	StatusRevoked:   "已撤销",
	StatusExpired:   "已过期",
	StatusPending:   "待生效",
	StatusNotListed: "未列入",
}

func exportRow(e Entry) []any {
	label := StatusLabels[e.Status]
	if label == "" {
		label = string(e.Status)
	}
	review := ""
	if e.ReviewFlag {
		review = "是"
	}
	region := RegionName(uscc.Region(e.USCC))
	return []any{e.USCC, e.EnterpriseName, region, label, e.BatchName, dateCell(e.EffectiveOn), dateCell(e.ValidUntil), e.Reason, review}
}

func dateCell(d date.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

// ExportBatch returns a batch (404 when there is none) and its entries as
// rows under ExportHeaders, read from the database a page at a time while
// the caller writes them.
func (s *Service) ExportBatch(ctx context.Context, batchID int64) (Batch, tabular.RowSource, error) {
	b, err := s.Batch(ctx, batchID)
	if err != nil {
		return b, nil, err
	}
	return b, s.exportRows(ctx, func(r page.Request) ([]Entry, error) {
		return s.st.entries(ctx, s.db, r, EntryFilter{BatchID: batchID})
	}, nil), nil
}

// ExportActive returns the current active list — every enterprise whose
// status today is active — as rows under ExportHeaders, streamed a page at
// a time.
func (s *Service) ExportActive(ctx context.Context) tabular.RowSource {
	today := s.today()
	return s.exportRows(ctx, func(r page.Request) ([]Entry, error) {
		return s.st.activeEntries(ctx, r, today)
	}, func(e Entry) bool { return e.Status == StatusActive })
}

// exportRows pages through fetch (ascending ids), deriving each entry's
// status and yielding those keep accepts (all when nil).
func (s *Service) exportRows(ctx context.Context, fetch func(page.Request) ([]Entry, error), keep func(Entry) bool) tabular.RowSource {
	return func(yield func([]any) bool) error {
		today := s.today()
		r := page.Request{Limit: exportPage}
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			es, err := fetch(r)
			if err != nil {
				return err
			}
			for i, e := range es {
				if i == r.Limit {
					break
				}
				e.Status = EntryStatus(e, today)
				if keep != nil && !keep(e) {
					continue
				}
				if !yield(exportRow(e)) {
					return nil
				}
			}
			if len(es) <= r.Limit {
				return nil
			}
			r.After = es[r.Limit-1].ID
		}
	}
}

// Today is the service's current day (Asia/Shanghai).
func (s *Service) Today() date.Date { return s.today() }
