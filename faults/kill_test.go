package faults

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/platform/dbtest"
)

// SIGKILL in the middle of a stream of acknowledged writes: after a
// restart on the same database every write that was acknowledged (201) is
// there, and the audit chain verifies.
func TestKillDuringWrites(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		killDuringWrites(t, "sqlite://"+t.TempDir()+"/ipledge.db")
	})
	t.Run("postgres", func(t *testing.T) {
		// The shared server, on a fresh database: only ipledge is killed.
		killDuringWrites(t, dbtest.PostgresURL(t))
	})
}

func killDuringWrites(t *testing.T, dbURL string) {
	p := apptest.StartProcess(t, append(keysEnv(), "IPLEDGE_DATABASE_URL="+dbURL), true, "--demo")
	tok := login(t, p.URL, "ipoffice", "demo-pass-2026")

	type acked struct {
		id   int64
		uscc string
	}
	var (
		mu       sync.Mutex
		acks     []acked
		attempts int
		wg       sync.WaitGroup
		stop     = make(chan struct{})
	)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				code := newFirm()
				r := do("POST", p.URL+v1+"/whitelist/nominations", tok, map[string]any{"uscc": code, "name": "断电测试企业" + code[12:], "valid_invention_patents": 1, "source": "ip_office"})
				mu.Lock()
				attempts++
				if r.Status == 201 {
					acks = append(acks, acked{int64(r.Body["id"].(float64)), code})
				}
				mu.Unlock()
				if r.Err != nil {
					return // the process is gone
				}
				if r.Status != 201 {
					t.Errorf("nomination: %d %v", r.Status, r.Body)
					return
				}
			}
		}()
	}
	// Let the writes run, then kill the process in the middle of them.
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(acks)
		mu.Unlock()
		if n >= 60 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.Kill()
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(acks) == 0 {
		t.Fatal("no write was acknowledged before the kill")
	}
	t.Logf("killed with SIGKILL after %d acknowledged writes (%d attempted)", len(acks), attempts)

	p.Start(t, true)
	// The same keys: the token issued before the crash still verifies.
	for _, a := range acks {
		r := do("GET", fmt.Sprintf("%s%s/whitelist/nominations/%d", p.URL, v1, a.id), tok, nil)
		if r.Status != 200 || r.Body["uscc"] != a.uscc {
			t.Fatalf("acknowledged nomination %d (%s) after restart: %d %v", a.id, a.uscc, r.Status, r.Body)
		}
	}
	verifyAudit(t, p.URL, tok)
	// And the restarted service takes writes again.
	code := newFirm()
	if r := do("POST", p.URL+v1+"/whitelist/nominations", tok, map[string]any{"uscc": code, "name": "重启后企业", "valid_invention_patents": 1, "source": "ip_office"}); r.Status != 201 {
		t.Fatalf("write after restart: %d %v", r.Status, r.Body)
	}
	verifyAudit(t, p.URL, tok)
}
