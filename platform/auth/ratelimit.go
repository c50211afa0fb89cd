package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Window is a sliding-window event counter: how many events happened under
// a key in the last window, and when the oldest of them leaves it. The
// login limiter records failed attempts and refuses once a key has reached
// its limit.
type Window interface {
	// Count returns the events under key within the window ending now and
	// how long until the oldest of them drops out.
	Count(ctx context.Context, key string, window time.Duration) (n int, oldestExpiresIn time.Duration, err error)
	// Add records one event under key now.
	Add(ctx context.Context, key string, window time.Duration) error
}

// MemoryWindow is the in-process implementation.
type MemoryWindow struct {
	mu     sync.Mutex
	events map[string][]time.Time
	now    func() time.Time
	adds   int
}

// NewMemoryWindow returns an in-process window; now is injectable.
func NewMemoryWindow(now func() time.Time) *MemoryWindow {
	if now == nil {
		now = time.Now
	}
	return &MemoryWindow{events: map[string][]time.Time{}, now: now}
}

func (m *MemoryWindow) prune(key string, window time.Duration, now time.Time) []time.Time {
	evs := m.events[key]
	i := 0
	for i < len(evs) && !evs[i].After(now.Add(-window)) {
		i++
	}
	evs = evs[i:]
	if len(evs) == 0 {
		delete(m.events, key)
		return nil
	}
	m.events[key] = evs
	return evs
}

// Count implements Window.
func (m *MemoryWindow) Count(_ context.Context, key string, window time.Duration) (int, time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	evs := m.prune(key, window, now)
	if len(evs) == 0 {
		return 0, 0, nil
	}
	return len(evs), evs[0].Add(window).Sub(now), nil
}

// Add implements Window.
func (m *MemoryWindow) Add(_ context.Context, key string, window time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.events[key] = append(m.prune(key, window, now), now)
	// Forget idle keys now and then, so that the map stays bounded.
	if m.adds++; m.adds%1024 == 0 {
		for k := range m.events {
			m.prune(k, window, now)
		}
	}
	return nil
}

// RedisWindow counts in a Redis sorted set per key, so that every instance
// sees the same counts. When Redis fails it falls back to an in-process
// window (logging a warning once per outage): the limit then counts per
// instance, which is weaker but never locks everybody out.
type RedisWindow struct {
	rdb      *redis.Client
	fallback *MemoryWindow
	now      func() time.Time
	log      *slog.Logger
	prefix   string
	degraded atomic.Bool
}

// NewRedisWindow returns a Redis-backed window. namespace (default
// "ipledge") prefixes its keys, so that deployments or test runs sharing
// one Redis do not count each other's attempts.
func NewRedisWindow(rdb *redis.Client, log *slog.Logger, now func() time.Time, namespace ...string) *RedisWindow {
	if now == nil {
		now = time.Now
	}
	return &RedisWindow{rdb: rdb, fallback: NewMemoryWindow(now), now: now, log: log, prefix: ns(namespace) + ":v1:rl:"}
}

// ns returns the first namespace given, or "ipledge".
func ns(namespace []string) string {
	if len(namespace) > 0 && namespace[0] != "" {
		return namespace[0]
	}
	return "ipledge"
}

func (r *RedisWindow) key(k string) string { return r.prefix + k }

func (r *RedisWindow) failed(err error) {
	if r.degraded.CompareAndSwap(false, true) {
		r.log.Warn("rate limiter: Redis unavailable, counting in-process", "err", err)
	}
}

func (r *RedisWindow) recovered() {
	if r.degraded.CompareAndSwap(true, false) {
		r.log.Info("rate limiter: Redis is back")
	}
}

// Count implements Window.
func (r *RedisWindow) Count(ctx context.Context, key string, window time.Duration) (int, time.Duration, error) {
	now := r.now()
	k := r.key(key)
	var card *redis.IntCmd
	var oldest *redis.ZSliceCmd
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRemRangeByScore(ctx, k, "-inf", strconv.FormatInt(now.Add(-window).UnixMicro(), 10))
		card = p.ZCard(ctx, k)
		oldest = p.ZRangeWithScores(ctx, k, 0, 0)
		return nil
	})
	if err != nil {
		r.failed(err)
		return r.fallback.Count(ctx, key, window)
	}
	r.recovered()
	n := int(card.Val())
	if n == 0 || len(oldest.Val()) == 0 {
		return n, 0, nil
	}
	first := time.UnixMicro(int64(oldest.Val()[0].Score))
	return n, first.Add(window).Sub(now), nil
}

// Add implements Window.
func (r *RedisWindow) Add(ctx context.Context, key string, window time.Duration) error {
	now := r.now()
	k := r.key(key)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	member := strconv.FormatInt(now.UnixMicro(), 10) + "-" + hex.EncodeToString(b)
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, k, redis.Z{Score: float64(now.UnixMicro()), Member: member})
		p.PExpire(ctx, k, window+time.Second)
		return nil
	})
	if err != nil {
		r.failed(err)
		return r.fallback.Add(ctx, key, window)
	}
	r.recovered()
	return nil
}

// LoginLimits are the login attempt limits.
type LoginLimits struct {
	PerUsername int           // failed attempts per username per window (default 10)
	PerAddress  int           // failed attempts per client address per window (default 100)
	Window      time.Duration // default 1 minute
}

// LoginLimiter applies LoginLimits.
type LoginLimiter struct {
	w      Window
	limits LoginLimits
}

// NewLoginLimiter returns a limiter over w.
func NewLoginLimiter(w Window, l LoginLimits) *LoginLimiter {
	if l.PerUsername <= 0 {
		l.PerUsername = 10
	}
	if l.PerAddress <= 0 {
		l.PerAddress = 100
	}
	if l.Window <= 0 {
		l.Window = time.Minute
	}
	return &LoginLimiter{w: w, limits: l}
}

// Check returns a non-zero wait when either the username or the address
// has used up its failed attempts.
func (l *LoginLimiter) Check(ctx context.Context, username, addr string) (time.Duration, error) {
	var wait time.Duration
	for _, c := range []struct {
		key   string
		limit int
	}{{"user:" + username, l.limits.PerUsername}, {"addr:" + addr, l.limits.PerAddress}} {
		n, in, err := l.w.Count(ctx, c.key, l.limits.Window)
		if err != nil {
			return 0, err
		}
		if n >= c.limit && in > wait {
			wait = in
		}
	}
	return wait, nil
}

// Failed records a failed attempt for both keys.
func (l *LoginLimiter) Failed(ctx context.Context, username, addr string) error {
	if err := l.w.Add(ctx, "user:"+username, l.limits.Window); err != nil {
		return err
	}
	return l.w.Add(ctx, "addr:"+addr, l.limits.Window)
}
