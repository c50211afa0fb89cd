package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ipledge/ipledge/account"
	"github.com/ipledge/ipledge/licensing"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/platform/tabular"
	"github.com/ipledge/ipledge/registry"
)

// The transfer pool pages: patent search and a patent's page for every
// role; the university TTO's listings (with their import), dormant
// patents, open licence declarations and intent inbox; the enterprise's
// technology needs with their matches, its intents and the taking of an
// open licence.
const (
	pathLISearch   = "/search"
	pathLIListings = "/licensing/listings"
	pathLIDormant  = "/patents/dormant"
	pathLIOpen     = "/licences"
	pathLIIntents  = "/licences/intents"
	pathLINeeds    = "/demands"
)

// liSearchLimit is how many results a search page shows.
const liSearchLimit = 20

// liUploadBytes bounds an uploaded listing table (with the form around it).
const liUploadBytes = 6 << 20

var (
	everyRole = []string{auth.RoleIPOffice, auth.RoleEconBureau, auth.RoleBank, auth.RoleEnterprise, auth.RoleUniversity, auth.RoleAdmin}
	liParties = []string{auth.RoleUniversity, auth.RoleEnterprise}
)

func (s *Server) licensingPages() map[string]http.Handler {
	uni, ent := auth.RoleUniversity, auth.RoleEnterprise
	return map[string]http.Handler{
		pathLISearch:   s.only(s.liSearch, everyRole...),
		pathLIListings: s.only(s.liListings, uni),
		pathLIDormant:  s.only(s.liDormant, uni),
		pathLIOpen:     s.only(s.liOpenLicences, uni),
		pathLIIntents:  s.only(s.liIntents, liParties...),
		pathLINeeds:    s.only(s.liNeeds, ent),
	}
}

func (s *Server) licensingRoutes(mux *http.ServeMux) {
	uni, ent := auth.RoleUniversity, auth.RoleEnterprise
	mux.Handle("GET /licensing/patents/{number}", s.only(s.liPatent, everyRole...))
	mux.Handle("POST /licensing/patents/{number}/intent", s.only(s.liCreateIntent, ent))
	mux.Handle("POST /licensing/open-licences/{id}/accept", s.only(s.liAccept, ent))
	mux.Handle("GET /licensing/licences/{id}", s.only(s.liLicence, liParties...))

	mux.Handle("POST "+pathLIListings, s.only(s.liCreateListing, uni))
	mux.Handle("POST "+pathLIListings+"/import", s.only(s.liImport, uni))
	mux.Handle("GET /licensing/listings/{id}", s.only(s.liListingLink, everyRole...))
	mux.Handle("POST "+pathLIOpen, s.only(s.liDeclare, uni))
	mux.Handle("POST /licences/{id}/withdraw", s.only(s.liWithdraw, uni))

	mux.Handle("GET /licences/intents/{id}", s.only(s.liIntent, liParties...))
	mux.Handle("GET /licensing/intents/{id}", s.only(s.liIntentLink, liParties...))
	mux.Handle("POST /licences/intents/{id}/reply", s.only(s.liIntentAct("reply"), liParties...))
	mux.Handle("POST /licences/intents/{id}/licensed", s.only(s.liIntentAct("licensed"), uni))
	mux.Handle("POST /licences/intents/{id}/decline", s.only(s.liIntentAct("decline"), uni))
	mux.Handle("POST /licences/intents/{id}/withdraw", s.only(s.liIntentAct("withdraw"), ent))

	mux.Handle("POST "+pathLINeeds, s.only(s.liPostNeed, ent))
	mux.Handle("GET /demands/{id}", s.only(s.liNeed, ent))
}

func liPatentPath(number string) string { return "/licensing/patents/" + url.PathEscape(number) }
func liIntentPath(id int64) string      { return fmt.Sprintf("%s/%d", pathLIIntents, id) }
func liLicencePath(id int64) string     { return fmt.Sprintf("/licensing/licences/%d", id) }

