package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ipledge/ipledge/account"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/registry"
	"github.com/ipledge/ipledge/valuation"
)

// The valuation pages: the form (indicator entries and income-approach
// inputs per patent), the result with every step shown, and the list of
// an organisation's valuations. Banks and the IP office value any patent
// in the registry, an enterprise its own.
const (
	pathVAList = "/valuations"
	pathVANew  = "/valuations/new"
)

// Form defaults.
const (
	vaDefaultScore    = "60"
	vaDefaultDiscount = "10"
	vaDefaultLife     = "5"
	vaDefaultIndustry = "general"
	// vaMaxSlots bounds the patent rows of the form for a bank or the IP
	// office (an enterprise gets one row per own patent).
	vaMaxSlots = 10
)

// vaRoles may make valuations and open the pages.
var vaRoles = []string{auth.RoleBank, auth.RoleIPOffice, auth.RoleEnterprise}

func (s *Server) valuationPages() map[string]http.Handler {
	return map[string]http.Handler{pathVAList: s.only(s.vaList, vaRoles...)}
}

func (s *Server) valuationRoutes(mux *http.ServeMux) {
	mux.Handle("GET "+pathVANew, s.only(s.vaNewForm, vaRoles...))
	mux.Handle("POST "+pathVANew, s.only(s.vaCreate, vaRoles...))
	mux.Handle("GET /valuations/{id}", s.only(s.vaDetail, vaRoles...))
}

func vaPath(id int64) string { return fmt.Sprintf("/valuations/%d", id) }

// ----- the list -----

type vaListRow struct {
	V       valuation.Valuation
	Creator string
}

type vaListView struct {
	Items    []vaListRow
	Next     string
	Paged    bool
	AllOrgs  bool // the IP office sees every organisation's
	Scenario map[string]string
}

func (s *Server) vaList(w http.ResponseWriter, r *http.Request, sess *session) {
	req, ok := listPage(w, r, pathVAList)
	if !ok {
		return
	}
	org := sess.Org.ID
	all := sess.Principal.Role == auth.RoleIPOffice
	if all {
		org = 0
	}
	pg, err := s.valuations.List(r.Context(), org, req)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := vaListView{Next: nextLink(pathVAList, pg.NextCursor), Paged: req.After > 0, AllOrgs: all}
	names := map[int64]string{sess.Org.ID: sess.Org.Name}
	for _, it := range pg.Items {
		name, ok := names[it.CreatedByOrgID]
		if !ok {
			o, err := s.accounts.Organisation(r.Context(), it.CreatedByOrgID)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			name, names[it.CreatedByOrgID] = o.Name, o.Name
		}
		v.Items = append(v.Items, vaListRow{V: it, Creator: name})
	}
	s.render(w, r, sess, http.StatusOK, "va_list", "专利评估", pathVAList, v)
}

// ----- the form -----

// vaSlot is one patent row of the form; its fields are named p<K>_….
type vaSlot struct {
	K      int
	Prefix string
	// Own is the enterprise's patent of the row (nil for a bank or the IP
	// office, who type the number).
	Own *registry.Patent
	// Groups are the indicators to enter, each with what the platform
	// measures itself.
	Groups []vaEntryGroup
}

type vaEntryGroup struct {
	Label string
	Items []vaEntryItem
}

type vaEntryItem struct {
	Name  string // the form field
	Label string
	// Measured: "always" (the platform computes it from the registry),
	// "maybe" (when the registry holds the count), "" (the appraiser's).
	Measured string
}

type vaNewView struct {
	Err        *formError
	Slots      []vaSlot
	Enterprise bool
	NoPatents  bool
	Banks      []account.Organisation // the pledge-rate choice (not for a bank)
	Industries []option
	Ranges     []valuation.RoyaltyRange
	MoreSlots  string // link adding a row; "" at the limit
}

func slotPrefix(k int) string { return fmt.Sprintf("p%d_", k) }

