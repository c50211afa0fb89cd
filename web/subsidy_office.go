package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/money"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/platform/tabular"
	"github.com/ipledge/ipledge/subsidy"
)

// The IP office's subsidy pages: policies (changes wait for a second
// user's approval), the review queue, the four-eyes approvals, round
// closing with the allocation preview, the public notice and its export,
// payments and reports.

func (s *Server) subsidyOfficeRoutes(mux *http.ServeMux) {
	ip := auth.RoleIPOffice
	mux.Handle("GET /subsidies/policies/new", s.only(s.sbPolicyNewForm, ip))
	mux.Handle("POST /subsidies/policies/new", s.only(s.sbPolicyPropose, ip))
	mux.Handle("GET /subsidies/policies/{id}", s.only(s.sbPolicyDetail, ip))
	mux.Handle("POST /subsidies/policies/{id}/change", s.only(s.sbPolicyPropose, ip))
	mux.Handle("POST /subsidies/policies/{id}/close", s.only(s.sbPolicyClose, ip))
	mux.Handle("GET /subsidies/policies/{id}/notice", s.only(s.sbNotice, ip))
	mux.Handle("GET /subsidies/policies/{id}/notice.xlsx", s.only(s.sbNoticeExport("xlsx"), ip))
	mux.Handle("GET /subsidies/policies/{id}/notice.csv", s.only(s.sbNoticeExport("csv"), ip))
	mux.Handle("GET "+pathSBReview, s.only(s.sbReview, ip))
	mux.Handle("GET "+pathSBApprovals, s.only(s.sbApprovals, ip))
	mux.Handle("POST /subsidies/approvals/{id}/approve", s.only(s.sbApprove, ip))
	mux.Handle("POST /subsidies/approvals/{id}/reject", s.only(s.sbRejectApproval, ip))
	mux.Handle("GET "+pathSBPayments, s.only(s.sbPayments, ip))
	mux.Handle("GET "+pathSBReports, s.only(s.sbReports, ip))
}

func sbPolicyPath(id int64) string { return fmt.Sprintf("/subsidies/policies/%d", id) }

// ----- the policies -----

type sbOfficeView struct {
	Policies []subsidy.PolicyRecord
	Pending  int
}

func (s *Server) sbOffice(w http.ResponseWriter, r *http.Request, sess *session) {
	ps, err := s.subsidies.Policies(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	aps, err := s.subsidies.Approvals(r.Context(), "pending")
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, sess, http.StatusOK, "sb_office", "贴息管理", pathSBOffice, sbOfficeView{Policies: ps, Pending: len(aps)})
}

// sbPolicyText are the policy form's text fields; sbPolicyChecks its
// checkboxes.
var (
	sbPolicyText = []string{"name", "region", "year", "window_start", "window_end", "basis", "rate_cap_kind", "rate_cap_fixed",
		"rate_cap_lpr_percent", "lpr_share", "day_count", "lpr_rule", "ratio", "boost_ratio", "boost_lpr_share", "max_term_months",
		"annual_cap", "cumulative_cap", "budget", "auto_approve_max", "min_ip_share"}
	sbPolicyChecks = []string{"ip_share_only", "sme_only", "in_region_only", "own_ip_only", "first_pledge",
		"pledge_before_disbursement", "repaid_on_time", "settled_only", "whitelist_only"}
)

type sbPolicyFormView struct {
	ID        int64 // 0: a new policy
	Err       *formError
	Basis     []option
	Caps      []option
	DayCounts []option
	LPRRules  []option
	Checks    []option
	Fees      []subsidy.FeeRule // kept as they are on a change
}

var sbCheckLabels = map[string]string{"ip_share_only": "仅按贷款中知识产权占押品价值的比例贴息", "sme_only": "仅限中小企业",
	"in_region_only": "仅限注册地在政策区域内的企业", "own_ip_only": "仅限以自有知识产权质押", "first_pledge": "须有首次质押的专利",
	"pledge_before_disbursement": "质押须在放款前登记", "repaid_on_time": "须按期还款", "settled_only": "贷款须已结清",
	"whitelist_only": "放款时须在融资白名单内"}

