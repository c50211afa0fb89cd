// Package web serves the platform's browser pages: server-rendered
// html/template pages in simplified Chinese, calling the same domain
// services as the JSON API. Templates and static files are embedded; the
// pages load nothing from elsewhere.
//
// A browser session is two HttpOnly, SameSite=Lax cookies holding the
// account service's access and refresh tokens. Every page verifies the
// access token; an expired one is rotated with the refresh token. Unsafe
// methods pass net/http's CrossOriginProtection, so a form posted from
// another site is refused.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/netip"
	"strings"

	"github.com/ipledge/ipledge/account"
	"github.com/ipledge/ipledge/dashboard"
	"github.com/ipledge/ipledge/licensing"
	"github.com/ipledge/ipledge/loan"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/pledge"
	"github.com/ipledge/ipledge/registry"
	"github.com/ipledge/ipledge/subsidy"
	"github.com/ipledge/ipledge/valuation"
	"github.com/ipledge/ipledge/whitelist"
)

// UnreadCounter counts a user's unread notifications (the notification
// service implements it).
type UnreadCounter interface {
	UnreadCount(ctx context.Context, userID int64) (int, error)
}

// Deps are what the pages call.
type Deps struct {
	Log      *slog.Logger
	Accounts *account.Service
	// Notify counts unread notifications for the header; nil shows no count.
	Notify UnreadCounter
	// Audit records pages refused to another tenant; nil only logs them.
	Audit *audit.Log
	// Whitelist serves the whitelist pages; nil leaves them "建设中".
	Whitelist *whitelist.Service
	// Pledges and Registry serve the pledge pages (and the enterprise's
	// patents); without both they stay "建设中".
	Pledges  *pledge.Service
	Registry *registry.Service
	// Valuations serves the valuation pages (with Pledges and Registry)
	// and the valuation shown on a pledge; nil leaves them "建设中".
	Valuations *valuation.Service
	// Dashboard serves the IP office's and the bureau's dashboard; nil
	// leaves it "建设中".
	Dashboard *dashboard.Service
	// Licensing and Search serve the transfer pool pages (search, listings,
	// open licences, intents, needs; with Registry); without all three
	// they stay "建设中".
	Licensing *licensing.Service
	Search    *licensing.Search
	// Loans serves the loan pages (with Pledges); Subsidies the subsidy
	// pages (with Loans and Pledges); nil leaves them "建设中".
	Loans     *loan.Service
	Subsidies *subsidy.Service
	// Secure marks the session cookies Secure on every response. Without
	// it they are Secure when the request came over TLS, directly or (per
	// X-Forwarded-Proto) through a trusted proxy.
	Secure bool
	// TrustedProxies are the CIDRs (or single addresses) whose
	// X-Forwarded-For and X-Forwarded-Proto are believed; empty = none, and
	// the client address is the connection's.
	TrustedProxies []string
}

// Server holds the pages' dependencies.
type Server struct {
	log      *slog.Logger
	accounts *account.Service
	notify   UnreadCounter
	audit    *audit.Log
	wl       *whitelist.Service
	pledges  *pledge.Service
	registry *registry.Service
	// valuations is nil when the valuation pages are not served.
	valuations *valuation.Service
	dash       *dashboard.Service
	lic        *licensing.Service
	search     *licensing.Search
	loans      *loan.Service
	subsidies  *subsidy.Service
	secure     bool
	proxies    []netip.Prefix
	views      *views
	// refresher collapses concurrent rotations of one refresh token.
	refresher *refresher
}

// New returns the web handler.
func New(d Deps) (http.Handler, error) {
	if d.Accounts == nil {
		return nil, errors.New("web: Deps.Accounts is required")
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	proxies, err := parseProxies(d.TrustedProxies)
	if err != nil {
		return nil, err
	}
	v, err := loadViews()
	if err != nil {
		return nil, err
	}
	s := &Server{log: d.Log, accounts: d.Accounts, notify: d.Notify, wl: d.Whitelist, pledges: d.Pledges, registry: d.Registry, valuations: d.Valuations, secure: d.Secure, proxies: proxies, views: v,
		refresher: newRefresher()}
	mux := http.NewServeMux()
	s.dash = d.Dashboard
	s.lic, s.search = d.Licensing, d.Search
	s.loans, s.subsidies = d.Loans, d.Subsidies
	s.audit = d.Audit
	s.routes(mux)

	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))
	return s.securityHeaders(s.requestLog(csrf.Handler(s.recoverer(mux)))), nil
}