func (s *Server) vaNewForm(w http.ResponseWriter, r *http.Request, sess *session) {
	fe := newFormError("new", 0, "")
	q := r.URL.Query()
	n := len(q["patent"])
	if k, err := strconv.Atoi(q.Get("slots")); err == nil && k > n {
		n = k
	}
	n = min(max(n, 1), vaMaxSlots)
	fe.Values["scenario"] = "general"
	fe.Values["slots"] = strconv.Itoa(n)
	if sess.Principal.Role == auth.RoleEnterprise {
		n = 0 // set per own patent by renderVANew
	}
	for k := range n {
		vaSlotDefaults(fe.Values, k)
		if k < len(q["patent"]) {
			fe.Values[slotPrefix(k)+"number"] = strings.TrimSpace(q["patent"][k])
		}
	}
	for _, num := range q["patent"] {
		fe.Values["pre:"+strings.TrimSpace(num)] = "1" // an enterprise's row ticked
	}
	fe.Values["defaults"] = "1"
	s.renderVANew(w, r, sess, http.StatusOK, fe)
}

// vaSlotDefaults fills a row's defaults in.
func vaSlotDefaults(v map[string]string, k int) {
	p := slotPrefix(k)
	for _, g := range valuation.Groups {
		for _, ind := range valuation.Indicators[g] {
			v[p+"ind_"+string(ind)] = vaDefaultScore
		}
	}
	rr, _ := valuation.RoyaltyRangeFor(vaDefaultIndustry)
	v[p+"industry"] = vaDefaultIndustry
	v[p+"royalty"] = rr.Typical
	v[p+"discount"] = vaDefaultDiscount
	v[p+"tax"] = valuation.DefaultTaxRate
	v[p+"life"] = vaDefaultLife
}

// vaOwnPatents are an enterprise's patents, the rows of its form.
func (s *Server) vaOwnPatents(r *http.Request, sess *session) ([]registry.Patent, error) {
	pg, err := s.registry.List(r.Context(), page.Request{Limit: page.MaxLimit}, sess.Org.ID)
	return pg.Items, err
}

func (s *Server) renderVANew(w http.ResponseWriter, r *http.Request, sess *session, status int, fe *formError) {
	ctx := r.Context()
	v := vaNewView{Err: fe, Enterprise: sess.Principal.Role == auth.RoleEnterprise, Ranges: valuation.DefaultRoyaltyRates}
	for _, rr := range valuation.DefaultRoyaltyRates {
		v.Industries = append(v.Industries, option{rr.Industry,
			fmt.Sprintf("%s（%s%%–%s%%，常用 %s%%）", industryLabel(rr.Industry), rr.Low, rr.High, rr.Typical)})
	}
	if sess.Principal.Role != auth.RoleBank {
		banks, err := s.accounts.Organisations(ctx, page.Request{Limit: page.MaxLimit}, account.KindBank)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		v.Banks = banks.Items
	}
	if v.Enterprise {
		own, err := s.vaOwnPatents(r, sess)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		v.NoPatents = len(own) == 0
		for k := range own {
			if fe.Values["defaults"] == "1" {
				vaSlotDefaults(fe.Values, k)
				if fe.Values["pre:"+own[k].ApplicationNumber] != "" {
					fe.Values[slotPrefix(k)+"use"] = "1"
				}
			}
			v.Slots = append(v.Slots, vaSlot{K: k, Prefix: slotPrefix(k), Own: &own[k], Groups: vaEntryGroups(slotPrefix(k), &own[k])})
		}
	} else {
		n, _ := strconv.Atoi(fe.Values["slots"])
		n = min(max(n, 1), vaMaxSlots)
		fe.Values["slots"] = strconv.Itoa(n)
		for k := range n {
			v.Slots = append(v.Slots, vaSlot{K: k, Prefix: slotPrefix(k), Groups: vaEntryGroups(slotPrefix(k), nil)})
		}
		if n < vaMaxSlots {
			v.MoreSlots = fmt.Sprintf("%s?slots=%d", pathVANew, n+1)
		}
	}
	delete(fe.Values, "defaults")
	s.render(w, r, sess, status, "va_new", "新建专利评估", pathVAList, v)
}