// policyValues are a policy as the form shows it.
func policyValues(p subsidy.Policy) map[string]string {
	rate := func(r money.Rate) string {
		if r.IsZero() {
			return ""
		}
		return r.String()
	}
	fen := func(f int64) string {
		if f == 0 {
			return ""
		}
		return fmt.Sprintf("%d.%02d", f/100, f%100)
	}
	v := map[string]string{"name": p.Name, "region": p.Region, "year": strconv.Itoa(p.Year),
		"window_start": dateValue(p.WindowStart), "window_end": dateValue(p.WindowEnd),
		"basis": string(p.Basis), "rate_cap_kind": string(p.RateCap.Kind), "rate_cap_fixed": rate(p.RateCap.Fixed),
		"rate_cap_lpr_percent": rate(p.RateCap.LPRPercent), "lpr_share": rate(p.LPRShare), "day_count": string(p.DayCount),
		"lpr_rule": string(p.LPRRule), "ratio": rate(p.Ratio), "annual_cap": fen(p.AnnualCapFen), "cumulative_cap": fen(p.CumulativeCapFen),
		"budget": fen(p.BudgetFen), "auto_approve_max": fen(p.AutoApproveMaxFen), "min_ip_share": rate(p.Eligibility.MinIPShare)}
	if p.MaxTermMonths > 0 {
		v["max_term_months"] = strconv.Itoa(p.MaxTermMonths)
	}
	if p.Year == 0 {
		v["year"] = ""
	}
	for _, b := range p.Boosts {
		if b.When == subsidy.WhitelistActive {
			v["boost_ratio"], v["boost_lpr_share"] = rate(b.Ratio), rate(b.LPRShare)
		}
	}
	e := p.Eligibility
	for k, on := range map[string]bool{"ip_share_only": p.IPShareOnly, "sme_only": e.SMEOnly, "in_region_only": e.InRegionOnly,
		"own_ip_only": e.OwnIPOnly, "first_pledge": e.FirstPledge, "pledge_before_disbursement": e.PledgeBeforeDisbursement,
		"repaid_on_time": e.RepaidOnTime, "settled_only": e.SettledOnly, "whitelist_only": e.WhitelistOnly} {
		if on {
			v[k] = "1"
		}
	}
	return v
}

func (s *Server) sbPolicyNewForm(w http.ResponseWriter, r *http.Request, sess *session) {
	fe := newFormError("policy", 0, "")
	fe.Values = policyValues(subsidy.Policy{Basis: subsidy.ActualInterest, RateCap: subsidy.RateCap{Kind: subsidy.CapNone},
		DayCount: subsidy.Act360, LPRRule: subsidy.LPRAtContract, Year: s.subsidies.Today().Y})
	s.renderSBPolicyForm(w, r, sess, 0, nil, http.StatusOK, fe)
}

func sbPolicyOptions(v *sbPolicyFormView) {
	v.Basis = []option{{string(subsidy.ActualInterest), sbBasisLabels[string(subsidy.ActualInterest)] + "（实付利息，可设利率上限）"},
		{string(subsidy.LPRShare), sbBasisLabels[string(subsidy.LPRShare)] + "（未还本金 × LPR × 比例 × 天数，不超过实付利息）"}}
	for _, c := range []subsidy.CapKind{subsidy.CapNone, subsidy.CapFixed, subsidy.CapLPRMultiple} {
		v.Caps = append(v.Caps, option{string(c), sbCapLabels[string(c)]})
	}
	for _, d := range []subsidy.DayCount{subsidy.Act360, subsidy.Act365} {
		v.DayCounts = append(v.DayCounts, option{string(d), sbDayCountLabels[string(d)]})
	}
	for _, l := range []subsidy.LPRRule{subsidy.LPRAtContract, subsidy.LPRMonthBeforeContract, subsidy.LPRDecemberOfYear} {
		v.LPRRules = append(v.LPRRules, option{string(l), sbLPRRuleLabels[string(l)]})
	}
	for _, k := range sbPolicyChecks {
		v.Checks = append(v.Checks, option{k, sbCheckLabels[k]})
	}
}

