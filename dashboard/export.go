package dashboard

import (
	"io"

	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/platform/tabular"
)

// cell is a value as a spreadsheet shows it: yuan (a number with two
// decimals) for an amount in fen, else the count.
func cell(v int64, unit string) any {
	if unit == UnitFen {
		return float64(v) / 100
	}
	return v
}

// unitLabel names a unit in a sheet.
func unitLabel(unit string) string {
	if unit == UnitFen {
		return "元"
	}
	return "个"
}

// ChartTable returns a chart's table view as a sheet: the header and one
// row per line, then the total.
func ChartTable(c Chart) (headers []string, rows [][]any) {
	headers = append(headers, c.LabelHeader)
	for _, col := range c.Columns {
		headers = append(headers, col.Label)
	}
	if c.Key == ChartTargets {
		headers = append(headers, "单位")
	}
	line := func(r Row) []any {
		out := []any{r.Label}
		for j, v := range r.Values {
			unit := c.Columns[j].Unit
			if unit == "" {
				unit = r.Unit
			}
			out = append(out, cell(v, unit))
		}
		if c.Key == ChartTargets {
			out = append(out, unitLabel(r.Unit))
		}
		return out
	}
	for _, r := range c.Rows {
		rows = append(rows, line(r))
	}
	if c.Total != nil {
		rows = append(rows, line(*c.Total))
	}
	return headers, rows
}

// WriteXLSX writes one chart's table (chart = its key) or, with chart "",
// every chart's lines in one sheet: 图表, 项目, 指标, 数值, 单位.
func WriteXLSX(w io.Writer, d Dashboard, chart string) error {
	if chart != "" {
		c := d.Chart(chart)
		if c == nil {
			return problem.Invalid(problem.Field("chart", "unknown_chart", "chart must be one of the dashboard's chart keys"))
		}
		h, rows := ChartTable(*c)
		return tabular.WriteXLSX(w, c.Title, h, tabular.Rows(rows))
	}
	var rows [][]any
	for _, c := range d.Charts {
		add := func(r Row) {
			for j, v := range r.Values {
				unit := c.Columns[j].Unit
				if unit == "" {
					unit = r.Unit
				}
				rows = append(rows, []any{c.Title, r.Label, c.Columns[j].Label, cell(v, unit), unitLabel(unit)})
			}
		}
		for _, r := range c.Rows {
			add(r)
		}
		if c.Total != nil {
			add(*c.Total)
		}
	}
	return tabular.WriteXLSX(w, "数据看板", []string{"图表", "项目", "指标", "数值", "单位"}, tabular.Rows(rows))
}
