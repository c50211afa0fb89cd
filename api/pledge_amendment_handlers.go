package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/pledge"
)

func (s *Server) fileAmendment(c *gin.Context) {
	p, ok := s.visiblePledge(c)
	if !ok {
		return
	}
	in, ok := bind[pledge.AmendmentInput](c)
	if !ok {
		return
	}
	m, err := s.pledges.FileAmendment(c.Request.Context(), actor(c), p.ID, in)
	respond(c, http.StatusCreated, m, err)
}

func (s *Server) listPledgeAmendments(c *gin.Context) {
	p, ok := s.visiblePledge(c)
	if !ok {
		return
	}
	r, ok := pageParams(c)
	if !ok {
		return
	}
	ms, err := s.pledges.Amendments(c.Request.Context(), pledge.AmendmentFilter{PledgeID: p.ID, State: c.Query("state")}, r)
	respond(c, http.StatusOK, ms, err)
}

func (s *Server) listAmendments(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	pr := mustPrincipal(c)
	f := pledge.AmendmentFilter{State: c.Query("state")}
	if pr.Role != auth.RoleIPOffice {
		f.OrgID = pr.OrgID
	}
	ms, err := s.pledges.Amendments(c.Request.Context(), f, r)
	respond(c, http.StatusOK, ms, err)
}

// visibleAmendment loads the amendment of :id for a caller who may see
// its pledge; to anyone else it is 404, audited.
func (s *Server) visibleAmendment(c *gin.Context) (pledge.Amendment, bool) {
	id, ok := idParam(c, "id")
	if !ok {
		return pledge.Amendment{}, false
	}
	m, err := s.pledges.Amendment(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return m, false
	}
	p, err := s.pledges.Get(c.Request.Context(), m.PledgeID)
	if err != nil {
		fail(c, err)
		return m, false
	}
	pr := mustPrincipal(c)
	if !p.VisibleTo(pr.OrgID, pr.Role == auth.RoleIPOffice) {
		s.denyNotFound(c, "amendment", id)
		return m, false
	}
	return m, true
}

func (s *Server) getAmendment(c *gin.Context) {
	if m, ok := s.visibleAmendment(c); ok {
		c.JSON(http.StatusOK, m)
	}
}

func (s *Server) amendmentAction(fn func(*pledge.Service, context.Context, audit.Actor, int64) (pledge.Amendment, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		m, ok := s.visibleAmendment(c)
		if !ok {
			return
		}
		m, err := fn(s.pledges, c.Request.Context(), actor(c), m.ID)
		respond(c, http.StatusOK, m, err)
	}
}

func (s *Server) refuseAmendment(c *gin.Context) {
	m, ok := s.visibleAmendment(c)
	if !ok {
		return
	}
	b, ok := bind[reasonBody](c)
	if !ok {
		return
	}
	m, err := s.pledges.RefuseAmendment(c.Request.Context(), actor(c), m.ID, b.Reason)
	respond(c, http.StatusOK, m, err)
}
