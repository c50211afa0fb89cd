package dashboard

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/uscc"
	"github.com/ipledge/ipledge/whitelist"
)

// Service computes the dashboard and keeps the targets. It reads the
// database on every call (a few GROUP BY queries), so every instance
// shows the same figures and there is nothing to invalidate.
type Service struct {
	db    *db.DB
	st    store
	audit *audit.Log
	now   func() time.Time
}

// NewService returns the dashboard service.
func NewService(d *db.DB, a *audit.Log, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, st: store{d}, audit: a, now: now}
}

// Viewers are the roles that may see the dashboard.
var Viewers = []string{auth.RoleIPOffice, auth.RoleEconBureau}

// Load computes every chart and the targets.
func (s *Service) Load(ctx context.Context) (Dashboard, error) {
	d := Dashboard{AsOf: s.now().UTC().Truncate(time.Second)}
	wl, listed, err := s.whitelistChart(ctx)
	if err != nil {
		return d, fmt.Errorf("dashboard: whitelist: %w", err)
	}
	byMonth, byBank, byRegion, err := s.pledgeCharts(ctx)
	if err != nil {
		return d, fmt.Errorf("dashboard: pledges: %w", err)
	}
	loans, err := s.loanChart(ctx)
	if err != nil {
		return d, fmt.Errorf("dashboard: loans: %w", err)
	}
	subs, err := s.subsidyChart(ctx)
	if err != nil {
		return d, fmt.Errorf("dashboard: subsidies: %w", err)
	}
	dormant, err := s.dormantChart(ctx)
	if err != nil {
		return d, fmt.Errorf("dashboard: dormant patents: %w", err)
	}
	actual := map[string]int64{
		"pledge_financing":     byMonth.Total.Values[1],
		"pledge_registrations": byMonth.Total.Values[0],
		"whitelist_listed":     listed,
		"loans_outstanding":    loans.Total.Values[2],
		"subsidy_paid":         subs.Total.Values[3],
		"patents_licensed":     dormant.Total.Values[2],
	}
	d.Targets, err = s.targets(ctx, s.db, actual)
	if err != nil {
		return d, fmt.Errorf("dashboard: targets: %w", err)
	}
	d.Charts = []Chart{targetChart(d.Targets), wl, byMonth, byBank, byRegion, loans, subs, dormant}
	return d, nil
}

// targets joins the stored targets with the actual figures.
func (s *Service) targets(ctx context.Context, q db.Queryer, actual map[string]int64) ([]Target, error) {
	stored, err := s.st.targets(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]Target, 0, len(targetDefs))
	for _, def := range targetDefs {
		t := Target{Key: def.Key, Label: def.Label, Unit: def.Unit, Actual: actual[def.Key]}
		if r, ok := stored[def.Key]; ok {
			at := r.UpdatedAt.UTC()
			t.Set, t.Value, t.Note, t.UpdatedAt, t.UpdatedBy = true, r.Value, r.Note, &at, r.UpdatedBy
			t.ProgressBP = t.Actual * 10000 / t.Value
		}
		out = append(out, t)
	}
	return out, nil
}

// targetChart draws each set target against its actual figure.
func targetChart(ts []Target) Chart {
	c := Chart{Key: ChartTargets, Title: "目标完成情况", LabelHeader: "指标",
		Columns: []Column{{Key: "target", Label: "目标"}, {Key: "actual", Label: "实际"}, {Key: "progress_bp", Label: "完成率（‱）", Unit: UnitCount}},
		Plot:    []int{1}, Rows: []Row{}, Available: true}
	for _, t := range ts {
		if !t.Set {
			continue
		}
		c.Rows = append(c.Rows, Row{Key: t.Key, Label: t.Label, Unit: t.Unit, Values: []int64{t.Value, t.Actual, t.ProgressBP}})
	}
	if len(c.Rows) == 0 {
		c.Note = "知识产权局尚未设定目标。"
	}
	return c
}

// whitelist entry states in the chart's column order.
var entryStates = []struct{ key, label string }{
	{whitelist.EntryListed, "在列"}, {whitelist.EntrySuspended, "暂停"},
	{whitelist.EntryRevoked, "撤销"}, {whitelist.EntryRemoved, "公示期移出"},
}

var batchStatusLabels = map[string]string{"draft": "草拟", "public_notice": "公示中", "published": "已发布"}