// renderSBPolicyForm shows the form alone (a new policy); a change is
// shown on the policy's page.
func (s *Server) renderSBPolicyForm(w http.ResponseWriter, r *http.Request, sess *session, id int64, fees []subsidy.FeeRule, status int, fe *formError) {
	v := sbPolicyFormView{ID: id, Err: fe, Fees: fees}
	sbPolicyOptions(&v)
	s.render(w, r, sess, status, "sb_policy_form", "新建贴息政策", pathSBOffice, v)
}

// sbPolicyPropose proposes a new policy or a change of the {id} one.
func (s *Server) sbPolicyPropose(w http.ResponseWriter, r *http.Request, sess *session) {
	var id int64
	var base subsidy.Policy
	if r.PathValue("id") != "" {
		var ok bool
		if id, ok = s.pathID(w, r); !ok {
			return
		}
		cur, err := s.subsidies.GetPolicy(r.Context(), id)
		if err != nil {
			s.failed(w, r, err)
			return
		}
		base = cur.Policy
	}
	if !s.parseForm(w, r, sess) {
		return
	}
	raw := map[string]string{}
	for _, k := range append(sbPolicyText, sbPolicyChecks...) {
		raw[k] = r.PostForm.Get(k)
	}
	local := newFormError("policy", id, "")
	local.Values = raw
	p := policyFromForm(local, raw, base)
	show := func(fe *formError) {
		if id == 0 {
			s.renderSBPolicyForm(w, r, sess, 0, nil, fe.Status, fe)
			return
		}
		s.renderSBPolicy(w, r, sess, id, fe.Status, fe)
	}
	if len(local.Fields) > 0 {
		formMessage(local)
		show(local)
		return
	}
	ap, err := s.subsidies.ProposePolicy(r.Context(), s.actor(r, sess.Principal), id, p)
	if err != nil {
		s.sbRefused(w, r, err, "policy", id, raw, show)
		return
	}
	what := "新政策"
	if id != 0 {
		what = "政策变更"
	}
	s.redirectFlash(w, r, sbPolicyPath(ap.PolicyID), fmt.Sprintf("%s“%s”已提交（复核编号 %d），须另一位知识产权局工作人员批准后生效。", what, p.Name, ap.ID))
}

