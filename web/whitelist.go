package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/uscc"
	"github.com/ipledge/ipledge/whitelist"
)

// The whitelist pages: the bank's status lookup and change feed, the
// bureau's nominations, the IP office's review, batches, review flags and
// enterprise history, and the enterprise's own status.
const (
	pathWLLookup      = "/whitelist/lookup"
	pathWLChanges     = "/whitelist/changes"
	pathWLNominate    = "/whitelist/nominate"
	pathWLNominations = "/whitelist/nominations"
	pathWLReview      = "/whitelist/review"
	pathWLBatches     = "/whitelist/batches"
	pathWLEntries     = "/whitelist/entries"
	pathWLEnterprises = "/whitelist/enterprises"
	pathWLMine        = "/whitelist/mine"
)

// wlFormBytes bounds a whitelist form: a thousand pasted codes with
// generous room for separators.
const wlFormBytes = 128 << 10

// wlListLimit is how many rows a whitelist list page shows.
const wlListLimit = 50

// reviewLimit is how many pending nominations the review page loads (and
// orders priority first).
const reviewLimit = 100

// whitelistPages are the navigation entries the whitelist builds.
func (s *Server) whitelistPages() map[string]http.Handler {
	return map[string]http.Handler{
		pathWLLookup:      s.only(s.wlLookup, auth.RoleBank),
		pathWLNominate:    s.only(s.wlNominateForm, auth.RoleEconBureau),
		pathWLNominations: s.only(s.wlNominations, auth.RoleEconBureau),
		pathWLReview:      s.only(s.wlReview, auth.RoleIPOffice),
		pathWLMine:        s.only(s.wlMine, auth.RoleEnterprise),
	}
}

// whitelistRoutes registers the whitelist's other pages and its forms.
func (s *Server) whitelistRoutes(mux *http.ServeMux) {
	bank, bureau, ip := auth.RoleBank, auth.RoleEconBureau, auth.RoleIPOffice
	mux.Handle("POST "+pathWLLookup, s.only(s.wlLookupMany, bank))
	mux.Handle("GET "+pathWLChanges, s.only(s.wlChanges, bank))

	mux.Handle("POST "+pathWLNominate, s.only(s.wlNominate, bureau))

	mux.Handle("POST /whitelist/nominations/{id}/accept", s.only(s.wlAccept, ip))
	mux.Handle("POST /whitelist/nominations/{id}/reject", s.only(s.wlReject, ip))
	mux.Handle("GET "+pathWLBatches, s.only(s.wlBatches, ip))
	mux.Handle("POST "+pathWLBatches, s.only(s.wlCreateBatch, ip))
	mux.Handle("GET /whitelist/batches/{id}", s.only(s.wlBatch, ip))
	mux.Handle("POST /whitelist/batches/{id}/notice", s.only(s.wlStartNotice, ip))
	mux.Handle("POST /whitelist/batches/{id}/publish", s.only(s.wlPublish, ip))
	mux.Handle("POST /whitelist/entries/{id}/objections", s.only(s.wlRecordObjection, ip))
	mux.Handle("POST /whitelist/objections/{id}/resolve", s.only(s.wlResolveObjection, ip))
	mux.Handle("GET "+pathWLEntries, s.only(s.wlEntries, ip))
	mux.Handle("POST /whitelist/entries/{id}/close-review", s.only(s.wlCloseReview, ip))
	for _, action := range []string{"suspend", "reinstate", "revoke"} {
		mux.Handle("POST /whitelist/entries/{id}/"+action, s.only(s.wlLifecycle(action), ip))
	}
	mux.Handle("GET "+pathWLEnterprises, s.only(s.wlFindEnterprise, ip))
	mux.Handle("GET "+pathWLEnterprises+"/{uscc}", s.only(s.wlEnterprise, ip))
	// The links of the whitelist's notifications.
	mux.Handle("GET /whitelist/{uscc}", s.page(s.wlLink))
}

// wlLink sends a notification's /whitelist/{uscc} link to the page where
// the reader's role sees that enterprise.
func (s *Server) wlLink(w http.ResponseWriter, r *http.Request, sess *session) {
	code := uscc.Normalize(r.PathValue("uscc"))
	switch sess.Principal.Role {
	case auth.RoleIPOffice:
		http.Redirect(w, r, enterprisePath(code), http.StatusSeeOther)
	case auth.RoleEconBureau:
		http.Redirect(w, r, pathWLNominations, http.StatusSeeOther)
	case auth.RoleBank:
		http.Redirect(w, r, pathWLLookup+"?uscc="+url.QueryEscape(code), http.StatusSeeOther)
	case auth.RoleEnterprise:
		http.Redirect(w, r, pathWLMine, http.StatusSeeOther)
	default:
		s.forbidden(w, r, sess)
	}
}

