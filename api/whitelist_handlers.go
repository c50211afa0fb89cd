package api

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/whitelist"
)

// Role groups of the whitelist routes.
var (
	// whitelistCheckers read an enterprise's status (an enterprise only
	// its own).
	whitelistCheckers = []string{auth.RoleBank, auth.RoleIPOffice, auth.RoleEconBureau, auth.RoleEnterprise}
	// whitelistMirrors check in bulk and mirror the change feed.
	whitelistMirrors = []string{auth.RoleBank, auth.RoleIPOffice, auth.RoleEconBureau}
	// whitelistHistoryReaders read an enterprise's history (an enterprise
	// only its own).
	whitelistHistoryReaders = []string{auth.RoleIPOffice, auth.RoleEconBureau, auth.RoleEnterprise}
	// whitelistNominators propose enterprises (an enterprise only itself).
	whitelistNominators = []string{auth.RoleEconBureau, auth.RoleIPOffice, auth.RoleEnterprise}
	// whitelistAdmins run the whitelist: review, batches, lifecycle.
	whitelistAdmins = []string{auth.RoleIPOffice}
	// whitelistBatchReaders read batches and their entries.
	whitelistBatchReaders = []string{auth.RoleIPOffice, auth.RoleEconBureau, auth.RoleBank}
	// Objections name private persons: the IP office and the bureau see
	// them, banks do not.
	whitelistObjectionReaders = []string{auth.RoleIPOffice, auth.RoleEconBureau}
)

// ownUSCC returns the caller's organisation's USCC ("" when it has none).
func (s *Server) ownUSCC(c *gin.Context) (string, error) {
	o, err := s.accounts.Organisation(c.Request.Context(), mustPrincipal(c).OrgID)
	if err != nil || o.USCC == nil {
		return "", err
	}
	return *o.USCC, nil
}

// usccParam validates the {uscc} path parameter (lower case accepted):
// an invalid code is 400 invalid_uscc. For an enterprise, a code other
// than its own is answered 404 and audited.
func (s *Server) usccParam(c *gin.Context, objectType string) (string, bool) {
	code, err := s.whitelist.ValidateUSCC(c.Request.Context(), "uscc", c.Param("uscc"))
	if err != nil {
		fail(c, err)
		return "", false
	}
	if mustPrincipal(c).Role == auth.RoleEnterprise {
		own, err := s.ownUSCC(c)
		if err != nil {
			fail(c, err)
			return "", false
		}
		if own == "" || own != code {
			s.denyNotFound(c, objectType, code)
			return "", false
		}
	}
	return code, true
}

// optionalDate parses an optional YYYY-MM-DD field, appending a field
// error when it is malformed.
func optionalDate(field, v string, fe *[]problem.FieldError) date.Date {
	if v == "" {
		return date.Date{}
	}
	d, err := date.Parse(v)
	if err != nil {
		*fe = append(*fe, problem.Field(field, "invalid", field+" must be a date in the form YYYY-MM-DD"))
	}
	return d
}

func (s *Server) whitelistStatus(c *gin.Context) {
	code, ok := s.usccParam(c, "enterprise")
	if !ok {
		return
	}
	r, err := s.whitelist.Status(c.Request.Context(), code)
	respond(c, http.StatusOK, r, err)
}

// whitelistCheckBody is the body of POST /whitelist/check.
type whitelistCheckBody struct {
	USCCs []string `json:"usccs"`
}

func (s *Server) whitelistCheck(c *gin.Context) {
	req, ok := bind[whitelistCheckBody](c)
	if !ok {
		return
	}
	switch {
	case req.USCCs == nil:
		fail(c, problem.Invalid(problem.Field("usccs", "required", "usccs is required: a list of 1 to 1000 codes")))
		return
	case len(req.USCCs) == 0:
		fail(c, problem.Invalid(problem.Field("usccs", "empty", "usccs must hold at least one code")))
		return
	case len(req.USCCs) > whitelist.MaxBatchCheck:
		fail(c, problem.Invalid(problem.Field("usccs", "too_many",
			"usccs holds "+strconv.Itoa(len(req.USCCs))+" codes; at most "+strconv.Itoa(whitelist.MaxBatchCheck)+" are checked at once")))
		return
	}
	rs, err := s.whitelist.CheckMany(c.Request.Context(), req.USCCs)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"results": rs})
}

