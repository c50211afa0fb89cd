package api

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/pledge"
)

// Role groups of the pledge routes. Which pledge a caller may see is
// decided per object: its pledgor, its pledgee and the IP office.
var (
	pledgeReaders   = []string{auth.RoleIPOffice, auth.RoleBank, auth.RoleEnterprise}
	pledgors        = []string{auth.RoleEnterprise}
	pledgees        = []string{auth.RoleBank}
	pledgeParties   = []string{auth.RoleBank, auth.RoleEnterprise}
	pledgeExaminers = []string{auth.RoleIPOffice}
)

// visiblePledge loads the pledge of the :id parameter for a caller who
// may see it; to anyone else it is 404, and the attempt is audited.
func (s *Server) visiblePledge(c *gin.Context) (pledge.Pledge, bool) {
	id, ok := idParam(c, "id")
	if !ok {
		return pledge.Pledge{}, false
	}
	p, err := s.pledges.Get(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return p, false
	}
	pr := mustPrincipal(c)
	if !p.VisibleTo(pr.OrgID, pr.Role == auth.RoleIPOffice) {
		s.denyNotFound(c, "pledge", id)
		return p, false
	}
	return p, true
}

func (s *Server) listPledges(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	pr := mustPrincipal(c)
	f := pledge.Filter{State: pledge.State(c.Query("state"))}
	switch c.Query("queue") {
	case "":
	case "examination":
		f.Queue = true
	default:
		fail(c, problem.Invalid(problem.Field("queue", "invalid", "queue is examination or absent")))
		return
	}
	if pr.Role != auth.RoleIPOffice {
		f.OrgID = pr.OrgID
	}
	ps, err := s.pledges.List(c.Request.Context(), f, r)
	respond(c, http.StatusOK, ps, err)
}

func (s *Server) createPledge(c *gin.Context) {
	in, ok := bind[pledge.RequestInput](c)
	if !ok {
		return
	}
	p, err := s.pledges.Create(c.Request.Context(), actor(c), in)
	respond(c, http.StatusCreated, p, err)
}

func (s *Server) getPledge(c *gin.Context) {
	if p, ok := s.visiblePledge(c); ok {
		c.JSON(http.StatusOK, p)
	}
}

func (s *Server) updatePledge(c *gin.Context) {
	p, ok := s.visiblePledge(c)
	if !ok {
		return
	}
	in, ok := bind[pledge.RequestInput](c)
	if !ok {
		return
	}
	p, err := s.pledges.Update(c.Request.Context(), actor(c), p.ID, in)
	respond(c, http.StatusOK, p, err)
}

// pledgeAction runs a transition without a body.
func (s *Server) pledgeAction(fn func(*pledge.Service, context.Context, audit.Actor, int64) (pledge.Pledge, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := s.visiblePledge(c)
		if !ok {
			return
		}
		p, err := fn(s.pledges, c.Request.Context(), actor(c), p.ID)
		respond(c, http.StatusOK, p, err)
	}
}

// reasonBody is the body of a transition that needs a reason.
type reasonBody struct {
	Reason string `json:"reason"`
}

// pledgeReasonAction runs a transition with a reason.
func (s *Server) pledgeReasonAction(fn func(*pledge.Service, context.Context, audit.Actor, int64, string) (pledge.Pledge, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := s.visiblePledge(c)
		if !ok {
			return
		}
		b, ok := bind[reasonBody](c)
		if !ok {
			return
		}
		p, err := fn(s.pledges, c.Request.Context(), actor(c), p.ID, b.Reason)
		respond(c, http.StatusOK, p, err)
	}
}

func (s *Server) pledgeExamination(c *gin.Context) {
	p, ok := s.visiblePledge(c)
	if !ok {
		return
	}
	e, err := s.pledges.Examine(c.Request.Context(), p.ID)
	respond(c, http.StatusOK, e, err)
}

// refuseBody is the body of POST /pledges/{id}/refuse.
type refuseBody struct {
	Grounds []string `json:"grounds"`
	Reason  string   `json:"reason"`
}

func (s *Server) refusePledge(c *gin.Context) {
	p, ok := s.visiblePledge(c)
	if !ok {
		return
	}
	b, ok := bind[refuseBody](c)
	if !ok {
		return
	}
	p, err := s.pledges.Refuse(c.Request.Context(), actor(c), p.ID, b.Grounds, b.Reason)
	respond(c, http.StatusOK, p, err)
}

func (s *Server) pledgeHistory(c *gin.Context) {
	p, ok := s.visiblePledge(c)
	if !ok {
		return
	}
	r, ok := pageParams(c)
	if !ok {
		return
	}
	h, err := s.pledges.History(c.Request.Context(), p.ID, r)
	respond(c, http.StatusOK, h, err)
}

func (s *Server) pledgeNotice(c *gin.Context) {
	p, ok := s.visiblePledge(c)
	if !ok {
		return
	}
	html, err := s.pledges.NoticeHTML(c.Request.Context(), p.ID)
	if err != nil {
		fail(c, err)
		return
	}
	if c.Query("download") == "1" {
		c.Header("Content-Disposition", `attachment; filename="pledge-notice.html"`)
	}
	c.Data(http.StatusOK, "text/html; charset=utf-8", html)
}