// ----- everyone: search -----

type liHit struct {
	H       licensing.Hit
	Title   template.HTML // the service's escaped, highlighted HTML
	Snippet template.HTML
	Link    string
}

type liSearchView struct {
	Err          *formError
	Hits         []liHit
	Next, First  string
	Paged        bool
	Universities []option
	Types        []option
}

// liSearchFields are the search form's parameters.
var liSearchFields = []string{"q", "ipc", "university", "type", "min_remaining_years", "dormant", "open_licence"}

func (s *Server) liSearch(w http.ResponseWriter, r *http.Request, sess *session) {
	q := r.URL.Query()
	fe := newFormError("search", 0, "")
	params := url.Values{}
	for _, k := range liSearchFields {
		v := strings.TrimSpace(q.Get(k))
		fe.Values[k] = v
		if v != "" {
			params.Set(k, v)
		}
	}
	req, err := page.Parse(strconv.Itoa(liSearchLimit), q.Get("cursor"))
	if err != nil {
		http.Redirect(w, r, pathLISearch+"?"+params.Encode(), http.StatusSeeOther)
		return
	}
	v := liSearchView{Paged: req.After > 0, First: pathLISearch + "?" + params.Encode()}
	unis, err := s.accounts.Organisations(r.Context(), page.Request{Limit: page.MaxLimit}, account.KindUniversity)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, o := range unis.Items {
		v.Universities = append(v.Universities, option{strconv.FormatInt(o.ID, 10), o.Name})
	}
	v.Types = liTypeOptions()
	status := http.StatusOK
	res, err := s.search.Search(r.Context(), licensing.SearchQuery{Q: fe.Values["q"], IPC: fe.Values["ipc"],
		University: fe.Values["university"], Type: fe.Values["type"], MinRemainingYears: fe.Values["min_remaining_years"],
		Dormant: fe.Values["dormant"], OpenLicence: fe.Values["open_licence"], Page: req})
	if err != nil {
		e, ok := liRefusal(err, "search", 0, fe.Values)
		if !ok {
			s.serverError(w, r, err)
			return
		}
		v.Err, status = e, e.Status
	} else {
		v.Err = fe
		fe.Message = ""
		for _, h := range res.Items {
			v.Hits = append(v.Hits, liHit{H: h, Title: template.HTML(h.TitleHTML), Snippet: template.HTML(h.SnippetHTML), //nolint:gosec // escaped by the service
				Link: liPatentPath(h.ApplicationNumber)})
		}
		if res.NextCursor != "" {
			next := url.Values{}
			for k, vs := range params {
				next[k] = vs
			}
			next.Set("cursor", res.NextCursor)
			v.Next = pathLISearch + "?" + next.Encode()
		}
	}
	s.render(w, r, sess, status, "li_search", "专利检索", pathLISearch, v)
}

func liTypeOptions() []option {
	var out []option
	for _, t := range []string{"invention", "utility_model", "design", "pct_invention", "pct_utility_model"} {
		out = append(out, option{t, patentTypeLabel(t)})
	}
	return out
}

// ----- everyone: a patent's page -----

type liPatentView struct {
	P       registry.Patent
	Listing *licensing.Listing
	Open    *licensing.OpenLicence
	// Enterprise may express interest and take the open licence; Owner is
	// the TTO holding the listing.
	Enterprise, Owner bool
	// Mine are the enterprise's licences of the patent (the owner sees
	// every event).
	Mine []licensing.Event
	Err  *formError
}

func (s *Server) liPatent(w http.ResponseWriter, r *http.Request, sess *session) {
	s.renderPatent(w, r, sess, r.PathValue("number"), http.StatusOK, nil)
}

