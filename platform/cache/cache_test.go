package cache_test

import (
	"bytes"
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

	"github.com/ipledge/ipledge/platform/cache"
	"github.com/ipledge/ipledge/platform/dbtest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// fakeClock is a settable clock for the in-process cache.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func randomName(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// backend is one implementation under test. expire makes an entry that
// was set with ttl reach its expiry (Memory: advance the clock; Redis:
// wait for it).
type backend struct {
	c      cache.Cache
	ttl    time.Duration // a TTL short enough to wait for
	expire func(t *testing.T, c cache.Cache, key string)
	// checkTTL, when set, checks the TTL the backend stored for key.
	checkTTL func(t *testing.T, key string, max time.Duration)
}

func memoryBackend(t *testing.T) backend {
	clk := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	return backend{
		c:   cache.NewMemory(100, clk.Now),
		ttl: 10 * time.Second,
		expire: func(t *testing.T, c cache.Cache, key string) {
			clk.Advance(10*time.Second - time.Nanosecond)
			if _, ok := c.Get(context.Background(), key); !ok {
				t.Fatal("entry expired before its TTL")
			}
			clk.Advance(time.Nanosecond)
		},
	}
}

func redisClient(t *testing.T) *redis.Client {
	t.Helper()
	u := dbtest.RedisURL(t)
	rdb, err := cache.OpenRedis(u)
	if err != nil {
		t.Fatalf("OpenRedis: %v", err)
	}
	t.Cleanup(func() { rdb.Close() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("Redis at %s does not answer: %v", u, err)
	}
	return rdb
}

func redisBackend(t *testing.T) backend {
	rdb := redisClient(t)
	// A namespace of its own keeps this run apart from anything else
	// using the shared Redis.
	ns := randomName("ipledge-test-")
	prefix := ns + ":v1:c:"
	return backend{
		c:   cache.NewRedis(rdb, quiet, ns),
		ttl: 150 * time.Millisecond,
		expire: func(t *testing.T, c cache.Cache, key string) {
			// Redis expires on its own clock: poll until it has.
			deadline := time.Now().Add(10 * time.Second)
			for time.Now().Before(deadline) {
				if n, _ := rdb.Exists(context.Background(), prefix+key).Result(); n == 0 {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
			t.Fatal("Redis never expired the entry")
		},
		checkTTL: func(t *testing.T, key string, max time.Duration) {
			ttl, err := rdb.PTTL(context.Background(), prefix+key).Result()
			if err != nil {
				t.Fatal(err)
			}
			if ttl <= 0 || ttl > max {
				t.Fatalf("stored TTL %v, want in (0, %v]", ttl, max)
			}
		},
	}
}

// eachBackend runs the same behaviour suite against Memory and Redis.
func eachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Run("memory", func(t *testing.T) { fn(t, memoryBackend(t)) })
	t.Run("redis", func(t *testing.T) { fn(t, redisBackend(t)) })
}

func TestGetSetDelete(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		k1, k2, k3 := randomName("t1:"), randomName("t2:"), randomName("t3:")
		t.Cleanup(func() { b.c.Delete(context.Background(), k1, k2, k3) })

		if v, ok := b.c.Get(ctx, k1); ok || v != nil {
			t.Fatalf("Get of a missing key = %q, %v", v, ok)
		}
		b.c.Set(ctx, k1, []byte("one"), time.Minute)
		b.c.Set(ctx, k2, []byte{0, 1, 2, 255}, time.Minute)
		b.c.Set(ctx, k3, []byte{}, time.Minute)
		for _, tc := range []struct {
			key  string
			want []byte
		}{{k1, []byte("one")}, {k2, []byte{0, 1, 2, 255}}, {k3, []byte{}}} {
			v, ok := b.c.Get(ctx, tc.key)
			if !ok || !bytes.Equal(v, tc.want) {
				t.Fatalf("Get(%s) = %q, %v; want %q", tc.key, v, ok, tc.want)
			}
		}
		// Overwrite.
		b.c.Set(ctx, k1, []byte("uno"), time.Minute)
		if v, ok := b.c.Get(ctx, k1); !ok || string(v) != "uno" {
			t.Fatalf("after overwrite Get = %q, %v", v, ok)
		}
		// Delete several at once, including one that does not exist.
		b.c.Delete(ctx, k1, k2, randomName("absent:"))
		for _, k := range []string{k1, k2} {
			if _, ok := b.c.Get(ctx, k); ok {
				t.Fatalf("%s still cached after Delete", k)
			}
		}
		if _, ok := b.c.Get(ctx, k3); !ok {
			t.Fatal("Delete removed a key it was not given")
		}
		b.c.Delete(ctx) // no keys: a no-op
		if err := b.c.Ping(ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
}

func TestNonPositiveTTLStoresNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		for _, ttl := range []time.Duration{0, -time.Second} {
			k := randomName("ttl0:")
			b.c.Set(ctx, k, []byte("x"), ttl)
			if _, ok := b.c.Get(ctx, k); ok {
				t.Fatalf("Set with TTL %v stored an entry", ttl)
			}
		}
	})
}

func TestEntryExpires(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		short, long := randomName("short:"), randomName("long:")
		t.Cleanup(func() { b.c.Delete(context.Background(), short, long) })
		b.c.Set(ctx, short, []byte("s"), b.ttl)
		b.c.Set(ctx, long, []byte("l"), time.Hour)
		if b.checkTTL != nil {
			b.checkTTL(t, short, b.ttl)
			b.checkTTL(t, long, time.Hour)
		}
		if _, ok := b.c.Get(ctx, short); !ok {
			t.Fatal("entry missing before its TTL")
		}
		b.expire(t, b.c, short)
		if v, ok := b.c.Get(ctx, short); ok {
			t.Fatalf("expired entry returned %q", v)
		}
		if v, ok := b.c.Get(ctx, long); !ok || string(v) != "l" {
			t.Fatalf("the other entry with a longer TTL is gone: %q, %v", v, ok)
		}
	})
}

