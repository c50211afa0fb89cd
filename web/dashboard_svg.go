package web

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/ipledge/ipledge/dashboard"
)

// chartSVG draws a chart as an inline SVG on the server: one horizontal
// bar per row and plotted column (side by side, or stacked), its value at
// the end. The targets chart draws each target's actual figure as a share
// of the target, the target itself as a dashed line at 100%. Every text is
// escaped; the SVG loads nothing.
func chartSVG(c dashboard.Chart) template.HTML {
	const (
		width  = 760
		labelW = 210
		valueW = 110
		barH   = 16
		gap    = 12
		top    = 28
	)
	palette := []string{"#0b3c6d", "#2f80c0", "#f2994a", "#eb5757", "#27ae60"}
	plotW := float64(width - labelW - valueW)
	rows := c.Rows
	if len(rows) == 0 || len(c.Plot) == 0 {
		return template.HTML(fmt.Sprintf(`<svg class="chart-svg" role="img" aria-label="%s：暂无数据" xmlns="http://www.w3.org/2000/svg" width="%d" height="40" viewBox="0 0 %d 40"><text x="10" y="25" fill="#6b7785" font-size="13">暂无数据</text></svg>`,
			esc(c.Title), width, width))
	}
	isTargets := c.Key == dashboard.ChartTargets
	perRow := len(c.Plot)
	if c.Stacked || isTargets {
		perRow = 1
	}
	groupH := perRow*barH + gap
	height := top + len(rows)*groupH + 10

	// The scale: the largest bar (a stacked row's sum); for targets the
	// largest share, at least 100%.
	var max float64
	for _, r := range rows {
		if isTargets {
			max = maxf(max, maxf(10000, float64(r.Values[2])))
			continue
		}
		var sum float64
		for _, j := range c.Plot {
			v := float64(r.Values[j])
			if c.Stacked {
				sum += v
			} else {
				max = maxf(max, v)
			}
		}
		max = maxf(max, sum)
	}
	if max <= 0 {
		max = 1
	}
	scale := func(v float64) float64 { return maxf(0, v) / max * plotW }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart-svg" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif">`,
		esc(c.Title), width, height, width, height)
	// Legend.
	if !isTargets {
		x := labelW
		for k, j := range c.Plot {
			fmt.Fprintf(&b, `<rect x="%d" y="6" width="12" height="12" fill="%s"/><text x="%d" y="16" font-size="12" fill="#333">%s</text>`,
				x, palette[k%len(palette)], x+16, esc(c.Columns[j].Label))
			x += 28 + 13*len([]rune(c.Columns[j].Label))
		}
	} else {
		fmt.Fprintf(&b, `<rect x="%d" y="6" width="12" height="12" fill="%s"/><text x="%d" y="16" font-size="12" fill="#333">实际完成</text>`, labelW, palette[1], labelW+16)
		fmt.Fprintf(&b, `<line x1="%d" y1="12" x2="%d" y2="12" stroke="#eb5757" stroke-width="2" stroke-dasharray="4 3"/><text x="%d" y="16" font-size="12" fill="#333">目标（100%%）</text>`, labelW+100, labelW+124, labelW+128)
	}
	for i, r := range rows {
		y := top + i*groupH
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" fill="#333" text-anchor="end">%s</text>`, labelW-8, y+perRow*barH/2+4, esc(clip(r.Label, 16)))
		switch {
		case isTargets:
			w := scale(float64(r.Values[2]))
			fmt.Fprintf(&b, `<rect class="bar" x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s</title></rect>`,
				labelW, y, w, barH, palette[1], esc(fmt.Sprintf("%s：实际 %s / 目标 %s", r.Label, shortValue(r.Values[1], r.Unit), shortValue(r.Values[0], r.Unit))))
			tx := float64(labelW) + scale(10000)
			fmt.Fprintf(&b, `<line class="target" x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#eb5757" stroke-width="2" stroke-dasharray="4 3"/>`, tx, y-3, tx, y+barH+3)
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="12" fill="#333">%d.%02d%%</text>`, float64(labelW)+maxf(w, scale(10000))+6, y+barH-3, r.Values[2]/100, r.Values[2]%100)
		case c.Stacked:
			x := float64(labelW)
			var sum int64
			for k, j := range c.Plot {
				w := scale(float64(r.Values[j]))
				fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s</title></rect>`,
					x, y, w, barH, palette[k%len(palette)], esc(fmt.Sprintf("%s %s：%s", r.Label, c.Columns[j].Label, shortValue(r.Values[j], c.Columns[j].Unit))))
				x += w
				sum += r.Values[j]
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="12" fill="#333">%s</text>`, x+6, y+barH-3, esc(shortValue(sum, c.Columns[c.Plot[0]].Unit)))
		default:
			for k, j := range c.Plot {
				w := scale(float64(r.Values[j]))
				yy := y + k*barH
				fmt.Fprintf(&b, `<rect class="bar" x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s</title></rect>`,
					labelW, yy, w, barH-2, palette[k%len(palette)], esc(fmt.Sprintf("%s %s：%s", r.Label, c.Columns[j].Label, shortValue(r.Values[j], c.Columns[j].Unit))))
				fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" fill="#333">%s</text>`, float64(labelW)+w+6, yy+barH-4, esc(shortValue(r.Values[j], c.Columns[j].Unit)))
			}
		}
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#c8d0d9"/>`, labelW, top-4, labelW, height-8)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // #nosec: every text above went through esc
}

func esc(s string) string { return template.HTMLEscapeString(s) }

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func maxf(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}
