package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ipledge/ipledge/platform/problem"
)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (s *Server) login(c *gin.Context) {
	req, ok := bind[loginRequest](c)
	if !ok {
		return
	}
	if req.Username == "" || req.Password == "" {
		var fe []problem.FieldError
		if req.Username == "" {
			fe = append(fe, problem.Field("username", "required", "username is required"))
		}
		if req.Password == "" {
			fe = append(fe, problem.Field("password", "required", "password is required"))
		}
		fail(c, problem.Invalid(fe...))
		return
	}
	pair, err := s.accounts.Login(c.Request.Context(), actor(c), req.Username, req.Password)
	respond(c, http.StatusOK, pair, err)
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

func (s *Server) refresh(c *gin.Context) {
	req, ok := bind[refreshRequest](c)
	if !ok {
		return
	}
	pair, err := s.accounts.Refresh(c.Request.Context(), actor(c), req.RefreshToken)
	respond(c, http.StatusOK, pair, err)
}

func (s *Server) logout(c *gin.Context) {
	var req refreshRequest
	if c.Request.ContentLength != 0 {
		if err := decodeJSON(c, &req); err != nil {
			fail(c, err)
			return
		}
	}
	if err := s.accounts.Logout(c.Request.Context(), actor(c), mustPrincipal(c), req.RefreshToken); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) me(c *gin.Context) {
	p := mustPrincipal(c)
	u, err := s.accounts.User(c.Request.Context(), p.UserID)
	if err != nil {
		fail(c, err)
		return
	}
	org, err := s.accounts.Organisation(c.Request.Context(), u.OrgID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"user": u, "organisation": org})
}

type passwordRequest struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

func (s *Server) changePassword(c *gin.Context) {
	req, ok := bind[passwordRequest](c)
	if !ok {
		return
	}
	if err := s.accounts.ChangePassword(c.Request.Context(), actor(c), req.OldPassword, req.NewPassword); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
