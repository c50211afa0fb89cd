// Package apptest builds whole ipledge servers for tests: app.Build on a
// fresh database (SQLite by default, PostgreSQL on request), freshly
// generated keys, a settable clock, the demo data set and an
// httptest.Server in front of the real router.
//
//	env := apptest.New(t)
//	tok := env.Login(t, "admin")
//	r := env.Do(t, "GET", "/api/v1/users", tok, nil)
//	r.WantStatus(t, 200)
//
// apptest.Each runs a test on SQLite and, when IPLEDGE_TEST_POSTGRES_URL is
// set, on PostgreSQL. Env.Peer starts a second instance of the same
// deployment. Nothing is mocked: the database, the audit chain and (with
// WithRedisURL) Redis are real; each Env has a Redis namespace of its own,
// so tests sharing one Redis do not see each other.
package apptest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipledge/ipledge/account"
	"github.com/ipledge/ipledge/api"
	"github.com/ipledge/ipledge/app"
	"github.com/ipledge/ipledge/platform/config"
	"github.com/ipledge/ipledge/platform/dbtest"
)

// API is the prefix of every API route.
const API = "/api/v1"

// Clock is a settable clock, shared by everything an Env builds. It stands
// still until a test moves it.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Option changes how New builds an Env.
type Option func(*options)

type options struct {
	dbURL     string
	redisURL  string
	clock     *Clock
	log       *slog.Logger
	configure []func(*config.Config)
	noSeed    bool
}

// WithDatabaseURL builds on the given database (sqlite://… or
// postgres://…) instead of a fresh SQLite file. Two Envs on one URL are
// two instances of one deployment (see Env.Peer).
func WithDatabaseURL(url string) Option { return func(o *options) { o.dbURL = url } }

// WithRedisURL configures Redis (cache, rate-limit windows, revocation
// broadcasts). Tests usually pass dbtest.RedisURL(t), which skips the
// test when no Redis is configured.
func WithRedisURL(url string) Option { return func(o *options) { o.redisURL = url } }

// WithClock uses c instead of a new clock standing at the current time.
func WithClock(c *Clock) Option { return func(o *options) { o.clock = c } }

// WithLogger sends the server's log to l (default: discarded).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithConfig changes the configuration before Build (limits, TTLs,
// trusted proxies …).
func WithConfig(fn func(*config.Config)) Option {
	return func(o *options) { o.configure = append(o.configure, fn) }
}

// WithoutDemo skips seeding the demo data.
func WithoutDemo() Option { return func(o *options) { o.noSeed = true } }

// Env is one running server.
type Env struct {
	App    *app.App
	Server *httptest.Server
	Clock  *Clock
	Config config.Config // as built, including the generated keys

	mu     sync.Mutex
	tokens map[string]string
}

// New builds, seeds and serves an App; everything is released when the
// test ends. The demo accounts (app.DemoAccounts) all have
// app.DemoPassword.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	o := options{}
	for _, fn := range opts {
		fn(&o)
	}
	if o.dbURL == "" {
		o.dbURL = dbtest.SQLiteURL(t)
	}
	if o.clock == nil {
		// The current time, so that stored timestamps look real; it stands
		// still until the test moves it.
		o.clock = NewClock(time.Now().UTC().Truncate(time.Second))
	}
	if o.log == nil {
		o.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	// Defaults as a start without flags would see them, ignoring the
	// environment of the test process.
	cfg := config.Defaults(func(string) string { return "" })
	cfg.DatabaseURL = o.dbURL
	cfg.RedisURL = o.redisURL
	// A namespace of its own: Envs of other tests (and other runs) that
	// share the Redis see none of this deployment's keys and broadcasts.
	cfg.RedisNamespace = "ipledge-test-" + randomHex(6)
	cfg.JWTKeys = "test1=" + config.RandomKey()
	cfg.AuditKeys = "test1=" + config.RandomKey()
	if strings.HasPrefix(o.dbURL, "postgres") {
		cfg.DBMaxConns = 4 // many test databases share one server
	}
	for _, fn := range o.configure {
		fn(&cfg)
	}
	return start(t, cfg, o)
}

// Peer builds a second instance of e's deployment: same database, keys,
// Redis (and Redis namespace) and clock; its own process state (caches,
// revocation set, rate limits when there is no Redis). Peer does not seed
// again. opts are applied after e's settings.
func (e *Env) Peer(t testing.TB, opts ...Option) *Env {
	t.Helper()
	cfg := e.Config
	o := options{clock: e.Clock, log: e.App.Log, noSeed: true}
	for _, fn := range opts {
		fn(&o)
	}
	if o.dbURL != "" {
		cfg.DatabaseURL = o.dbURL
	}
	if o.redisURL != "" {
		cfg.RedisURL = o.redisURL
	}
	for _, fn := range o.configure {
		fn(&cfg)
	}
	return start(t, cfg, o)
}

