package api

import (
	"bytes"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/valuation"
)

// valuers make valuations: banks and the IP office of any patent, an
// enterprise of its own. Readers are decided per object.
var valuers = []string{auth.RoleBank, auth.RoleIPOffice, auth.RoleEnterprise}

func (s *Server) createValuation(c *gin.Context) {
	in, ok := bind[valuation.Input](c)
	if !ok {
		return
	}
	v, err := s.valuations.Create(c.Request.Context(), actor(c), in)
	respond(c, http.StatusCreated, v, err)
}

// getValuation answers the creating organisation, the parties of a
// pledge the valuation is attached to, and the IP office; others 404.
func (s *Server) getValuation(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	v, err := s.valuations.Get(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	pr := mustPrincipal(c)
	visible := pr.Role == auth.RoleIPOffice || pr.OrgID == v.CreatedByOrgID
	if !visible {
		if visible, err = s.pledges.ValuationVisibleTo(c.Request.Context(), id, pr.OrgID); err != nil {
			fail(c, err)
			return
		}
	}
	if !visible {
		s.denyNotFound(c, "valuation", id)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (s *Server) listValuations(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	pr := mustPrincipal(c)
	org := pr.OrgID
	if pr.Role == auth.RoleIPOffice {
		org = 0
	}
	vs, err := s.valuations.List(c.Request.Context(), org, r)
	respond(c, http.StatusOK, vs, err)
}

// confirmBody is the optional body of POST /pledges/{id}/confirm.
type confirmBody struct {
	ValuationID *int64 `json:"valuation_id"`
}

func (s *Server) confirmPledge(c *gin.Context) {
	p, ok := s.visiblePledge(c)
	if !ok {
		return
	}
	// The body is optional: an empty one (also when chunked) confirms
	// without a valuation.
	var b confirmBody
	raw, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBody))
	if err != nil {
		fail(c, jsonError(err))
		return
	}
	if len(bytes.TrimSpace(raw)) > 0 {
		c.Request.Body = io.NopCloser(bytes.NewReader(raw))
		if b, ok = bind[confirmBody](c); !ok {
			return
		}
	}
	p, err = s.pledges.ConfirmWithValuation(c.Request.Context(), actor(c), p.ID, b.ValuationID)
	respond(c, http.StatusOK, p, err)
}
