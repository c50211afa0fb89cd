package api

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/platform/tabular"
	"github.com/ipledge/ipledge/subsidy"
)

// Role groups of the subsidy routes. Which application a caller may see
// is decided per object: its enterprise, its bank and the IP office.
var (
	subsidyOffice     = []string{auth.RoleIPOffice}
	subsidyApplicants = []string{auth.RoleEnterprise}
	subsidyReaders    = []string{auth.RoleIPOffice, auth.RoleBank, auth.RoleEnterprise}
	subsidyParties    = []string{auth.RoleIPOffice, auth.RoleBank, auth.RoleEnterprise}
)

func (s *Server) listSubsidyPolicies(c *gin.Context) {
	ps, err := s.subsidies.Policies(c.Request.Context())
	respond(c, http.StatusOK, gin.H{"items": ps}, err)
}

func (s *Server) getSubsidyPolicy(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	p, err := s.subsidies.GetPolicy(c.Request.Context(), id)
	respond(c, http.StatusOK, p, err)
}

func (s *Server) proposeSubsidyPolicy(c *gin.Context) {
	in, ok := bind[subsidy.Policy](c)
	if !ok {
		return
	}
	ap, err := s.subsidies.ProposePolicy(c.Request.Context(), actor(c), 0, in)
	respond(c, http.StatusAccepted, ap, err)
}

func (s *Server) changeSubsidyPolicy(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	if _, err := s.subsidies.GetPolicy(c.Request.Context(), id); err != nil {
		fail(c, err)
		return
	}
	in, ok := bind[subsidy.Policy](c)
	if !ok {
		return
	}
	ap, err := s.subsidies.ProposePolicy(c.Request.Context(), actor(c), id, in)
	respond(c, http.StatusAccepted, ap, err)
}

func (s *Server) subsidyAllocation(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	al, err := s.subsidies.PreviewAllocation(c.Request.Context(), id)
	respond(c, http.StatusOK, al, err)
}

type closeRoundBody struct {
	NoticeWorkingDays int `json:"notice_working_days"`
}

func (s *Server) closeSubsidyRound(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	if _, err := s.subsidies.GetPolicy(c.Request.Context(), id); err != nil {
		fail(c, err)
		return
	}
	b, ok := bind[closeRoundBody](c)
	if !ok {
		return
	}
	ap, err := s.subsidies.ProposeClose(c.Request.Context(), actor(c), id, b.NoticeWorkingDays)
	respond(c, http.StatusAccepted, ap, err)
}

func (s *Server) subsidyNotice(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	pol, apps, err := s.subsidies.Notice(c.Request.Context(), id)
	respond(c, http.StatusOK, gin.H{"policy_id": pol.ID, "notice_from": pol.NoticeFrom, "notice_until": pol.NoticeUntil, "items": apps}, err)
}

func (s *Server) exportSubsidyNotice(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	format, ok := exportFormat(c)
	if !ok {
		return
	}
	pol, apps, err := s.subsidies.Notice(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	name := "贴息公示-" + pol.Policy.Name
	c.Header("Content-Disposition", contentDisposition(fmt.Sprintf("subsidy-notice-%d.%s", pol.ID, format), name+"."+format))
	if format == "csv" {
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Status(http.StatusOK)
		err = tabular.WriteCSV(c.Writer, subsidy.NoticeHeaders, subsidy.NoticeRows(apps))
	} else {
		c.Header("Content-Type", XLSXType)
		c.Status(http.StatusOK)
		err = tabular.WriteXLSX(c.Writer, "贴息公示", subsidy.NoticeHeaders, subsidy.NoticeRows(apps))
	}
	if err != nil {
		logger(c).Error("export failed midway", "err", err)
		panic(http.ErrAbortHandler)
	}
}

func (s *Server) listSubsidyApprovals(c *gin.Context) {
	as, err := s.subsidies.Approvals(c.Request.Context(), c.Query("state"))
	respond(c, http.StatusOK, gin.H{"items": as}, err)
}

func (s *Server) approveSubsidyApproval(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	ap, err := s.subsidies.Approve(c.Request.Context(), actor(c), id)
	respond(c, http.StatusOK, ap, err)
}

func (s *Server) rejectSubsidyApproval(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	b, ok := bind[reasonBody](c)
	if !ok {
		return
	}
	ap, err := s.subsidies.RejectApproval(c.Request.Context(), actor(c), id, b.Reason)
	respond(c, http.StatusOK, ap, err)
}

func (s *Server) listSubsidyLPR(c *gin.Context) {
	t, err := s.subsidies.LPRs(c.Request.Context())
	respond(c, http.StatusOK, gin.H{"items": t}, err)
}

// visibleApplication loads the application of :id for a caller who may
// see it; to anyone else it is 404, and the attempt is audited.
func (s *Server) visibleApplication(c *gin.Context) (subsidy.Application, bool) {
	id, ok := idParam(c, "id")
	if !ok {
		return subsidy.Application{}, false
	}
	a, err := s.subsidies.GetApplication(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return a, false
	}
	pr := mustPrincipal(c)
	if !a.VisibleTo(pr.OrgID, pr.Role == auth.RoleIPOffice) {
		s.denyNotFound(c, "subsidy_application", id)
		return a, false
	}
	return a, true
}

func (s *Server) applyForSubsidy(c *gin.Context) {
	in, ok := bind[subsidy.ApplicationInput](c)
	if !ok {
		return
	}
	a, err := s.subsidies.Apply(c.Request.Context(), actor(c), in)
	respond(c, http.StatusCreated, a, err)
}

func (s *Server) listSubsidyApplications(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	pr := mustPrincipal(c)
	f := subsidy.ApplicationFilter{State: c.Query("state")}
	if v := c.Query("policy_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			fail(c, problem.Invalid(problem.Field("policy_id", "invalid", "policy_id is a positive integer")))
			return
		}
		f.PolicyID = id
	}
	if pr.Role != auth.RoleIPOffice {
		f.OrgID = pr.OrgID
	}
	p, err := s.subsidies.Applications(c.Request.Context(), f, r)
	respond(c, http.StatusOK, p, err)
}

