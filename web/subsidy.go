package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ipledge/ipledge/loan"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/pledge"
	"github.com/ipledge/ipledge/subsidy"
)

// The subsidy pages: the enterprise applies for the interest subsidy of
// a loan and reads the computation step by step (this file); the IP
// office configures policies, reviews, closes rounds, publishes the
// notice, pays and reports (subsidy_office.go).
const (
	pathSBOffice    = "/subsidies"
	pathSBApps      = "/subsidies/applications"
	pathSBApply     = "/subsidies/apply"
	pathSBReview    = "/subsidies/review"
	pathSBApprovals = "/subsidies/approvals"
	pathSBPayments  = "/subsidies/payments"
	pathSBReports   = "/subsidies/reports"
)

func (s *Server) subsidyPages() map[string]http.Handler {
	return map[string]http.Handler{
		pathSBOffice: s.only(s.sbOffice, auth.RoleIPOffice),
		pathSBApps:   s.only(s.sbApps, auth.RoleEnterprise),
	}
}

func (s *Server) subsidyRoutes(mux *http.ServeMux) {
	ent, ip := auth.RoleEnterprise, auth.RoleIPOffice
	mux.Handle("GET "+pathSBApply, s.only(s.sbApplyForm, ent))
	mux.Handle("POST "+pathSBApply, s.only(s.sbApply, ent))
	mux.Handle("GET /subsidies/{id}", s.only(s.sbDetail, ent, auth.RoleBank, ip))
	mux.Handle("POST /subsidies/{id}/resubmit", s.only(s.sbResubmit, ent))
	mux.Handle("POST /subsidies/{id}/review", s.only(s.sbReviewDecide, ip))
	mux.Handle("POST /subsidies/{id}/payment", s.only(s.sbProposePayment, ip))
	s.subsidyOfficeRoutes(mux)
}

func sbPath(id int64) string { return fmt.Sprintf("/subsidies/%d", id) }

// sbHome is the navigation entry of a role's subsidy pages.
func sbHome(role string) string {
	switch role {
	case auth.RoleIPOffice:
		return pathSBOffice
	case auth.RoleBank:
		return pathLNList
	}
	return pathSBApps
}

// visibleApplication loads the {id} application for a caller who may see
// it (the applicant, the lending bank, the IP office); to anyone else it
// is the 404 page.
func (s *Server) visibleApplication(w http.ResponseWriter, r *http.Request, sess *session) (subsidy.Application, bool) {
	id, ok := s.pathID(w, r)
	if !ok {
		return subsidy.Application{}, false
	}
	a, err := s.subsidies.GetApplication(r.Context(), id)
	if err != nil {
		s.failed(w, r, err)
		return a, false
	}
	if !a.VisibleTo(sess.Org.ID, sess.Principal.Role == auth.RoleIPOffice) {
		s.denyNotFound(w, r, sess, "subsidy_application", id)
		return a, false
	}
	return a, true
}

// ----- enterprise: its applications -----

type sbAppsView struct {
	Items    []subsidy.Application
	Policies map[int64]string
	Next     string
	Paged    bool
}

func (s *Server) sbApps(w http.ResponseWriter, r *http.Request, sess *session) {
	req, ok := listPage(w, r, pathSBApps)
	if !ok {
		return
	}
	pg, err := s.subsidies.Applications(r.Context(), subsidy.ApplicationFilter{OrgID: sess.Org.ID}, req)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := sbAppsView{Next: nextLink(pathSBApps, pg.NextCursor), Paged: req.After > 0}
	for _, a := range pg.Items {
		if a.EnterpriseOrgID == sess.Org.ID {
			v.Items = append(v.Items, a)
		}
	}
	if v.Policies, err = s.policyNames(r); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, sess, http.StatusOK, "sb_apps", "贴息申请", pathSBApps, v)
}

func (s *Server) policyNames(r *http.Request) (map[int64]string, error) {
	ps, err := s.subsidies.Policies(r.Context())
	out := map[int64]string{}
	for _, p := range ps {
		out[p.ID] = p.Policy.Name
	}
	return out, err
}

// ----- enterprise: the application form -----

var sbApplyFields = []string{"policy_id", "loan_id", "start", "end"}

type sbApplyView struct {
	Policies []subsidy.PolicyRecord
	Loans    []loan.Loan
	Err      *formError
}

