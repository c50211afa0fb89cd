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
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

func (s *Server) createOrganisation(c *gin.Context) {
	var req account.NewOrganisation
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	o, err := s.accounts.CreateOrganisation(c.Request.Context(), actor(c), req)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, o)
}

func (s *Server) getOrganisation(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	o, err := s.accounts.Organisation(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, o)
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
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

func (s *Server) createUser(c *gin.Context) {
	var req account.NewUser
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	u, err := s.accounts.CreateUser(c.Request.Context(), actor(c), req)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, u)
}

func (s *Server) getUser(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	u, err := s.accounts.User(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, u)
}

func (s *Server) deactivateUser(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	u, err := s.accounts.DeactivateUser(c.Request.Context(), actor(c), id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, u)
}
