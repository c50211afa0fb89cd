package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/problem"
)

const (
	ctxRequestID = "ipledge.request_id"
	ctxPrincipal = "ipledge.principal"
	ctxLogger    = "ipledge.logger"
)

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,64}$`)

// requestID takes a well-formed X-Request-ID from the client or makes one,
// and puts a logger carrying it into the context.
func (s *Server) requestID(c *gin.Context) {
	rid := c.GetHeader("X-Request-ID")
	if !requestIDRE.MatchString(rid) {
		rid = uuid.NewString()
	}
	c.Set(ctxRequestID, rid)
	c.Header("X-Request-ID", rid)
	c.Set(ctxLogger, s.log.With("request_id", rid))
	c.Next()
}

func logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(ctxLogger); ok {
		return l.(*slog.Logger)
	}
	return slog.Default()
}

// accessLog writes one structured line per request: never the query
// string, a password or a token.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	attrs := []any{"method", c.Request.Method, "route", route, "status", c.Writer.Status(),
		"duration_ms", float64(time.Since(start).Microseconds()) / 1000, "client_ip", c.ClientIP()}
	if p, ok := principal(c); ok {
		attrs = append(attrs, "user", p.Username, "user_id", p.UserID)
	}
	lvl := slog.LevelInfo
	if c.Writer.Status() >= 500 {
		lvl = slog.LevelError
	}
	logger(c).Log(c.Request.Context(), lvl, "request", attrs...)
}

// recoverer turns a panic into a logged stack trace and a bare 500.
func (s *Server) recoverer(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			logger(c).Error("panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				fail(c, fmt.Errorf("panic: %v", r))
			}
			c.Abort()
		}
	}()
	c.Next()
}

// noStore keeps registry data out of shared caches.
func noStore(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Next()
}

// authenticate verifies the bearer token on every /api/v1 route except
// the public ones; revocation is checked on every request.
func (s *Server) authenticate(c *gin.Context) {
	h := c.GetHeader("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		c.Header("WWW-Authenticate", `Bearer realm="ipledge"`)
		writeProblem(c, problem.Unauthorized("unauthenticated", "a bearer access token is required"))
		return
	}
	p, err := s.accounts.Authenticate(strings.TrimSpace(tok))
	if err != nil {
		c.Header("WWW-Authenticate", `Bearer realm="ipledge", error="invalid_token"`)
		logger(c).Debug("token refused", "err", err)
		writeProblem(c, problem.Unauthorized("invalid_token", "the access token is invalid, expired or revoked"))
		return
	}
	c.Set(ctxPrincipal, p)
	c.Next()
}

func principal(c *gin.Context) (auth.Principal, bool) {
	v, ok := c.Get(ctxPrincipal)
	if !ok {
		return auth.Principal{}, false
	}
	return v.(auth.Principal), true
}

func mustPrincipal(c *gin.Context) auth.Principal {
	p, _ := principal(c)
	return p
}

// actor describes the caller for the audit log.
func actor(c *gin.Context) audit.Actor {
	a := audit.Actor{RequestID: c.GetString(ctxRequestID), ClientIP: c.ClientIP()}
	if p, ok := principal(c); ok {
		a.UserID, a.Username, a.OrgID, a.Role = p.UserID, p.Username, p.OrgID, p.Role
	}
	return a
}

// observe records the request in the metrics by its route template (never
// the raw URL, whose IDs would make a series per object).
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	s.metrics.Observe(c.FullPath(), c.Request.Method, c.Writer.Status(), time.Since(start))
}
