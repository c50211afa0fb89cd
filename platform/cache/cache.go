// Package cache is the shared cache: Redis when configured (so every
// instance sees the same entries and an invalidation reaches all of them),
// an in-process LRU otherwise. A cache fails open: an error is a miss.
package cache

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/redis/go-redis/v9"
)

// Cache stores byte values with a per-entry time to live.
type Cache interface {
	Get(ctx context.Context, key string) ([]byte, bool)
	Set(ctx context.Context, key string, value []byte, ttl time.Duration)
	Delete(ctx context.Context, keys ...string)
	// Ping reports whether the cache's backing store is reachable.
	Ping(ctx context.Context) error
}

// maxTTL bounds every entry of the in-process cache.
const maxTTL = 24 * time.Hour

type memEntry struct {
	value   []byte
	expires time.Time
}

// Memory is the in-process implementation.
type Memory struct {
	lru *expirable.LRU[string, memEntry]
	now func() time.Time
}

// NewMemory returns an in-process cache of at most size entries.
func NewMemory(size int, now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{lru: expirable.NewLRU[string, memEntry](size, nil, maxTTL), now: now}
}

// Get implements Cache.
func (m *Memory) Get(_ context.Context, key string) ([]byte, bool) {
	e, ok := m.lru.Get(key)
	if !ok {
		return nil, false
	}
	if !m.now().Before(e.expires) {
		m.lru.Remove(key)
		return nil, false
	}
	return e.value, true
}

// Set implements Cache.
func (m *Memory) Set(_ context.Context, key string, value []byte, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	m.lru.Add(key, memEntry{value: value, expires: m.now().Add(ttl)})
}

// Delete implements Cache.
func (m *Memory) Delete(_ context.Context, keys ...string) {
	for _, k := range keys {
		m.lru.Remove(k)
	}
}

// Ping implements Cache.
func (m *Memory) Ping(context.Context) error { return nil }

// Redis is the Redis implementation. Keys carry a version prefix so that
// a change of encoding never reads an old entry.
type Redis struct {
	rdb      *redis.Client
	log      *slog.Logger
	prefix   string
	degraded atomic.Bool
}

// Prefix starts every cache key under the default namespace.
const Prefix = "ipledge:v1:c:"

// NewRedis returns a Redis cache. namespace (default "ipledge") prefixes
// its keys.
func NewRedis(rdb *redis.Client, log *slog.Logger, namespace ...string) *Redis {
	p := "ipledge"
	if len(namespace) > 0 && namespace[0] != "" {
		p = namespace[0]
	}
	return &Redis{rdb: rdb, log: log, prefix: p + ":v1:c:"}
}

func (r *Redis) failed(err error) {
	if r.degraded.CompareAndSwap(false, true) {
		r.log.Warn("cache: Redis unavailable, bypassing the cache", "err", err)
	}
}

func (r *Redis) ok() {
	if r.degraded.CompareAndSwap(true, false) {
		r.log.Info("cache: Redis is back")
	}
}

// Get implements Cache.
func (r *Redis) Get(ctx context.Context, key string) ([]byte, bool) {
	b, err := r.rdb.Get(ctx, r.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		r.ok()
		return nil, false
	}
	if err != nil {
		r.failed(err)
		return nil, false
	}
	r.ok()
	return b, true
}

// Set implements Cache.
func (r *Redis) Set(ctx context.Context, key string, value []byte, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	if err := r.rdb.Set(ctx, r.prefix+key, value, ttl).Err(); err != nil {
		r.failed(err)
	}
}

// Delete implements Cache.
func (r *Redis) Delete(ctx context.Context, keys ...string) {
	if len(keys) == 0 {
		return
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = r.prefix + k
	}
	if err := r.rdb.Del(ctx, full...).Err(); err != nil {
		r.failed(err)
	}
}

// Ping implements Cache.
func (r *Redis) Ping(ctx context.Context) error { return r.rdb.Ping(ctx).Err() }

// OpenRedis parses a redis:// URL and returns a client with explicit
// timeouts, so that a stalled Redis costs a request at most that long.
func OpenRedis(url string) (*redis.Client, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, err
	}
	opt.ContextTimeoutEnabled = true
	opt.DialTimeout = 500 * time.Millisecond
	// One dial attempt per connection: go-redis otherwise dials 5 times
	// with 100 ms pauses, so a down Redis would cost each request seconds.
	opt.DialerRetries = 1
	opt.ReadTimeout = 300 * time.Millisecond
	opt.WriteTimeout = 300 * time.Millisecond
	opt.PoolTimeout = 500 * time.Millisecond
	opt.MaxRetries = 1
	if opt.PoolSize == 0 {
		opt.PoolSize = 32
	}
	return redis.NewClient(opt), nil
}