// only is a page for the given roles; any other role gets the 403 page.
func (s *Server) only(fn pageFunc, roles ...string) http.Handler {
	return s.page(func(w http.ResponseWriter, r *http.Request, sess *session) {
		if !slices.Contains(roles, sess.Principal.Role) {
			s.forbidden(w, r, sess)
			return
		}
		fn(w, r, sess)
	})
}

// parseForm reads a whitelist form; false means the page was answered.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request, sess *session) bool {
	r.Body = http.MaxBytesReader(w, r.Body, wlFormBytes)
	if err := r.ParseForm(); err != nil {
		s.render(w, r, sess, http.StatusBadRequest, "message", "提交无效", "", message{
			Heading: "提交无效", Text: "提交的内容过大或格式无效，请返回上一页重新填写。"})
		return false
	}
	return true
}

// pathID is the {id} of the route; false means the page was answered.
func (s *Server) pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.notFound(w, r)
		return 0, false
	}
	return id, true
}

// failed answers a service error that has no form to show it: a missing
// object is the 404 page, anything else the error page.
func (s *Server) failed(w http.ResponseWriter, r *http.Request, err error) {
	if problem.HasCode(err, "not_found") {
		s.notFound(w, r)
		return
	}
	s.serverError(w, r, err)
}

// parseDate reads an optional date field; a malformed one is a field
// error in e.
func parseDate(e *formError, field, v string) date.Date {
	v = strings.TrimSpace(v)
	if v == "" {
		return date.Date{}
	}
	d, err := date.Parse(v)
	if err != nil {
		e.field(field, fieldLabel(field)+"请按“年-月-日”填写，例如 2026-03-02")
	}
	return d
}

// ----- bank: status lookup and change feed -----

type lookupRow struct {
	Line   int
	Input  string
	Result whitelist.StatusResult
	Error  string
}

type lookupView struct {
	Query   string
	Single  *whitelist.StatusResult
	Codes   string
	Rows    []lookupRow
	Checked bool
	Invalid int
	Counts  []statusCount
	Max     int
	Err     *formError
}

type statusCount struct {
	Status whitelist.Status
	N      int
}

func (s *Server) wlLookup(w http.ResponseWriter, r *http.Request, sess *session) {
	v := lookupView{Max: whitelist.MaxBatchCheck}
	status := http.StatusOK
	if q := r.URL.Query(); q.Has("uscc") {
		v.Query = strings.TrimSpace(q.Get("uscc"))
		code, err := s.wl.ValidateUSCC(r.Context(), "uscc", v.Query)
		if err != nil {
			fe, ok := refusal(err, "single", 0, map[string]string{"uscc": v.Query}, nil)
			if !ok {
				s.serverError(w, r, err)
				return
			}
			v.Err, status = fe, fe.Status
		} else {
			res, err := s.wl.Status(r.Context(), code)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			v.Single = &res
		}
	}
	s.render(w, r, sess, status, "wl_lookup", "白名单查询", pathWLLookup, v)
}

// wlLookupMany checks the pasted codes, one a line. It changes nothing,
// so it answers with the table rather than a redirect.
func (s *Server) wlLookupMany(w http.ResponseWriter, r *http.Request, sess *session) {
	if !s.parseForm(w, r, sess) {
		return
	}
	v := lookupView{Max: whitelist.MaxBatchCheck, Codes: r.PostForm.Get("codes")}
	var inputs []string
	var lines []int
	for i, l := range strings.Split(v.Codes, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			inputs = append(inputs, l)
			lines = append(lines, i+1)
		}
	}
	switch {
	case len(inputs) == 0:
		v.Err = newFormError("many", 0, "请至少填写一个统一社会信用代码，每行一个。")
	case len(inputs) > whitelist.MaxBatchCheck:
		v.Err = newFormError("many", 0, fmt.Sprintf("一次最多查询 %d 个代码，当前为 %d 个，请分批查询。", whitelist.MaxBatchCheck, len(inputs)))
	}
	if v.Err != nil {
		s.render(w, r, sess, http.StatusBadRequest, "wl_lookup", "白名单查询", pathWLLookup, v)
		return
	}
	results, err := s.wl.CheckMany(r.Context(), inputs)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v.Checked = true
	counts := map[whitelist.Status]int{}
	for i, res := range results {
		row := lookupRow{Line: lines[i], Input: inputs[i], Result: res.StatusResult}
		if res.Error != nil {
			row.Error = usccMessage(inputs[i])
			if row.Error == "" {
				row.Error = "统一社会信用代码无效"
			}
			v.Invalid++
		} else {
			counts[res.Status]++
		}
		v.Rows = append(v.Rows, row)
	}
	for _, st := range []whitelist.Status{whitelist.StatusActive, whitelist.StatusPending, whitelist.StatusSuspended,
		whitelist.StatusRevoked, whitelist.StatusExpired, whitelist.StatusNotListed} {
		if counts[st] > 0 {
			v.Counts = append(v.Counts, statusCount{st, counts[st]})
		}
	}
	s.render(w, r, sess, http.StatusOK, "wl_lookup", "白名单查询", pathWLLookup, v)
}