func (s *Server) sbApplyForm(w http.ResponseWriter, r *http.Request, sess *session) {
	fe := newFormError("apply", 0, "")
	fe.Values["loan_id"] = r.URL.Query().Get("loan")
	fe.Values["policy_id"] = r.URL.Query().Get("policy")
	s.renderSBApply(w, r, sess, http.StatusOK, fe)
}

func (s *Server) renderSBApply(w http.ResponseWriter, r *http.Request, sess *session, status int, fe *formError) {
	ctx := r.Context()
	ps, err := s.subsidies.Policies(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := sbApplyView{Err: fe}
	for _, p := range ps {
		if p.State == subsidy.PolicyActive && p.RoundState == subsidy.RoundOpen {
			v.Policies = append(v.Policies, p)
		}
	}
	ls, err := s.loans.List(ctx, loan.Filter{EnterpriseOrgID: sess.Org.ID}, page.Request{Limit: page.MaxLimit})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v.Loans = ls.Items
	s.render(w, r, sess, status, "sb_apply", "申请贷款贴息", pathSBApps, v)
}

func (s *Server) sbApply(w http.ResponseWriter, r *http.Request, sess *session) {
	if !s.parseForm(w, r, sess) {
		return
	}
	raw := map[string]string{}
	for _, k := range sbApplyFields {
		raw[k] = r.PostForm.Get(k)
	}
	local := newFormError("apply", 0, "")
	local.Values = raw
	in := subsidy.ApplicationInput{Kind: subsidy.KindInterest,
		Start: lnDate(local, "start", raw["start"]), End: lnDate(local, "end", raw["end"])}
	in.PolicyID = formID(local, raw, "policy_id", "请从列表中选择贴息政策")
	in.LoanID = formID(local, raw, "loan_id", "请从列表中选择贷款")
	if len(local.Fields) > 0 {
		formMessage(local)
		s.renderSBApply(w, r, sess, http.StatusBadRequest, local)
		return
	}
	a, err := s.subsidies.Apply(r.Context(), s.actor(r, sess.Principal), in)
	if err != nil {
		if problem.HasCode(err, "not_found") {
			// Another enterprise's loan is answered like a missing one.
			local.field("loan_id", "请从列表中选择本企业的贷款")
			formMessage(local)
			s.renderSBApply(w, r, sess, http.StatusUnprocessableEntity, local)
			return
		}
		s.sbRefused(w, r, err, "apply", 0, raw, func(fe *formError) { s.renderSBApply(w, r, sess, fe.Status, fe) })
		return
	}
	msg := fmt.Sprintf("贴息申请已提交，核定金额 %s，已自动审核通过。", pledge.FormatYuan(a.AmountFen))
	if a.State == subsidy.StateInReview {
		msg = fmt.Sprintf("贴息申请已提交，核定金额 %s，因存在风险提示转入人工审核。", pledge.FormatYuan(a.AmountFen))
	}
	s.redirectFlash(w, r, sbPath(a.ID), msg)
}

// formID reads an optional positive id field.
func formID(e *formError, raw map[string]string, field, msg string) int64 {
	v := strings.TrimSpace(raw[field])
	if v == "" {
		return 0
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		e.field(field, msg)
		return 0
	}
	return id
}

// ----- every party: the application and its computation -----

type sbDetailView struct {
	A      subsidy.Application
	Policy subsidy.PolicyRecord
	Result *subsidy.Result
	Fee    *subsidy.FeeResult
	// Office: the caller is the IP office; Applicant the enterprise.
	Office, Applicant bool
	CanReview         bool
	Err               *formError
}

func (s *Server) sbDetail(w http.ResponseWriter, r *http.Request, sess *session) {
	a, ok := s.visibleApplication(w, r, sess)
	if !ok {
		return
	}
	s.renderSBDetail(w, r, sess, a, http.StatusOK, nil)
}

func (s *Server) renderSBDetail(w http.ResponseWriter, r *http.Request, sess *session, a subsidy.Application, status int, fe *formError) {
	pol, err := s.subsidies.GetPolicy(r.Context(), a.PolicyID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := sbDetailView{A: a, Policy: pol, Err: fe, Office: sess.Principal.Role == auth.RoleIPOffice,
		Applicant: sess.Principal.Role == auth.RoleEnterprise && sess.Org.ID == a.EnterpriseOrgID}
	v.CanReview = v.Office && pol.RoundState == subsidy.RoundOpen &&
		(a.State == subsidy.StateInReview || a.State == subsidy.StateAutoApproved || a.State == subsidy.StateApproved)
	if len(a.Computation) > 0 {
		if a.Kind == subsidy.KindInterest {
			v.Result = &subsidy.Result{}
			err = json.Unmarshal(a.Computation, v.Result)
		} else {
			v.Fee = &subsidy.FeeResult{}
			err = json.Unmarshal(a.Computation, v.Fee)
		}
		if err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	s.render(w, r, sess, status, "sb_detail", "贴息申请详情", sbHome(sess.Principal.Role), v)
}

func (s *Server) sbResubmit(w http.ResponseWriter, r *http.Request, sess *session) {
	a, ok := s.visibleApplication(w, r, sess)
	if !ok || !s.parseForm(w, r, sess) {
		return
	}
	a2, err := s.subsidies.Resubmit(r.Context(), s.actor(r, sess.Principal), a.ID)
	if err != nil {
		s.sbRefused(w, r, err, "resubmit", a.ID, nil, func(fe *formError) { s.renderSBDetail(w, r, sess, a, fe.Status, fe) })
		return
	}
	s.redirectFlash(w, r, sbPath(a.ID), fmt.Sprintf("已重新提交，核定金额 %s（%s）。", pledge.FormatYuan(a2.AmountFen), sbStateLabels[a2.State]))
}

// sbDecisions are the IP office's review decisions.
var sbDecisions = map[string]string{subsidy.StateApproved: "审核通过", subsidy.StateRejected: "不予通过", subsidy.StateReturned: "退回补正"}

// sbReviewDecide approves, rejects or returns an application with a
// reason; back=queue answers on the review queue.
func (s *Server) sbReviewDecide(w http.ResponseWriter, r *http.Request, sess *session) {
	a, ok := s.visibleApplication(w, r, sess)
	if !ok || !s.parseForm(w, r, sess) {
		return
	}
	raw := map[string]string{"decision": r.PostForm.Get("decision"), "reason": r.PostForm.Get("reason")}
	queue := r.PostForm.Get("back") == "queue"
	show := func(fe *formError) {
		if queue {
			s.renderSBReview(w, r, sess, fe.Status, fe)
			return
		}
		s.renderSBDetail(w, r, sess, a, fe.Status, fe)
	}
	label, known := sbDecisions[raw["decision"]]
	if !known || strings.TrimSpace(raw["reason"]) == "" {
		fe := newFormError("review", a.ID, "")
		fe.Values = raw
		if !known {
			fe.field("decision", "请选择审核结论")
		}
		if strings.TrimSpace(raw["reason"]) == "" {
			fe.field("reason", "请填写审核理由")
		}
		formMessage(fe)
		show(fe)
		return
	}
	if _, err := s.subsidies.Review(r.Context(), s.actor(r, sess.Principal), a.ID, raw["decision"], raw["reason"]); err != nil {
		s.sbRefused(w, r, err, "review", a.ID, raw, show)
		return
	}
	target := sbPath(a.ID)
	if queue {
		target = pathSBReview
	}
	s.redirectFlash(w, r, target, fmt.Sprintf("贴息申请（编号 %d，%s）已%s。", a.ID, a.EnterpriseName, label))
}

// sbProposePayment prepares a payment for a second IP office user.
func (s *Server) sbProposePayment(w http.ResponseWriter, r *http.Request, sess *session) {
	a, ok := s.visibleApplication(w, r, sess)
	if !ok || !s.parseForm(w, r, sess) {
		return
	}
	raw := map[string]string{"paid_on": r.PostForm.Get("paid_on"), "amount": r.PostForm.Get("amount"), "reference": r.PostForm.Get("reference")}
	local := newFormError("payment", a.ID, "")
	local.Values = raw
	in := subsidy.PaymentInput{PaidOn: lnDate(local, "paid_on", raw["paid_on"]), Reference: strings.TrimSpace(raw["reference"])}
	if fen, msg := yuanToFen(raw["amount"], "拨付金额", false); msg != "" {
		local.field("amount", msg)
	} else {
		in.AmountFen = fen
	}
	show := func(fe *formError) { s.renderSBPayments(w, r, sess, fe.Status, fe) }
	if len(local.Fields) > 0 {
		formMessage(local)
		show(local)
		return
	}
	if _, err := s.subsidies.ProposePayment(r.Context(), s.actor(r, sess.Principal), a.ID, in); err != nil {
		s.sbRefused(w, r, err, "payment", a.ID, raw, show)
		return
	}
	s.redirectFlash(w, r, pathSBPayments, fmt.Sprintf("已提交拨付 %s（申请编号 %d），待另一位工作人员复核。", pledge.FormatYuan(in.AmountFen), a.ID))
}
