package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ipledge/ipledge/licensing"
	"github.com/ipledge/ipledge/platform/auth"
)

// Role groups of search and matchmaking.
var (
	// needPosters post technology needs and see their matches.
	needPosters = []string{auth.RoleEnterprise}
	// licenseeFinders look for licensees of a patent: the university
	// holding it and the IP office.
	licenseeFinders = []string{auth.RoleIPOffice, auth.RoleUniversity}
)

func (s *Server) searchPatents(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	res, err := s.search.Search(c.Request.Context(), licensing.SearchQuery{Q: c.Query("q"), IPC: c.Query("ipc"),
		University: c.Query("university"), Type: c.Query("type"), MinRemainingYears: c.Query("min_remaining_years"),
		Dormant: c.Query("dormant"), OpenLicence: c.Query("open_licence"), Page: r})
	respond(c, http.StatusOK, res, err)
}

func (s *Server) postNeed(c *gin.Context) {
	in, ok := bind[licensing.NeedInput](c)
	if !ok {
		return
	}
	n, err := s.search.PostNeed(c.Request.Context(), actor(c), in)
	respond(c, http.StatusCreated, n, err)
}

func (s *Server) listNeeds(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	ns, err := s.search.Needs(c.Request.Context(), mustPrincipal(c).OrgID, r)
	respond(c, http.StatusOK, ns, err)
}

func (s *Server) needMatches(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	r, ok := pageParams(c)
	if !ok {
		return
	}
	n, err := s.search.Need(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	// Another enterprise's need is 404, audited.
	if n.OrgID != mustPrincipal(c).OrgID {
		s.denyNotFound(c, "need", id)
		return
	}
	m, err := s.search.Matches(c.Request.Context(), n, r)
	respond(c, http.StatusOK, m, err)
}

func (s *Server) patentLicensees(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	p, err := s.registry.Get(c.Request.Context(), c.Param("number"))
	if err != nil {
		fail(c, err)
		return
	}
	// A university sees the licensees of its own patents only.
	if mustPrincipal(c).Role == auth.RoleUniversity {
		if held, err := s.registry.IsPatentee(c.Request.Context(), p.ID, mustPrincipal(c).OrgID); err != nil {
			fail(c, err)
			return
		} else if !held {
			s.denyNotFound(c, "patent", p.ApplicationNumber)
			return
		}
	}
	ls, err := s.search.Licensees(c.Request.Context(), p, r)
	respond(c, http.StatusOK, ls, err)
}
