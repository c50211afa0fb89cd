package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/pledge"
)

// The bank's pledge pages: requests awaiting its confirmation, its
// registrations and its risk alerts.

type pendingView struct {
	Items []pledge.Pledge
	More  bool
	Err   *formError
	Lost  *formError // a refusal whose form is no longer on the page
	// Valuations are the bank's valuations of exactly each pledge's
	// patents, which it may attach on confirming (by pledge).
	Valuations map[int64][]vaOption
	CanValue   bool // the valuation pages are served
}

// pledgePatents are the application numbers a pledge covers.
func pledgePatents(p pledge.Pledge) []string {
	var out []string
	for _, a := range p.Assets {
		if a.Kind == pledge.AssetPatent {
			out = append(out, a.Number)
		}
	}
	return out
}

// valuationLink is the valuation form for a pledge's patents.
func valuationLink(p pledge.Pledge) string {
	q := url.Values{"patent": pledgePatents(p)}
	return pathVANew + "?" + q.Encode()
}

func (s *Server) plPending(w http.ResponseWriter, r *http.Request, sess *session) {
	s.renderPending(w, r, sess, http.StatusOK, nil)
}

func (s *Server) renderPending(w http.ResponseWriter, r *http.Request, sess *session, status int, fe *formError) {
	pg, err := s.pledges.List(r.Context(), pledge.Filter{OrgID: sess.Org.ID, State: pledge.StateAwaitingPledgee},
		page.Request{Limit: reviewLimit})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := pendingView{More: pg.NextCursor != "", Err: fe}
	patents := map[int64][]string{}
	for _, p := range pg.Items {
		if p.PledgeeOrgID == sess.Org.ID {
			v.Items = append(v.Items, p)
			patents[p.ID] = pledgePatents(p)
		}
	}
	if s.valuations != nil {
		v.CanValue = true
		if v.Valuations, err = s.vaOptionsFor(r, sess.Org.ID, patents); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if fe != nil && !slices.ContainsFunc(v.Items, func(p pledge.Pledge) bool { return p.ID == fe.ID }) {
		v.Lost = fe
	}
	s.render(w, r, sess, status, "pl_pending", "待确认质押", pathPLPending, v)
}

func (s *Server) plConfirm(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok || !s.parseForm(w, r, sess) {
		return
	}
	raw := map[string]string{"valuation_id": r.PostForm.Get("valuation_id")}
	var vid *int64
	if v := strings.TrimSpace(raw["valuation_id"]); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			fe := newFormError("confirm", id, "请从列表中选择评估。")
			fe.Values = raw
			fe.field("valuation_id", "请从列表中选择评估")
			s.renderPending(w, r, sess, http.StatusBadRequest, fe)
			return
		}
		vid = &n
	}
	p, err := s.pledges.ConfirmWithValuation(r.Context(), s.actor(r, sess.Principal), id, vid)
	if err != nil {
		s.plRefused(w, r, err, "confirm", id, raw, func(fe *formError) { s.renderPending(w, r, sess, fe.Status, fe) })
		return
	}
	attached := ""
	if p.Valuation != nil {
		attached = fmt.Sprintf("已附评估 #%d（建议贷款额 %s）。", p.Valuation.ID, vaYuan(p.Valuation.RecommendedLoanFen))
	}
	s.redirectFlash(w, r, pathPLPending, "已确认"+p.PledgorName+"的质押申请（合同号 "+p.ContractNumber+"），已提交知识产权局审查，审查期限至 "+
		showDate(p.Deadline)+"。"+attached)
}

func (s *Server) plDecline(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok || !s.parseForm(w, r, sess) {
		return
	}
	raw := map[string]string{"reason": r.PostForm.Get("reason")}
	p, err := s.pledges.Decline(r.Context(), s.actor(r, sess.Principal), id, raw["reason"])
	if err != nil {
		s.plRefused(w, r, err, "decline", id, raw, func(fe *formError) { s.renderPending(w, r, sess, fe.Status, fe) })
		return
	}
	s.redirectFlash(w, r, pathPLPending, "已退回"+p.PledgorName+"的质押申请（合同号 "+p.ContractNumber+"）。")
}

// plBankList is the bank's registered pledges; ?state=all shows every
// request it is the pledgee of.
func (s *Server) plBankList(w http.ResponseWriter, r *http.Request, sess *session) {
	req, ok := listPage(w, r, pathPLBank)
	if !ok {
		return
	}
	all := r.URL.Query().Get("state") == "all"
	f := pledge.Filter{OrgID: sess.Org.ID, State: pledge.StateRegistered}
	if all {
		f.State = ""
	}
	pg, err := s.pledges.List(r.Context(), f, req)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := bankListView{All: all, Paged: req.After > 0}
	if pg.NextCursor != "" {
		v.Next = nextLink(pathPLBank, pg.NextCursor)
		if all {
			v.Next += "&state=all"
		}
	}
	for _, p := range pg.Items {
		if p.PledgeeOrgID == sess.Org.ID && (all || p.State == pledge.StateRegistered) {
			v.Items = append(v.Items, p)
		}
	}
	s.render(w, r, sess, http.StatusOK, "pl_bank", "质押登记", pathPLBank, v)
}

type bankListView struct {
	Items []pledge.Pledge
	All   bool
	Next  string
	Paged bool
}

// maxAlertPages bounds how far the alerts page reads the feed for its
// newest entries.
const maxAlertPages = 20

// alertsShown is how many of the newest alerts the page shows.
const alertsShown = 100

type risksView struct {
	Items []pledge.Alert
	More  bool
}

// plRisks shows the bank's newest pledge alerts, newest first.
func (s *Server) plRisks(w http.ResponseWriter, r *http.Request, sess *session) {
	var all []pledge.Alert
	req := page.Request{Limit: page.MaxLimit}
	for range maxAlertPages {
		pg, err := s.pledges.Alerts(r.Context(), pledge.AlertFilter{OrgID: sess.Org.ID}, req)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		all = append(all, pg.Items...)
		if len(pg.Items) < req.Limit {
			break
		}
		if req.After, err = page.Decode(pg.NextCursor); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	v := risksView{}
	if len(all) > alertsShown {
		all, v.More = all[len(all)-alertsShown:], true
	}
	slices.Reverse(all)
	v.Items = all
	s.render(w, r, sess, http.StatusOK, "pl_risks", "风险提示", pathPLRisks, v)
}
