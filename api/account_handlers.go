package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ipledge/ipledge/account"
)

func (s *Server) listOrganisations(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	p, err := s.accounts.Organisations(c.Request.Context(), r, account.OrgKind(c.Query("kind")))
	respond(c, http.StatusOK, p, err)
}

func (s *Server) createOrganisation(c *gin.Context) {
	req, ok := bind[account.NewOrganisation](c)
	if !ok {
		return
	}
	o, err := s.accounts.CreateOrganisation(c.Request.Context(), actor(c), req)
	respond(c, http.StatusCreated, o, err)
}

func (s *Server) getOrganisation(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	o, err := s.accounts.Organisation(c.Request.Context(), id)
	respond(c, http.StatusOK, o, err)
}

func (s *Server) listUsers(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	orgID, ok := queryInt(c, "org_id")
	if !ok {
		return
	}
	p, err := s.accounts.Users(c.Request.Context(), r, orgID)
	respond(c, http.StatusOK, p, err)
}

func (s *Server) createUser(c *gin.Context) {
	req, ok := bind[account.NewUser](c)
	if !ok {
		return
	}
	u, err := s.accounts.CreateUser(c.Request.Context(), actor(c), req)
	respond(c, http.StatusCreated, u, err)
}

func (s *Server) getUser(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	u, err := s.accounts.User(c.Request.Context(), id)
	respond(c, http.StatusOK, u, err)
}

func (s *Server) deactivateUser(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	u, err := s.accounts.DeactivateUser(c.Request.Context(), actor(c), id)
	respond(c, http.StatusOK, u, err)
}
