// Package dashboard is the IP office's (and the private-economy bureau's)
// read-only view of the platform: whitelist size, pledge registrations
// and secured amounts, loans outstanding, subsidies against the budget,
// dormant university patents and how many were licensed, and the IP
// office's targets drawn against the actual figures.
//
// Design choice: the figures are computed with plain SQL aggregates over
// the other domains' tables (whitelist_*, pledges, loans, subsidy_*,
// licensing tables), read only, in store.go. The domain services expose
// paged per-object reads and per-object rules, not aggregates; walking
// every pledge or entry through them on each page view would cost a
// request per page of records for the same sums. The package never
// writes another domain's table, and its tests reconcile every figure
// with the line items the domain APIs return. A table that another
// domain has not created yet (a deployment without that migration) makes
// its charts unavailable with a note, and its figures 0, rather than
// failing the dashboard. The one table the package owns is
// dashboard_targets.
package dashboard

import "time"

// Units of a column or target.
const (
	UnitCount = "count" // a number of things
	UnitFen   = "fen"   // an amount in fen (shown as yuan)
)

// Column is a numeric column of a chart's table.
type Column struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Unit  string `json:"unit"` // count or fen; "" in the targets chart (each row has its unit)
}

// Row is one line of a chart's table: a label and one value per column.
type Row struct {
	Key    string  `json:"key"`
	Label  string  `json:"label"`
	Unit   string  `json:"unit,omitempty"` // overrides the columns' unit (targets)
	Values []int64 `json:"values"`
}

// Chart is one figure with its table view. Total sums the rows column by
// column (the targets chart has none).
type Chart struct {
	Key         string   `json:"key"`
	Title       string   `json:"title"`
	LabelHeader string   `json:"label_header"`
	Columns     []Column `json:"columns"`
	// Plot names the columns drawn (indexes into Columns); Stacked draws
	// them as one stacked bar per row, else side by side.
	Plot    []int `json:"plot"`
	Stacked bool  `json:"stacked"`
	Rows    []Row `json:"rows"`
	Total   *Row  `json:"total,omitempty"`
	// Available is false when the records behind the chart are not kept
	// by this deployment yet (Note says which); its figures are then 0.
	Available bool   `json:"available"`
	Note      string `json:"note,omitempty"`
}

// Target is one of the IP office's targets with the actual figure.
type Target struct {
	Key    string `json:"key"`
	Label  string `json:"label"`
	Unit   string `json:"unit"`
	Set    bool   `json:"set"`
	Value  int64  `json:"value"`  // the target (0 when not set)
	Actual int64  `json:"actual"` // the figure it is measured against
	// ProgressBP is actual / target in basis points (0 when not set).
	ProgressBP int64      `json:"progress_bp"`
	Note       string     `json:"note"`
	UpdatedAt  *time.Time `json:"updated_at"`
	UpdatedBy  *int64     `json:"updated_by"`
}

// Dashboard is everything the page and GET /dashboard show.
type Dashboard struct {
	AsOf    time.Time `json:"as_of"`
	Targets []Target  `json:"targets"`
	Charts  []Chart   `json:"charts"`
}

// Chart returns the chart with key, or nil.
func (d *Dashboard) Chart(key string) *Chart {
	for i := range d.Charts {
		if d.Charts[i].Key == key {
			return &d.Charts[i]
		}
	}
	return nil
}

// TargetInput is a change of a target.
type TargetInput struct {
	Value int64
	Note  string
}

// targetDef is a target the IP office may set, and the figure it is
// measured against.
type targetDef struct {
	Key   string
	Label string
	Unit  string
}

// targetDefs are the targets, in display order.
var targetDefs = []targetDef{
	{"pledge_financing", "知识产权质押融资额", UnitFen},
	{"pledge_registrations", "质押登记笔数", UnitCount},
	{"whitelist_listed", "白名单在列企业数", UnitCount},
	{"loans_outstanding", "质押贷款余额", UnitFen},
	{"subsidy_paid", "已拨付贴息", UnitFen},
	{"patents_licensed", "沉睡专利许可数", UnitCount},
}

// TargetKeys lists the keys PUT /dashboard/targets/{key} accepts.
func TargetKeys() []string {
	out := make([]string, len(targetDefs))
	for i, d := range targetDefs {
		out[i] = d.Key
	}
	return out
}

// TargetUnit returns a target key's unit, or "" for an unknown key.
func TargetUnit(key string) string {
	d, _ := lookupTarget(key)
	return d.Unit
}

func lookupTarget(key string) (targetDef, bool) {
	for _, d := range targetDefs {
		if d.Key == key {
			return d, true
		}
	}
	return targetDef{}, false
}

// Chart keys.
const (
	ChartTargets          = "targets"
	ChartWhitelist        = "whitelist_by_batch"
	ChartPledgesByMonth   = "pledges_by_month"
	ChartPledgesByBank    = "pledges_by_bank"
	ChartPledgesByRegion  = "pledges_by_region"
	ChartLoansOutstanding = "loans_outstanding"
	ChartSubsidies        = "subsidies"
	ChartDormant          = "dormant_patents"
)

// MaxTargetValue bounds a target (10^15 fen is 10 trillion yuan).
const MaxTargetValue = 1_000_000_000_000_000

// MaxNoteRunes bounds a target's note.
const MaxNoteRunes = 500