// vaEntryGroups lists a row's indicators and which the platform measures:
// remaining life and legal status always, the counts when the registry
// holds them (known for an enterprise's own patent, else "maybe").
func vaEntryGroups(prefix string, p *registry.Patent) []vaEntryGroup {
	var out []vaEntryGroup
	for _, g := range valuation.Groups {
		eg := vaEntryGroup{Label: groupLabel(g)}
		for _, ind := range valuation.Indicators[g] {
			it := vaEntryItem{Name: prefix + "ind_" + string(ind), Label: indicatorLabel(ind)}
			switch ind {
			case valuation.RemainingLife, valuation.LegalStatus:
				it.Measured = "always"
			case valuation.Scope, valuation.ForwardCitations, valuation.FamilySize:
				it.Measured = "maybe"
				if p != nil {
					it.Measured = ""
					if (ind == valuation.Scope && p.ClaimsCount != nil) || (ind == valuation.ForwardCitations && p.ForwardCitations != nil) ||
						(ind == valuation.FamilySize && p.FamilySize != nil) {
						it.Measured = "always"
					}
				}
			}
			eg.Items = append(eg.Items, it)
		}
		out = append(out, eg)
	}
	return out
}

// vaSlotFields are a row's fields besides the indicators.
var vaSlotFields = []string{"number", "use", "industry", "royalty", "discount", "tax", "life", "revenue", "base", "growth", "midyear"}

func (s *Server) vaCreate(w http.ResponseWriter, r *http.Request, sess *session) {
	if !s.parseForm(w, r, sess) {
		return
	}
	f := r.PostForm
	ent := sess.Principal.Role == auth.RoleEnterprise
	raw := map[string]string{"scenario": f.Get("scenario"), "bank_org_id": f.Get("bank_org_id"), "slots": f.Get("slots")}
	local := newFormError("new", 0, "")
	local.Values = raw

	n, _ := strconv.Atoi(raw["slots"])
	n = min(max(n, 1), vaMaxSlots)
	var own []registry.Patent
	if ent {
		var err error
		if own, err = s.vaOwnPatents(r, sess); err != nil {
			s.serverError(w, r, err)
			return
		}
		n = len(own)
	}
	in := valuation.Input{Scenario: strings.TrimSpace(raw["scenario"])}
	if sess.Principal.Role != auth.RoleBank && strings.TrimSpace(raw["bank_org_id"]) != "" {
		id, err := strconv.ParseInt(strings.TrimSpace(raw["bank_org_id"]), 10, 64)
		ok := err == nil && id > 0
		if ok {
			o, err := s.accounts.Organisation(r.Context(), id)
			ok = err == nil && o.Kind == account.KindBank
		}
		if !ok {
			local.field("bank_org_id", "请从列表中选择银行")
		}
		in.BankOrgID = id
	}
	var slotOf []int // Input.Patents[i] is row slotOf[i]
	for k := range n {
		p := slotPrefix(k)
		for _, name := range vaSlotFields {
			raw[p+name] = f.Get(p + name)
		}
		entered := map[valuation.Indicator]string{}
		for _, g := range valuation.Groups {
			for _, ind := range valuation.Indicators[g] {
				v := f.Get(p + "ind_" + string(ind))
				raw[p+"ind_"+string(ind)] = v
				if strings.TrimSpace(v) != "" {
					entered[ind] = strings.TrimSpace(v)
				}
			}
		}
		number := strings.TrimSpace(raw[p+"number"])
		if ent {
			// The row's own patent, whatever the page sent.
			number = ""
			if raw[p+"use"] != "" {
				number = own[k].ApplicationNumber
			}
		}
		if number == "" {
			continue
		}
		income, ok := vaIncome(local, raw, p)
		if !ok {
			slotOf = append(slotOf, k)
			continue
		}
		in.Patents = append(in.Patents, valuation.PatentInput{Number: number, Entered: entered, Income: income})
		slotOf = append(slotOf, k)
	}
	if f.Get("add") != "" && !ent {
		// "增加一项专利": the same form with one more row, nothing checked.
		raw["slots"] = strconv.Itoa(min(n+1, vaMaxSlots))
		if n < vaMaxSlots {
			vaSlotDefaults(raw, n)
		}
		more := newFormError("new", 0, "")
		more.Values = raw
		s.renderVANew(w, r, sess, http.StatusOK, more)
		return
	}
	if len(slotOf) == 0 {
		local.field("patents", "请至少选择一项专利")
	}
	if len(local.Fields) > 0 {
		vaMessage(local)
		s.renderVANew(w, r, sess, http.StatusBadRequest, local)
		return
	}
	v, err := s.valuations.Create(r.Context(), s.actor(r, sess.Principal), in)
	if err != nil {
		s.vaRefused(w, r, err, raw, slotOf, func(fe *formError) { s.renderVANew(w, r, sess, fe.Status, fe) })
		return
	}
	s.redirectFlash(w, r, vaPath(v.ID), fmt.Sprintf("评估完成：评估价值 %s，建议贷款额 %s。",
		vaYuan(v.TotalValueFen), vaYuan(v.RecommendedLoanFen)))
}