func (s *Server) renderPatent(w http.ResponseWriter, r *http.Request, sess *session, number string, status int, fe *formError) {
	ctx := r.Context()
	p, err := s.registry.Get(ctx, number)
	if err != nil {
		if pe, ok := problem.As(err); ok && pe.Status < 500 {
			s.notFound(w, r)
			return
		}
		s.serverError(w, r, err)
		return
	}
	v := liPatentView{P: p, Enterprise: sess.Principal.Role == auth.RoleEnterprise, Err: fe}
	l, err := s.lic.ListingByPatent(ctx, p.ApplicationNumber)
	switch {
	case err == nil:
		v.Listing, v.Open = &l, l.OpenLicence
		v.Owner = sess.Principal.Role == auth.RoleUniversity && l.OrgID == sess.Org.ID
		for _, e := range l.Events {
			if v.Owner || (e.LicenseeOrgID != nil && *e.LicenseeOrgID == sess.Org.ID) {
				v.Mine = append(v.Mine, e)
			}
		}
	case problem.HasCode(err, "not_found"):
	default:
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, sess, status, "li_patent", p.Title, pathLISearch, v)
}

// liListingLink answers a listing's notification link with its patent's page.
func (s *Server) liListingLink(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	l, err := s.lic.GetListing(r.Context(), id)
	if err != nil {
		s.failed(w, r, err)
		return
	}
	http.Redirect(w, r, liPatentPath(l.ApplicationNumber), http.StatusSeeOther)
}

// ----- enterprise: intent and open licence -----

func (s *Server) liCreateIntent(w http.ResponseWriter, r *http.Request, sess *session) {
	if !s.parseForm(w, r, sess) {
		return
	}
	number := r.PathValue("number")
	raw := map[string]string{"message": r.PostForm.Get("message")}
	it, err := s.lic.CreateIntent(r.Context(), s.actor(r, sess.Principal), licensing.IntentInput{PatentNumber: number, Message: raw["message"]})
	if err != nil {
		s.liRefused(w, r, err, "intent", 0, raw, func(fe *formError) { s.renderPatent(w, r, sess, number, fe.Status, fe) })
		return
	}
	s.redirectFlash(w, r, liIntentPath(it.ID), "许可意向已提交"+it.ApplicationNumber+"的专利权人，请留意回复。")
}

func (s *Server) liAccept(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok || !s.parseForm(w, r, sess) {
		return
	}
	o, err := s.lic.GetOpenLicence(r.Context(), id)
	if err != nil {
		s.failed(w, r, err)
		return
	}
	raw := map[string]string{"accept_terms": r.PostForm.Get("accept_terms"), "signatory": r.PostForm.Get("signatory")}
	l, err := s.lic.AcceptOpenLicence(r.Context(), s.actor(r, sess.Principal), id,
		licensing.AcceptanceInput{AcceptTerms: raw["accept_terms"] != "", Signatory: raw["signatory"]})
	if err != nil {
		s.liRefused(w, r, err, "accept", id, raw, func(fe *formError) { s.renderPatent(w, r, sess, o.ApplicationNumber, fe.Status, fe) })
		return
	}
	s.redirectFlash(w, r, liLicencePath(l.ID), fmt.Sprintf("已取得专利 %s 的开放许可，许可期限 %s 至 %s。",
		l.ApplicationNumber, l.EffectiveOn, showDate(l.EndOn)))
}

type liLicenceView struct {
	L        licensing.Licence
	Title    string
	Licensee bool
}

func (s *Server) liLicence(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	l, err := s.lic.GetLicence(r.Context(), s.actor(r, sess.Principal), id)
	if err != nil {
		if problem.HasCode(err, "not_found") {
			logger(r).Warn("licence not visible to caller", "licence", id, "org", sess.Org.ID)
		}
		s.failed(w, r, err)
		return
	}
	v := liLicenceView{L: l, Licensee: l.LicenseeOrgID != nil && *l.LicenseeOrgID == sess.Org.ID}
	if p, err := s.registry.Get(r.Context(), l.ApplicationNumber); err == nil {
		v.Title = p.Title
	}
	home := pathLIIntents
	if sess.Principal.Role == auth.RoleEnterprise {
		home = pathLINeeds
	}
	s.render(w, r, sess, http.StatusOK, "li_licence", fmt.Sprintf("许可 #%d", l.ID), home, v)
}

