package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/ipledge/ipledge/app"
	"github.com/ipledge/ipledge/app/apptest"
)

func TestResponsesCarryNoStoreAndRequestID(t *testing.T) {
	env := apptest.New(t)
	tok := env.Login(t, "bank-a")
	for _, tc := range []struct {
		name         string
		method, path string
		token        string
		body         any
		status       int
	}{
		{"login", http.MethodPost, v1 + "/auth/login", "", map[string]string{"username": "bank-a", "password": app.DemoPassword}, 200},
		{"failed login", http.MethodPost, v1 + "/auth/login", "", map[string]string{"username": "bank-a", "password": "wrong-password"}, 401},
		{"me", http.MethodGet, v1 + "/me", tok, nil, 200},
		{"list", http.MethodGet, v1 + "/organisations", tok, nil, 200},
		{"unauthenticated", http.MethodGet, v1 + "/me", "", nil, 401},
		{"forbidden", http.MethodGet, v1 + "/users", tok, nil, 403},
		{"not found", http.MethodGet, v1 + "/organisations/999999", tok, nil, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Do(t, tc.method, tc.path, tc.token, tc.body)
			r.WantStatus(t, tc.status)
			wantAPIHeaders(t, r)
		})
	}
}

func TestRequestIDHeader(t *testing.T) {
	env := apptest.New(t, apptest.WithoutDemo())
	for _, tc := range []struct {
		name, sent string
		echoed     bool
	}{
		{"well-formed id is kept", "client-req-0001", true},
		{"too short is replaced", "abc", false},
		{"bad characters are replaced", "id with spaces<script>", false},
		{"too long is replaced", strings.Repeat("a", 65), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Do(t, http.MethodGet, v1+"/me", "", nil, "X-Request-ID", tc.sent)
			got := r.Header.Get("X-Request-ID")
			if (got == tc.sent) != tc.echoed || got == "" {
				t.Errorf("sent %q, got %q", tc.sent, got)
			}
			r.WantProblem(t, http.StatusUnauthorized, "unauthenticated") // request_id in the body = header
		})
	}
}

func TestUnknownRouteIsProblem404(t *testing.T) {
	env := apptest.New(t, apptest.WithoutDemo())
	for _, path := range []string{v1 + "/no-such-route", v1 + "/", "/api/v2/me", v1 + "/debug/pprof/"} {
		t.Run(path, func(t *testing.T) {
			env.Do(t, http.MethodGet, path, "", nil).WantProblem(t, http.StatusNotFound, "not_found")
		})
	}
	// Outside the API there is no profiler either.
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/vars"} {
		t.Run(path, func(t *testing.T) {
			env.Do(t, http.MethodGet, path, "", nil).WantStatus(t, http.StatusNotFound)
		})
	}
}

// A panic becomes a generic 500 problem: no panic value, no stack, no SQL.
func TestPanicIsNeverShown(t *testing.T) {
	env := apptest.New(t, apptest.WithoutDemo())
	// An extra route on this Env's own engine (added before its first
	// request); the route table tests build their own Env.
	env.App.API.Engine().GET(v1+"/test-panic", func(*gin.Context) {
		panic("SELECT password_hash FROM users WHERE secret")
	})
	r := env.Do(t, http.MethodGet, v1+"/test-panic", "", nil)
	r.WantProblem(t, http.StatusInternalServerError, "internal")
	for _, leak := range []string{"SELECT", "password_hash", "secret", "panic", "goroutine", ".go:"} {
		if strings.Contains(string(r.Body), leak) {
			t.Errorf("the 500 body shows %q: %s", leak, r.Body)
		}
	}
	// The server is still serving.
	env.Do(t, http.MethodGet, v1+"/me", "", nil).WantProblem(t, http.StatusUnauthorized, "unauthenticated")
}