func (s *Server) whitelistChanges(c *gin.Context) {
	r, ok := feedParams(c)
	if !ok {
		return
	}
	p, err := s.whitelist.Changes(c.Request.Context(), r)
	respond(c, http.StatusOK, p, err)
}

func (s *Server) whitelistHistory(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	code, ok := s.usccParam(c, "enterprise")
	if !ok {
		return
	}
	p, err := s.whitelist.History(c.Request.Context(), code, r)
	respond(c, http.StatusOK, p, err)
}

func (s *Server) getEnterprise(c *gin.Context) {
	code, ok := s.usccParam(c, "enterprise")
	if !ok {
		return
	}
	e, err := s.whitelist.Enterprise(c.Request.Context(), code)
	respond(c, http.StatusOK, e, err)
}

// nominationBody is the body of POST /whitelist/nominations. Dates are
// read as strings so that a malformed one is reported as a field error.
type nominationBody struct {
	USCC                  string           `json:"uscc"`
	Name                  string           `json:"name"`
	Industry              string           `json:"industry"`
	IsSME                 bool             `json:"is_sme"`
	HighTechCertNo        string           `json:"hightech_cert_no"`
	HighTechValidUntil    string           `json:"hightech_valid_until"`
	SRDILevel             string           `json:"srdi_level"`
	BureauDocNo           string           `json:"bureau_doc_no"`
	BureauRecognisedOn    string           `json:"bureau_recognised_on"`
	ValidInventionPatents int              `json:"valid_invention_patents"`
	Source                whitelist.Source `json:"source"`
	Evidence              string           `json:"evidence"`
}

func (s *Server) createNomination(c *gin.Context) {
	req, ok := bind[nominationBody](c)
	if !ok {
		return
	}
	var fe []problem.FieldError
	in := whitelist.NominationInput{USCC: req.USCC, Name: req.Name, Industry: req.Industry, IsSME: req.IsSME,
		HighTechCertNo: req.HighTechCertNo, SRDILevel: req.SRDILevel, BureauDocNo: req.BureauDocNo,
		ValidInventionPatents: req.ValidInventionPatents, Source: req.Source, Evidence: req.Evidence,
		HighTechValidUntil: optionalDate("hightech_valid_until", req.HighTechValidUntil, &fe),
		BureauRecognisedOn: optionalDate("bureau_recognised_on", req.BureauRecognisedOn, &fe)}
	if len(fe) > 0 {
		fail(c, problem.Invalid(fe...))
		return
	}
	own := ""
	if mustPrincipal(c).Role == auth.RoleEnterprise {
		var err error
		if own, err = s.ownUSCC(c); err != nil {
			fail(c, err)
			return
		}
	}
	n, err := s.whitelist.Nominate(c.Request.Context(), actor(c), own, in)
	respond(c, http.StatusCreated, n, err)
}

// nominationFilter narrows a nominations list to what the caller may see:
// the IP office all, the bureau its own organisation's, an enterprise its
// own. ok is false when the caller may see none.
func (s *Server) nominationFilter(c *gin.Context) (f whitelist.NominationFilter, ok bool, err error) {
	p := mustPrincipal(c)
	switch p.Role {
	case auth.RoleIPOffice:
		return f, true, nil
	case auth.RoleEconBureau:
		f.OrgID = p.OrgID
		return f, true, nil
	case auth.RoleEnterprise:
		f.USCC, err = s.ownUSCC(c)
		return f, err == nil && f.USCC != "", err
	}
	return f, false, nil
}

func (s *Server) listNominations(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	f, visible, err := s.nominationFilter(c)
	if err != nil {
		fail(c, err)
		return
	}
	f.Status = c.Query("status")
	if !visible {
		f.USCC = "-" // matches no enterprise; the status is still checked
	}
	p, err := s.whitelist.Nominations(c.Request.Context(), r, f)
	respond(c, http.StatusOK, p, err)
}

