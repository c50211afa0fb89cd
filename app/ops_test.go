package app_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/ipledge/ipledge/app/apptest"
)

func get(t *testing.T, env *apptest.Env, path string) (int, string) {
	t.Helper()
	res, err := env.Server.Client().Get(env.Server.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestHealthAndReadiness(t *testing.T) {
	env := apptest.New(t)
	if code, body := get(t, env, "/healthz"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("healthz: %d %s", code, body)
	}
	if code, body := get(t, env, "/readyz"); code != 200 || !strings.Contains(body, "ready") {
		t.Fatalf("readyz: %d %s", code, body)
	}
}

func TestReadinessNamesTheFailingPart(t *testing.T) {
	// A Redis nobody listens on: the cache is unreachable, the database is fine.
	env := apptest.New(t, apptest.WithRedisURL("redis://127.0.0.1:1/0"))
	code, body := get(t, env, "/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"cache"`) || !strings.Contains(body, "not_ready") {
		t.Fatalf("readyz: %d %s", code, body)
	}
	if strings.Contains(body, `"database":"unreachable"`) {
		t.Fatalf("database reported down: %s", body)
	}
	// The service still answers: the cache fails open.
	if code, _ := get(t, env, "/healthz"); code != 200 {
		t.Fatal("healthz failed with Redis down")
	}
	env.Do(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": "bank-a", "password": "demo-pass-2026"}).WantStatus(t, 200)
}

func TestMetricsUseRouteTemplates(t *testing.T) {
	env := apptest.New(t)
	admin := env.Login(t, "admin")
	env.Do(t, "GET", "/api/v1/users/1", admin, nil).WantStatus(t, 200)
	env.Do(t, "GET", "/api/v1/users/2", admin, nil).WantStatus(t, 200)
	env.Do(t, "GET", "/api/v1/no-such-thing", admin, nil)
	code, body := get(t, env, "/metrics")
	if code != 200 {
		t.Fatalf("metrics: %d", code)
	}
	want := `ipledge_http_requests_total{method="GET",route="/api/v1/users/:id",status="200"} 2`
	if !strings.Contains(body, want) {
		t.Fatalf("metrics lack %s", want)
	}
	if strings.Contains(body, `route="/api/v1/users/1"`) || strings.Contains(body, "no-such-thing") {
		t.Fatal("metrics carry a raw URL")
	}
	if !strings.Contains(body, `route="unmatched"`) || !strings.Contains(body, "ipledge_http_request_duration_seconds_bucket") {
		t.Fatal("unmatched route or latency histogram missing")
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRequestLogsCarryContextButNoSecrets(t *testing.T) {
	var buf syncBuffer
	env := apptest.New(t, apptest.WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
	pair := env.LoginPair(t, "bank-a", "demo-pass-2026")
	env.Do(t, "GET", "/api/v1/me", pair.AccessToken, nil, "X-Request-ID", "req-test-0001").WantStatus(t, 200)
	logs := buf.String()
	for _, want := range []string{`"request_id":"req-test-0001"`, `"route":"/api/v1/me"`, `"user":"bank-a"`, `"status":200`, `"duration_ms"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
	for _, secret := range []string{"demo-pass-2026", pair.AccessToken, pair.RefreshToken} {
		if strings.Contains(logs, secret) {
			t.Fatal("a password or token reached the log")
		}
	}
}