type changesView struct {
	Items []whitelist.Change
	Older string
	Newer string
	Head  int64
}

// wlChanges shows the change feed a page at a time, newest page first.
// ?before= (a feed cursor) shows the page just older than it, ?after= the
// page just newer.
func (s *Server) wlChanges(w http.ResponseWriter, r *http.Request, sess *session) {
	const limit = wlListLimit
	head, err := s.wl.LatestChangeSeq(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	q := r.URL.Query()
	req := page.Request{After: max(0, head-limit), Limit: limit}
	switch {
	case q.Get("after") != "":
		req.After, err = page.Decode(q.Get("after"))
	case q.Get("before") != "":
		var before int64
		if before, err = page.Decode(q.Get("before")); err == nil {
			req.After = max(0, before-1-limit)
			req.Limit = int(before - 1 - req.After)
		}
	}
	if err != nil || req.Limit < 1 {
		http.Redirect(w, r, pathWLChanges, http.StatusSeeOther)
		return
	}
	pg, err := s.wl.Changes(r.Context(), req)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := changesView{Head: head}
	if n := len(pg.Items); n > 0 {
		if first := pg.Items[0].Seq; first > 1 {
			v.Older = pathWLChanges + "?before=" + page.Encode(first)
		}
		if last := pg.Items[n-1].Seq; last < head {
			v.Newer = pathWLChanges + "?after=" + page.Encode(last)
		}
	} else if req.After > 0 {
		v.Older = pathWLChanges
	}
	for i := len(pg.Items) - 1; i >= 0; i-- {
		v.Items = append(v.Items, pg.Items[i])
	}
	s.render(w, r, sess, http.StatusOK, "wl_changes", "白名单变更记录", pathWLLookup, v)
}

// ----- bureau: nominations -----

type nominateView struct {
	Err *formError
}

func (s *Server) wlNominateForm(w http.ResponseWriter, r *http.Request, sess *session) {
	s.render(w, r, sess, http.StatusOK, "wl_nominate", "企业推荐", pathWLNominate, nominateView{})
}

// nominateFields are the nomination form's fields.
var nominateFields = []string{"uscc", "name", "industry", "is_sme", "hightech_cert_no", "hightech_valid_until",
	"srdi_level", "bureau_doc_no", "bureau_recognised_on", "valid_invention_patents", "evidence"}

func (s *Server) wlNominate(w http.ResponseWriter, r *http.Request, sess *session) {
	if !s.parseForm(w, r, sess) {
		return
	}
	raw := map[string]string{}
	for _, f := range nominateFields {
		raw[f] = r.PostForm.Get(f)
	}
	local := newFormError("nominate", 0, "")
	local.Values = raw
	in := whitelist.NominationInput{
		USCC: raw["uscc"], Name: raw["name"], Industry: raw["industry"], IsSME: raw["is_sme"] != "",
		HighTechCertNo: raw["hightech_cert_no"], SRDILevel: raw["srdi_level"], BureauDocNo: raw["bureau_doc_no"],
		Evidence:           raw["evidence"],
		HighTechValidUntil: parseDate(local, "hightech_valid_until", raw["hightech_valid_until"]),
		BureauRecognisedOn: parseDate(local, "bureau_recognised_on", raw["bureau_recognised_on"]),
	}
	if p := strings.TrimSpace(raw["valid_invention_patents"]); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 100000 {
			local.field("valid_invention_patents", "有效发明专利件数请填写 0 或正整数")
		}
		in.ValidInventionPatents = n
	}
	if len(local.Fields) > 0 {
		local.Message = "提交的内容有误，请按提示修改。"
		s.render(w, r, sess, http.StatusBadRequest, "wl_nominate", "企业推荐", pathWLNominate, nominateView{Err: local})
		return
	}
	n, err := s.wl.Nominate(r.Context(), s.actor(r, sess.Principal), "", in)
	if err != nil {
		fe, ok := refusal(err, "nominate", 0, raw, nil)
		if !ok {
			s.serverError(w, r, err)
			return
		}
		s.render(w, r, sess, fe.Status, "wl_nominate", "企业推荐", pathWLNominate, nominateView{Err: fe})
		return
	}
	s.redirectFlash(w, r, pathWLNominations, fmt.Sprintf("已推荐“%s”（%s），等待知识产权局审核。", n.EnterpriseName, n.USCC))
}

type nominationRow struct {
	whitelist.Nomination
	Current whitelist.StatusResult
}