// policyFromForm reads the form over base (a change keeps what the form
// does not show: fee rules and other boosts).
func policyFromForm(e *formError, raw map[string]string, base subsidy.Policy) subsidy.Policy {
	p := base
	p.Name, p.Region = strings.TrimSpace(raw["name"]), strings.TrimSpace(raw["region"])
	p.Year = 0
	if v := strings.TrimSpace(raw["year"]); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil {
			e.field("year", "政策年度请填写四位年份，如 2026")
		}
		p.Year = y
	}
	p.WindowStart, p.WindowEnd = lnDate(e, "window_start", raw["window_start"]), lnDate(e, "window_end", raw["window_end"])
	p.Basis = subsidy.Basis(strings.TrimSpace(raw["basis"]))
	p.RateCap = subsidy.RateCap{Kind: subsidy.CapKind(strings.TrimSpace(raw["rate_cap_kind"]))}
	rate := func(field string) money.Rate {
		v := strings.TrimSuffix(strings.TrimSpace(raw[field]), "%")
		if v == "" {
			return money.Rate{}
		}
		r, err := money.ParseRate(field, v)
		if err != nil {
			pe, _ := problem.As(err)
			for _, f := range pe.Fields {
				_, msg := sbFieldMessage(f)
				e.field(field, msg)
			}
		}
		return r
	}
	fen := func(field string) int64 {
		if strings.TrimSpace(raw[field]) == "" {
			return 0
		}
		f, msg := yuanToFen(raw[field], sbFieldLabel(field), true)
		if msg != "" {
			e.field(field, msg)
		}
		return f
	}
	if p.Basis == subsidy.ActualInterest {
		switch p.RateCap.Kind {
		case subsidy.CapFixed:
			p.RateCap.Fixed = rate("rate_cap_fixed")
		case subsidy.CapLPRMultiple:
			p.RateCap.LPRPercent = rate("rate_cap_lpr_percent")
		}
		p.LPRShare = money.Rate{}
	} else {
		p.RateCap = subsidy.RateCap{}
		p.LPRShare = rate("lpr_share")
	}
	p.DayCount = subsidy.DayCount(strings.TrimSpace(raw["day_count"]))
	p.LPRRule = subsidy.LPRRule(strings.TrimSpace(raw["lpr_rule"]))
	p.Ratio = rate("ratio")
	var boosts []subsidy.Boost
	for _, b := range base.Boosts {
		if b.When != subsidy.WhitelistActive {
			boosts = append(boosts, b)
		}
	}
	if br, bs := rate("boost_ratio"), rate("boost_lpr_share"); !br.IsZero() || !bs.IsZero() {
		boosts = append(boosts, subsidy.Boost{When: subsidy.WhitelistActive, Ratio: br, LPRShare: bs})
	}
	p.Boosts = boosts
	p.MaxTermMonths = 0
	if v := strings.TrimSpace(raw["max_term_months"]); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 600 {
			e.field("max_term_months", "最长贴息期限请填写 0 至 600 的整数月数")
		}
		p.MaxTermMonths = n
	}
	p.AnnualCapFen, p.CumulativeCapFen = fen("annual_cap"), fen("cumulative_cap")
	p.BudgetFen, p.AutoApproveMaxFen = fen("budget"), fen("auto_approve_max")
	p.IPShareOnly = raw["ip_share_only"] != ""
	p.Eligibility = subsidy.Switches{SMEOnly: raw["sme_only"] != "", InRegionOnly: raw["in_region_only"] != "",
		OwnIPOnly: raw["own_ip_only"] != "", FirstPledge: raw["first_pledge"] != "",
		PledgeBeforeDisbursement: raw["pledge_before_disbursement"] != "", RepaidOnTime: raw["repaid_on_time"] != "",
		SettledOnly: raw["settled_only"] != "", WhitelistOnly: raw["whitelist_only"] != "", MinIPShare: rate("min_ip_share")}
	return p
}

func dateValue(d date.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// ----- one policy: change, allocation preview, closing -----

type sbPolicyView struct {
	P        subsidy.PolicyRecord
	Form     sbPolicyFormView
	Alloc    subsidy.Allocation
	Pending  []subsidy.Approval
	Err      *formError
	Closable bool
}

func (s *Server) sbPolicyDetail(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	s.renderSBPolicy(w, r, sess, id, http.StatusOK, nil)
}

func (s *Server) renderSBPolicy(w http.ResponseWriter, r *http.Request, sess *session, id int64, status int, fe *formError) {
	ctx := r.Context()
	pol, err := s.subsidies.GetPolicy(ctx, id)
	if err != nil {
		s.failed(w, r, err)
		return
	}
	al, err := s.subsidies.PreviewAllocation(ctx, id)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	aps, err := s.subsidies.Approvals(ctx, "pending")
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := sbPolicyView{P: pol, Alloc: al, Err: fe, Closable: pol.State == subsidy.PolicyActive && pol.RoundState == subsidy.RoundOpen}
	for _, ap := range aps {
		if ap.PolicyID == id {
			v.Pending = append(v.Pending, ap)
		}
	}
	form := errFor(fe, "policy", id)
	if form == nil {
		form = newFormError("policy", id, "")
		form.Values = policyValues(pol.Policy)
	}
	v.Form = sbPolicyFormView{ID: id, Err: form, Fees: pol.Policy.Fees}
	sbPolicyOptions(&v.Form)
	s.render(w, r, sess, status, "sb_policy", pol.Policy.Name, pathSBOffice, v)
}

func (s *Server) sbPolicyClose(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok || !s.parseForm(w, r, sess) {
		return
	}
	raw := map[string]string{"notice_working_days": r.PostForm.Get("notice_working_days")}
	days := 0
	if v := strings.TrimSpace(raw["notice_working_days"]); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 30 {
			fe := newFormError("close", id, "")
			fe.Values = raw
			fe.field("notice_working_days", "公示期为 1 至 30 个工作日")
			formMessage(fe)
			s.renderSBPolicy(w, r, sess, id, http.StatusBadRequest, fe)
			return
		}
		days = n
	}
	ap, err := s.subsidies.ProposeClose(r.Context(), s.actor(r, sess.Principal), id, days)
	if err != nil {
		s.sbRefused(w, r, err, "close", id, raw, func(fe *formError) { s.renderSBPolicy(w, r, sess, id, fe.Status, fe) })
		return
	}
	s.redirectFlash(w, r, sbPolicyPath(id), fmt.Sprintf("已提交结束申报（复核编号 %d），另一位工作人员批准后按预算分配并开始公示。", ap.ID))
}