func TestMemoryEvictsLeastRecentlyUsed(t *testing.T) {
	ctx := context.Background()
	m := cache.NewMemory(2, nil)
	m.Set(ctx, "a", []byte("a"), time.Minute)
	m.Set(ctx, "b", []byte("b"), time.Minute)
	m.Get(ctx, "a") // a is now the most recently used
	m.Set(ctx, "c", []byte("c"), time.Minute)
	if _, ok := m.Get(ctx, "b"); ok {
		t.Fatal("least recently used entry not evicted")
	}
	for _, k := range []string{"a", "c"} {
		if _, ok := m.Get(ctx, k); !ok {
			t.Fatalf("%s evicted", k)
		}
	}
}

func TestRedisKeysArePrefixed(t *testing.T) {
	rdb := redisClient(t)
	ctx := context.Background()
	k := randomName("pfx:")
	ns := randomName("ipledge-test-")
	def, own := cache.NewRedis(rdb, quiet), cache.NewRedis(rdb, quiet, ns)
	t.Cleanup(func() {
		def.Delete(context.Background(), k)
		own.Delete(context.Background(), k)
	})
	def.Set(ctx, k, []byte("default"), time.Minute)
	if n, _ := rdb.Exists(ctx, k).Result(); n != 0 {
		t.Fatal("the raw key exists: entries must carry the prefix")
	}
	if v, err := rdb.Get(ctx, cache.Prefix+k).Result(); err != nil || v != "default" {
		t.Fatalf("default-namespace key %s = %q, %v", cache.Prefix+k, v, err)
	}
	// Another namespace on the same Redis sees none of it, and vice versa.
	if v, ok := own.Get(ctx, k); ok {
		t.Fatalf("namespace %s sees the default namespace's entry %q", ns, v)
	}
	own.Set(ctx, k, []byte("own"), time.Minute)
	if v, err := rdb.Get(ctx, ns+":v1:c:"+k).Result(); err != nil || v != "own" {
		t.Fatalf("namespaced key = %q, %v", v, err)
	}
	if v, ok := def.Get(ctx, k); !ok || string(v) != "default" {
		t.Fatalf("default namespace entry = %q, %v after a write in another namespace", v, ok)
	}
	own.Delete(ctx, k)
	if _, ok := def.Get(ctx, k); !ok {
		t.Fatal("Delete in one namespace removed another's entry")
	}
}

// closedPortURL returns a redis:// URL on which nothing listens.
func closedPortURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return fmt.Sprintf("redis://%s/0", addr)
}

// TestRedisFailsOpen: with Redis unreachable every read is a miss and no
// write panics or blocks the caller for long; Ping reports the outage.
// This runs without IPLEDGE_TEST_REDIS_URL.
func TestRedisFailsOpen(t *testing.T) {
	rdb, err := cache.OpenRedis(closedPortURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	c := cache.NewRedis(rdb, quiet)
	ctx := context.Background()
	for i := 0; i < 3; i++ { // repeated failures stay quiet misses
		c.Set(ctx, "k", []byte("v"), time.Minute)
		if v, ok := c.Get(ctx, "k"); ok || v != nil {
			t.Fatalf("Get on a dead Redis = %q, %v; want a miss", v, ok)
		}
		c.Delete(ctx, "k", "l")
	}
	if err := c.Ping(ctx); err == nil {
		t.Fatal("Ping on a dead Redis returned nil")
	}
	// A cancelled request context is a miss too, not a panic.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, ok := c.Get(cctx, "k"); ok {
		t.Fatal("hit with a cancelled context")
	}
}

func TestOpenRedisRejectsBadURL(t *testing.T) {
	for _, u := range []string{"", "http://127.0.0.1:6379", "redis://127.0.0.1:6379/notadb"} {
		if _, err := cache.OpenRedis(u); err == nil {
			t.Errorf("OpenRedis(%q) accepted", u)
		}
	}
}

// TestOpenRedisBoundsOutageCost checks the client settings that bound
// what a dead or stalled Redis costs one request: one dial attempt (not
// go-redis's default of five with pauses), short dial and I/O timeouts,
// one retry.
func TestOpenRedisBoundsOutageCost(t *testing.T) {
	rdb, err := cache.OpenRedis("redis://127.0.0.1:6379/0")
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	o := rdb.Options()
	if o.DialerRetries != 1 {
		t.Errorf("DialerRetries = %d, want 1", o.DialerRetries)
	}
	if o.MaxRetries > 1 {
		t.Errorf("MaxRetries = %d, want at most 1", o.MaxRetries)
	}
	for name, d := range map[string]time.Duration{"DialTimeout": o.DialTimeout, "ReadTimeout": o.ReadTimeout,
		"WriteTimeout": o.WriteTimeout, "PoolTimeout": o.PoolTimeout} {
		if d <= 0 || d > time.Second {
			t.Errorf("%s = %v, want a bound of at most 1s", name, d)
		}
	}
	if !o.ContextTimeoutEnabled {
		t.Error("ContextTimeoutEnabled is off: request deadlines would not reach Redis calls")
	}
}
