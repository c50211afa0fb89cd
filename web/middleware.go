package web

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/httpx"
)

type ctxKey int

const (
	ctxRequestID ctxKey = iota
	ctxLogger
)

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,64}$`)

// contentSecurityPolicy allows the page's own origin only: no inline
// script or style, no framing, forms posted only here.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every response of the web shell carries.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// requestLog takes a well-formed X-Request-ID from the client or makes
// one, puts a logger carrying it into the context and writes one line per
// request: never the query string, a password or a token.
func (s *Server) requestLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := r.Header.Get("X-Request-ID")
		if !requestIDRE.MatchString(rid) {
			rid = uuid.NewString()
		}
		w.Header().Set("X-Request-ID", rid)
		l := s.log.With("request_id", rid)
		ctx := context.WithValue(context.WithValue(r.Context(), ctxRequestID, rid), ctxLogger, l)
		outer := r
		r = r.WithContext(ctx)
		sw := &httpx.StatusRecorder{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		// ServeMux records the matched pattern on the request it was given
		// (this copy); hand it back to the caller's request as well, so
		// that a metrics wrapper around the web handler labels the page
		// by its pattern.
		route := r.Pattern
		outer.Pattern = r.Pattern
		if route == "" || route == "/" {
			route = "unmatched"
		}
		status := sw.Code()
		lvl := slog.LevelInfo
		if status >= 500 {
			lvl = slog.LevelError
		}
		l.Log(r.Context(), lvl, "page", "method", r.Method, "route", route, "status", status,
			"duration_ms", float64(time.Since(start).Microseconds())/1000, "client_ip", s.clientIP(r))
	})
}

// recoverer turns a panic into a logged stack trace and an error page.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				logger(r).Error("panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				s.serverError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func logger(r *http.Request) *slog.Logger {
	if l, ok := r.Context().Value(ctxLogger).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

func requestID(r *http.Request) string {
	rid, _ := r.Context().Value(ctxRequestID).(string)
	return rid
}

// remoteAddr is the connection's peer address.
func remoteAddr(r *http.Request) (netip.Addr, string) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, host
	}
	return a.Unmap(), a.Unmap().String()
}

func (s *Server) trusted(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// fromTrustedProxy reports whether the connection comes from a configured
// proxy, whose forwarding headers are then believed.
func (s *Server) fromTrustedProxy(r *http.Request) bool {
	a, _ := remoteAddr(r)
	return s.trusted(a)
}

// clientIP is the address of the connection's peer, or, when that is a
// trusted proxy, the right-most address in X-Forwarded-For that is not a
// trusted proxy: the same rule as the API's, so a client cannot choose its
// own address for the audit log or the per-address login limit.
func (s *Server) clientIP(r *http.Request) string {
	a, host := remoteAddr(r)
	if !s.trusted(a) {
		return host
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := host
	for i := len(hops) - 1; i >= 0; i-- {
		h, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		client = h.Unmap().String()
		if !s.trusted(h.Unmap()) {
			break
		}
	}
	return client
}

// overTLS reports whether the browser reached the service over HTTPS.
func (s *Server) overTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return s.fromTrustedProxy(r) && strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https")
}

// actor describes the caller for the audit log; p may be the zero
// Principal (before login).
func (s *Server) actor(r *http.Request, p auth.Principal) audit.Actor {
	return audit.Actor{UserID: p.UserID, Username: p.Username, OrgID: p.OrgID, Role: p.Role,
		RequestID: requestID(r), ClientIP: s.clientIP(r)}
}