type nominationsView struct {
	Items []nominationRow
	Next  string
	Paged bool
}

func (s *Server) wlNominations(w http.ResponseWriter, r *http.Request, sess *session) {
	req, err := page.Parse(strconv.Itoa(wlListLimit), r.URL.Query().Get("cursor"))
	if err != nil {
		http.Redirect(w, r, pathWLNominations, http.StatusSeeOther)
		return
	}
	pg, err := s.wl.Nominations(r.Context(), req, whitelist.NominationFilter{OrgID: sess.Org.ID})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	codes := make([]string, len(pg.Items))
	for i, n := range pg.Items {
		codes[i] = n.USCC
	}
	current, err := s.wl.CheckMany(r.Context(), codes)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := nominationsView{Paged: req.After > 0}
	for i, n := range pg.Items {
		v.Items = append(v.Items, nominationRow{Nomination: n, Current: current[i].StatusResult})
	}
	if pg.NextCursor != "" {
		v.Next = pathWLNominations + "?cursor=" + url.QueryEscape(pg.NextCursor)
	}
	s.render(w, r, sess, http.StatusOK, "wl_nominations", "推荐进度", pathWLNominations, v)
}

// ----- IP office: review -----

type reviewItem struct {
	N      whitelist.Nomination
	Ent    whitelist.Enterprise
	Checks []whitelist.Check
	Passed bool
	// Waivable: every failed check may be waived with a reason.
	Waivable bool
}

type reviewView struct {
	Tab    string
	Items  []reviewItem
	More   bool
	Drafts []whitelist.Batch
	Err    *formError
	// Lost is a refusal whose form is no longer on the page (the
	// nomination was decided meanwhile): shown at the top.
	Lost *formError
}

func (s *Server) wlReview(w http.ResponseWriter, r *http.Request, sess *session) {
	s.renderReview(w, r, sess, http.StatusOK, nil)
}

func (s *Server) renderReview(w http.ResponseWriter, r *http.Request, sess *session, status int, fe *formError) {
	ctx := r.Context()
	pg, err := s.wl.Nominations(ctx, page.Request{Limit: reviewLimit}, whitelist.NominationFilter{Status: whitelist.NominationPending})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := reviewView{Tab: "review", More: pg.NextCursor != "", Err: fe}
	noms := pg.Items
	sort.SliceStable(noms, func(i, j int) bool { return noms[i].Priority && !noms[j].Priority })
	for _, n := range noms {
		ent, err := s.wl.Enterprise(ctx, n.USCC)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		checks, err := s.wl.Eligibility(ctx, n)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		it := reviewItem{N: n, Ent: ent, Checks: checks, Passed: true, Waivable: true}
		for _, c := range checks {
			if !c.Passed {
				it.Passed = false
				it.Waivable = it.Waivable && c.Overridable
			}
		}
		v.Items = append(v.Items, it)
	}
	if fe != nil && fe.ID != 0 && !slices.ContainsFunc(v.Items, func(it reviewItem) bool { return it.N.ID == fe.ID }) {
		v.Lost = fe
	}
	if v.Drafts, err = s.draftBatches(r); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, sess, status, "wl_review", "白名单审核", pathWLReview, v)
}

// draftBatches are the batches that take entries.
func (s *Server) draftBatches(r *http.Request) ([]whitelist.Batch, error) {
	var out []whitelist.Batch
	req := page.Request{Limit: page.MaxLimit}
	for {
		pg, err := s.wl.Batches(r.Context(), req)
		if err != nil {
			return nil, err
		}
		for _, b := range pg.Items {
			if b.Status == whitelist.BatchDraft {
				out = append(out, b)
			}
		}
		if pg.NextCursor == "" {
			return out, nil
		}
		if req.After, err = page.Decode(pg.NextCursor); err != nil {
			return nil, err
		}
	}
}

func (s *Server) wlAccept(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok || !s.parseForm(w, r, sess) {
		return
	}
	raw := map[string]string{"batch_id": r.PostForm.Get("batch_id"), "override_reason": r.PostForm.Get("override_reason")}
	batchID, err := strconv.ParseInt(raw["batch_id"], 10, 64)
	if err != nil || batchID <= 0 {
		fe := newFormError("accept", id, "请选择要列入的草稿批次。").field("batch_id", "请选择批次")
		fe.Values = raw
		s.renderReview(w, r, sess, http.StatusBadRequest, fe)
		return
	}
	e, err := s.wl.Accept(r.Context(), s.actor(r, sess.Principal), id, batchID, raw["override_reason"])
	if err != nil {
		s.refused(w, r, err, "accept", id, raw, map[string]string{"duplicate": "该企业已在所选批次中。"}, func(fe *formError) { s.renderReview(w, r, sess, fe.Status, fe) })
		return
	}
	s.redirectFlash(w, r, pathWLReview, fmt.Sprintf("已将“%s”列入批次“%s”。", e.EnterpriseName, e.BatchName))
}

