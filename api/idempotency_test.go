package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipledge/ipledge/app/apptest"
)

func countOrgs(t *testing.T, env *apptest.Env, name string) int {
	t.Helper()
	var n int
	if err := env.App.DB.Get(&n, env.App.DB.Rebind(`SELECT count(*) FROM organisations WHERE name = ?`), name); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestIdempotencyReplaysTheFirstResponse(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		admin := env.Login(t, "admin")
		body := map[string]any{"kind": "bank", "name": "幂等测试银行"}
		first := env.Do(t, "POST", "/api/v1/organisations", admin, body, "Idempotency-Key", `"k-0001"`)
		first.WantStatus(t, http.StatusCreated)
		// The bare form of the same key is the same key.
		second := env.Do(t, "POST", "/api/v1/organisations", admin, body, "Idempotency-Key", `k-0001`)
		second.WantStatus(t, http.StatusCreated)
		if string(first.Body) != string(second.Body) {
			t.Fatalf("replay differs:\n%s\n%s", first.Body, second.Body)
		}
		if second.Header.Get("Idempotent-Replayed") != "true" || first.Header.Get("Idempotent-Replayed") != "" {
			t.Fatal("replay marker missing or on the first response")
		}
		if n := countOrgs(t, env, "幂等测试银行"); n != 1 {
			t.Fatalf("%d organisations created", n)
		}
		// Same key, another body.
		other := env.Do(t, "POST", "/api/v1/organisations", admin, map[string]any{"kind": "bank", "name": "另一家银行"}, "Idempotency-Key", "k-0001")
		other.WantProblem(t, http.StatusUnprocessableEntity, "idempotency_key_reused")
		if n := countOrgs(t, env, "另一家银行"); n != 0 {
			t.Fatal("a reused key stored its new request")
		}
	})
}

func TestIdempotencyKeyIsScopedToTheUser(t *testing.T) {
	env := apptest.New(t)
	// Two users send the same key string: two independent operations.
	// (Only admins create organisations, so a second admin is made.)
	admin := env.Login(t, "admin")
	env.Do(t, "POST", "/api/v1/users", admin, map[string]any{"org_id": 1, "username": "admin-2",
		"display_name": "第二管理员", "password": "another-long-password"}).WantStatus(t, http.StatusCreated)
	pair := env.LoginPair(t, "admin-2", "another-long-password")
	r1 := env.Do(t, "POST", "/api/v1/organisations", admin, map[string]any{"kind": "bank", "name": "甲用户银行"}, "Idempotency-Key", "shared-key")
	r2 := env.Do(t, "POST", "/api/v1/organisations", pair.AccessToken, map[string]any{"kind": "bank", "name": "乙用户银行"}, "Idempotency-Key", "shared-key")
	r1.WantStatus(t, http.StatusCreated)
	r2.WantStatus(t, http.StatusCreated)
}

func TestIdempotencyKeyValidation(t *testing.T) {
	env := apptest.New(t)
	admin := env.Login(t, "admin")
	for name, key := range map[string]string{
		"too long":        strings.Repeat("k", 256),
		"control char":    "abc\tdef",
		"non-ascii":       "键",
		"empty quoted":    `""`,
		"only whitespace": "   ",
	} {
		t.Run(name, func(t *testing.T) {
			r := env.Do(t, "POST", "/api/v1/organisations", admin, map[string]any{"kind": "bank", "name": "坏键银行"}, "Idempotency-Key", key)
			r.WantProblem(t, http.StatusBadRequest, "invalid_idempotency_key")
		})
	}
	if n := countOrgs(t, env, "坏键银行"); n != 0 {
		t.Fatal("a request with a bad key was carried out")
	}
	// 255 characters are fine.
	env.Do(t, "POST", "/api/v1/organisations", admin, map[string]any{"kind": "bank", "name": "长键银行"},
		"Idempotency-Key", strings.Repeat("k", 255)).WantStatus(t, http.StatusCreated)
}

func TestIdempotencyRefusalsAreReplayedAndStoreNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		admin := env.Login(t, "admin")
		// A business refusal (duplicate name → 409) is the response to replay.
		dup := map[string]any{"kind": "bank", "name": "晋阳示范商业银行"}
		r1 := env.Do(t, "POST", "/api/v1/organisations", admin, dup, "Idempotency-Key", "dup-1")
		r1.WantProblem(t, http.StatusConflict, "duplicate")
		r2 := env.Do(t, "POST", "/api/v1/organisations", admin, dup, "Idempotency-Key", "dup-1")
		if r2.Status != http.StatusConflict || r2.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("refusal not replayed: %d %s", r2.Status, r2.Body)
		}
		var audits int
		_ = env.App.DB.Get(&audits, env.App.DB.Rebind(`SELECT count(*) FROM audit_log WHERE action = ? AND object_type = ?`), "organisation.create", "organisation")
		// Only the demo seed's organisations were audited as created.
		if audits != 8 {
			t.Fatalf("%d organisation.create audit entries, want the 8 of the demo seed", audits)
		}
	})
}

