package app

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// healthz answers as long as the process serves HTTP.
func (a *App) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(`{"status":"ok"}`))
}

// readyz checks that the database and the cache answer within a second; a
// load balancer stops sending traffic to an instance that is not ready.
func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	checks := map[string]string{"database": "ok", "cache": "ok"}
	failing := []string{}
	if err := a.DB.PingContext(ctx); err != nil {
		checks["database"] = "unreachable"
		failing = append(failing, "database")
	}
	if err := a.Cache.Ping(ctx); err != nil {
		checks["cache"] = "unreachable"
		failing = append(failing, "cache")
	}
	w.Header().Set("Cache-Control", "no-store")
	if len(failing) == 0 {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "ready", "checks": checks})
		return
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusServiceUnavailable)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type": "https://ipledge.example/problems/not_ready", "title": "Service Unavailable", "status": http.StatusServiceUnavailable,
		"code": "not_ready", "detail": "not ready: " + joinComma(failing), "checks": checks, "failing": failing,
	})
}

func joinComma(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}

// routes is the top-level mux: the API (gin, which measures its own
// routes), the operational endpoints, and the web pages.
func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/", a.API.Handler())
	mux.Handle("GET /healthz", a.Metrics.Wrap(http.HandlerFunc(a.healthz)))
	mux.Handle("GET /readyz", a.Metrics.Wrap(http.HandlerFunc(a.readyz)))
	mux.Handle("GET /metrics", a.Metrics.Handler())
	mux.Handle("/", a.Metrics.Wrap(a.Web))
	return mux
}