func (s *Server) wlReject(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok || !s.parseForm(w, r, sess) {
		return
	}
	raw := map[string]string{"reason": r.PostForm.Get("reason")}
	n, err := s.wl.Reject(r.Context(), s.actor(r, sess.Principal), id, raw["reason"])
	if err != nil {
		if problem.HasCode(err, "not_found") {
			s.notFound(w, r)
			return
		}
		fe, ok := refusal(err, "reject", id, raw, nil)
		if !ok {
			s.serverError(w, r, err)
			return
		}
		if fe.Fields["reason"] != "" {
			fe.Fields["reason"] = "请填写不予通过的理由"
			fe.Message = "请填写不予通过的理由。"
		}
		s.renderReview(w, r, sess, fe.Status, fe)
		return
	}
	s.redirectFlash(w, r, pathWLReview, fmt.Sprintf("“%s”的推荐未予通过，已通知推荐单位。", n.EnterpriseName))
}

// ----- IP office: batches -----

type batchesView struct {
	Tab   string
	Items []whitelist.Batch
	Next  string
	Paged bool
	Err   *formError
}

func (s *Server) wlBatches(w http.ResponseWriter, r *http.Request, sess *session) {
	s.renderBatches(w, r, sess, http.StatusOK, nil)
}

func (s *Server) renderBatches(w http.ResponseWriter, r *http.Request, sess *session, status int, fe *formError) {
	req, err := page.Parse(strconv.Itoa(wlListLimit), r.URL.Query().Get("cursor"))
	if err != nil {
		http.Redirect(w, r, pathWLBatches, http.StatusSeeOther)
		return
	}
	pg, err := s.wl.Batches(r.Context(), req)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := batchesView{Tab: "batches", Items: pg.Items, Paged: req.After > 0, Err: fe}
	if pg.NextCursor != "" {
		v.Next = pathWLBatches + "?cursor=" + url.QueryEscape(pg.NextCursor)
	}
	s.render(w, r, sess, status, "wl_batches", "白名单批次", pathWLReview, v)
}

func (s *Server) wlCreateBatch(w http.ResponseWriter, r *http.Request, sess *session) {
	if !s.parseForm(w, r, sess) {
		return
	}
	raw := map[string]string{"name": r.PostForm.Get("name")}
	fromReview := r.PostForm.Get("from") == "review"
	b, err := s.wl.CreateBatch(r.Context(), s.actor(r, sess.Principal), raw["name"])
	if err != nil {
		fe, ok := refusal(err, "batch", 0, raw, map[string]string{"duplicate": "已有同名批次，请换一个名称。"})
		if !ok {
			s.serverError(w, r, err)
			return
		}
		if fe.Fields["name"] != "" && fe.Message == fe.Fields["name"]+"。" {
			fe.Fields["name"] = strings.Replace(fe.Fields["name"], "名称", "批次名称", 1)
			fe.Message = fe.Fields["name"] + "。"
		}
		if fromReview {
			s.renderReview(w, r, sess, fe.Status, fe)
		} else {
			s.renderBatches(w, r, sess, fe.Status, fe)
		}
		return
	}
	target := pathWLBatches
	if fromReview {
		target = pathWLReview
	}
	s.redirectFlash(w, r, target, fmt.Sprintf("已新建草稿批次“%s”。", b.Name))
}

type batchEntry struct {
	E          whitelist.Entry
	Objections []whitelist.Objection
}

type batchView struct {
	Tab     string
	B       whitelist.Batch
	Entries []batchEntry
	Open    int
	More    bool
	Err     *formError
	Lost    *formError // a refusal whose form is no longer on the page
}

func (s *Server) wlBatch(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	s.renderBatch(w, r, sess, id, http.StatusOK, nil)
}

func (s *Server) renderBatch(w http.ResponseWriter, r *http.Request, sess *session, id int64, status int, fe *formError) {
	ctx := r.Context()
	b, err := s.wl.Batch(ctx, id)
	if err != nil {
		s.failed(w, r, err)
		return
	}
	pg, err := s.wl.Entries(ctx, page.Request{Limit: page.MaxLimit}, whitelist.EntryFilter{BatchID: id})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	objs, err := s.wl.Objections(ctx, id)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	byEntry := map[int64][]whitelist.Objection{}
	v := batchView{Tab: "batches", B: b, More: pg.NextCursor != "", Err: fe}
	for _, o := range objs {
		byEntry[o.EntryID] = append(byEntry[o.EntryID], o)
		if o.Status == "open" {
			v.Open++
		}
	}
	shown := map[string]bool{"notice": b.Status == whitelist.BatchDraft, "publish": b.Status == whitelist.BatchPublicNotice}
	for _, e := range pg.Items {
		v.Entries = append(v.Entries, batchEntry{E: e, Objections: byEntry[e.ID]})
		if fe != nil && fe.ID == e.ID && fe.Form == "objection" {
			shown["objection"] = b.Status == whitelist.BatchPublicNotice && e.State == whitelist.EntryListed
		}
	}
	for _, o := range objs {
		if fe != nil && fe.ID == o.ID && fe.Form == "resolve" {
			shown["resolve"] = o.Status == "open"
		}
	}
	if fe != nil && !shown[fe.Form] {
		v.Lost = fe
	}
	s.render(w, r, sess, status, "wl_batch", b.Name, pathWLReview, v)
}

