package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ipledge/ipledge/dashboard"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/problem"
)

// The dashboard page of the IP office and the private-economy bureau:
// every chart drawn here as inline SVG (no script, no network), with its
// table view and an XLSX link; the IP office sets the targets below.
const pathDashboard = "/dashboard"

func (s *Server) dashboardPages() map[string]http.Handler {
	return map[string]http.Handler{pathDashboard: s.only(s.dashboardPage, dashboard.Viewers...)}
}

func (s *Server) dashboardRoutes(mux *http.ServeMux) {
	mux.Handle("GET "+pathDashboard+"/export.xlsx", s.only(s.dashboardExport, dashboard.Viewers...))
	mux.Handle("POST "+pathDashboard+"/targets/{key}", s.only(s.dashboardSetTarget, auth.RoleIPOffice))
}

// dashChart is a chart as the page shows it.
type dashChart struct {
	dashboard.Chart
	SVG    template.HTML
	Header []string
	Lines  []dashLine
	Export string
}

type dashLine struct {
	Key   string
	Label string
	Total bool
	Cells []dashCell
}

type dashCell struct {
	Col   string
	Value int64
	Text  string
}

type dashTarget struct {
	dashboard.Target
	Input  string // the form's value: yuan for amounts, else the count
	Actual string
	Err    string
}

type dashView struct {
	AsOf     string
	CanEdit  bool
	Targets  []dashTarget
	Charts   []dashChart
	ErrKey   string
	ErrValue string
	ErrNote  string
}

func (s *Server) dashboardPage(w http.ResponseWriter, r *http.Request, sess *session) {
	s.showDashboard(w, r, sess, http.StatusOK, "", nil)
}

