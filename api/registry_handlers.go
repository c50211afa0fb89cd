package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/tabular"
	"github.com/ipledge/ipledge/registry"
)

// Role groups of the patent registry routes.
var (
	// patentReaders read a patent by number: the record is public, as in
	// the gazette, and a bank checks whether offered collateral is free.
	patentReaders = everyone
	// patentListers list patents: the IP office all, an enterprise or a
	// university its own. Banks, the bureau and admins look patents up by
	// number instead.
	patentListers = []string{auth.RoleIPOffice, auth.RoleEnterprise, auth.RoleUniversity}
	// patentAdmins keep the registry.
	patentAdmins = []string{auth.RoleIPOffice}
	// patentCorrectors ask for a correction of their own patents.
	patentCorrectors = []string{auth.RoleEnterprise, auth.RoleUniversity}
)

func (s *Server) getPatent(c *gin.Context) {
	p, err := s.registry.Get(c.Request.Context(), c.Param("number"))
	respond(c, http.StatusOK, p, err)
}

func (s *Server) patentHistory(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	h, err := s.registry.History(c.Request.Context(), c.Param("number"), r)
	respond(c, http.StatusOK, h, err)
}

func (s *Server) listPatents(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	org := mustPrincipal(c).OrgID
	if mustPrincipal(c).Role == auth.RoleIPOffice {
		org = 0
	}
	ps, err := s.registry.List(c.Request.Context(), r, org)
	respond(c, http.StatusOK, ps, err)
}

func (s *Server) registerPatent(c *gin.Context) {
	in, ok := bind[registry.PatentInput](c)
	if !ok {
		return
	}
	// 200 whether the record was created or updated (an upsert).
	p, _, err := s.registry.Register(c.Request.Context(), actor(c), in)
	respond(c, http.StatusOK, p, err)
}

// legalStatusBody is the body of POST /patents/{number}/legal-status.
type legalStatusBody struct {
	Status   registry.Status `json:"status"`
	Reason   string          `json:"reason"`
	Evidence string          `json:"evidence"`
}

func (s *Server) setLegalStatus(c *gin.Context) {
	b, ok := bind[legalStatusBody](c)
	if !ok {
		return
	}
	p, err := s.registry.SetLegalStatus(c.Request.Context(), actor(c), c.Param("number"), b.Status, b.Reason, b.Evidence)
	respond(c, http.StatusOK, p, err)
}

// correctionBody is the body of POST /patents/{number}/corrections.
type correctionBody struct {
	Status   registry.Status `json:"status"`
	Evidence string          `json:"evidence"`
}

func (s *Server) requestCorrection(c *gin.Context) {
	b, ok := bind[correctionBody](c)
	if !ok {
		return
	}
	// A patent the caller does not hold is 404, audited.
	p, err := s.registry.Get(c.Request.Context(), c.Param("number"))
	if err != nil {
		fail(c, err)
		return
	}
	if held, err := s.registry.IsPatentee(c.Request.Context(), p.ID, mustPrincipal(c).OrgID); err != nil {
		fail(c, err)
		return
	} else if !held {
		s.denyNotFound(c, "patent", p.ApplicationNumber)
		return
	}
	cr, err := s.registry.RequestCorrection(c.Request.Context(), actor(c), p.ApplicationNumber, b.Status, b.Evidence)
	respond(c, http.StatusCreated, cr, err)
}

func (s *Server) listCorrections(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	cs, err := s.registry.Corrections(c.Request.Context(), r, c.Query("state"))
	respond(c, http.StatusOK, cs, err)
}

// decisionBody is the body of a correction's confirm or reject.
type decisionBody struct {
	Reason string `json:"reason"`
}

func (s *Server) confirmCorrection(c *gin.Context) {
	s.decideCorrection(c, s.registry.ConfirmCorrection)
}
func (s *Server) rejectCorrection(c *gin.Context) { s.decideCorrection(c, s.registry.RejectCorrection) }

func (s *Server) decideCorrection(c *gin.Context, fn func(context.Context, audit.Actor, int64, string) (registry.Correction, error)) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	b, ok := bind[decisionBody](c)
	if !ok {
		return
	}
	cr, err := fn(c.Request.Context(), actor(c), id, b.Reason)
	respond(c, http.StatusOK, cr, err)
}

func (s *Server) importPatents(c *gin.Context) {
	mode, err := tabular.ParseMode(c.Query("mode"))
	if err != nil {
		fail(c, err)
		return
	}
	t, err := s.readUpload(c, registry.ImportSpec())
	if err != nil {
		fail(c, err)
		return
	}
	a := actor(c)
	s.runImport(c, registry.ImportKind, len(t.Rows), func(ctx context.Context, progress func(int)) (tabular.Report, error) {
		return s.registry.Import(ctx, a, t, mode, progress)
	})
}

func (s *Server) recordTransfer(c *gin.Context) {
	in, ok := bind[registry.TransferInput](c)
	if !ok {
		return
	}
	p, err := s.registry.RecordTransfer(c.Request.Context(), actor(c), c.Param("number"), in)
	respond(c, http.StatusOK, p, err)
}

func (s *Server) patentTransfers(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	ts, err := s.registry.Transfers(c.Request.Context(), c.Param("number"), r)
	respond(c, http.StatusOK, ts, err)
}