func (s *Server) getSubsidyApplication(c *gin.Context) {
	if a, ok := s.visibleApplication(c); ok {
		c.JSON(http.StatusOK, a)
	}
}

// reviewSubsidyApplication approves, rejects or returns an application.
func (s *Server) reviewSubsidyApplication(decision string) gin.HandlerFunc {
	return func(c *gin.Context) {
		a, ok := s.visibleApplication(c)
		if !ok {
			return
		}
		b, ok := bind[reasonBody](c)
		if !ok {
			return
		}
		a, err := s.subsidies.Review(c.Request.Context(), actor(c), a.ID, decision, b.Reason)
		respond(c, http.StatusOK, a, err)
	}
}

func (s *Server) resubmitSubsidyApplication(c *gin.Context) {
	a, ok := s.visibleApplication(c)
	if !ok {
		return
	}
	a, err := s.subsidies.Resubmit(c.Request.Context(), actor(c), a.ID)
	respond(c, http.StatusOK, a, err)
}

type subsidyObjectionBody struct {
	Objector string `json:"objector"`
	Text     string `json:"text"`
}

func (s *Server) recordSubsidyObjection(c *gin.Context) {
	a, ok := s.visibleApplication(c)
	if !ok {
		return
	}
	b, ok := bind[subsidyObjectionBody](c)
	if !ok {
		return
	}
	o, err := s.subsidies.RecordObjection(c.Request.Context(), actor(c), a.ID, b.Objector, b.Text)
	respond(c, http.StatusCreated, o, err)
}

func (s *Server) listSubsidyObjections(c *gin.Context) {
	a, ok := s.visibleApplication(c)
	if !ok {
		return
	}
	os, err := s.subsidies.Objections(c.Request.Context(), a.ID)
	respond(c, http.StatusOK, gin.H{"items": os}, err)
}

type resolveObjectionBody struct {
	Upheld     bool   `json:"upheld"`
	Resolution string `json:"resolution"`
}

func (s *Server) resolveSubsidyObjection(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	b, ok := bind[resolveObjectionBody](c)
	if !ok {
		return
	}
	o, err := s.subsidies.ResolveObjection(c.Request.Context(), actor(c), id, b.Upheld, b.Resolution)
	respond(c, http.StatusOK, o, err)
}

func (s *Server) proposeSubsidyPayment(c *gin.Context) {
	a, ok := s.visibleApplication(c)
	if !ok {
		return
	}
	in, ok := bind[subsidy.PaymentInput](c)
	if !ok {
		return
	}
	ap, err := s.subsidies.ProposePayment(c.Request.Context(), actor(c), a.ID, in)
	respond(c, http.StatusAccepted, ap, err)
}

func (s *Server) clawbackSubsidy(c *gin.Context) {
	a, ok := s.visibleApplication(c)
	if !ok {
		return
	}
	in, ok := bind[subsidy.ClawbackInput](c)
	if !ok {
		return
	}
	a, err := s.subsidies.Clawback(c.Request.Context(), actor(c), a.ID, in)
	respond(c, http.StatusOK, a, err)
}

func (s *Server) listSubsidyAttachments(c *gin.Context) {
	a, ok := s.visibleApplication(c)
	if !ok {
		return
	}
	as, err := s.subsidies.Attachments(c.Request.Context(), a.ID)
	respond(c, http.StatusOK, gin.H{"items": as}, err)
}

func (s *Server) uploadSubsidyAttachment(c *gin.Context) {
	a, ok := s.visibleApplication(c)
	if !ok {
		return
	}
	kind, name, ctype, content, err := readAttachment(c)
	if err != nil {
		fail(c, err)
		return
	}
	at, err := s.subsidies.AddAttachment(c.Request.Context(), actor(c), a.ID, kind, name, ctype, content)
	respond(c, http.StatusCreated, at, err)
}

func (s *Server) downloadSubsidyAttachment(c *gin.Context) {
	a, ok := s.visibleApplication(c)
	if !ok {
		return
	}
	aid, ok := idParam(c, "attachment")
	if !ok {
		return
	}
	at, err := s.subsidies.Attachment(c.Request.Context(), a.ID, aid)
	if err != nil {
		fail(c, err)
		return
	}
	sendDocument(c, at.Filename, at.SHA256, at.ContentType, at.Content)
}

func (s *Server) subsidyReport(c *gin.Context) {
	year := 0
	if v := c.Query("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 2000 || y > 2100 {
			fail(c, problem.Invalid(problem.Field("year", "invalid", "year is between 2000 and 2100")))
			return
		}
		year = y
	}
	r, err := s.subsidies.Report(c.Request.Context(), year, c.Query("by"))
	respond(c, http.StatusOK, r, err)
}
