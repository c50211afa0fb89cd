// Package api translates HTTP into calls on the domain services: it
// decodes and validates requests, checks the caller's role, renders
// results and errors. No business rule lives here.
package api

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ipledge/ipledge/account"
	"github.com/ipledge/ipledge/calendar"
	"github.com/ipledge/ipledge/dashboard"
	"github.com/ipledge/ipledge/licensing"
	"github.com/ipledge/ipledge/loan"
	"github.com/ipledge/ipledge/notify"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/idempotency"
	"github.com/ipledge/ipledge/platform/metrics"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/platform/tabular"
	"github.com/ipledge/ipledge/pledge"
	"github.com/ipledge/ipledge/registry"
	"github.com/ipledge/ipledge/settings"
	"github.com/ipledge/ipledge/subsidy"
	"github.com/ipledge/ipledge/valuation"
	"github.com/ipledge/ipledge/whitelist"
)

// Deps are the services the API calls.
type Deps struct {
	Log            *slog.Logger
	Accounts       *account.Service
	Audit          *audit.Log
	DB             *db.DB
	Idempotency    *idempotency.Store
	TrustedProxies []string
	// MaxUploadBytes bounds uploads (and idempotent request bodies).
	MaxUploadBytes int64
	Metrics        *metrics.Metrics
	Settings       *settings.Service
	Calendar       *calendar.Service
	Notify         *notify.Service
	Whitelist      *whitelist.Service
	Registry       *registry.Service
	Pledges        *pledge.Service
	Licensing      *licensing.Service
	Search         *licensing.Search // full-text search and matchmaking
	Loans          *loan.Service
	Valuations     *valuation.Service
	Subsidies      *subsidy.Service
	// Dashboard computes the IP office's dashboard and keeps its targets.
	Dashboard *dashboard.Service
	// Jobs runs large imports in the background.
	Jobs *tabular.Jobs
}

// Server is the HTTP API.
type Server struct {
	log        *slog.Logger
	accounts   *account.Service
	audit      *audit.Log
	db         *db.DB
	idem       *idempotency.Store
	maxUpload  int64
	metrics    *metrics.Metrics
	engine     *gin.Engine
	openapi    []byte // the OpenAPI document as JSON
	settings   *settings.Service
	calendar   *calendar.Service
	notify     *notify.Service
	whitelist  *whitelist.Service
	registry   *registry.Service
	pledges    *pledge.Service
	licensing  *licensing.Service
	search     *licensing.Search
	loans      *loan.Service
	valuations *valuation.Service
	subsidies  *subsidy.Service
	jobs       *tabular.Jobs
	dashboard  *dashboard.Service
}

// New builds the router.
func New(d Deps) (*Server, error) {
	gin.SetMode(gin.ReleaseMode)
	if d.MaxUploadBytes <= 0 {
		d.MaxUploadBytes = 50 << 20
	}
	s := &Server{log: d.Log, accounts: d.Accounts, audit: d.Audit, db: d.DB, idem: d.Idempotency, maxUpload: d.MaxUploadBytes, metrics: d.Metrics,
		settings: d.Settings, calendar: d.Calendar, notify: d.Notify}
	s.whitelist = d.Whitelist
	s.registry = d.Registry
	s.pledges = d.Pledges
	s.licensing = d.Licensing
	s.search = d.Search
	s.loans = d.Loans
	s.valuations = d.Valuations
	s.subsidies = d.Subsidies
	s.jobs = d.Jobs
	s.dashboard = d.Dashboard
	if s.metrics == nil {
		s.metrics = metrics.New()
	}
	// A document that does not load or validate stops the start (and so
	// fails every test that builds a server).
	spec, err := openAPIJSON()
	if err != nil {
		return nil, err
	}
	s.openapi = spec
	e := gin.New()
	// gin trusts every X-Forwarded-For by default; only the configured
	// proxies are trusted here, so a client cannot choose its own address
	// for the audit log or the per-address login limit.
	if err := e.SetTrustedProxies(d.TrustedProxies); err != nil {
		return nil, err
	}
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	e.Use(s.requestID, s.observe, s.recoverer, s.accessLog)
	e.NoRoute(func(c *gin.Context) { writeProblem(c, problem.NotFound("resource")) })
	e.NoMethod(func(c *gin.Context) {
		writeProblem(c, &problem.Error{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
			Title: "Method Not Allowed", Detail: "this method is not allowed on this resource"})
	})
	v1 := e.Group("/api/v1", noStore)
	for _, r := range s.routes() {
		handlers := []gin.HandlerFunc{}
		if !r.Public {
			handlers = append(handlers, s.authenticate, s.requireRole(r.Roles))
			// Every POST but /auth/* may carry an Idempotency-Key.
			if r.Method == http.MethodPost && !strings.HasPrefix(r.Path, "/auth/") {
				handlers = append(handlers, s.idempotent)
			}
		}
		handlers = append(handlers, r.Handler)
		v1.Handle(r.Method, r.Path, handlers...)
	}
	s.engine = e
	return s, nil
}

// Handler returns the http.Handler.
func (s *Server) Handler() http.Handler { return s.engine }

// Engine exposes the gin engine (tests enumerate its routes).
func (s *Server) Engine() *gin.Engine { return s.engine }