// ----- the public notice -----

type sbNoticeView struct {
	P     subsidy.PolicyRecord
	Items []subsidy.Application
	Total int64
}

func (s *Server) sbNotice(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	pol, apps, err := s.subsidies.Notice(r.Context(), id)
	if problem.HasCode(err, "round_open") {
		s.render(w, r, sess, http.StatusConflict, "message", "暂无公示", pathSBOffice, message{
			Heading: "暂无公示", Text: "该政策的申报尚未结束，结束申报并分配预算后才有公示名单。"})
		return
	}
	if err != nil {
		s.failed(w, r, err)
		return
	}
	v := sbNoticeView{P: pol, Items: apps}
	for _, a := range apps {
		if a.AllocatedFen != nil {
			v.Total += *a.AllocatedFen
		}
	}
	s.render(w, r, sess, http.StatusOK, "sb_notice", "贴息公示", pathSBOffice, v)
}

func (s *Server) sbNoticeExport(format string) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, sess *session) {
		id, ok := s.pathID(w, r)
		if !ok {
			return
		}
		pol, apps, err := s.subsidies.Notice(r.Context(), id)
		if err != nil {
			s.failed(w, r, err)
			return
		}
		name := fmt.Sprintf("subsidy-notice-%d.%s", pol.ID, format)
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, name,
			url.PathEscape("贴息公示-"+pol.Policy.Name+"."+format)))
		w.Header().Set("Cache-Control", "no-store")
		if format == "csv" {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			err = tabular.WriteCSV(w, subsidy.NoticeHeaders, subsidy.NoticeRows(apps))
		} else {
			w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
			err = tabular.WriteXLSX(w, "贴息公示", subsidy.NoticeHeaders, subsidy.NoticeRows(apps))
		}
		if err != nil {
			logger(r).Error("notice export failed midway", "err", err)
			panic(http.ErrAbortHandler)
		}
	}
}

// ----- the review queue -----

type sbReviewView struct {
	Items    []subsidy.Application
	Policies map[int64]string
	Err      *formError
	More     bool
}

func (s *Server) sbReview(w http.ResponseWriter, r *http.Request, sess *session) {
	s.renderSBReview(w, r, sess, http.StatusOK, nil)
}

func (s *Server) renderSBReview(w http.ResponseWriter, r *http.Request, sess *session, status int, fe *formError) {
	pg, err := s.subsidies.Applications(r.Context(), subsidy.ApplicationFilter{State: subsidy.StateInReview}, page.Request{Limit: page.MaxLimit})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := sbReviewView{Items: pg.Items, Err: fe, More: pg.NextCursor != ""}
	if v.Policies, err = s.policyNames(r); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, sess, status, "sb_review", "贴息审核", pathSBOffice, v)
}

// ----- four eyes -----

type sbApprovalsView struct {
	Items    []subsidy.Approval
	Policies map[int64]string
	Me       int64
	Err      *formError
}

func (s *Server) sbApprovals(w http.ResponseWriter, r *http.Request, sess *session) {
	s.renderSBApprovals(w, r, sess, http.StatusOK, nil)
}

func (s *Server) renderSBApprovals(w http.ResponseWriter, r *http.Request, sess *session, status int, fe *formError) {
	aps, err := s.subsidies.Approvals(r.Context(), "")
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := sbApprovalsView{Items: aps, Me: sess.User.ID, Err: fe}
	if len(v.Items) > 100 {
		v.Items = v.Items[:100]
	}
	if v.Policies, err = s.policyNames(r); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, sess, status, "sb_approvals", "四眼复核", pathSBOffice, v)
}