// nomination loads the {id} nomination if the caller may see it (else
// 404, audited when it exists).
func (s *Server) nomination(c *gin.Context) (whitelist.Nomination, bool) {
	id, ok := idParam(c, "id")
	if !ok {
		return whitelist.Nomination{}, false
	}
	n, err := s.whitelist.Nomination(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return n, false
	}
	f, visible, err := s.nominationFilter(c)
	if err != nil {
		fail(c, err)
		return n, false
	}
	if !visible || (f.OrgID != 0 && (n.NominatedOrg == nil || *n.NominatedOrg != f.OrgID)) || (f.USCC != "" && n.USCC != f.USCC) {
		s.denyNotFound(c, "nomination", id)
		return n, false
	}
	return n, true
}

func (s *Server) getNomination(c *gin.Context) {
	if n, ok := s.nomination(c); ok {
		c.JSON(http.StatusOK, n)
	}
}

func (s *Server) nominationEligibility(c *gin.Context) {
	n, ok := s.nomination(c)
	if !ok {
		return
	}
	checks, err := s.whitelist.Eligibility(c.Request.Context(), n)
	if err != nil {
		fail(c, err)
		return
	}
	passed := !slices.ContainsFunc(checks, func(x whitelist.Check) bool { return !x.Passed })
	c.JSON(http.StatusOK, gin.H{"nomination_id": n.ID, "eligible": passed, "checks": checks})
}

// acceptBody is the body of POST /whitelist/nominations/{id}/accept.
type acceptBody struct {
	BatchID        int64  `json:"batch_id"`
	OverrideReason string `json:"override_reason"`
}

func (s *Server) acceptNomination(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	req, ok := bind[acceptBody](c)
	if !ok {
		return
	}
	if req.BatchID <= 0 {
		fail(c, problem.Invalid(problem.Field("batch_id", "required", "batch_id is required: the draft batch to add the entry to")))
		return
	}
	e, err := s.whitelist.Accept(c.Request.Context(), actor(c), id, req.BatchID, req.OverrideReason)
	respond(c, http.StatusOK, e, err)
}

// whitelistReasonBody is the body of the transitions that need a reason.
type whitelistReasonBody struct {
	Reason string `json:"reason"`
}

func (s *Server) rejectNomination(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	req, ok := bind[whitelistReasonBody](c)
	if !ok {
		return
	}
	n, err := s.whitelist.Reject(c.Request.Context(), actor(c), id, req.Reason)
	respond(c, http.StatusOK, n, err)
}

// batchBody is the body of POST /whitelist/batches.
type batchBody struct {
	Name string `json:"name"`
}

func (s *Server) createBatch(c *gin.Context) {
	req, ok := bind[batchBody](c)
	if !ok {
		return
	}
	b, err := s.whitelist.CreateBatch(c.Request.Context(), actor(c), req.Name)
	respond(c, http.StatusCreated, b, err)
}

func (s *Server) listBatches(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	p, err := s.whitelist.Batches(c.Request.Context(), r)
	respond(c, http.StatusOK, p, err)
}

func (s *Server) getBatch(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	b, err := s.whitelist.Batch(c.Request.Context(), id)
	respond(c, http.StatusOK, b, err)
}

func (s *Server) listBatchEntries(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	r, ok := pageParams(c)
	if !ok {
		return
	}
	if _, err := s.whitelist.Batch(c.Request.Context(), id); err != nil {
		fail(c, err)
		return
	}
	p, err := s.whitelist.Entries(c.Request.Context(), r, whitelist.EntryFilter{BatchID: id})
	respond(c, http.StatusOK, p, err)
}

// noticeBody is the body of POST /whitelist/batches/{id}/notice.
type noticeBody struct {
	Start string `json:"start"`
}