func (s *Server) wlStartNotice(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok || !s.parseForm(w, r, sess) {
		return
	}
	raw := map[string]string{"start": r.PostForm.Get("start")}
	fe := newFormError("notice", id, "")
	fe.Values = raw
	start := parseDate(fe, "start", raw["start"])
	if len(fe.Fields) > 0 {
		fe.Message = fe.Fields["start"] + "。"
		s.renderBatch(w, r, sess, id, http.StatusBadRequest, fe)
		return
	}
	b, err := s.wl.StartNotice(r.Context(), s.actor(r, sess.Principal), id, start)
	if err != nil {
		s.refused(w, r, err, "notice", id, raw, nil, func(fe *formError) { s.renderBatch(w, r, sess, id, fe.Status, fe) })
		return
	}
	s.redirectFlash(w, r, fmt.Sprintf("%s/%d", pathWLBatches, id),
		fmt.Sprintf("“%s”已开始公示，公示期 %s 至 %s。", b.Name, b.NoticeStart, b.NoticeEnd))
}

func (s *Server) wlPublish(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok || !s.parseForm(w, r, sess) {
		return
	}
	raw := map[string]string{"effective_on": r.PostForm.Get("effective_on"), "valid_until": r.PostForm.Get("valid_until")}
	fe := newFormError("publish", id, "")
	fe.Values = raw
	eff := parseDate(fe, "effective_on", raw["effective_on"])
	until := parseDate(fe, "valid_until", raw["valid_until"])
	if len(fe.Fields) > 0 {
		fe.Message = "日期格式有误，请按提示修改。"
		s.renderBatch(w, r, sess, id, http.StatusBadRequest, fe)
		return
	}
	b, err := s.wl.Publish(r.Context(), s.actor(r, sess.Principal), id, eff, until)
	if err != nil {
		s.refused(w, r, err, "publish", id, raw, nil, func(fe *formError) { s.renderBatch(w, r, sess, id, fe.Status, fe) })
		return
	}
	s.redirectFlash(w, r, fmt.Sprintf("%s/%d", pathWLBatches, id),
		fmt.Sprintf("“%s”已发布，自 %s 起生效，有效期至 %s。", b.Name, b.EffectiveOn, b.ValidUntil))
}

// refused answers a service's refusal of a form: an object that is gone
// is the 404 page, an internal error the 500 page, and a refusal shows
// the form again through show with the reason and what was typed.
func (s *Server) refused(w http.ResponseWriter, r *http.Request, err error, form string, id int64,
	raw, msgs map[string]string, show func(fe *formError)) {
	if problem.HasCode(err, "not_found") {
		s.notFound(w, r)
		return
	}
	fe, ok := refusal(err, form, id, raw, msgs)
	if !ok {
		s.serverError(w, r, err)
		return
	}
	show(fe)
}

// entryOf loads the {id} entry of a form's route; false means the page
// was answered.
func (s *Server) entryOf(w http.ResponseWriter, r *http.Request, sess *session) (whitelist.Entry, bool) {
	id, ok := s.pathID(w, r)
	if !ok || !s.parseForm(w, r, sess) {
		return whitelist.Entry{}, false
	}
	e, err := s.wl.Entry(r.Context(), id)
	if err != nil {
		s.failed(w, r, err)
		return whitelist.Entry{}, false
	}
	return e, true
}

func (s *Server) wlRecordObjection(w http.ResponseWriter, r *http.Request, sess *session) {
	e, ok := s.entryOf(w, r, sess)
	if !ok {
		return
	}
	raw := map[string]string{"objector": r.PostForm.Get("objector"), "content": r.PostForm.Get("content")}
	if _, err := s.wl.RecordObjection(r.Context(), s.actor(r, sess.Principal), e.ID, raw["objector"], raw["content"]); err != nil {
		s.refused(w, r, err, "objection", e.ID, raw, nil, func(fe *formError) { s.renderBatch(w, r, sess, e.BatchID, fe.Status, fe) })
		return
	}
	s.redirectFlash(w, r, fmt.Sprintf("%s/%d", pathWLBatches, e.BatchID), fmt.Sprintf("已登记对“%s”的异议，请在发布前处理。", e.EnterpriseName))
}