// whitelistChart counts each batch's entries by state; listed is the
// number of listed entries in published batches (the whitelist's size).
func (s *Service) whitelistChart(ctx context.Context) (Chart, int64, error) {
	c := Chart{Key: ChartWhitelist, Title: "白名单企业数（按批次和状态）", LabelHeader: "批次", Plot: []int{0, 1, 2, 3}, Stacked: true,
		Rows: []Row{}, Available: true}
	for _, st := range entryStates {
		c.Columns = append(c.Columns, Column{Key: st.key, Label: st.label, Unit: UnitCount})
	}
	c.Columns = append(c.Columns, Column{Key: "total", Label: "合计", Unit: UnitCount})
	cells, err := s.st.whitelistCells(ctx)
	if err != nil {
		return c, 0, err
	}
	var listed int64
	index := map[int64]int{}
	for _, cell := range cells {
		i, ok := index[cell.BatchID]
		if !ok {
			i = len(c.Rows)
			index[cell.BatchID] = i
			label := cell.BatchName
			if l := batchStatusLabels[cell.BatchStatus]; l != "" {
				label += "（" + l + "）"
			}
			c.Rows = append(c.Rows, Row{Key: fmt.Sprint(cell.BatchID), Label: label, Values: make([]int64, len(c.Columns))})
		}
		if !cell.State.Valid {
			continue
		}
		for j, st := range entryStates {
			if st.key == cell.State.String {
				c.Rows[i].Values[j] += cell.N
			}
		}
		c.Rows[i].Values[len(c.Columns)-1] += cell.N
		if cell.State.String == whitelist.EntryListed && cell.BatchStatus == "published" {
			listed += cell.N
		}
	}
	c.Total = total(c)
	if len(c.Rows) == 0 {
		c.Note = "尚未创建白名单批次。"
	}
	return c, listed, nil
}

// pledgeCharts group the registered pledges by month of registration,
// by bank (the pledgee) and by the pledgor's region (from the division
// code inside its unified social credit code).
func (s *Service) pledgeCharts(ctx context.Context) (byMonth, byBank, byRegion Chart, err error) {
	cols := []Column{{Key: "registrations", Label: "登记笔数", Unit: UnitCount}, {Key: "secured_amount_fen", Label: "担保债权金额（元）", Unit: UnitFen}}
	mk := func(key, title, header string) Chart {
		return Chart{Key: key, Title: title, LabelHeader: header, Columns: cols, Plot: []int{1}, Rows: []Row{}, Available: true}
	}
	byMonth = mk(ChartPledgesByMonth, "质押登记（按月）", "月份")
	byBank = mk(ChartPledgesByBank, "质押登记（按银行）", "银行")
	byRegion = mk(ChartPledgesByRegion, "质押登记（按地区）", "地区")
	items, err := s.st.pledgeItems(ctx)
	if err != nil {
		return
	}
	month, bank, region := grouper{c: &byMonth}, grouper{c: &byBank}, grouper{c: &byRegion}
	for _, p := range items {
		at := p.UpdatedAt
		if p.DecidedAt != nil {
			at = *p.DecidedAt
		}
		d := date.Of(at)
		month.add(fmt.Sprintf("%04d-%02d", d.Y, int(d.M)), fmt.Sprintf("%d年%d月", d.Y, int(d.M)), 1, p.AmountFen)
		bank.add(fmt.Sprint(p.BankID), p.BankName, 1, p.AmountFen)
		code := uscc.Region(p.PledgorCode)
		name := whitelist.RegionName(code)
		if name == "" {
			name = "其他地区"
			if code != "" {
				name += "（" + code + "）"
			}
		}
		region.add(name, name, 1, p.AmountFen)
	}
	// Months in calendar order; banks and regions by amount, largest first.
	slices.SortFunc(byMonth.Rows, func(a, b Row) int { return strings.Compare(a.Key, b.Key) })
	for _, c := range []*Chart{&byBank, &byRegion} {
		slices.SortStableFunc(c.Rows, func(a, b Row) int { return cmp.Compare(b.Values[1], a.Values[1]) })
	}
	for _, c := range []*Chart{&byMonth, &byBank, &byRegion} {
		c.Total = total(*c)
		if len(c.Rows) == 0 {
			c.Note = "尚无已登记的质押。"
		}
	}
	return
}