// vaIncome reads a row's income inputs; amounts in yuan become fen
// exactly. Messages go into e; false means a field was wrong.
func vaIncome(e *formError, raw map[string]string, p string) (valuation.IncomeInput, bool) {
	bad := len(e.Fields)
	in := valuation.IncomeInput{DiscountRate: strings.TrimSpace(raw[p+"discount"]), TaxRate: strings.TrimSpace(raw[p+"tax"]),
		EconomicLife: strings.TrimSpace(raw[p+"life"]), RoyaltyRate: strings.TrimSpace(raw[p+"royalty"]),
		GrowthRate: strings.TrimSpace(raw[p+"growth"]), MidYear: raw[p+"midyear"] != ""}
	industry := strings.TrimSpace(raw[p+"industry"])
	if industry == "" {
		industry = vaDefaultIndustry
	}
	rr, ok := valuation.RoyaltyRangeFor(industry)
	if !ok {
		e.field(p+"industry", "请从列表中选择所属行业")
	}
	if in.RoyaltyRate == "" {
		in.RoyaltyRate = rr.Typical
	}
	if lines := revenueLines(raw[p+"revenue"]); len(lines) > 0 {
		for i, l := range lines {
			fen, msg := yuanToFen(l, fmt.Sprintf("第 %d 年收入", i+1), true)
			if msg != "" {
				e.field(p+"revenue", msg)
				break
			}
			in.RevenueFen = append(in.RevenueFen, fen)
		}
	}
	if b := strings.TrimSpace(raw[p+"base"]); b != "" {
		fen, msg := yuanToFen(b, "首年收入", true)
		if msg != "" {
			e.field(p+"base", msg)
		} else {
			in.BaseRevenueFen = &fen
		}
	}
	return in, len(e.Fields) == bad
}

// revenueLines splits a forecast into one amount a year: lines, spaces
// or semicolons separate years (a comma is a thousands separator).
func revenueLines(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == '\n' || r == '\r' || r == ' ' || r == '\t' || r == ';' || r == '；' || r == '、' || r == '　'
	})
}

func vaMessage(e *formError) {
	e.Message = "提交的内容有误，请按提示修改。"
	if len(e.Fields) == 1 {
		for _, m := range e.Fields {
			e.Message = m + "。"
		}
	}
}