// externalRegistrationBody enters a trademark's or copyright's pledge
// registration number.
type externalRegistrationBody struct {
	RegistrationNumber string    `json:"registration_number"`
	RegisteredOn       date.Date `json:"registered_on"`
}

func (s *Server) recordExternalRegistration(c *gin.Context) {
	p, ok := s.visiblePledge(c)
	if !ok {
		return
	}
	assetID, ok := idParam(c, "asset")
	if !ok {
		return
	}
	b, ok := bind[externalRegistrationBody](c)
	if !ok {
		return
	}
	p, err := s.pledges.RecordExternalRegistration(c.Request.Context(), actor(c), p.ID, assetID, b.RegistrationNumber, b.RegisteredOn)
	respond(c, http.StatusOK, p, err)
}

func (s *Server) listPledgeAttachments(c *gin.Context) {
	p, ok := s.visiblePledge(c)
	if !ok {
		return
	}
	as, err := s.pledges.Attachments(c.Request.Context(), p.ID)
	respond(c, http.StatusOK, gin.H{"items": as}, err)
}

// attachmentOverhead allows for the multipart framing and the kind field
// around a file of the largest size.
const attachmentOverhead = 64 << 10

func (s *Server) uploadPledgeAttachment(c *gin.Context) {
	p, ok := s.visiblePledge(c)
	if !ok {
		return
	}
	kind, name, ctype, content, err := readAttachment(c)
	if err != nil {
		fail(c, err)
		return
	}
	at, err := s.pledges.AddAttachment(c.Request.Context(), actor(c), p.ID, kind, name, ctype, content)
	respond(c, http.StatusCreated, at, err)
}

// readAttachment reads a multipart form: field "kind" and file "file".
func readAttachment(c *gin.Context) (kind, name, ctype string, content []byte, err error) {
	mt, params, perr := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if perr != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return "", "", "", nil, &problem.Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_format",
			Title: http.StatusText(http.StatusUnsupportedMediaType), Detail: `send the document as multipart/form-data with fields "kind" and "file"`}
	}
	body := http.MaxBytesReader(c.Writer, c.Request.Body, pledge.MaxAttachmentBytes+attachmentOverhead)
	mr := multipart.NewReader(body, params["boundary"])
	for {
		part, perr := mr.NextPart()
		if errors.Is(perr, io.EOF) {
			break
		}
		if perr != nil {
			return "", "", "", nil, uploadError(perr)
		}
		switch part.FormName() {
		case "kind":
			b, rerr := io.ReadAll(io.LimitReader(part, 100))
			if rerr != nil {
				return "", "", "", nil, uploadError(rerr)
			}
			kind = strings.TrimSpace(string(b))
		case "file":
			name, ctype = part.FileName(), part.Header.Get("Content-Type")
			content, perr = io.ReadAll(io.LimitReader(part, pledge.MaxAttachmentBytes+1))
			if perr != nil {
				return "", "", "", nil, uploadError(perr)
			}
			if len(content) > pledge.MaxAttachmentBytes {
				return "", "", "", nil, problem.TooLarge("an attachment is at most 20 MiB")
			}
		}
	}
	if content == nil {
		return "", "", "", nil, problem.Invalid(problem.Field("file", "required", `the form has no file "file"`))
	}
	return kind, name, ctype, content, nil
}

func (s *Server) downloadPledgeAttachment(c *gin.Context) {
	p, ok := s.visiblePledge(c)
	if !ok {
		return
	}
	aid, ok := idParam(c, "attachment")
	if !ok {
		return
	}
	at, err := s.pledges.Attachment(c.Request.Context(), p.ID, aid)
	if err != nil {
		fail(c, err)
		return
	}
	sendDocument(c, at.Filename, at.SHA256, at.ContentType, at.Content)
}

func (s *Server) recordPledgeConsent(c *gin.Context) {
	p, ok := s.visiblePledge(c)
	if !ok {
		return
	}
	in, ok := bind[pledge.ConsentInput](c)
	if !ok {
		return
	}
	cs, err := s.pledges.RecordConsent(c.Request.Context(), actor(c), p.ID, in)
	respond(c, http.StatusCreated, cs, err)
}

func (s *Server) listPledgeConsents(c *gin.Context) {
	p, ok := s.visiblePledge(c)
	if !ok {
		return
	}
	cs, err := s.pledges.Consents(c.Request.Context(), p.ID)
	respond(c, http.StatusOK, gin.H{"items": cs}, err)
}

func (s *Server) listAlerts(c *gin.Context) {
	r, ok := feedParams(c)
	if !ok {
		return
	}
	pr := mustPrincipal(c)
	f := pledge.AlertFilter{OrgID: pr.OrgID}
	if pr.Role == auth.RoleIPOffice {
		f.OrgID = 0
	}
	as, err := s.pledges.Alerts(c.Request.Context(), f, r)
	respond(c, http.StatusOK, as, err)
}
