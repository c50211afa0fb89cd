package web

import (
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/pledge"
)

// The IP office's pledge pages: the examination queue with every ground
// computed, register / refuse, and the queue of changes, releases and
// enforcements.

type queueItem struct {
	P pledge.Pledge
	E pledge.Examination
	// Applicable are the codes the refusal may cite: the grounds that
	// apply (each once), then "other".
	Applicable []string
	Checked    map[string]bool // the grounds ticked in a refused form
}

type queueView struct {
	Tab   string
	Items []queueItem
	More  bool
	Err   *formError
	Lost  *formError // a refusal whose form is no longer on the page
}

func (s *Server) plReview(w http.ResponseWriter, r *http.Request, sess *session) {
	s.renderQueue(w, r, sess, http.StatusOK, nil, nil)
}

func (s *Server) renderQueue(w http.ResponseWriter, r *http.Request, sess *session, status int, fe *formError, ticked []string) {
	ctx := r.Context()
	pg, err := s.pledges.List(ctx, pledge.Filter{Queue: true}, page.Request{Limit: reviewLimit})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := queueView{Tab: "queue", More: pg.NextCursor != "", Err: fe}
	for _, p := range pg.Items {
		e, err := s.pledges.Examine(ctx, p.ID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		it := queueItem{P: p, E: e, Checked: map[string]bool{}}
		for _, g := range e.Grounds {
			if g.Applies && g.Kind == pledge.Refuse && !slices.Contains(it.Applicable, g.Code) {
				it.Applicable = append(it.Applicable, g.Code)
			}
		}
		it.Applicable = append(it.Applicable, pledge.GroundOther)
		if fe != nil && fe.ID == p.ID {
			for _, g := range ticked {
				it.Checked[g] = true
			}
		}
		v.Items = append(v.Items, it)
	}
	if fe != nil && !slices.ContainsFunc(v.Items, func(it queueItem) bool { return it.P.ID == fe.ID }) {
		v.Lost = fe
	}
	s.render(w, r, sess, status, "pl_review", "质押登记审查", pathPLReview, v)
}

func (s *Server) plRegister(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok || !s.parseForm(w, r, sess) {
		return
	}
	p, err := s.pledges.Register(r.Context(), s.actor(r, sess.Principal), id)
	if err != nil {
		s.plRefused(w, r, err, "register", id, nil, func(fe *formError) { s.renderQueue(w, r, sess, fe.Status, fe, nil) })
		return
	}
	var nums []string
	for _, a := range p.Assets {
		if a.RegistrationNumber != "" {
			nums = append(nums, a.RegistrationNumber)
		}
	}
	s.redirectFlash(w, r, pathPLReview, "已准予登记"+p.PledgorName+"的专利权质押（合同号 "+p.ContractNumber+"），登记号 "+
		strings.Join(nums, "、")+"。")
}

func (s *Server) plRefuse(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok || !s.parseForm(w, r, sess) {
		return
	}
	raw := map[string]string{"reason": r.PostForm.Get("reason")}
	grounds := r.PostForm["grounds"]
	p, err := s.pledges.Refuse(r.Context(), s.actor(r, sess.Principal), id, grounds, raw["reason"])
	if err != nil {
		s.plRefused(w, r, err, "refuse", id, raw, func(fe *formError) { s.renderQueue(w, r, sess, fe.Status, fe, grounds) })
		return
	}
	s.redirectFlash(w, r, pathPLReview, "已对"+p.PledgorName+"的质押申请（合同号 "+p.ContractNumber+"）作出不予登记决定。")
}

// ----- changes, releases and enforcements -----

type amendmentItem struct {
	M pledge.Amendment
	P pledge.Pledge
}

type amendmentsView struct {
	Tab   string
	Items []amendmentItem
	More  bool
	Err   *formError
	Lost  *formError
}

func (s *Server) plAmendments(w http.ResponseWriter, r *http.Request, sess *session) {
	s.renderAmendments(w, r, sess, http.StatusOK, nil)
}

func (s *Server) renderAmendments(w http.ResponseWriter, r *http.Request, sess *session, status int, fe *formError) {
	ctx := r.Context()
	pg, err := s.pledges.Amendments(ctx, pledge.AmendmentFilter{State: pledge.AmendSubmitted}, page.Request{Limit: reviewLimit})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := amendmentsView{Tab: "amendments", More: pg.NextCursor != "", Err: fe}
	for _, m := range pg.Items {
		p, err := s.pledges.Get(ctx, m.PledgeID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		v.Items = append(v.Items, amendmentItem{M: m, P: p})
	}
	sort.SliceStable(v.Items, func(i, j int) bool { return v.Items[i].M.Deadline.Before(v.Items[j].M.Deadline) })
	if fe != nil && !slices.ContainsFunc(v.Items, func(it amendmentItem) bool { return it.M.ID == fe.ID }) {
		v.Lost = fe
	}
	s.render(w, r, sess, status, "pl_amendments", "变更与注销登记", pathPLReview, v)
}

func (s *Server) plRegisterAmendment(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok || !s.parseForm(w, r, sess) {
		return
	}
	m, err := s.pledges.RegisterAmendment(r.Context(), s.actor(r, sess.Principal), id)
	if err != nil {
		s.plRefused(w, r, err, "amend-register", id, nil, func(fe *formError) { s.renderAmendments(w, r, sess, fe.Status, fe) })
		return
	}
	s.redirectFlash(w, r, pathPLAmendments, "已准予"+amendKindLabels[m.Kind]+"。")
}

func (s *Server) plRefuseAmendment(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok || !s.parseForm(w, r, sess) {
		return
	}
	raw := map[string]string{"reason": r.PostForm.Get("reason")}
	m, err := s.pledges.RefuseAmendment(r.Context(), s.actor(r, sess.Principal), id, raw["reason"])
	if err != nil {
		s.plRefused(w, r, err, "amend-refuse", id, raw, func(fe *formError) { s.renderAmendments(w, r, sess, fe.Status, fe) })
		return
	}
	s.redirectFlash(w, r, pathPLAmendments, amendKindLabels[m.Kind]+"申请已不予登记。")
}