// ----- university: listings and import -----

type liListingsView struct {
	Items  []licensing.Listing
	Next   string
	Paged  bool
	Err    *formError
	Report *tabular.Report
	// Imported: the report's good rows were stored.
	Imported bool
}

func (s *Server) liListings(w http.ResponseWriter, r *http.Request, sess *session) {
	s.renderListings(w, r, sess, http.StatusOK, nil, nil, false)
}

func (s *Server) renderListings(w http.ResponseWriter, r *http.Request, sess *session, status int, fe *formError, rep *tabular.Report, imported bool) {
	req, ok := listPage(w, r, pathLIListings)
	if !ok {
		return
	}
	pg, err := s.lic.Listings(r.Context(), licensing.ListingFilter{OrgID: sess.Org.ID}, req)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := liListingsView{Items: pg.Items, Next: nextLink(pathLIListings, pg.NextCursor), Paged: req.After > 0, Err: fe,
		Report: rep, Imported: imported}
	s.render(w, r, sess, status, "li_listings", "转化专利清单", pathLIListings, v)
}

func (s *Server) liCreateListing(w http.ResponseWriter, r *http.Request, sess *session) {
	if !s.parseForm(w, r, sess) {
		return
	}
	f := r.PostForm
	raw := map[string]string{"patent_number": f.Get("patent_number"), "prospect": f.Get("prospect"), "note": f.Get("note")}
	l, err := s.lic.CreateListing(r.Context(), s.actor(r, sess.Principal), licensing.ListingInput{PatentNumber: raw["patent_number"],
		Prospect: licensing.Prospect(raw["prospect"]), Note: raw["note"]})
	if err != nil {
		s.liRefused(w, r, err, "listing", 0, raw, func(fe *formError) { s.renderListings(w, r, sess, fe.Status, fe, nil, false) })
		return
	}
	s.redirectFlash(w, r, pathLIListings, "专利 "+l.ApplicationNumber+" 已列入转化清单。")
}

func (s *Server) liImport(w http.ResponseWriter, r *http.Request, sess *session) {
	r.Body = http.MaxBytesReader(w, r.Body, liUploadBytes)
	fail := func(msg string, status int) {
		fe := newFormError("import", 0, msg)
		fe.Status = status
		fe.Values["mode"] = r.FormValue("mode")
		s.renderListings(w, r, sess, status, fe, nil, false)
	}
	if err := r.ParseMultipartForm(liUploadBytes); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail("文件过大，请上传不超过 5 MB 的 CSV 或 XLSX 文件。", http.StatusRequestEntityTooLarge)
			return
		}
		fail("请选择要上传的 CSV 或 XLSX 文件。", http.StatusBadRequest)
		return
	}
	mode, err := tabular.ParseMode(r.FormValue("mode"))
	if err != nil {
		fail("请选择导入方式。", http.StatusBadRequest)
		return
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		fail("请选择要上传的 CSV 或 XLSX 文件。", http.StatusBadRequest)
		return
	}
	defer file.Close()
	t, err := tabular.Read(file, hdr.Filename, licensing.ImportSpec())
	if err != nil {
		p, ok := problem.As(err)
		if !ok {
			s.serverError(w, r, err)
			return
		}
		fail(liUploadMessage(p), p.Status)
		return
	}
	rep, err := s.lic.ImportListings(r.Context(), s.actor(r, sess.Principal), t, mode, nil)
	if err != nil {
		if problem.HasCode(err, "import_rejected") {
			fe := newFormError("import", 0, "文件中有错误行，未导入任何专利。请按下表修改后重新上传，或选择“仅导入无误的行”。")
			fe.Status = http.StatusUnprocessableEntity
			fe.Values["mode"] = string(mode)
			s.renderListings(w, r, sess, fe.Status, fe, &rep, false)
			return
		}
		s.liRefused(w, r, err, "import", 0, map[string]string{"mode": string(mode)},
			func(fe *formError) { s.renderListings(w, r, sess, fe.Status, fe, nil, false) })
		return
	}
	s.renderListings(w, r, sess, http.StatusOK, nil, &rep, true)
}

