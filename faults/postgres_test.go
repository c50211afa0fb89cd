package faults

import (
	"strings"
	"testing"
	"time"

	"github.com/ipledge/ipledge/app/apptest"
)

// PostgreSQL restarts under a running service: while it is down /readyz
// says so and requests fail within a second with 503 problem+json
// (database_unavailable) instead of hanging; when it is back the same
// process serves again.
func TestPostgresRestart(t *testing.T) {
	pg := startPostgres(t)
	p := apptest.StartProcess(t, append(keysEnv(), "IPLEDGE_DATABASE_URL="+pg.URL, "IPLEDGE_DB_MAX_CONNS=4"), true, "--demo")
	tok := login(t, p.URL, "ipoffice", "demo-pass-2026")
	read := func() response { return do("GET", p.URL+v1+"/whitelist/nominations?limit=5", tok, nil) }
	write := func() response {
		code := newFirm()
		return do("POST", p.URL+v1+"/whitelist/nominations", tok, map[string]any{"uscc": code, "name": "重启测试企业", "valid_invention_patents": 1, "source": "ip_office"})
	}
	if r := read(); r.Status != 200 {
		t.Fatalf("before: %d %v", r.Status, r.Body)
	}
	if r := write(); r.Status != 201 {
		t.Fatalf("before: %d %v", r.Status, r.Body)
	}

	pg.Stop(t)
	if r := do("GET", p.URL+"/readyz", "", nil); r.Status != 503 || !strings.Contains(r.Type, "problem+json") ||
		!strings.Contains(stringOf(r.Body["failing"]), "database") {
		t.Fatalf("readyz with PostgreSQL down: %d %v", r.Status, r.Body)
	}
	for i := 0; i < 5; i++ {
		for name, f := range map[string]func() response{"read": read, "write": write} {
			r := f()
			if r.Err != nil || r.Status != 503 || !strings.Contains(r.Type, "application/problem+json") || r.Body["code"] != "database_unavailable" {
				t.Fatalf("%s with PostgreSQL down: %d %s %v %v", name, r.Status, r.Type, r.Body, r.Err)
			}
			if r.Elapsed > time.Second {
				t.Fatalf("%s with PostgreSQL down took %s; want under 1 s", name, r.Elapsed)
			}
			if i == 0 {
				t.Logf("%s with PostgreSQL down: 503 %s in %s", name, r.Body["code"], r.Elapsed.Round(time.Millisecond))
			}
		}
	}
	// /healthz still answers: the process is alive, only not ready.
	if r := do("GET", p.URL+"/healthz", "", nil); r.Status != 200 {
		t.Fatalf("healthz with PostgreSQL down: %d", r.Status)
	}

	pg.Start(t)
	took := waitFor(t, 10*time.Second, "readyz after PostgreSQL returned", func() bool {
		return do("GET", p.URL+"/readyz", "", nil).Status == 200
	})
	t.Logf("ready again %s after PostgreSQL returned", took.Round(time.Millisecond))
	waitFor(t, 5*time.Second, "reads after PostgreSQL returned", func() bool { return read().Status == 200 })
	if r := write(); r.Status != 201 {
		t.Fatalf("write after PostgreSQL returned: %d %v", r.Status, r.Body)
	}
	for i := 0; i < 10; i++ {
		if r := read(); r.Status != 200 {
			t.Fatalf("read %d after recovery: %d %v", i, r.Status, r.Body)
		}
	}
	verifyAudit(t, p.URL, tok)
}

func stringOf(v any) string {
	if s, ok := v.([]any); ok {
		var out []string
		for _, x := range s {
			if str, ok := x.(string); ok {
				out = append(out, str)
			}
		}
		return strings.Join(out, ",")
	}
	return ""
}