func (s *Server) wlResolveObjection(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.pathID(w, r)
	if !ok || !s.parseForm(w, r, sess) {
		return
	}
	batchID, err := strconv.ParseInt(r.PostForm.Get("batch_id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	objs, err := s.wl.Objections(r.Context(), batchID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !slices.ContainsFunc(objs, func(o whitelist.Objection) bool { return o.ID == id }) {
		s.notFound(w, r)
		return
	}
	raw := map[string]string{"decision": r.PostForm.Get("decision"), "resolution": r.PostForm.Get("resolution")}
	if raw["decision"] != "upheld" && raw["decision"] != "dismissed" {
		fe := newFormError("resolve", id, "请选择异议是否成立。").field("decision", "请选择处理结果")
		fe.Values = raw
		s.renderBatch(w, r, sess, batchID, http.StatusBadRequest, fe)
		return
	}
	upheld := raw["decision"] == "upheld"
	if _, err := s.wl.ResolveObjection(r.Context(), s.actor(r, sess.Principal), id, upheld, raw["resolution"]); err != nil {
		s.refused(w, r, err, "resolve", id, raw, nil, func(fe *formError) { s.renderBatch(w, r, sess, batchID, fe.Status, fe) })
		return
	}
	msg := "异议不成立，企业保留在批次中。"
	if upheld {
		msg = "异议成立，企业已移出该批次。"
	}
	s.redirectFlash(w, r, fmt.Sprintf("%s/%d", pathWLBatches, batchID), msg)
}

// ----- IP office: entries under review, lifecycle, enterprise history -----

type entriesView struct {
	Tab   string
	Items []whitelist.Entry
	Next  string
	Paged bool
	Err   *formError
	Lost  *formError // a refusal whose form is no longer on the page
}

func (s *Server) wlEntries(w http.ResponseWriter, r *http.Request, sess *session) {
	s.renderEntries(w, r, sess, http.StatusOK, nil)
}

func (s *Server) renderEntries(w http.ResponseWriter, r *http.Request, sess *session, status int, fe *formError) {
	req, err := page.Parse(strconv.Itoa(wlListLimit), r.URL.Query().Get("cursor"))
	if err != nil {
		http.Redirect(w, r, pathWLEntries, http.StatusSeeOther)
		return
	}
	pg, err := s.wl.Entries(r.Context(), req, whitelist.EntryFilter{ReviewOnly: true})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := entriesView{Tab: "entries", Items: pg.Items, Paged: req.After > 0, Err: fe}
	if fe != nil && !slices.ContainsFunc(v.Items, func(e whitelist.Entry) bool { return e.ID == fe.ID }) {
		v.Lost = fe
	}
	if pg.NextCursor != "" {
		v.Next = pathWLEntries + "?cursor=" + url.QueryEscape(pg.NextCursor)
	}
	s.render(w, r, sess, status, "wl_entries", "风险复核", pathWLReview, v)
}

func (s *Server) wlCloseReview(w http.ResponseWriter, r *http.Request, sess *session) {
	e, ok := s.entryOf(w, r, sess)
	if !ok {
		return
	}
	raw := map[string]string{"outcome": r.PostForm.Get("outcome")}
	fromList := r.PostForm.Get("from") == "entries"
	if _, err := s.wl.ClearReviewFlag(r.Context(), s.actor(r, sess.Principal), e.ID, raw["outcome"]); err != nil {
		fe, ok := refusal(err, "review", e.ID, raw, nil)
		if !ok {
			s.serverError(w, r, err)
			return
		}
		if fromList {
			s.renderEntries(w, r, sess, fe.Status, fe)
		} else {
			s.renderEnterprise(w, r, sess, e.USCC, fe.Status, fe)
		}
		return
	}
	target := enterprisePath(e.USCC)
	if fromList {
		target = pathWLEntries
	}
	s.redirectFlash(w, r, target, fmt.Sprintf("已结束对“%s”的复核。", e.EnterpriseName))
}

func enterprisePath(code string) string { return pathWLEnterprises + "/" + url.PathEscape(code) }

// lifecycleDone says what each lifecycle step did.
var lifecycleDone = map[string]string{
	"suspend":   "已暂停“%s”的白名单资格。",
	"reinstate": "已恢复“%s”的白名单资格。",
	"revoke":    "已撤销“%s”的白名单资格。",
}

func (s *Server) wlLifecycle(action string) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, sess *session) {
		e, ok := s.entryOf(w, r, sess)
		if !ok {
			return
		}
		raw := map[string]string{"reason": r.PostForm.Get("reason")}
		a := s.actor(r, sess.Principal)
		var err error
		switch action {
		case "suspend":
			_, err = s.wl.Suspend(r.Context(), a, e.ID, raw["reason"])
		case "reinstate":
			_, err = s.wl.Reinstate(r.Context(), a, e.ID, raw["reason"])
		default:
			_, err = s.wl.Revoke(r.Context(), a, e.ID, raw["reason"])
		}
		if err != nil {
			fe, ok := refusal(err, "lifecycle", e.ID, raw, nil)
			if !ok {
				s.serverError(w, r, err)
				return
			}
			s.renderEnterprise(w, r, sess, e.USCC, fe.Status, fe)
			return
		}
		s.redirectFlash(w, r, enterprisePath(e.USCC), fmt.Sprintf(lifecycleDone[action], e.EnterpriseName))
	}
}

