package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ipledge/ipledge/loan"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/pledge"
)

// The loan pages: the bank records a loan against one of its registered
// pledges, records what the borrower paid and may declare a default; the
// bank and the enterprise see the loan's schedule, payments and history
// (the IP office reads a loan page from a subsidy application).
const (
	pathLNList = "/loans"
	pathLNNew  = "/loans/new"
)

func (s *Server) loanPages() map[string]http.Handler {
	return map[string]http.Handler{pathLNList: s.only(s.lnList, auth.RoleBank, auth.RoleEnterprise)}
}

func (s *Server) loanRoutes(mux *http.ServeMux) {
	bank := auth.RoleBank
	mux.Handle("GET "+pathLNNew, s.only(s.lnNewForm, bank))
	mux.Handle("POST "+pathLNNew, s.only(s.lnCreate, bank))
	mux.Handle("GET /loans/{id}", s.only(s.lnDetail, bank, auth.RoleEnterprise, auth.RoleIPOffice))
	mux.Handle("POST /loans/{id}/payments", s.only(s.lnPayment, bank))
	mux.Handle("POST /loans/{id}/default", s.only(s.lnDefault, bank))
}

func lnPath(id int64) string { return fmt.Sprintf("/loans/%d", id) }

// lnHome is the navigation entry of a role's loan pages.
func lnHome(role string) string {
	if role == auth.RoleIPOffice {
		return pathSBOffice
	}
	return pathLNList
}

// visibleLoan loads the {id} loan for a caller who may see it (its bank,
// its enterprise, the IP office); to anyone else it is the 404 page.
func (s *Server) visibleLoan(w http.ResponseWriter, r *http.Request, sess *session) (loan.Loan, bool) {
	id, ok := s.pathID(w, r)
	if !ok {
		return loan.Loan{}, false
	}
	l, err := s.loans.Get(r.Context(), id)
	if err != nil {
		s.failed(w, r, err)
		return l, false
	}
	if !l.VisibleTo(sess.Org.ID, sess.Principal.Role == auth.RoleIPOffice) {
		s.denyNotFound(w, r, sess, "loan", id)
		return l, false
	}
	return l, true
}

// ----- the list -----

type lnListView struct {
	Items []loan.Loan
	Bank  bool
	Next  string
	Paged bool
}

func (s *Server) lnList(w http.ResponseWriter, r *http.Request, sess *session) {
	req, ok := listPage(w, r, pathLNList)
	if !ok {
		return
	}
	bank := sess.Principal.Role == auth.RoleBank
	f := loan.Filter{EnterpriseOrgID: sess.Org.ID}
	if bank {
		f = loan.Filter{BankOrgID: sess.Org.ID}
	}
	pg, err := s.loans.List(r.Context(), f, req)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := lnListView{Items: pg.Items, Bank: bank, Next: nextLink(pathLNList, pg.NextCursor), Paged: req.After > 0}
	s.render(w, r, sess, http.StatusOK, "ln_list", sess.Role.label(pathLNList), pathLNList, v)
}

// ----- the bank's form -----

// lnFormFields are the loan form's fields.
var lnFormFields = []string{"pledge_id", "contract_number", "contract_date", "amount", "annual_rate", "start_date",
	"maturity_date", "repayment_method", "ip_share"}

type lnNewView struct {
	Pledges []pledge.Pledge
	Methods []option
	Err     *formError
}

func (s *Server) lnNewForm(w http.ResponseWriter, r *http.Request, sess *session) {
	fe := newFormError("new", 0, "")
	fe.Values = map[string]string{"repayment_method": string(loan.InterestQuarterly), "ip_share": "100",
		"pledge_id": r.URL.Query().Get("pledge")}
	s.renderLNNew(w, r, sess, http.StatusOK, fe)
}

func (s *Server) renderLNNew(w http.ResponseWriter, r *http.Request, sess *session, status int, fe *formError) {
	pg, err := s.pledges.List(r.Context(), pledge.Filter{OrgID: sess.Org.ID, State: pledge.StateRegistered}, page.Request{Limit: page.MaxLimit})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := lnNewView{Err: fe}
	for _, p := range pg.Items {
		if p.PledgeeOrgID == sess.Org.ID {
			v.Pledges = append(v.Pledges, p)
		}
	}
	for _, m := range lnMethods {
		v.Methods = append(v.Methods, option{string(m), lnMethodLabels[m]})
	}
	s.render(w, r, sess, status, "ln_new", "登记贷款", pathLNList, v)
}

