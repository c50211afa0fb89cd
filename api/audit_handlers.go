package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/page"
)

func (s *Server) listAudit(c *gin.Context) {
	r, ok := feedParams(c)
	if !ok {
		return
	}
	rs, err := s.audit.List(c.Request.Context(), r.After, r.Limit+1)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page.Feed(r, rs, func(x audit.Record) int64 { return x.Seq }))
}

func (s *Server) verifyAudit(c *gin.Context) {
	res, err := s.audit.Verify(c.Request.Context())
	respond(c, http.StatusOK, res, err)
}
