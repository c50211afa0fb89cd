package auth_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/cache"
	"github.com/ipledge/ipledge/platform/dbtest"
)

var rlQuiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// rlClock is a settable clock shared by a window and the test.
type rlClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *rlClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *rlClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func rlRandom(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func rlRedis(t *testing.T) *redis.Client {
	t.Helper()
	rdb, err := cache.OpenRedis(dbtest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("Redis does not answer: %v", err)
	}
	return rdb
}

func rlClosedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// rlClosedRedis returns a client, configured as the service configures
// it, for a port on which nothing listens.
func rlClosedRedis(t *testing.T) *redis.Client {
	t.Helper()
	rdb, err := cache.OpenRedis(fmt.Sprintf("redis://%s/0", rlClosedAddr(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// rlClosedRedisNoRetry is rlClosedRedis without the client's one retry
// (and its back-off pause), for suites that make hundreds of calls.
func rlClosedRedisNoRetry(t *testing.T) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: rlClosedAddr(t), MaxRetries: -1, DialerRetries: 1, DialTimeout: 500 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// eachWindow runs fn against the in-process window, the Redis window
// (when IPLEDGE_TEST_REDIS_URL is set) and the Redis window with Redis
// down (falling back to memory). The clock starts at a whole second.
func eachWindow(t *testing.T, fn func(t *testing.T, w auth.Window, clk *rlClock)) {
	start := time.Now().Truncate(time.Second)
	t.Run("memory", func(t *testing.T) {
		clk := &rlClock{t: start}
		fn(t, auth.NewMemoryWindow(clk.Now), clk)
	})
	t.Run("redis", func(t *testing.T) {
		clk := &rlClock{t: start}
		fn(t, auth.NewRedisWindow(rlRedis(t), rlQuiet, clk.Now), clk)
	})
	t.Run("redis down", func(t *testing.T) {
		clk := &rlClock{t: start}
		fn(t, auth.NewRedisWindow(rlClosedRedisNoRetry(t), rlQuiet, clk.Now), clk)
	})
}

func rlCheck(t *testing.T, l *auth.LoginLimiter, user, addr string) time.Duration {
	t.Helper()
	wait, err := l.Check(context.Background(), user, addr)
	if err != nil {
		t.Fatalf("Check(%s, %s): %v", user, addr, err)
	}
	return wait
}

func rlFail(t *testing.T, l *auth.LoginLimiter, user, addr string) {
	t.Helper()
	if err := l.Failed(context.Background(), user, addr); err != nil {
		t.Fatalf("Failed(%s, %s): %v", user, addr, err)
	}
}

// TestLoginLimiterSlidingWindow: ten failures at t=0s..9s use up the
// username's allowance; the wait is exactly until the oldest failure
// leaves the minute; then the window slides one failure at a time rather
// than resetting.
func TestLoginLimiterSlidingWindow(t *testing.T) {
	eachWindow(t, func(t *testing.T, w auth.Window, clk *rlClock) {
		l := auth.NewLoginLimiter(w, auth.LoginLimits{PerUsername: 10, PerAddress: 100, Window: time.Minute})
		user, addr := rlRandom("u-"), rlRandom("a-")
		t0 := clk.Now()
		at := func(d time.Duration) { clk.Set(t0.Add(d)) }

		for i := 0; i < 10; i++ {
			at(time.Duration(i) * time.Second)
			if wait := rlCheck(t, l, user, addr); wait != 0 {
				t.Fatalf("attempt %d refused (wait %v) before the limit", i+1, wait)
			}
			rlFail(t, l, user, addr)
		}
		for _, tc := range []struct {
			at   time.Duration
			wait time.Duration
		}{
			{9 * time.Second, 51 * time.Second},                       // the failure at 0s leaves at 60s
			{30 * time.Second, 30 * time.Second},                      //
			{59*time.Second + 999*time.Millisecond, time.Millisecond}, // still inside the minute
			{60 * time.Second, 0},                                     // the failure at 0s has left: 9 remain
			{60*time.Second + 500*time.Millisecond, 0},                // sliding: 1s..9s still count
		} {
			at(tc.at)
			if wait := rlCheck(t, l, user, addr); wait != tc.wait {
				t.Fatalf("at t=%v: wait %v, want %v", tc.at, wait, tc.wait)
			}
		}
		// One more failure at 60.5s makes ten again (1s..9s and 60.5s): a
		// fixed window would have reset at 60s and allowed ten more. The
		// wait is until the failure at 1s leaves, at 61s.
		rlFail(t, l, user, addr)
		if wait := rlCheck(t, l, user, addr); wait != 500*time.Millisecond {
			t.Fatalf("after a failure at 60.5s: wait %v, want 500ms", wait)
		}
		n, in, err := w.Count(context.Background(), "user:"+user, time.Minute)
		if err != nil || n != 10 || in != 500*time.Millisecond {
			t.Fatalf("Count = %d, %v, %v; want 10, 500ms", n, in, err)
		}
		// A failure counts for exactly one window: at 61s the one at 1s
		// has left.
		at(61 * time.Second)
		if wait := rlCheck(t, l, user, addr); wait != 0 {
			t.Fatalf("at 61s: wait %v, want 0", wait)
		}
		if n, _, _ := w.Count(context.Background(), "user:"+user, time.Minute); n != 9 {
			t.Fatalf("at 61s: %d failures in the window, want 9 (2s..9s and 60.5s)", n)
		}
		// Long after, everything has left.
		at(10 * time.Minute)
		if n, in, err := w.Count(context.Background(), "user:"+user, time.Minute); n != 0 || in != 0 || err != nil {
			t.Fatalf("after 10 minutes: Count = %d, %v, %v", n, in, err)
		}
	})
}

// TestLoginLimiterPerAddressIndependent: the username limit follows the
// username to any address and does not block other users at that
// address; the address limit blocks every username from that address
// and no other address. The zero LoginLimits give the defaults 10 / 100
// per minute.
func TestLoginLimiterPerAddressIndependent(t *testing.T) {
	eachWindow(t, func(t *testing.T, w auth.Window, clk *rlClock) {
		l := auth.NewLoginLimiter(w, auth.LoginLimits{})
		victim, addrA, addrB := rlRandom("victim-"), rlRandom("A-"), rlRandom("B-")
		for i := 0; i < 10; i++ {
			rlFail(t, l, victim, addrA)
		}
		if wait := rlCheck(t, l, victim, addrA); wait != time.Minute {
			t.Fatalf("username over its limit: wait %v, want 1m (default window)", wait)
		}
		if wait := rlCheck(t, l, victim, addrB); wait != time.Minute {
			t.Fatalf("username limit does not follow the user to another address: wait %v", wait)
		}
		if wait := rlCheck(t, l, rlRandom("other-"), addrA); wait != 0 {
			t.Fatalf("another user at the same address is refused: wait %v", wait)
		}

		// 100 failures from one address, each for a different username,
		// stay under every username limit but reach the address limit.
		spray, addrD := rlRandom("C-"), rlRandom("D-")
		clk.Set(clk.Now().Add(10 * time.Second))
		for i := 0; i < 99; i++ {
			rlFail(t, l, fmt.Sprintf("%s-%d", spray, i), spray)
		}
		fresh := rlRandom("fresh-")
		if wait := rlCheck(t, l, fresh, spray); wait != 0 {
			t.Fatalf("99 failures from an address already refuse it: wait %v", wait)
		}
		rlFail(t, l, spray+"-last", spray)
		if wait := rlCheck(t, l, fresh, spray); wait != time.Minute {
			t.Fatalf("address over its limit: wait %v, want 1m", wait)
		}
		if wait := rlCheck(t, l, fresh, addrD); wait != 0 {
			t.Fatalf("address limit leaks to another address: wait %v", wait)
		}
		// When both limits are used up, the longer wait wins.
		clk.Set(clk.Now().Add(5 * time.Second))
		if wait := rlCheck(t, l, victim, spray); wait != 55*time.Second {
			t.Fatalf("user and address both limited: wait %v, want the longer 55s", wait)
		}
	})
}

func TestWindowCountEmpty(t *testing.T) {
	eachWindow(t, func(t *testing.T, w auth.Window, clk *rlClock) {
		n, in, err := w.Count(context.Background(), rlRandom("none-"), time.Minute)
		if n != 0 || in != 0 || err != nil {
			t.Fatalf("Count of an unused key = %d, %v, %v", n, in, err)
		}
	})
}

// TestRedisWindowIsShared: two instances on one Redis count together.
func TestRedisWindowIsShared(t *testing.T) {
	rdb1, rdb2 := rlRedis(t), rlRedis(t)
	clk := &rlClock{t: time.Now().Truncate(time.Second)}
	l1 := auth.NewLoginLimiter(auth.NewRedisWindow(rdb1, rlQuiet, clk.Now), auth.LoginLimits{})
	l2 := auth.NewLoginLimiter(auth.NewRedisWindow(rdb2, rlQuiet, clk.Now), auth.LoginLimits{})
	user := rlRandom("shared-")
	for i := 0; i < 5; i++ {
		rlFail(t, l1, user, rlRandom("a-"))
		rlFail(t, l2, user, rlRandom("a-"))
	}
	for i, l := range []*auth.LoginLimiter{l1, l2} {
		if wait := rlCheck(t, l, user, rlRandom("a-")); wait != time.Minute {
			t.Fatalf("instance %d: wait %v after 5+5 failures on two instances, want 1m", i+1, wait)
		}
	}
	// The key expires in Redis by itself shortly after the window.
	ttl, err := rdb1.PTTL(context.Background(), "ipledge:v1:rl:user:"+user).Result()
	if err != nil || ttl <= 0 || ttl > time.Minute+time.Second {
		t.Fatalf("Redis key TTL %v, %v; want in (0, 61s]", ttl, err)
	}
}

// TestRedisWindowFallsBackWithoutError: with Redis unreachable neither
// Check nor Failed returns an error, and the limit still holds,
// counted in-process.
func TestRedisWindowFallsBackWithoutError(t *testing.T) {
	clk := &rlClock{t: time.Now().Truncate(time.Second)}
	w := auth.NewRedisWindow(rlClosedRedis(t), rlQuiet, clk.Now)
	l := auth.NewLoginLimiter(w, auth.LoginLimits{PerUsername: 3})
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := l.Check(ctx, "bob", "198.51.100.7"); err != nil {
			t.Fatalf("Check with Redis down: %v", err)
		}
		if err := l.Failed(ctx, "bob", "198.51.100.7"); err != nil {
			t.Fatalf("Failed with Redis down: %v", err)
		}
	}
	wait, err := l.Check(ctx, "bob", "198.51.100.7")
	if err != nil || wait != time.Minute {
		t.Fatalf("Check after 3 failures with Redis down = %v, %v; want 1m, nil", wait, err)
	}
	if n, _, err := w.Count(ctx, "user:bob", time.Minute); n != 3 || err != nil {
		t.Fatalf("fallback Count = %d, %v", n, err)
	}
}

// TestRedisWindowNamespaces: deployments (or test runs) sharing a Redis
// under different namespaces do not count each other's failures.
func TestRedisWindowNamespaces(t *testing.T) {
	rdb := rlRedis(t)
	clk := &rlClock{t: time.Now().Truncate(time.Second)}
	nsA, nsB := rlRandom("ns-a-"), rlRandom("ns-b-")
	la := auth.NewLoginLimiter(auth.NewRedisWindow(rdb, rlQuiet, clk.Now, nsA), auth.LoginLimits{PerUsername: 2})
	lb := auth.NewLoginLimiter(auth.NewRedisWindow(rdb, rlQuiet, clk.Now, nsB), auth.LoginLimits{PerUsername: 2})
	user, addr := rlRandom("u-"), rlRandom("a-")
	rlFail(t, la, user, addr)
	rlFail(t, la, user, addr)
	if wait := rlCheck(t, la, user, addr); wait != time.Minute {
		t.Fatalf("namespace a: wait %v, want 1m", wait)
	}
	if wait := rlCheck(t, lb, user, addr); wait != 0 {
		t.Fatalf("namespace b counts namespace a's failures: wait %v", wait)
	}
	if n, err := rdb.Exists(context.Background(), nsA+":v1:rl:user:"+user).Result(); err != nil || n != 1 {
		t.Fatalf("key under namespace a: exists=%d, %v", n, err)
	}
}