// vaMessages are the Chinese messages of the valuation service's codes.
var vaMessages = map[string]string{
	"weights_invalid": "知识产权局设定的指标权重表有误，暂不能评估，请联系知识产权局。",
	"forbidden":       "您无权办理该事项。",
}

// vaRefused answers the service's refusal of the form, its fields named
// as the form names them.
func (s *Server) vaRefused(w http.ResponseWriter, r *http.Request, err error, raw map[string]string, slotOf []int, show func(fe *formError)) {
	s.refused(w, r, err, "new", 0, raw, vaMessages, func(fe *formError) {
		p, _ := problem.As(err)
		if p == nil {
			show(fe)
			return
		}
		fe.Fields = map[string]string{}
		for _, f := range p.Fields {
			field := vaFormField(f.Field, slotOf)
			if _, dup := fe.Fields[field]; !dup {
				fe.Fields[field] = vaFieldMessage(f, field)
			}
		}
		if p.Code == "validation_failed" {
			vaMessage(fe)
		}
		show(fe)
	})
}

// ----- the result -----

type vaDetailView struct {
	V        valuation.Valuation
	Creator  string
	Patents  []vaPatentView
	Lines    []vaLoanLine
	Top      string // the patent carrying most of the value
	RatesSrc string
	Own      bool // made by the viewer's organisation
}

type vaPatentView struct {
	P            valuation.PatentResult
	Groups       []vaScoreGroup
	WeightsLabel string
	Chart        vaChart
}

type vaScoreGroup struct {
	Label  string
	Abbr   string
	Degree string
	Weight string
	Rows   []vaScoreRow
}

type vaScoreRow struct {
	Label    string
	Value    string
	Weight   string
	Measured bool
	Basis    string
}

type vaLoanLine struct {
	L      valuation.LoanLine
	Title  string
	Reason string
}