func (s *Server) startBatchNotice(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	req, ok := bind[noticeBody](c)
	if !ok {
		return
	}
	var fe []problem.FieldError
	start := optionalDate("start", req.Start, &fe)
	if len(fe) > 0 {
		fail(c, problem.Invalid(fe...))
		return
	}
	b, err := s.whitelist.StartNotice(c.Request.Context(), actor(c), id, start)
	respond(c, http.StatusOK, b, err)
}

// publishBody is the body of POST /whitelist/batches/{id}/publish.
type publishBody struct {
	EffectiveOn string `json:"effective_on"`
	ValidUntil  string `json:"valid_until"`
}

func (s *Server) publishBatch(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	req, ok := bind[publishBody](c)
	if !ok {
		return
	}
	var fe []problem.FieldError
	on := optionalDate("effective_on", req.EffectiveOn, &fe)
	until := optionalDate("valid_until", req.ValidUntil, &fe)
	if len(fe) > 0 {
		fail(c, problem.Invalid(fe...))
		return
	}
	b, err := s.whitelist.Publish(c.Request.Context(), actor(c), id, on, until)
	respond(c, http.StatusOK, b, err)
}

func (s *Server) listBatchObjections(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	if _, err := s.whitelist.Batch(c.Request.Context(), id); err != nil {
		fail(c, err)
		return
	}
	os, err := s.whitelist.Objections(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	if os == nil {
		os = []whitelist.Objection{}
	}
	c.JSON(http.StatusOK, gin.H{"items": os})
}

func (s *Server) listEntries(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	var f whitelist.EntryFilter
	switch c.Query("review") {
	case "", "false":
	case "true":
		f.ReviewOnly = true
	default:
		fail(c, problem.Invalid(problem.Field("review", "invalid", "review is true or false")))
		return
	}
	p, err := s.whitelist.Entries(c.Request.Context(), r, f)
	respond(c, http.StatusOK, p, err)
}

func (s *Server) getEntry(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	e, err := s.whitelist.Entry(c.Request.Context(), id)
	respond(c, http.StatusOK, e, err)
}

// entryTransition handles suspend, reinstate and revoke.
func entryTransition(do func(context.Context, audit.Actor, int64, string) (whitelist.Entry, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := idParam(c, "id")
		if !ok {
			return
		}
		req, ok := bind[whitelistReasonBody](c)
		if !ok {
			return
		}
		e, err := do(c.Request.Context(), actor(c), id, req.Reason)
		respond(c, http.StatusOK, e, err)
	}
}

// objectionBody is the body of POST /whitelist/entries/{id}/objections.
type objectionBody struct {
	Objector string `json:"objector"`
	Content  string `json:"content"`
}

func (s *Server) recordObjection(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	req, ok := bind[objectionBody](c)
	if !ok {
		return
	}
	o, err := s.whitelist.RecordObjection(c.Request.Context(), actor(c), id, req.Objector, req.Content)
	respond(c, http.StatusCreated, o, err)
}

// resolveBody is the body of POST /whitelist/objections/{id}/resolve.
type resolveBody struct {
	Upheld     *bool  `json:"upheld"`
	Resolution string `json:"resolution"`
}

func (s *Server) resolveObjection(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	req, ok := bind[resolveBody](c)
	if !ok {
		return
	}
	if req.Upheld == nil {
		fail(c, problem.Invalid(problem.Field("upheld", "required", "upheld is required: true removes the entry, false dismisses the objection")))
		return
	}
	o, err := s.whitelist.ResolveObjection(c.Request.Context(), actor(c), id, *req.Upheld, req.Resolution)
	respond(c, http.StatusOK, o, err)
}

// reviewCloseBody is the body of POST /whitelist/entries/{id}/review/close.
type reviewCloseBody struct {
	Outcome string `json:"outcome"`
}

func (s *Server) closeEntryReview(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	req, ok := bind[reviewCloseBody](c)
	if !ok {
		return
	}
	e, err := s.whitelist.ClearReviewFlag(c.Request.Context(), actor(c), id, req.Outcome)
	respond(c, http.StatusOK, e, err)
}
