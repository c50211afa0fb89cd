package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/whitelist"
)

// Role groups of the USCC exception list and the banks' feedback.
var (
	// usccExceptionReaders see the exception list; the IP office keeps it.
	usccExceptionReaders = []string{auth.RoleIPOffice, auth.RoleEconBureau, auth.RoleBank}
	usccExceptionEditors = []string{auth.RoleIPOffice}
	// feedbackRecorders are the banks; feedbackReaders see feedback (a bank
	// only its own); feedbackTotalReaders see the totals over all banks.
	feedbackRecorders    = []string{auth.RoleBank}
	feedbackReaders      = []string{auth.RoleBank, auth.RoleIPOffice}
	feedbackTotalReaders = []string{auth.RoleIPOffice}
)

type usccExceptionBody struct {
	USCC   string `json:"uscc"`
	Reason string `json:"reason"`
}

type exceptionRemovalBody struct {
	Reason string `json:"reason"`
}

func (s *Server) listUSCCExceptions(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	p, err := s.whitelist.Exceptions(c.Request.Context(), r)
	respond(c, http.StatusOK, p, err)
}

func (s *Server) addUSCCException(c *gin.Context) {
	req, ok := bind[usccExceptionBody](c)
	if !ok {
		return
	}
	x, err := s.whitelist.AddException(c.Request.Context(), actor(c), req.USCC, req.Reason)
	respond(c, http.StatusCreated, x, err)
}

func (s *Server) removeUSCCException(c *gin.Context) {
	req, ok := bind[exceptionRemovalBody](c)
	if !ok {
		return
	}
	x, err := s.whitelist.RemoveException(c.Request.Context(), actor(c), c.Param("uscc"), req.Reason)
	respond(c, http.StatusOK, x, err)
}

// feedbackBody is the body of POST /whitelist/feedback. amount_fen is a
// pointer so that an absent amount is told from 0; a JSON number that is
// not an integer, or a string, is refused by the decoder (400 wrong_type).
// The date is read as a string so that a malformed one is a field error.
type feedbackBody struct {
	USCC       string `json:"uscc"`
	Kind       string `json:"kind"`
	AmountFen  *int64 `json:"amount_fen"`
	Reason     string `json:"reason"`
	Note       string `json:"note"`
	OccurredOn string `json:"occurred_on"`
}

func (s *Server) recordFeedback(c *gin.Context) {
	req, ok := bind[feedbackBody](c)
	if !ok {
		return
	}
	in := whitelist.FeedbackInput{Kind: req.Kind, AmountFen: req.AmountFen, Reason: req.Reason, Note: req.Note}
	if req.OccurredOn != "" {
		d, err := date.Parse(req.OccurredOn)
		if err != nil {
			fail(c, problem.Invalid(problem.Field("occurred_on", "invalid", "occurred_on must be a date in the form YYYY-MM-DD")))
			return
		}
		in.OccurredOn = d
	}
	f, err := s.whitelist.RecordFeedback(c.Request.Context(), actor(c), req.USCC, in)
	respond(c, http.StatusCreated, f, err)
}

// listFeedback lists feedback: a bank sees only its own (the filter is
// forced to its organisation), the IP office everyone's.
func (s *Server) listFeedback(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	var f whitelist.FeedbackFilter
	if raw := c.Query("uscc"); raw != "" {
		code, err := s.whitelist.ValidateUSCC(c.Request.Context(), "uscc", raw)
		if err != nil {
			fail(c, err)
			return
		}
		f.USCC = code
	}
	if p := mustPrincipal(c); p.Role == auth.RoleBank {
		f.BankOrgID = p.OrgID
	}
	p, err := s.whitelist.Feedback(c.Request.Context(), f, r)
	respond(c, http.StatusOK, p, err)
}

func (s *Server) feedbackTotals(c *gin.Context) {
	by := c.DefaultQuery("by", whitelist.TotalsByBank)
	t, err := s.whitelist.FeedbackTotals(c.Request.Context(), by)
	respond(c, http.StatusOK, t, err)
}