// ----- university: dormant patents -----

func (s *Server) liDormant(w http.ResponseWriter, r *http.Request, sess *session) {
	req, ok := listPage(w, r, pathLIDormant)
	if !ok {
		return
	}
	yes := true
	pg, err := s.lic.Listings(r.Context(), licensing.ListingFilter{OrgID: sess.Org.ID, Dormant: &yes}, req)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := liListingsView{Items: pg.Items, Next: nextLink(pathLIDormant, pg.NextCursor), Paged: req.After > 0}
	s.render(w, r, sess, http.StatusOK, "li_dormant", "沉睡专利", pathLIDormant, v)
}

// ----- university: open licence declarations -----

type liOpenView struct {
	Items     []licensing.OpenLicence
	Next      string
	Paged     bool
	Patents   []registry.Patent
	Modes     []option
	Bases     []option
	Schedules []option
	Err       *formError
}

func (s *Server) liOpenLicences(w http.ResponseWriter, r *http.Request, sess *session) {
	fe := newFormError("declare", 0, "")
	fe.Values = map[string]string{"mode": licensing.ModeLumpSum, "payment_schedule": licensing.ScheduleOnce, "term_years": "3",
		"patent_number": r.URL.Query().Get("patent")}
	s.renderOpen(w, r, sess, http.StatusOK, fe)
}