// grouper adds values into a chart's rows by key, in first-seen order.
type grouper struct {
	c     *Chart
	index map[string]int
}

func (g *grouper) add(key, label string, values ...int64) {
	if g.index == nil {
		g.index = map[string]int{}
	}
	i, ok := g.index[key]
	if !ok {
		i = len(g.c.Rows)
		g.index[key] = i
		g.c.Rows = append(g.c.Rows, Row{Key: key, Label: label, Values: make([]int64, len(values))})
	}
	for j, v := range values {
		g.c.Rows[i].Values[j] += v
	}
}

// total sums a chart's rows column by column.
func total(c Chart) *Row {
	t := Row{Key: "total", Label: "合计", Values: make([]int64, len(c.Columns))}
	for _, r := range c.Rows {
		for j, v := range r.Values {
			t.Values[j] += v
		}
	}
	return &t
}

// unavailable marks a chart whose records this deployment does not keep.
func unavailable(c *Chart, table string) {
	c.Available = false
	c.Note = "本系统尚未启用相关业务（缺少数据表 " + table + "），数字按 0 计。"
	c.Total = total(*c)
}

// loanChart sums the loans not yet settled, by bank: the outstanding
// amount is the principal less the principal repaid. Overdue and
// defaulted loans are outstanding (and counted apart as well).
func (s *Service) loanChart(ctx context.Context) (Chart, error) {
	c := Chart{Key: ChartLoansOutstanding, Title: "质押贷款余额（按银行）", LabelHeader: "银行", Plot: []int{2}, Rows: []Row{}, Available: true,
		Columns: []Column{{Key: "loans", Label: "未结清笔数", Unit: UnitCount}, {Key: "principal_fen", Label: "贷款本金（元）", Unit: UnitFen},
			{Key: "outstanding_fen", Label: "贷款余额（元）", Unit: UnitFen}, {Key: "overdue_or_defaulted", Label: "逾期或违约笔数", Unit: UnitCount}}}
	ok, err := s.st.hasTable(ctx, "loans")
	if err != nil || !ok {
		unavailable(&c, "loans")
		return c, err
	}
	lines, err := s.st.loanLines(ctx)
	if err != nil {
		return c, err
	}
	for _, l := range lines {
		c.Rows = append(c.Rows, Row{Key: fmt.Sprint(l.BankID), Label: l.BankName, Values: []int64{l.Loans, l.PrincipalFen, l.OutstandingFen, l.Troubled}})
	}
	c.Total = total(c)
	if len(c.Rows) == 0 {
		c.Note = "尚无未结清的质押贷款。"
	}
	return c, nil
}

// subsidyChart sets each subsidy policy's budget against what was
// requested, approved and paid under it.
func (s *Service) subsidyChart(ctx context.Context) (Chart, error) {
	c := Chart{Key: ChartSubsidies, Title: "贷款贴息（申请、核定、拨付与预算）", LabelHeader: "贴息政策", Plot: []int{0, 1, 2, 3}, Rows: []Row{}, Available: true,
		Columns: []Column{{Key: "budget_fen", Label: "年度预算（元）", Unit: UnitFen}, {Key: "requested_fen", Label: "申请金额（元）", Unit: UnitFen},
			{Key: "approved_fen", Label: "核定金额（元）", Unit: UnitFen}, {Key: "paid_fen", Label: "已拨付（元）", Unit: UnitFen}}}
	for _, t := range []string{"subsidy_policies", "subsidy_applications"} {
		ok, err := s.st.hasTable(ctx, t)
		if err != nil || !ok {
			unavailable(&c, t)
			return c, err
		}
	}
	lines, err := s.st.subsidyLines(ctx)
	if err != nil {
		return c, err
	}
	for _, l := range lines {
		c.Rows = append(c.Rows, Row{Key: fmt.Sprint(l.PolicyID), Label: fmt.Sprintf("%s（%d年度）", l.Name, l.Year),
			Values: []int64{l.BudgetFen, l.RequestedFen, l.ApprovedFen, l.PaidFen}})
	}
	c.Total = total(c)
	if len(c.Rows) == 0 {
		c.Note = "尚未设置贴息政策。"
	}
	return c, nil
}

