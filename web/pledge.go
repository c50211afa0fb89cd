package web

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/pledge"
	"github.com/ipledge/ipledge/registry"
)

// The pledge registration pages: the enterprise's patents, requests and
// request form (this file), the bank's confirmations, registrations and
// alerts (pledge_bank.go), the IP office's examination and amendment
// queues (pledge_examiner.go), and every party's detail page and notice.
const (
	pathPatents        = "/patents"
	pathPLApplications = "/pledges/applications"
	pathPLNew          = "/pledges/new"
	pathPLPending      = "/pledges/pending"
	pathPLBank         = "/pledges"
	pathPLRisks        = "/risks"
	pathPLReview       = "/pledges/review"
	pathPLAmendments   = "/pledges/amendments"
)

// plListLimit is how many rows a pledge list page shows.
const plListLimit = 50

// pledgePages are the navigation entries the pledge pages build.
func (s *Server) pledgePages() map[string]http.Handler {
	return map[string]http.Handler{
		pathPatents:        s.only(s.plPatents, auth.RoleEnterprise, auth.RoleUniversity),
		pathPLApplications: s.only(s.plApplications, auth.RoleEnterprise),
		pathPLPending:      s.only(s.plPending, auth.RoleBank),
		pathPLBank:         s.only(s.plBankList, auth.RoleBank),
		pathPLRisks:        s.only(s.plRisks, auth.RoleBank),
		pathPLReview:       s.only(s.plReview, auth.RoleIPOffice),
	}
}

// pledgeRoutes registers the pledge pages' other pages and their forms.
func (s *Server) pledgeRoutes(mux *http.ServeMux) {
	ent, bank, ip := auth.RoleEnterprise, auth.RoleBank, auth.RoleIPOffice
	mux.Handle("GET "+pathPLNew, s.only(s.plNewForm, ent))
	mux.Handle("POST "+pathPLNew, s.only(s.plCreate, ent))
	mux.Handle("POST /pledges/{id}/file", s.only(s.plFile, ent))

	mux.Handle("POST /pledges/{id}/confirm", s.only(s.plConfirm, bank))
	mux.Handle("POST /pledges/{id}/decline", s.only(s.plDecline, bank))

	mux.Handle("POST /pledges/{id}/register", s.only(s.plRegister, ip))
	mux.Handle("POST /pledges/{id}/refuse", s.only(s.plRefuse, ip))
	mux.Handle("GET "+pathPLAmendments, s.only(s.plAmendments, ip))
	mux.Handle("POST /pledges/amendments/{id}/register", s.only(s.plRegisterAmendment, ip))
	mux.Handle("POST /pledges/amendments/{id}/refuse", s.only(s.plRefuseAmendment, ip))

	// Every party's detail page (the link of the pledge notifications)
	// and the notice.
	mux.Handle("GET /pledges/{id}", s.only(s.plDetail, ent, bank, ip))
	mux.Handle("GET /pledges/{id}/notice", s.only(s.plNotice, ent, bank, ip))
}

// visiblePledge loads the {id} pledge for a caller who may see it; to
// anyone else it is the 404 page. false means the page was answered.
func (s *Server) visiblePledge(w http.ResponseWriter, r *http.Request, sess *session) (pledge.Pledge, bool) {
	id, ok := s.pathID(w, r)
	if !ok {
		return pledge.Pledge{}, false
	}
	p, err := s.pledges.Get(r.Context(), id)
	if err != nil {
		s.failed(w, r, err)
		return p, false
	}
	if !p.VisibleTo(sess.Org.ID, sess.Principal.Role == auth.RoleIPOffice) {
		s.denyNotFound(w, r, sess, "pledge", id)
		return p, false
	}
	return p, true
}

// plHome is the navigation entry a role's pledge pages belong to.
func plHome(role string) string {
	switch role {
	case auth.RoleBank:
		return pathPLBank
	case auth.RoleIPOffice:
		return pathPLReview
	}
	return pathPLApplications
}

func plPath(id int64) string { return fmt.Sprintf("/pledges/%d", id) }

// listPage reads the ?cursor= of a list page; false means the page
// redirected to its first page.
func listPage(w http.ResponseWriter, r *http.Request, path string) (page.Request, bool) {
	req, err := page.Parse(strconv.Itoa(plListLimit), r.URL.Query().Get("cursor"))
	if err != nil {
		http.Redirect(w, r, path, http.StatusSeeOther)
		return req, false
	}
	return req, true
}

func nextLink(path, cursor string) string {
	if cursor == "" {
		return ""
	}
	return path + "?cursor=" + url.QueryEscape(cursor)
}

// ----- every party: detail and notice -----