// showDashboard renders the page; errKey and e carry a refused target form.
func (s *Server) showDashboard(w http.ResponseWriter, r *http.Request, sess *session, status int, errKey string, e map[string]string) {
	d, err := s.dash.Load(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := dashView{AsOf: date.Of(d.AsOf).String() + " " + d.AsOf.In(date.Shanghai).Format("15:04"), CanEdit: sess.Role.Key == auth.RoleIPOffice}
	for _, t := range d.Targets {
		dt := dashTarget{Target: t, Actual: showValue(t.Actual, t.Unit)}
		if t.Set {
			dt.Input = inputValue(t.Value, t.Unit)
		}
		if t.Key == errKey {
			dt.Input, dt.Err = r.PostFormValue("value"), e["value"]
			if e["note"] != "" {
				dt.Err = strings.TrimSpace(dt.Err + " " + e["note"])
			}
			dt.Note = r.PostFormValue("note")
		}
		v.Targets = append(v.Targets, dt)
	}
	for _, c := range d.Charts {
		v.Charts = append(v.Charts, dashChart{Chart: c, SVG: chartSVG(c), Header: tableHeader(c), Lines: tableLines(c),
			Export: pathDashboard + "/export.xlsx?chart=" + c.Key})
	}
	s.render(w, r, sess, status, "dashboard", "数据看板", pathDashboard, v)
}

func (s *Server) dashboardExport(w http.ResponseWriter, r *http.Request, sess *session) {
	d, err := s.dash.Load(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	chart := r.URL.Query().Get("chart")
	var buf bytes.Buffer
	if err := dashboard.WriteXLSX(&buf, d, chart); err != nil {
		if _, ok := problem.As(err); ok {
			s.notFound(w, r)
			return
		}
		s.serverError(w, r, err)
		return
	}
	name, ascii := "数据看板", "dashboard"
	if chart != "" {
		name, ascii = "数据看板-"+d.Chart(chart).Title, "dashboard-"+chart
	}
	on := date.Of(d.AsOf).String()
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.xlsx"; filename*=UTF-8''%s`, ascii, on,
		url.PathEscape(name+"-"+on+".xlsx")))
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) dashboardSetTarget(w http.ResponseWriter, r *http.Request, sess *session) {
	key := r.PathValue("key")
	unit := dashboard.TargetUnit(key)
	if unit == "" {
		s.notFound(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.render(w, r, sess, http.StatusBadRequest, "message", "提交无效", "", message{Heading: "提交无效", Text: "提交的内容过大或格式无效，请返回上一页重新填写。"})
		return
	}
	errs := map[string]string{}
	raw := strings.TrimSpace(r.PostFormValue("value"))
	var value int64
	if unit == dashboard.UnitFen {
		fen, msg := yuanToFen(raw, "目标金额", false)
		if msg != "" {
			errs["value"] = msg
		}
		value = fen
	} else {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n <= 0 {
			errs["value"] = "目标数量请填写正整数。"
		}
		value = n
	}
	note := r.PostFormValue("note")
	if utf8.RuneCountInString(strings.TrimSpace(note)) > dashboard.MaxNoteRunes {
		errs["note"] = fmt.Sprintf("说明不超过 %d 个字。", dashboard.MaxNoteRunes)
	}
	if len(errs) == 0 {
		_, err := s.dash.SetTarget(r.Context(), s.actor(r, sess.Principal), key, dashboard.TargetInput{Value: value, Note: note})
		if pe, ok := problem.As(err); ok && len(pe.Fields) > 0 {
			for _, f := range pe.Fields {
				errs[f.Field] = "目标值超出允许范围。"
			}
		} else if err != nil {
			s.failed(w, r, err)
			return
		}
	}
	if len(errs) > 0 {
		s.showDashboard(w, r, sess, http.StatusBadRequest, key, errs)
		return
	}
	s.redirectFlash(w, r, pathDashboard+"#targets", "目标已保存。")
}

// inputValue is a target as its form field shows it.
func inputValue(v int64, unit string) string {
	if unit == dashboard.UnitFen {
		if v%100 == 0 {
			return strconv.FormatInt(v/100, 10)
		}
		return fmt.Sprintf("%d.%02d", v/100, v%100)
	}
	return strconv.FormatInt(v, 10)
}

// showValue formats a figure exactly: yuan with separators and two
// decimals for fen, else the count with separators.
func showValue(v int64, unit string) string {
	if unit == dashboard.UnitFen {
		return strings.TrimPrefix(yuanText(v), "¥")
	}
	return groupDigits(v)
}

func yuanText(fen int64) string {
	neg := fen < 0
	if neg {
		fen = -fen
	}
	s := groupDigits(fen/100) + fmt.Sprintf(".%02d", fen%100)
	if neg {
		s = "-" + s
	}
	return s
}

func groupDigits(v int64) string {
	neg := v < 0
	if neg {
		v = -v
	}
	d := strconv.FormatInt(v, 10)
	var b strings.Builder
	for i, c := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// shortValue is a figure in a chart: 亿元 / 万元 for large amounts.
func shortValue(v int64, unit string) string {
	if unit != dashboard.UnitFen {
		return groupDigits(v)
	}
	switch yuan := float64(v) / 100; {
	case yuan >= 1e8 || yuan <= -1e8:
		return strconv.FormatFloat(yuan/1e8, 'f', 2, 64) + " 亿元"
	case yuan >= 1e4 || yuan <= -1e4:
		return strconv.FormatFloat(yuan/1e4, 'f', 1, 64) + " 万元"
	default:
		return strconv.FormatFloat(yuan, 'f', 2, 64) + " 元"
	}
}

func tableHeader(c dashboard.Chart) []string {
	h, _ := dashboard.ChartTable(c)
	return h
}

func tableLines(c dashboard.Chart) []dashLine {
	line := func(r dashboard.Row, isTotal bool) dashLine {
		l := dashLine{Key: r.Key, Label: r.Label, Total: isTotal}
		for j, v := range r.Values {
			unit := c.Columns[j].Unit
			if unit == "" {
				unit = r.Unit
			}
			text := showValue(v, unit)
			if c.Columns[j].Key == "progress_bp" {
				text = fmt.Sprintf("%d.%02d%%", v/100, v%100)
			}
			l.Cells = append(l.Cells, dashCell{Col: c.Columns[j].Key, Value: v, Text: text})
		}
		if c.Key == dashboard.ChartTargets {
			l.Cells = append(l.Cells, dashCell{Col: "unit", Text: map[bool]string{true: "元", false: "个"}[r.Unit == dashboard.UnitFen]})
		}
		return l
	}
	var out []dashLine
	for _, r := range c.Rows {
		out = append(out, line(r, false))
	}
	if c.Total != nil {
		out = append(out, line(*c.Total, true))
	}
	return out
}