func (s *Server) lnCreate(w http.ResponseWriter, r *http.Request, sess *session) {
	if !s.parseForm(w, r, sess) {
		return
	}
	raw := map[string]string{}
	for _, k := range lnFormFields {
		raw[k] = r.PostForm.Get(k)
	}
	local := newFormError("new", 0, "")
	local.Values = raw
	in := loan.Input{ContractNumber: raw["contract_number"], Method: loan.Method(strings.TrimSpace(raw["repayment_method"])),
		AnnualRate:   strings.TrimSuffix(strings.TrimSpace(raw["annual_rate"]), "%"),
		ContractDate: lnDate(local, "contract_date", raw["contract_date"]),
		Start:        lnDate(local, "start_date", raw["start_date"]),
		Maturity:     lnDate(local, "maturity_date", raw["maturity_date"])}
	if v := strings.TrimSpace(raw["pledge_id"]); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			local.field("pledge_id", "请从列表中选择质押登记")
		}
		in.PledgeID = id
	}
	if fen, msg := yuanToFen(raw["amount"], "贷款本金", false); msg != "" {
		local.field("amount", msg)
	} else {
		in.PrincipalFen = fen
	}
	if bp, msg := parseShareBP(raw["ip_share"]); msg != "" {
		local.field("ip_share", msg)
	} else {
		in.IPCollateralShareBP = &bp
	}
	if len(local.Fields) > 0 {
		formMessage(local)
		s.renderLNNew(w, r, sess, http.StatusBadRequest, local)
		return
	}
	l, err := s.loans.Create(r.Context(), s.actor(r, sess.Principal), in)
	if err != nil {
		s.lnRefused(w, r, err, "new", 0, raw, func(fe *formError) { s.renderLNNew(w, r, sess, fe.Status, fe) })
		return
	}
	s.redirectFlash(w, r, lnPath(l.ID), fmt.Sprintf("已登记贷款（合同号 %s），本金 %s，已生成还款计划。", l.ContractNumber, pledge.FormatYuan(l.PrincipalFen)))
}

// lnDate reads a date field, naming it as the loan and subsidy forms do.
func lnDate(e *formError, field, v string) date.Date {
	v = strings.TrimSpace(v)
	if v == "" {
		return date.Date{}
	}
	d, err := date.Parse(v)
	if err != nil {
		e.field(field, lnFieldLabel(field)+"请按“年-月-日”填写，例如 2026-03-02")
	}
	return d
}

// parseShareBP reads the IP share of the collateral, a percentage with
// at most two decimals ("100", "62.5"), exactly into basis points.
func parseShareBP(s string) (int, string) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "%")
	if s == "" {
		return 0, "请填写知识产权占押品价值的比例"
	}
	if strings.HasPrefix(s, "-") {
		return 0, "知识产权占比不能为负数"
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if intPart == "" || (hasPoint && frac == "") || !digits(intPart) || !digits(frac) || len(intPart) > 3 {
		return 0, "知识产权占比请填写 0 至 100 之间的百分数，如 100 或 62.5"
	}
	if len(frac) > 2 {
		return 0, "知识产权占比最多保留两位小数"
	}
	frac += strings.Repeat("0", 2-len(frac))
	bp := 0
	for _, c := range intPart + frac {
		bp = bp*10 + int(c-'0')
	}
	if bp > loan.FullIPShareBP {
		return 0, "知识产权占比不能超过 100%"
	}
	return bp, ""
}

// formMessage sets a local refusal's message: the field's own when there
// is one, else a general one.
func formMessage(e *formError) {
	e.Message = "提交的内容有误，请按提示修改。"
	if len(e.Fields) == 1 {
		for _, m := range e.Fields {
			e.Message = m + "。"
		}
	}
}

// ----- the loan's page -----