func TestIdempotencyConcurrentRequestsWithOneKey(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		admin := env.Login(t, "admin")
		body := map[string]any{"kind": "bank", "name": "并发测试银行"}
		const n = 8
		var wg sync.WaitGroup
		statuses := make([]int, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				statuses[i] = env.Do(t, "POST", "/api/v1/organisations", admin, body, "Idempotency-Key", "race-1").Status
			}(i)
		}
		wg.Wait()
		created, inProgress := 0, 0
		for _, s := range statuses {
			switch s {
			case http.StatusCreated:
				created++ // the first, or a replay of it
			case http.StatusConflict:
				inProgress++
			default:
				t.Fatalf("unexpected status %d among %v", s, statuses)
			}
		}
		if created == 0 {
			t.Fatalf("no request succeeded: %v", statuses)
		}
		if c := countOrgs(t, env, "并发测试银行"); c != 1 {
			t.Fatalf("%d organisations created by %d concurrent requests with one key", c, n)
		}
		// After the first finished, a retry is a replay.
		r := env.Do(t, "POST", "/api/v1/organisations", admin, body, "Idempotency-Key", "race-1")
		if r.Status != http.StatusCreated || r.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry after the race: %d", r.Status)
		}
	})
}

func TestIdempotencyWhileTheFirstIsRunning(t *testing.T) {
	env := apptest.New(t)
	admin := env.Login(t, "admin")
	body := map[string]any{"kind": "bank", "name": "进行中银行"}
	// Claim the key as a request that is still running would have.
	var adminID int64
	_ = env.App.DB.Get(&adminID, `SELECT id FROM users WHERE username = 'admin'`)
	fp := idempotencyFingerprint(t, "POST", "/api/v1/organisations", body)
	if _, err := env.App.Idempotency.Begin(t.Context(), adminID, "running-1", "POST", "/api/v1/organisations", fp); err != nil {
		t.Fatal(err)
	}
	env.Do(t, "POST", "/api/v1/organisations", admin, body, "Idempotency-Key", "running-1").
		WantProblem(t, http.StatusConflict, "idempotency_in_progress")
	if countOrgs(t, env, "进行中银行") != 0 {
		t.Fatal("ran while the first request was in progress")
	}
	// A claim older than the lease belongs to a request that died: the
	// key may run again.
	env.Clock.Advance(6 * time.Minute)
	env.Do(t, "POST", "/api/v1/organisations", admin, body, "Idempotency-Key", "running-1").WantStatus(t, http.StatusCreated)
}

func TestIdempotencyKeysExpireAfter24Hours(t *testing.T) {
	env := apptest.New(t)
	admin := env.Login(t, "admin")
	body := map[string]any{"kind": "bank", "name": "过期键银行"}
	env.Do(t, "POST", "/api/v1/organisations", admin, body, "Idempotency-Key", "exp-1").WantStatus(t, http.StatusCreated)
	env.Clock.Advance(25 * time.Hour)
	n, err := env.App.Idempotency.Purge(t.Context())
	if err != nil || n != 1 {
		t.Fatalf("purged %d, %v", n, err)
	}
	// The key is free again: the same request now runs (and meets the
	// uniqueness rule). The old access token has expired by now.
	env.Forget("admin")
	admin = env.Login(t, "admin")
	env.Do(t, "POST", "/api/v1/organisations", admin, body, "Idempotency-Key", "exp-1").WantProblem(t, http.StatusConflict, "duplicate")
}

func idempotencyFingerprint(t *testing.T, method, path string, body any) string {
	t.Helper()
	return fingerprintOf(method, path, mustJSON(t, body))
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := jsonMarshal(v)
	if err != nil {
		t.Fatal(fmt.Sprint(err))
	}
	return b
}

func TestIdempotencyDoesNotStoreServerErrors(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		admin := env.Login(t, "admin")
		body := map[string]any{"kind": "bank", "name": "五百银行"}
		// Break the table the request writes to, so that it fails with a 500.
		if _, err := env.App.DB.Exec(`ALTER TABLE organisations RENAME TO organisations_away`); err != nil {
			t.Fatal(err)
		}
		r := env.Do(t, "POST", "/api/v1/organisations", admin, body, "Idempotency-Key", "five-hundred")
		p := r.WantProblem(t, http.StatusInternalServerError, "internal")
		if strings.Contains(string(r.Body), "organisations") || strings.Contains(string(r.Body), "SQL") {
			t.Fatalf("500 leaks internals: %v", p)
		}
		if _, err := env.App.DB.Exec(`ALTER TABLE organisations_away RENAME TO organisations`); err != nil {
			t.Fatal(err)
		}
		// The 500 was not stored: the retry runs.
		r = env.Do(t, "POST", "/api/v1/organisations", admin, body, "Idempotency-Key", "five-hundred")
		r.WantStatus(t, http.StatusCreated)
		if r.Header.Get("Idempotent-Replayed") != "" {
			t.Fatal("the retry was a replay")
		}
	})
}