func (s *Server) sbApprove(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok || !s.parseForm(w, r, sess) {
		return
	}
	ap, err := s.subsidies.Approve(r.Context(), s.actor(r, sess.Principal), id)
	if err != nil {
		s.sbRefused(w, r, err, "approval", id, nil, func(fe *formError) { s.renderSBApprovals(w, r, sess, fe.Status, fe) })
		return
	}
	s.redirectFlash(w, r, pathSBApprovals, fmt.Sprintf("已批准%s（复核编号 %d，%s 经办）。", sbApprovalKinds[ap.Kind], ap.ID, ap.PreparedName))
}

func (s *Server) sbRejectApproval(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok || !s.parseForm(w, r, sess) {
		return
	}
	raw := map[string]string{"reason": r.PostForm.Get("reason")}
	if strings.TrimSpace(raw["reason"]) == "" {
		fe := newFormError("approval", id, "请填写驳回理由。")
		fe.Values = raw
		fe.field("reason", "请填写驳回理由")
		s.renderSBApprovals(w, r, sess, http.StatusBadRequest, fe)
		return
	}
	ap, err := s.subsidies.RejectApproval(r.Context(), s.actor(r, sess.Principal), id, strings.TrimSpace(raw["reason"]))
	if err != nil {
		s.sbRefused(w, r, err, "approval", id, raw, func(fe *formError) { s.renderSBApprovals(w, r, sess, fe.Status, fe) })
		return
	}
	s.redirectFlash(w, r, pathSBApprovals, fmt.Sprintf("已驳回%s（复核编号 %d）。", sbApprovalKinds[ap.Kind], ap.ID))
}

// ----- payments -----

type sbPaymentsView struct {
	Payable  []subsidy.Application
	Paid     []subsidy.Application
	Policies map[int64]subsidy.PolicyRecord
	Err      *formError
	Today    string
}

func (s *Server) sbPayments(w http.ResponseWriter, r *http.Request, sess *session) {
	s.renderSBPayments(w, r, sess, http.StatusOK, nil)
}

func (s *Server) renderSBPayments(w http.ResponseWriter, r *http.Request, sess *session, status int, fe *formError) {
	ctx := r.Context()
	v := sbPaymentsView{Err: fe, Policies: map[int64]subsidy.PolicyRecord{}, Today: s.subsidies.Today().String()}
	for _, st := range []string{subsidy.StatePublicNotice, subsidy.StatePaid} {
		pg, err := s.subsidies.Applications(ctx, subsidy.ApplicationFilter{State: st}, page.Request{Limit: page.MaxLimit})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if st == subsidy.StatePaid {
			v.Paid = pg.Items
		} else {
			v.Payable = pg.Items
		}
	}
	ps, err := s.subsidies.Policies(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, p := range ps {
		v.Policies[p.ID] = p
	}
	s.render(w, r, sess, status, "sb_payments", "贴息拨付", pathSBOffice, v)
}

// ----- reports -----

type sbReportsView struct {
	Report subsidy.Report
	Year   string
	By     string
	Bys    []option
}

func (s *Server) sbReports(w http.ResponseWriter, r *http.Request, sess *session) {
	q := r.URL.Query()
	v := sbReportsView{Year: strings.TrimSpace(q.Get("year")), By: q.Get("by"),
		Bys: []option{{"region", "按地区"}, {"year", "按年度"}, {"bank", "按银行"}}}
	if v.By != "year" && v.By != "bank" {
		v.By = "region"
	}
	year := 0
	if v.Year != "" {
		y, err := strconv.Atoi(v.Year)
		if err != nil || y < 2000 || y > 2100 {
			http.Redirect(w, r, pathSBReports+"?by="+v.By, http.StatusSeeOther)
			return
		}
		year = y
	}
	rep, err := s.subsidies.Report(r.Context(), year, v.By)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v.Report = rep
	s.render(w, r, sess, http.StatusOK, "sb_reports", "贴息统计", pathSBOffice, v)
}