type detailView struct {
	P       pledge.Pledge
	Role    string
	History []pledge.Event
	// Own: the caller's organisation is the pledgor / the pledgee.
	Pledgor, Pledgee bool
	HasNotice        bool
	Err              *formError
}

func (s *Server) plDetail(w http.ResponseWriter, r *http.Request, sess *session) {
	p, ok := s.visiblePledge(w, r, sess)
	if !ok {
		return
	}
	s.renderDetail(w, r, sess, p, http.StatusOK, nil)
}

func (s *Server) renderDetail(w http.ResponseWriter, r *http.Request, sess *session, p pledge.Pledge, status int, fe *formError) {
	h, err := s.pledges.History(r.Context(), p.ID, page.Request{Limit: page.MaxLimit})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := detailView{P: p, Role: sess.Principal.Role, History: h.Items, Err: fe,
		Pledgor: sess.Org.ID == p.PledgorOrgID, Pledgee: sess.Org.ID == p.PledgeeOrgID}
	switch p.State {
	case pledge.StateRegistered, pledge.StateReleased, pledge.StateEnforced, pledge.StateRevoked, pledge.StateRefused:
		v.HasNotice = true
	}
	s.render(w, r, sess, status, "pl_detail", "质押登记详情", plHome(sess.Principal.Role), v)
}

// noticeCSP lets the notice's own inline style and its print button run,
// and nothing else.
var noticeCSP = func() string {
	sum := sha256.Sum256([]byte("window.print()"))
	return "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-hashes' 'sha256-" +
		base64.StdEncoding.EncodeToString(sum[:]) + "'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}()

// plNotice serves the registration or refusal notice of a decided pledge
// to its parties and the IP office.
func (s *Server) plNotice(w http.ResponseWriter, r *http.Request, sess *session) {
	p, ok := s.visiblePledge(w, r, sess)
	if !ok {
		return
	}
	html, err := s.pledges.NoticeHTML(r.Context(), p.ID)
	if err != nil {
		if problem.HasCode(err, "invalid_state") {
			s.render(w, r, sess, http.StatusConflict, "message", "暂无通知书", plHome(sess.Principal.Role), message{
				Heading: "暂无通知书", Text: "该申请尚未作出登记或不予登记决定，暂无通知书。"})
			return
		}
		s.failed(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", noticeCSP)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	if r.URL.Query().Get("download") == "1" {
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="pledge-notice-%d.html"`, p.ID))
	}
	_, _ = w.Write(html)
}

// ----- enterprise (and university): its patents -----

type patentsView struct {
	Items []registry.Patent
	Next  string
	Paged bool
	// CanPledge: the enterprise may pledge them.
	CanPledge bool
}

func (s *Server) plPatents(w http.ResponseWriter, r *http.Request, sess *session) {
	req, ok := listPage(w, r, pathPatents)
	if !ok {
		return
	}
	pg, err := s.registry.List(r.Context(), req, sess.Org.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := patentsView{Items: pg.Items, Next: nextLink(pathPatents, pg.NextCursor), Paged: req.After > 0,
		CanPledge: sess.Principal.Role == auth.RoleEnterprise}
	s.render(w, r, sess, http.StatusOK, "pl_patents", sess.Role.label(pathPatents), pathPatents, v)
}

// ----- enterprise: its requests -----

type plListView struct {
	Items []pledge.Pledge
	Next  string
	Paged bool
}

func (s *Server) plApplications(w http.ResponseWriter, r *http.Request, sess *session) {
	req, ok := listPage(w, r, pathPLApplications)
	if !ok {
		return
	}
	pg, err := s.pledges.List(r.Context(), pledge.Filter{OrgID: sess.Org.ID}, req)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := plListView{Next: nextLink(pathPLApplications, pg.NextCursor), Paged: req.After > 0}
	for _, p := range pg.Items {
		if p.PledgorOrgID == sess.Org.ID {
			v.Items = append(v.Items, p)
		}
	}
	s.render(w, r, sess, http.StatusOK, "pl_applications", "质押申请", pathPLApplications, v)
}

// plFile sends a draft to the bank (a request whose filing failed right
// after it was saved).
func (s *Server) plFile(w http.ResponseWriter, r *http.Request, sess *session) {
	p, ok := s.visiblePledge(w, r, sess)
	if !ok || !s.parseForm(w, r, sess) {
		return
	}
	if _, err := s.pledges.File(r.Context(), s.actor(r, sess.Principal), p.ID); err != nil {
		s.plRefused(w, r, err, "file", p.ID, nil, func(fe *formError) { s.renderDetail(w, r, sess, p, fe.Status, fe) })
		return
	}
	s.redirectFlash(w, r, plPath(p.ID), "已提交"+p.PledgeeName+"确认。")
}