type lnDetailView struct {
	L        loan.Loan
	Schedule []loan.Instalment
	Payments []loan.Payment
	History  []loan.Event
	// Lender: the caller is the loan's bank; Borrower its enterprise.
	Lender, Borrower bool
	CanApply         bool // the subsidy pages are served
	Err              *formError
}

func (s *Server) lnDetail(w http.ResponseWriter, r *http.Request, sess *session) {
	l, ok := s.visibleLoan(w, r, sess)
	if !ok {
		return
	}
	s.renderLNDetail(w, r, sess, l, http.StatusOK, nil)
}

func (s *Server) renderLNDetail(w http.ResponseWriter, r *http.Request, sess *session, l loan.Loan, status int, fe *formError) {
	ctx := r.Context()
	sched, err := loan.Schedule(l.Terms())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	pays, err := s.loans.Payments(ctx, l.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	h, err := s.loans.History(ctx, l.ID, page.Request{Limit: page.MaxLimit})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := lnDetailView{L: l, Schedule: sched, Payments: pays, History: h.Items, Err: fe,
		Lender:   sess.Principal.Role == auth.RoleBank && sess.Org.ID == l.BankOrgID,
		Borrower: sess.Principal.Role == auth.RoleEnterprise && sess.Org.ID == l.EnterpriseOrgID,
		CanApply: s.subsidies != nil}
	s.render(w, r, sess, status, "ln_detail", "贷款详情", lnHome(sess.Principal.Role), v)
}

// lnPayment records what the borrower paid.
func (s *Server) lnPayment(w http.ResponseWriter, r *http.Request, sess *session) {
	l, ok := s.visibleLoan(w, r, sess)
	if !ok || !s.parseForm(w, r, sess) {
		return
	}
	raw := map[string]string{"paid_on": r.PostForm.Get("paid_on"), "principal": r.PostForm.Get("principal"),
		"interest": r.PostForm.Get("interest")}
	local := newFormError("payment", 0, "")
	local.Values = raw
	in := loan.PaymentInput{PaidOn: lnDate(local, "paid_on", raw["paid_on"])}
	if strings.TrimSpace(raw["principal"]) != "" {
		if fen, msg := yuanToFen(raw["principal"], "归还本金", true); msg != "" {
			local.field("principal", msg)
		} else {
			in.PrincipalFen = fen
		}
	}
	if strings.TrimSpace(raw["interest"]) != "" {
		if fen, msg := yuanToFen(raw["interest"], "支付利息", true); msg != "" {
			local.field("interest", msg)
		} else {
			in.InterestFen = fen
		}
	}
	if len(local.Fields) > 0 {
		formMessage(local)
		s.renderLNDetail(w, r, sess, l, http.StatusBadRequest, local)
		return
	}
	p, err := s.loans.RecordPayment(r.Context(), s.actor(r, sess.Principal), l.ID, in)
	if err != nil {
		s.lnRefused(w, r, err, "payment", 0, raw, func(fe *formError) { s.renderLNDetail(w, r, sess, l, fe.Status, fe) })
		return
	}
	s.redirectFlash(w, r, lnPath(l.ID), fmt.Sprintf("已记录 %s 的还款：本金 %s，利息 %s。", p.PaidOn,
		pledge.FormatYuan(p.PrincipalFen), pledge.FormatYuan(p.InterestFen)))
}

// lnDefault declares the loan in default.
func (s *Server) lnDefault(w http.ResponseWriter, r *http.Request, sess *session) {
	l, ok := s.visibleLoan(w, r, sess)
	if !ok || !s.parseForm(w, r, sess) {
		return
	}
	raw := map[string]string{"reason": r.PostForm.Get("reason")}
	if _, err := s.loans.Default(r.Context(), s.actor(r, sess.Principal), l.ID, raw["reason"]); err != nil {
		s.lnRefused(w, r, err, "default", 0, raw, func(fe *formError) { s.renderLNDetail(w, r, sess, l, fe.Status, fe) })
		return
	}
	s.redirectFlash(w, r, lnPath(l.ID), "已宣告贷款（合同号 "+l.ContractNumber+"）违约，可依法申请实现质权。")
}