func (s *Server) vaDetail(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	v, err := s.valuations.Get(r.Context(), id)
	if err != nil {
		s.failed(w, r, err)
		return
	}
	visible := sess.Principal.Role == auth.RoleIPOffice || v.CreatedByOrgID == sess.Org.ID
	if !visible {
		if visible, err = s.pledges.ValuationVisibleTo(r.Context(), id, sess.Org.ID); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if !visible {
		s.denyNotFound(w, r, sess, "valuation", id)
		return
	}
	dv := vaDetailView{V: v, Creator: sess.Org.Name, Own: v.CreatedByOrgID == sess.Org.ID, RatesSrc: ratesSourceLabel(v.Loan.Rates.Source)}
	if !dv.Own {
		o, err := s.accounts.Organisation(r.Context(), v.CreatedByOrgID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		dv.Creator = o.Name
	}
	titles := map[string]valuation.PatentResult{}
	for _, p := range v.Patents {
		titles[p.Number] = p
		dv.Patents = append(dv.Patents, vaPatentView{P: p, Groups: vaScoreGroups(p.Indicator),
			WeightsLabel: weightsSourceLabel(p.Indicator.Weights.Source), Chart: vaCashFlowChart(p.Income.Years)})
	}
	for _, l := range v.Loan.Lines {
		dv.Lines = append(dv.Lines, vaLoanLine{L: l, Title: titles[l.ID].Title, Reason: zeroReason(l, titles[l.ID], v.Loan.Rates)})
	}
	if t := v.Loan.TopAsset; t != nil {
		dv.Top = fmt.Sprintf("%s %s，评估价值 %s，占 %s%%", t.ID, titles[t.ID].Title, vaYuan(t.ValueFen), t.ShareOfValue)
	}
	s.render(w, r, sess, http.StatusOK, "va_detail", fmt.Sprintf("专利评估 #%d", v.ID), pathVAList, dv)
}

func vaScoreGroups(sc valuation.IndicatorScore) []vaScoreGroup {
	degrees := map[valuation.Group]string{valuation.Legal: sc.LegalValueDegree, valuation.Technical: sc.TechnicalValueDegree,
		valuation.Economic: sc.EconomicValueDegree}
	abbr := map[valuation.Group]string{valuation.Legal: "LVD", valuation.Technical: "TVD", valuation.Economic: "EVD"}
	var out []vaScoreGroup
	for _, g := range valuation.Groups {
		sg := vaScoreGroup{Label: groupLabel(g), Abbr: abbr[g], Degree: degrees[g], Weight: sc.Weights.Top[g]}
		for _, s := range sc.Indicators {
			if s.Group == g {
				sg.Rows = append(sg.Rows, vaScoreRow{Label: indicatorLabel(s.Indicator), Value: s.Value, Weight: s.Weight,
					Measured: s.Source == valuation.Measured, Basis: basisText(s.Basis)})
			}
		}
		out = append(out, sg)
	}
	return out
}

// vaChart is the discounted cash flows as an inline SVG bar chart, drawn
// here: no script, nothing fetched.
type vaChart struct {
	Width, Height int
	Baseline      int
	Bars          []vaBar
	Max           string
	Empty         bool
}

type vaBar struct {
	X, Y, W, H int
	TextX      int
	TextY      int
	Year       int
	Label      string
}

const (
	chartHeight  = 200
	chartTop     = 24
	chartBase    = 170
	chartLeft    = 16
	chartMaxBars = 600 // the plot's width
)

func vaCashFlowChart(years []valuation.IncomeYear) vaChart {
	c := vaChart{Height: chartHeight, Baseline: chartBase}
	var maxPV int64
	for _, y := range years {
		maxPV = max(maxPV, y.PresentValueFen)
	}
	if len(years) == 0 || maxPV == 0 {
		c.Empty = true
		return c
	}
	step := min(56, max(12, chartMaxBars/len(years)))
	c.Width = chartLeft*2 + step*len(years)
	c.Max = vaYuan(maxPV)
	for i, y := range years {
		// Pixels only: the amounts themselves are never computed in floats.
		h := int(float64(y.PresentValueFen) / float64(maxPV) * float64(chartBase-chartTop))
		if y.PresentValueFen > 0 && h < 1 {
			h = 1
		}
		x := chartLeft + i*step + step/8
		bw := step - step/4
		c.Bars = append(c.Bars, vaBar{X: x, Y: chartBase - h, W: bw, H: h, TextX: x + bw/2, TextY: chartBase + 18, Year: y.Year,
			Label: fmt.Sprintf("第 %d 年现值 %s", y.Year, vaYuan(y.PresentValueFen))})
	}
	return c
}

// ----- the bank's confirm form: its valuations of the pledge's patents -----

// vaOption is a valuation the bank may attach.
type vaOption struct {
	ID    int64
	Label string
}

// vaOptionsFor lists the bank's valuations covering exactly each pledge's
// patents, by pledge.
func (s *Server) vaOptionsFor(r *http.Request, orgID int64, patents map[int64][]string) (map[int64][]vaOption, error) {
	out := map[int64][]vaOption{}
	if s.valuations == nil || len(patents) == 0 {
		return out, nil
	}
	pg, err := s.valuations.List(r.Context(), orgID, page.Request{Limit: page.MaxLimit})
	if err != nil {
		return nil, err
	}
	for id, want := range patents {
		want = slices.Sorted(slices.Values(want))
		for _, v := range pg.Items {
			got := v.PatentNumbers()
			slices.Sort(got)
			if slices.Equal(got, want) {
				out[id] = append(out[id], vaOption{ID: v.ID, Label: fmt.Sprintf("评估 #%d（%s，评估价值 %s，建议贷款额 %s）",
					v.ID, v.ValuationDate, vaYuan(v.TotalValueFen), vaYuan(v.RecommendedLoanFen))})
			}
		}
	}
	return out, nil
}