// routes registers every page. Navigation entries without a page of their
// own yet get the "建设中" page; whoever builds one registers it in built
// and the placeholder steps aside.
func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	mux.Handle("GET /{$}", s.page(s.home))
	mux.Handle("GET /static/", s.static())
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, s.views.asset("favicon.svg"), http.StatusMovedPermanently)
	})

	built := map[string]http.Handler{}
	if s.wl != nil {
		maps.Copy(built, s.whitelistPages())
		s.whitelistRoutes(mux)
	}
	if s.pledges != nil && s.registry != nil {
		maps.Copy(built, s.pledgePages())
		s.pledgeRoutes(mux)
		if s.valuations != nil {
			maps.Copy(built, s.valuationPages())
			s.valuationRoutes(mux)
		}
	}
	if s.lic != nil && s.search != nil && s.registry != nil {
		maps.Copy(built, s.licensingPages())
		s.licensingRoutes(mux)
	}
	if s.loans != nil && s.pledges != nil {
		maps.Copy(built, s.loanPages())
		s.loanRoutes(mux)
		if s.subsidies != nil {
			maps.Copy(built, s.subsidyPages())
			s.subsidyRoutes(mux)
		}
	}
	if s.dash != nil {
		maps.Copy(built, s.dashboardPages())
		s.dashboardRoutes(mux)
	}
	for path, h := range built {
		mux.Handle("GET "+path, h)
	}
	for _, path := range append(navPaths(), notificationsPath) {
		if built[path] == nil {
			mux.Handle("GET "+path, s.page(s.underConstruction))
		}
	}
	mux.HandleFunc("/", s.notFound)
}

// home is each role's start page.
func (s *Server) home(w http.ResponseWriter, r *http.Request, sess *session) {
	s.render(w, r, sess, http.StatusOK, "home", "首页", "/", sess.Role)
}

// underConstruction answers a navigation entry whose page is not built
// yet, for the roles whose navigation holds it.
func (s *Server) underConstruction(w http.ResponseWriter, r *http.Request, sess *session) {
	title := sess.Role.label(r.URL.Path)
	if r.URL.Path == notificationsPath {
		title = "消息通知"
	} else if title == "" {
		s.forbidden(w, r, sess)
		return
	}
	s.render(w, r, sess, http.StatusOK, "todo", title, r.URL.Path, nil)
}

func (s *Server) forbidden(w http.ResponseWriter, r *http.Request, sess *session) {
	s.render(w, r, sess, http.StatusForbidden, "message", "无权访问", "", message{
		Heading: "无权访问", Text: "您的账号角色无权访问该页面。如需办理相关业务，请联系本机构管理员。"})
}

// denyNotFound answers 404 for an object of another tenant (its
// existence is not leaked) and records the attempt in the audit log, as
// the API does: a refused authorization is evidence.
func (s *Server) denyNotFound(w http.ResponseWriter, r *http.Request, sess *session, objectType string, id any) {
	logger(r).Warn("object not visible to caller", "object", objectType, "id", id, "org", sess.Org.ID)
	if s.audit != nil {
		if err := s.audit.AppendAlone(r.Context(), s.actor(r, sess.Principal), audit.Entry{Action: "authz.deny", ObjectType: objectType,
			ObjectID: fmt.Sprint(id), Outcome: audit.OutcomeDenied, Summary: map[string]any{"page": r.URL.Path, "method": r.Method}}); err != nil {
			logger(r).Error("audit a denied page", "err", err)
		}
	}
	s.notFound(w, r)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, nil, http.StatusNotFound, "message", "页面不存在", "", message{
		Heading: "页面不存在", Text: "您访问的页面不存在或已被移除。"})
}

func (s *Server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, nil, http.StatusForbidden, "message", "请求被拒绝", "", message{
		Heading: "请求被拒绝", Text: "该请求来自其他网站，为保护您的账号安全已被拒绝。请从本平台页面重新操作。"})
}

// serverError logs err and shows a generic error page: never the error
// itself.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	logger(r).Error("web page failed", "path", r.URL.Path, "err", err)
	s.render(w, r, nil, http.StatusInternalServerError, "message", "系统繁忙", "", message{
		Heading: "系统繁忙", Text: "处理您的请求时出现错误，请稍后再试。如问题持续，请联系平台运营中心并提供请求编号 " + requestID(r) + "。"})
}

// message is the content of a page that only says something.
type message struct {
	Heading string
	Text    string
}

func parseProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, errors.New("web: trusted proxy " + s + " is neither an address nor a CIDR")
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
