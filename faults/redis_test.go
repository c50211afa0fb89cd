package faults

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipledge/ipledge/app/apptest"
)

// Redis stops (SIGKILL) while requests are coming in: every request is
// still served — the cache is bypassed, the login limit counts in-process
// with a warning in the log — and when Redis returns the service uses it
// again, without a restart.
func TestRedisStopsDuringLoad(t *testing.T) {
	rs := startRedis(t)
	p := apptest.StartProcess(t, append(keysEnv(),
		"IPLEDGE_DATABASE_URL=sqlite://"+t.TempDir()+"/ipledge.db",
		"IPLEDGE_REDIS_URL="+rs.URL), true, "--demo")
	bank := login(t, p.URL, "bank-a", "demo-pass-2026")
	const entA = "91140100MA0G3K8T2B"

	// A steady load of status checks (cached in Redis), batch checks and
	// /me (token revocation check) from 4 clients.
	var (
		ok, bad atomic.Int64
		slowest atomic.Int64
		stop    = make(chan struct{})
		wg      sync.WaitGroup
		badMu   sync.Mutex
		badSeen []string
	)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var r response
				switch (w + i) % 3 {
				case 0:
					r = do("GET", p.URL+v1+"/whitelist/"+entA, bank, nil)
				case 1:
					r = do("POST", p.URL+v1+"/whitelist/check", bank, map[string]any{"usccs": []string{entA, "91140600MA0H7L2N51"}})
				default:
					r = do("GET", p.URL+v1+"/me", bank, nil)
				}
				if int64(r.Elapsed) > slowest.Load() {
					slowest.Store(int64(r.Elapsed))
				}
				if r.Status == 200 {
					ok.Add(1)
				} else {
					bad.Add(1)
					badMu.Lock()
					badSeen = append(badSeen, r.Type)
					badMu.Unlock()
				}
				time.Sleep(5 * time.Millisecond)
			}
		}(w)
	}
	phase := func(name string, d time.Duration) {
		t.Helper()
		ok.Store(0)
		bad.Store(0)
		slowest.Store(0)
		time.Sleep(d)
		t.Logf("%s: %d requests served, %d failed, slowest %s", name, ok.Load(), bad.Load(), time.Duration(slowest.Load()).Round(time.Millisecond))
		if ok.Load() == 0 || bad.Load() != 0 {
			t.Errorf("%s: %d served, %d failed (%v)", name, ok.Load(), bad.Load(), badSeen)
		}
	}
	phase("Redis up", 500*time.Millisecond)
	rs.Kill()
	phase("Redis down", 1500*time.Millisecond)

	// The login limit falls back to counting in-process: still enforced.
	for i := 0; i < 10; i++ {
		if r := do("POST", p.URL+v1+"/auth/login", "", map[string]string{"username": "bank-b", "password": "wrong-password-1"}); r.Status != 401 {
			t.Fatalf("failed login %d with Redis down: %d %v", i+1, r.Status, r.Body)
		}
	}
	if r := do("POST", p.URL+v1+"/auth/login", "", map[string]string{"username": "bank-b", "password": "demo-pass-2026"}); r.Status != 429 {
		t.Fatalf("11th login with Redis down: %d %v (the in-process limit should refuse it)", r.Status, r.Body)
	}
	// Readiness names the cache; liveness holds.
	if r := do("GET", p.URL+"/readyz", "", nil); r.Status != 503 || !strings.Contains(r.Type, "problem+json") {
		t.Fatalf("readyz with Redis down: %d %v", r.Status, r.Body)
	}
	logs := p.Logs()
	for _, want := range []string{"cache: Redis unavailable", "rate limiter: Redis unavailable"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks the warning %q", want)
		}
	}

	rs.Start(t)
	took := waitFor(t, 10*time.Second, "readyz after Redis returned", func() bool {
		return do("GET", p.URL+"/readyz", "", nil).Status == 200
	})
	t.Logf("ready again %s after Redis returned", took.Round(time.Millisecond))
	phase("Redis back", 700*time.Millisecond)
	close(stop)
	wg.Wait()
	waitFor(t, 5*time.Second, "the log says Redis is back", func() bool {
		return strings.Contains(p.Logs(), "cache: Redis is back")
	})
}