// dormantChart counts each university's listed patents, the dormant ones
// (per the licensing service's status) and those licensed since they
// were listed (a licence effective on or after the listing day).
func (s *Service) dormantChart(ctx context.Context) (Chart, error) {
	c := Chart{Key: ChartDormant, Title: "高校沉睡专利及入库后许可情况", LabelHeader: "高校", Plot: []int{1, 2}, Rows: []Row{}, Available: true,
		Columns: []Column{{Key: "listed", Label: "入库专利", Unit: UnitCount}, {Key: "dormant", Label: "沉睡专利", Unit: UnitCount},
			{Key: "licensed_since_listing", Label: "入库后已许可", Unit: UnitCount}}}
	for _, t := range []string{"licensing_listings", "licensing_status", "licensing_events"} {
		ok, err := s.st.hasTable(ctx, t)
		if err != nil || !ok {
			unavailable(&c, t)
			return c, err
		}
	}
	listings, err := s.st.listingItems(ctx)
	if err != nil {
		return c, err
	}
	licences, err := s.st.licenceItems(ctx)
	if err != nil {
		return c, err
	}
	byPatent := map[int64][]date.Date{}
	for _, l := range licences {
		byPatent[l.PatentID] = append(byPatent[l.PatentID], l.EffectiveOn)
	}
	g := grouper{c: &c}
	for _, l := range listings {
		var dormant, licensed int64
		if l.Dormant != nil && *l.Dormant {
			dormant = 1
		}
		listedOn := date.Of(l.CreatedAt)
		for _, on := range byPatent[l.PatentID] {
			if !on.Before(listedOn) {
				licensed = 1
				break
			}
		}
		g.add(fmt.Sprint(l.OrgID), l.OrgName, 1, dormant, licensed)
	}
	c.Total = total(c)
	if len(c.Rows) == 0 {
		c.Note = "高校尚未将专利纳入转化库。"
	}
	return c, nil
}

// SetTarget sets a target (IP office only). The value is in the target's
// unit: fen for amounts, a count otherwise.
func (s *Service) SetTarget(ctx context.Context, a audit.Actor, key string, in TargetInput) (Target, error) {
	def, ok := lookupTarget(key)
	if !ok {
		return Target{}, problem.NotFound("target")
	}
	if a.Role != auth.RoleIPOffice {
		return Target{}, problem.Forbidden("only the IP office sets the dashboard's targets")
	}
	in.Note = strings.TrimSpace(in.Note)
	var fe []problem.FieldError
	if in.Value <= 0 || in.Value > MaxTargetValue {
		fe = append(fe, problem.Field("value", "out_of_range", fmt.Sprintf("value must be from 1 to %d (%s)", int64(MaxTargetValue), unitHint(def.Unit))))
	}
	if utf8.RuneCountInString(in.Note) > MaxNoteRunes {
		fe = append(fe, problem.Field("note", "too_long", fmt.Sprintf("note is at most %d characters", MaxNoteRunes)))
	}
	if len(fe) > 0 {
		return Target{}, problem.Invalid(fe...)
	}
	row := targetRow{Key: key, Value: in.Value, Note: in.Note, UpdatedAt: s.now().UTC().Truncate(time.Microsecond)}
	if a.UserID != 0 {
		id := a.UserID
		row.UpdatedBy = &id
	}
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		before, err := s.st.targets(ctx, tx)
		if err != nil {
			return err
		}
		if err := s.st.putTarget(ctx, tx, row); err != nil {
			return err
		}
		summary := map[string]any{"after": map[string]any{"value": row.Value, "note": row.Note}, "unit": def.Unit}
		if b, ok := before[key]; ok {
			summary["before"] = map[string]any{"value": b.Value, "note": b.Note}
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "dashboard.set_target", ObjectType: "dashboard_target", ObjectID: key, Summary: summary})
	})
	if err != nil {
		return Target{}, fmt.Errorf("dashboard: set target %s: %w", key, err)
	}
	d, err := s.Load(ctx)
	if err != nil {
		return Target{}, err
	}
	for _, t := range d.Targets {
		if t.Key == key {
			return t, nil
		}
	}
	return Target{}, fmt.Errorf("dashboard: target %s vanished", key)
}

func unitHint(unit string) string {
	if unit == UnitFen {
		return "an amount in fen"
	}
	return "a count"
}