func start(t testing.TB, cfg config.Config, o options) *Env {
	t.Helper()
	ctx := dbtest.Deadline(t)
	a, err := app.Build(ctx, cfg, o.log, app.Options{Now: o.clock.Now})
	if err != nil {
		t.Fatalf("apptest: app.Build: %v", err)
	}
	t.Cleanup(a.Close)
	if !o.noSeed {
		if _, err := a.SeedDemo(ctx); err != nil {
			t.Fatalf("apptest: seed demo data: %v", err)
		}
	}
	runCtx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	a.Run(runCtx)
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	return &Env{App: a, Server: srv, Clock: o.clock, Config: cfg, tokens: map[string]string{}}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Each runs fn on a fresh Env per database engine, as subtests "sqlite"
// and "postgres"; the postgres subtest skips with a message when
// IPLEDGE_TEST_POSTGRES_URL is unset.
func Each(t *testing.T, fn func(t *testing.T, env *Env), opts ...Option) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, New(t, opts...)) })
	t.Run("postgres", func(t *testing.T) {
		u := dbtest.PostgresURL(t)
		fn(t, New(t, append([]Option{WithDatabaseURL(u)}, opts...)...))
	})
}

// Login returns an access token for a demo account (password
// app.DemoPassword). Tokens are cached per username for the Env's life,
// since a password check costs an Argon2id hash; call Forget after a test
// revoked one.
func (e *Env) Login(t testing.TB, username string) string {
	t.Helper()
	e.mu.Lock()
	tok, ok := e.tokens[username]
	e.mu.Unlock()
	if ok {
		return tok
	}
	tok = e.LoginPair(t, username, app.DemoPassword).AccessToken
	e.mu.Lock()
	e.tokens[username] = tok
	e.mu.Unlock()
	return tok
}

// Forget drops the cached token of username, so that the next Login logs
// in again.
func (e *Env) Forget(username string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.tokens, username)
}

// LoginPair logs in (uncached) and returns the whole token pair; anything
// but 200 fails the test.
func (e *Env) LoginPair(t testing.TB, username, password string) account.TokenPair {
	t.Helper()
	r := e.Do(t, http.MethodPost, API+"/auth/login", "", map[string]string{"username": username, "password": password})
	r.WantStatus(t, http.StatusOK)
	var p account.TokenPair
	r.JSON(t, &p)
	if p.AccessToken == "" || p.RefreshToken == "" {
		t.Fatalf("login %s: no tokens in %s", username, r.Body)
	}
	return p
}

// Response is a finished request.
type Response struct {
	Method, Path string
	Status       int
	Header       http.Header
	Body         []byte
}

// Do sends a request to the Env's server. path is absolute ("/api/v1/…").
// token, when not empty, goes in Authorization: Bearer. body is sent as
// is when it is []byte, string or io.Reader, and as JSON otherwise (nil:
// no body). headers are name, value pairs.
func (e *Env) Do(t testing.TB, method, path, token string, body any, headers ...string) *Response {
	t.Helper()
	if len(headers)%2 != 0 {
		t.Fatalf("apptest.Do: headers must be name, value pairs")
	}
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	case io.Reader:
		rd = b
	default:
		js, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("apptest.Do: encode body: %v", err)
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, e.Server.URL+path, rd)
	if err != nil {
		t.Fatalf("apptest.Do: %v", err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := e.Server.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	checkOpenAPI(t, req, res.StatusCode, res.Header, b) // api/openapi.yaml must describe this exchange
	return &Response{Method: method, Path: path, Status: res.StatusCode, Header: res.Header, Body: b}
}

func (r *Response) String() string { return r.Method + " " + r.Path }

// WantStatus fails the test unless the status is want.
func (r *Response) WantStatus(t testing.TB, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: status %d, want %d; body: %s", r, r.Status, want, r.Body)
	}
}

// JSON decodes the body into v.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("%s: body is not JSON (%v): %s", r, err, r.Body)
	}
}

// Map decodes the body as a JSON object.
func (r *Response) Map(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// WantProblem fails the test unless the response is an
// application/problem+json with this status and code, whose members are
// consistent (type, status, request_id = X-Request-ID). It returns the
// decoded problem.
func (r *Response) WantProblem(t testing.TB, status int, code string) map[string]any {
	t.Helper()
	p := r.Problem(t)
	if r.Status != status || p["code"] != code {
		t.Fatalf("%s: got %d %v, want %d %s; body: %s", r, r.Status, p["code"], status, code, r.Body)
	}
	return p
}

// Problem checks that the response is a well-formed problem (any status
// and code) and returns it.
func (r *Response) Problem(t testing.TB) map[string]any {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%s: Content-Type %q, want application/problem+json (status %d, body %s)", r, ct, r.Status, r.Body)
	}
	p := r.Map(t)
	code, _ := p["code"].(string)
	if code == "" || p["type"] != api.ProblemTypeBase+code {
		t.Fatalf("%s: problem code %v and type %v do not match: %s", r, p["code"], p["type"], r.Body)
	}
	if st, _ := p["status"].(float64); int(st) != r.Status {
		t.Fatalf("%s: problem status %v but HTTP status %d", r, p["status"], r.Status)
	}
	if rid := r.Header.Get("X-Request-ID"); rid == "" || p["request_id"] != rid {
		t.Fatalf("%s: problem request_id %v, X-Request-ID %q", r, p["request_id"], rid)
	}
	return p
}

// FieldErrors returns a problem's errors[] as field → code.
func FieldErrors(p map[string]any) map[string]string {
	out := map[string]string{}
	list, _ := p["errors"].([]any)
	for _, x := range list {
		if m, ok := x.(map[string]any); ok {
			f, _ := m["field"].(string)
			c, _ := m["code"].(string)
			out[f] = c
		}
	}
	return out
}
