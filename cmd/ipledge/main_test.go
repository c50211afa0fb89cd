//go:build sqlite_fts5

package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipledge/ipledge/platform/config"
	"github.com/ipledge/ipledge/platform/db"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func keysEnv(dbURL string) map[string]string {
	return map[string]string{
		"IPLEDGE_DATABASE_URL": dbURL,
		"IPLEDGE_JWT_KEYS":     "k1=" + config.RandomKey(),
		"IPLEDGE_AUDIT_KEYS":   "a1=" + config.RandomKey(),
	}
}

func TestVersionAndUnknownCommand(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, nil, &out, &out, env(nil)); err != nil || !strings.HasPrefix(out.String(), "ipledge ") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	err := run(context.Background(), []string{"frobnicate"}, nil, &out, &out, env(nil))
	if err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Fatalf("unknown command: %v", err)
	}
}

func TestServeWithoutKeysNamesTheVariable(t *testing.T) {
	url := "sqlite://" + filepath.Join(t.TempDir(), "x.db")
	for _, tc := range []struct {
		name, missing string
		env           map[string]string
	}{
		{"no jwt keys", "IPLEDGE_JWT_KEYS", map[string]string{"IPLEDGE_DATABASE_URL": url, "IPLEDGE_AUDIT_KEYS": "a1=" + config.RandomKey()}},
		{"no audit keys", "IPLEDGE_AUDIT_KEYS", map[string]string{"IPLEDGE_DATABASE_URL": url, "IPLEDGE_JWT_KEYS": "k1=" + config.RandomKey()}},
		{"short jwt key", "IPLEDGE_JWT_KEYS", map[string]string{"IPLEDGE_DATABASE_URL": url, "IPLEDGE_JWT_KEYS": "k1=c2hvcnQ=", "IPLEDGE_AUDIT_KEYS": "a1=" + config.RandomKey()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), []string{"serve", "--listen", "127.0.0.1:0"}, nil, &out, &out, env(tc.env))
			if err == nil || !strings.Contains(err.Error(), tc.missing) {
				t.Fatalf("want an error naming %s, got %v", tc.missing, err)
			}
		})
	}
}

func TestMigrateAndUserAdd(t *testing.T) {
	url := "sqlite://" + filepath.Join(t.TempDir(), "x.db")
	e := env(keysEnv(url))
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, nil, &out, &out, e); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if !strings.Contains(out.String(), "schema version") {
		t.Fatalf("migrate output: %q", out.String())
	}
	out.Reset()
	err := run(context.Background(), []string{"user", "add", "--org", "平台运营中心", "--org-kind", "platform", "--username", "root-admin"},
		strings.NewReader("a-long-enough-password\n"), &out, &out, e)
	if err != nil {
		t.Fatalf("user add: %v", err)
	}
	if !strings.Contains(out.String(), "role admin") {
		t.Fatalf("user add output: %q", out.String())
	}
	// A short password from stdin is refused with the field named.
	err = run(context.Background(), []string{"user", "add", "--org", "平台运营中心", "--username", "second"},
		strings.NewReader("short\n"), &out, &out, e)
	if err == nil || !strings.Contains(err.Error(), "password") {
		t.Fatalf("short password: %v", err)
	}
	// An unknown organisation without --org-kind is an error.
	err = run(context.Background(), []string{"user", "add", "--org", "无此机构", "--username", "third"},
		strings.NewReader("a-long-enough-password\n"), &out, &out, e)
	if err == nil {
		t.Fatal("unknown organisation accepted")
	}
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serveDemo runs `ipledge serve --demo` until the service answers, then
// stops it with a cancelled context (as SIGTERM does) and returns stdout.
func serveDemo(t *testing.T, dbURL, keysFile string) string {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, logs bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--listen", addr, "--database-url", dbURL, "--demo-keys-file", keysFile},
			nil, &out, &logs, env(nil))
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Post("http://"+addr+"/api/v1/auth/login", "application/json",
			strings.NewReader(`{"username":"bank-a","password":"demo-pass-2026"}`))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("demo login: %d", resp.StatusCode)
			}
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("service did not come up: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if !strings.Contains(logs.String(), "DEMO MODE") {
		t.Fatalf("no demo warning in the log:\n%s", logs.String())
	}
	return out.String()
}

func TestServeDemoSeedsOnceAndStopsGracefully(t *testing.T) {
	dir := t.TempDir()
	url := "sqlite://" + filepath.Join(dir, "demo.db")
	keys := filepath.Join(dir, "keys.json")
	first := serveDemo(t, url, keys)
	if !strings.Contains(first, "Demo data seeded.") {
		t.Fatalf("first start did not seed:\n%s", first)
	}
	for _, u := range []string{"ipoffice", "ipoffice-2", "bureau", "bank-a", "bank-b", "ent-a", "ent-b", "tto-a", "admin"} {
		if !strings.Contains(first, u) {
			t.Errorf("demo account %s not printed", u)
		}
	}
	counts := func() (orgs, users int) {
		d, err := db.Open(context.Background(), url, db.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		_ = d.Get(&orgs, `SELECT count(*) FROM organisations`)
		_ = d.Get(&users, `SELECT count(*) FROM users`)
		return
	}
	o1, u1 := counts()
	second := serveDemo(t, url, keys)
	if strings.Contains(second, "Demo data seeded.") {
		t.Fatalf("second start seeded again:\n%s", second)
	}
	if o2, u2 := counts(); o1 != o2 || u1 != u2 || u1 != 9 {
		t.Fatalf("counts changed: orgs %d→%d users %d→%d", o1, o2, u1, u2)
	}
}

func TestDemoAccountsOnlyWithDemoFlag(t *testing.T) {
	url := "sqlite://" + filepath.Join(t.TempDir(), "x.db")
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--listen", addr}, nil, &out, &out, env(keysEnv(url))) }()
	defer func() { cancel(); <-done }()
	for i := 0; ; i++ {
		resp, err := http.Post("http://"+addr+"/api/v1/auth/login", "application/json",
			strings.NewReader(`{"username":"bank-a","password":"demo-pass-2026"}`))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("demo account exists without --demo: %d", resp.StatusCode)
			}
			return
		}
		if i > 400 {
			t.Fatal(fmt.Sprint("service did not come up: ", err))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
