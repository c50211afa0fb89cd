package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

func (s *Server) listNotifications(c *gin.Context) {
	r, ok := feedParams(c)
	if !ok {
		return
	}
	p, err := s.notify.Feed(c.Request.Context(), mustPrincipal(c).UserID, r)
	respond(c, http.StatusOK, p, err)
}

func (s *Server) unreadNotifications(c *gin.Context) {
	n, err := s.notify.UnreadCount(c.Request.Context(), mustPrincipal(c).UserID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"unread": n})
}

func (s *Server) readNotification(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	if err := s.notify.MarkRead(c.Request.Context(), actor(c), id); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) readAllNotifications(c *gin.Context) {
	if _, err := s.notify.MarkAllRead(c.Request.Context(), actor(c)); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