// wlFindEnterprise answers the enterprise search box.
func (s *Server) wlFindEnterprise(w http.ResponseWriter, r *http.Request, sess *session) {
	code := uscc.Normalize(r.URL.Query().Get("uscc"))
	if code == "" {
		http.Redirect(w, r, pathWLReview, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, enterprisePath(code), http.StatusSeeOther)
}

type enterpriseView struct {
	Tab         string
	Ent         whitelist.Enterprise
	Status      whitelist.StatusResult
	Entries     []whitelist.Entry
	History     []whitelist.HistoryEvent
	HistoryMore bool
	Noms        []whitelist.Nomination
	Err         *formError
	Lost        *formError // a refusal whose form is no longer on the page
}

func (s *Server) wlEnterprise(w http.ResponseWriter, r *http.Request, sess *session) {
	s.renderEnterprise(w, r, sess, uscc.Normalize(r.PathValue("uscc")), http.StatusOK, nil)
}

func (s *Server) renderEnterprise(w http.ResponseWriter, r *http.Request, sess *session, code string, status int, fe *formError) {
	ctx := r.Context()
	ent, err := s.wl.Enterprise(ctx, code)
	if problem.HasCode(err, "not_found") {
		s.render(w, r, sess, http.StatusNotFound, "message", "未找到企业", pathWLReview, message{
			Heading: "未找到企业", Text: "白名单中没有统一社会信用代码为 " + code + " 的企业记录。"})
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := enterpriseView{Tab: "enterprise", Ent: ent, Err: fe}
	if v.Status, err = s.wl.Status(ctx, ent.USCC); err != nil {
		s.serverError(w, r, err)
		return
	}
	entries, err := s.wl.Entries(ctx, page.Request{Limit: page.MaxLimit}, whitelist.EntryFilter{EnterpriseID: ent.ID})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v.Entries = entries.Items
	slices.Reverse(v.Entries)
	if fe != nil && !slices.ContainsFunc(v.Entries, func(e whitelist.Entry) bool {
		if e.ID != fe.ID {
			return false
		}
		if fe.Form == "review" {
			return e.ReviewFlag
		}
		return e.BatchStatus == whitelist.BatchPublished && (e.State == whitelist.EntryListed || e.State == whitelist.EntrySuspended)
	}) {
		v.Lost = fe
	}
	noms, err := s.wl.Nominations(ctx, page.Request{Limit: page.MaxLimit}, whitelist.NominationFilter{USCC: ent.USCC})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v.Noms = noms.Items
	slices.Reverse(v.Noms)
	hist, err := s.wl.History(ctx, ent.USCC, page.Request{Limit: page.MaxLimit})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v.History, v.HistoryMore = hist.Items, hist.NextCursor != ""
	s.render(w, r, sess, status, "wl_enterprise", ent.Name, pathWLReview, v)
}

// ----- enterprise: its own status -----

type mineView struct {
	USCC    string
	Status  whitelist.StatusResult
	History []whitelist.HistoryEvent
}

func (s *Server) wlMine(w http.ResponseWriter, r *http.Request, sess *session) {
	if sess.Org.USCC == nil || *sess.Org.USCC == "" {
		s.render(w, r, sess, http.StatusOK, "message", "我的白名单状态", pathWLMine, message{
			Heading: "我的白名单状态", Text: "本企业在平台上尚未登记统一社会信用代码，无法查询白名单状态。请联系平台管理员补充登记。"})
		return
	}
	ctx := r.Context()
	v := mineView{USCC: *sess.Org.USCC}
	var err error
	if v.Status, err = s.wl.Status(ctx, v.USCC); err != nil {
		s.serverError(w, r, err)
		return
	}
	hist, err := s.wl.History(ctx, v.USCC, page.Request{Limit: page.MaxLimit})
	if err != nil && !problem.HasCode(err, "not_found") {
		s.serverError(w, r, err)
		return
	}
	v.History = hist.Items
	s.render(w, r, sess, http.StatusOK, "wl_mine", "我的白名单状态", pathWLMine, v)
}