func (s *Server) renderOpen(w http.ResponseWriter, r *http.Request, sess *session, status int, fe *formError) {
	req, ok := listPage(w, r, pathLIOpen)
	if !ok {
		return
	}
	pg, err := s.lic.OpenLicences(r.Context(), licensing.OpenLicenceFilter{OrgID: sess.Org.ID}, req)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	pats, err := s.registry.List(r.Context(), page.Request{Limit: page.MaxLimit}, sess.Org.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := liOpenView{Items: pg.Items, Next: nextLink(pathLIOpen, pg.NextCursor), Paged: req.After > 0, Patents: pats.Items, Err: fe}
	for _, m := range []string{licensing.ModeLumpSum, licensing.ModeRunningRoyalty, licensing.ModeDownPaymentRunning} {
		v.Modes = append(v.Modes, option{m, lookup(liModeLabels, m)})
	}
	for _, b := range []string{licensing.BaseNetSales, licensing.BaseProfit} {
		v.Bases = append(v.Bases, option{b, lookup(liBaseLabels, b)})
	}
	for _, c := range []string{licensing.ScheduleOnce, licensing.ScheduleAnnual, licensing.ScheduleQuarterly} {
		v.Schedules = append(v.Schedules, option{c, lookup(liScheduleLabels, c)})
	}
	s.render(w, r, sess, status, "li_open", "开放许可", pathLIOpen, v)
}

// liDeclareFields are the declaration form's fields.
var liDeclareFields = []string{"patent_number", "mode", "lump_sum", "down_payment", "royalty_base", "royalty_rate", "payment_schedule",
	"term_years", "evaluation_report", "justification"}

func (s *Server) liDeclare(w http.ResponseWriter, r *http.Request, sess *session) {
	if !s.parseForm(w, r, sess) {
		return
	}
	raw := map[string]string{}
	for _, k := range liDeclareFields {
		raw[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	local := newFormError("declare", 0, "")
	local.Values = raw
	in := licensing.OpenLicenceInput{PatentNumber: raw["patent_number"], Mode: raw["mode"], RoyaltyBase: raw["royalty_base"],
		RoyaltyRate: strings.TrimSuffix(raw["royalty_rate"], "%"), PaymentSchedule: raw["payment_schedule"],
		EvaluationReport: raw["evaluation_report"], Justification: raw["justification"]}
	in.LumpSumFen = liOptionalYuan(local, "lump_sum", raw["lump_sum"], "一次性许可费")
	in.DownPaymentFen = liOptionalYuan(local, "down_payment", raw["down_payment"], "入门费")
	if raw["term_years"] == "" {
		local.field("term_years", "请填写许可期限")
	} else if n, err := strconv.Atoi(raw["term_years"]); err != nil {
		local.field("term_years", "许可期限请填写 1 至 20 的整数（年）")
	} else {
		in.TermYears = n
	}
	if len(local.Fields) > 0 {
		liMessage(local)
		s.renderOpen(w, r, sess, http.StatusBadRequest, local)
		return
	}
	o, err := s.lic.DeclareOpenLicence(r.Context(), s.actor(r, sess.Principal), in)
	if err != nil {
		s.liRefused(w, r, err, "declare", 0, raw, func(fe *formError) { s.renderOpen(w, r, sess, fe.Status, fe) })
		return
	}
	s.redirectFlash(w, r, pathLIOpen, "已发布专利 "+o.ApplicationNumber+" 的开放许可声明。")
}

// liOptionalYuan reads an optional amount in yuan as fen (nil when blank).
func liOptionalYuan(e *formError, field, v, label string) *int64 {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	fen, msg := yuanToFen(v, label, false)
	if msg != "" {
		e.field(field, msg)
		return nil
	}
	return &fen
}

func (s *Server) liWithdraw(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok || !s.parseForm(w, r, sess) {
		return
	}
	raw := map[string]string{"reason": r.PostForm.Get("reason")}
	o, err := s.lic.WithdrawOpenLicence(r.Context(), s.actor(r, sess.Principal), id, raw["reason"])
	if err != nil {
		s.liRefused(w, r, err, "withdraw-open", id, raw, func(fe *formError) { s.renderOpen(w, r, sess, fe.Status, fe) })
		return
	}
	s.redirectFlash(w, r, pathLIOpen, "已撤回专利 "+o.ApplicationNumber+" 的开放许可声明；已实施的许可继续有效。")
}

// ----- both parties: intents -----

type liIntentRow struct {
	I     licensing.Intent
	Other string
}

type liIntentsView struct {
	Items      []liIntentRow
	Next       string
	Paged      bool
	Enterprise bool
}

// orgNames resolves organisation names, caching them in names.
func (s *Server) orgName(r *http.Request, names map[int64]string, id int64) (string, error) {
	if n, ok := names[id]; ok {
		return n, nil
	}
	o, err := s.accounts.Organisation(r.Context(), id)
	if err != nil {
		return "", err
	}
	names[id] = o.Name
	return o.Name, nil
}

func (s *Server) liIntents(w http.ResponseWriter, r *http.Request, sess *session) {
	req, ok := listPage(w, r, pathLIIntents)
	if !ok {
		return
	}
	pg, err := s.lic.Intents(r.Context(), s.actor(r, sess.Principal), "", req)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	ent := sess.Principal.Role == auth.RoleEnterprise
	v := liIntentsView{Next: nextLink(pathLIIntents, pg.NextCursor), Paged: req.After > 0, Enterprise: ent}
	names := map[int64]string{}
	for _, it := range pg.Items {
		other := it.EnterpriseOrgID
		if ent {
			other = it.TTOOrgID
		}
		name, err := s.orgName(r, names, other)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		v.Items = append(v.Items, liIntentRow{I: it, Other: name})
	}
	title := "许可意向"
	if ent {
		title = "我的许可意向"
	}
	s.render(w, r, sess, http.StatusOK, "li_intents", title, liIntentsHome(sess), v)
}

func liIntentsHome(sess *session) string {
	if sess.Principal.Role == auth.RoleEnterprise {
		return pathLINeeds
	}
	return pathLIIntents
}

type liMessageRow struct {
	M    licensing.Message
	Mine bool
}

type liIntentView struct {
	I                licensing.Intent
	Enterprise, TTO  string
	Messages         []liMessageRow
	IsTTO, Live      bool
	LicenceKinds     []option
	Err              *formError
	DefaultEffective string
}

func (s *Server) liIntent(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	s.renderIntent(w, r, sess, id, http.StatusOK, nil)
}

func (s *Server) liIntentLink(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	http.Redirect(w, r, liIntentPath(id), http.StatusSeeOther)
}

func (s *Server) renderIntent(w http.ResponseWriter, r *http.Request, sess *session, id int64, status int, fe *formError) {
	it, err := s.lic.GetIntent(r.Context(), s.actor(r, sess.Principal), id)
	if err != nil {
		if problem.HasCode(err, "not_found") {
			logger(r).Warn("intent not visible to caller", "intent", id, "org", sess.Org.ID)
		}
		s.failed(w, r, err)
		return
	}
	names := map[int64]string{sess.Org.ID: sess.Org.Name}
	v := liIntentView{I: it, IsTTO: it.TTOOrgID == sess.Org.ID, Live: it.State == licensing.IntentOpen || it.State == licensing.IntentInTalks,
		Err: fe, DefaultEffective: date.Today(time.Now).String()}
	if v.Enterprise, err = s.orgName(r, names, it.EnterpriseOrgID); err != nil {
		s.serverError(w, r, err)
		return
	}
	if v.TTO, err = s.orgName(r, names, it.TTOOrgID); err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, m := range it.Messages {
		v.Messages = append(v.Messages, liMessageRow{M: m, Mine: m.FromOrgID == sess.Org.ID})
	}
	for _, k := range []string{licensing.LicenceOrdinary, licensing.LicenceSole, licensing.LicenceExclusive} {
		v.LicenceKinds = append(v.LicenceKinds, option{k, lookup(liLicenceKindLabels, k)})
	}
	s.render(w, r, sess, status, "li_intent", "许可意向 #"+strconv.FormatInt(it.ID, 10), liIntentsHome(sess), v)
}

// liIntentAct is the handler of an intent's form.
func (s *Server) liIntentAct(action string) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, sess *session) {
		id, ok := s.pathID(w, r)
		if !ok || !s.parseForm(w, r, sess) {
			return
		}
		f := r.PostForm
		a := s.actor(r, sess.Principal)
		ctx := r.Context()
		raw := map[string]string{}
		var err error
		var flash string
		switch action {
		case "reply":
			raw["message"] = f.Get("message")
			_, err = s.lic.Reply(ctx, a, id, licensing.MessageInput{Message: raw["message"]})
			flash = "留言已发送。"
		case "decline":
			raw["message"] = f.Get("message")
			_, err = s.lic.Decline(ctx, a, id, licensing.MessageInput{Message: raw["message"]})
			flash = "已谢绝该许可意向。"
		case "withdraw":
			raw["message"] = f.Get("message")
			_, err = s.lic.Withdraw(ctx, a, id, licensing.MessageInput{Message: raw["message"]})
			flash = "已撤回该许可意向。"
		case "licensed":
			for _, k := range []string{"licence_kind", "effective_on", "end_on", "note"} {
				raw[k] = f.Get(k)
			}
			local := newFormError("licensed", id, "")
			local.Values = raw
			in := licensing.EventInput{LicenceKind: raw["licence_kind"], Note: raw["note"],
				EffectiveOn: parseDate(local, "effective_on", raw["effective_on"]), EndOn: parseDate(local, "end_on", raw["end_on"])}
			for k := range local.Fields {
				local.Fields[k] = liFieldLabel(k) + "请按“年-月-日”填写，例如 2026-03-02"
			}
			if len(local.Fields) > 0 {
				liMessage(local)
				s.renderIntent(w, r, sess, id, http.StatusBadRequest, local)
				return
			}
			_, err = s.lic.MarkLicensed(ctx, a, id, in)
			flash = "许可已登记，该意向已办结。"
		}
		if err != nil {
			s.liRefused(w, r, err, action, id, raw, func(fe *formError) { s.renderIntent(w, r, sess, id, fe.Status, fe) })
			return
		}
		s.redirectFlash(w, r, liIntentPath(id), flash)
	}
}

// ----- enterprise: technology needs and matches -----

type liNeedsView struct {
	Items []licensing.Need
	Next  string
	Paged bool
	Err   *formError
}

func (s *Server) liNeeds(w http.ResponseWriter, r *http.Request, sess *session) {
	s.renderNeeds(w, r, sess, http.StatusOK, nil)
}

func (s *Server) renderNeeds(w http.ResponseWriter, r *http.Request, sess *session, status int, fe *formError) {
	req, ok := listPage(w, r, pathLINeeds)
	if !ok {
		return
	}
	pg, err := s.search.Needs(r.Context(), sess.Org.ID, req)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := liNeedsView{Items: pg.Items, Next: nextLink(pathLINeeds, pg.NextCursor), Paged: req.After > 0, Err: fe}
	s.render(w, r, sess, status, "li_needs", "技术需求", pathLINeeds, v)
}

// liNeedFields are the need form's fields.
var liNeedFields = []string{"title", "description", "ipc_codes", "budget_min", "budget_max", "region"}

func (s *Server) liPostNeed(w http.ResponseWriter, r *http.Request, sess *session) {
	if !s.parseForm(w, r, sess) {
		return
	}
	raw := map[string]string{}
	for _, k := range liNeedFields {
		raw[k] = r.PostForm.Get(k)
	}
	local := newFormError("need", 0, "")
	local.Values = raw
	in := licensing.NeedInput{Title: raw["title"], Description: raw["description"], Region: raw["region"],
		IPCCodes: strings.FieldsFunc(raw["ipc_codes"], func(r rune) bool {
			return r == ',' || r == '，' || r == ';' || r == '；' || r == '、' || r == ' ' || r == '\n' || r == '\r' || r == '\t' || r == '　'
		})}
	in.BudgetMinFen = liOptionalYuan(local, "budget_min", raw["budget_min"], "预算下限")
	in.BudgetMaxFen = liOptionalYuan(local, "budget_max", raw["budget_max"], "预算上限")
	if len(local.Fields) > 0 {
		liMessage(local)
		s.renderNeeds(w, r, sess, http.StatusBadRequest, local)
		return
	}
	n, err := s.search.PostNeed(r.Context(), s.actor(r, sess.Principal), in)
	if err != nil {
		s.liRefused(w, r, err, "need", 0, raw, func(fe *formError) { s.renderNeeds(w, r, sess, fe.Status, fe) })
		return
	}
	s.redirectFlash(w, r, fmt.Sprintf("%s/%d", pathLINeeds, n.ID), "技术需求已发布，以下是为您匹配的专利。")
}

type liNeedView struct {
	M     licensing.NeedMatches
	Next  string
	Paged bool
}

func (s *Server) liNeed(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	path := fmt.Sprintf("%s/%d", pathLINeeds, id)
	req, err := page.Parse("20", r.URL.Query().Get("cursor"))
	if err != nil {
		http.Redirect(w, r, path, http.StatusSeeOther)
		return
	}
	n, err := s.search.Need(r.Context(), id)
	if err != nil {
		s.failed(w, r, err)
		return
	}
	if n.OrgID != sess.Org.ID {
		s.denyNotFound(w, r, sess, "need", id)
		return
	}
	m, err := s.search.Matches(r.Context(), n, req)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := liNeedView{M: m, Next: nextLink(path, m.NextCursor), Paged: req.After > 0}
	s.render(w, r, sess, http.StatusOK, "li_need", "技术需求匹配", pathLINeeds, v)
}
