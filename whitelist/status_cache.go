package whitelist

import (
	"context"
	"encoding/json"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/ipledge/ipledge/platform/cache"
)

// statusCache holds derived statuses between changes.
type statusCache interface {
	get(ctx context.Context, code string) (StatusResult, bool)
	set(ctx context.Context, code string, r StatusResult, ttl time.Duration)
	drop(ctx context.Context, code string)
}

// newStatusCache picks the cache's form: with the shared (Redis) cache the
// statuses are stored as JSON, so every instance sees the same entries and
// an invalidation reaches them all; with the in-process cache there is no
// one to share with, so the values are kept as they are and a batch check
// of 1,000 codes spends nothing on encoding.
func newStatusCache(c cache.Cache, now func() time.Time) statusCache {
	if _, inProcess := c.(*cache.Memory); inProcess {
		return &localStatusCache{lru: expirable.NewLRU[string, localStatus](200_000, nil, statusCacheTTL), now: now}
	}
	return sharedStatusCache{c: c}
}

type sharedStatusCache struct{ c cache.Cache }

func (s sharedStatusCache) get(ctx context.Context, code string) (StatusResult, bool) {
	b, ok := s.c.Get(ctx, cacheKey(code))
	if !ok {
		return StatusResult{}, false
	}
	var r StatusResult
	if json.Unmarshal(b, &r) != nil {
		return StatusResult{}, false
	}
	return r, true
}

func (s sharedStatusCache) set(ctx context.Context, code string, r StatusResult, ttl time.Duration) {
	if b, err := json.Marshal(r); err == nil {
		s.c.Set(ctx, cacheKey(code), b, ttl)
	}
}

func (s sharedStatusCache) drop(ctx context.Context, code string) { s.c.Delete(ctx, cacheKey(code)) }

type localStatus struct {
	r       StatusResult
	expires time.Time
}

type localStatusCache struct {
	lru *expirable.LRU[string, localStatus]
	now func() time.Time
}

func (l *localStatusCache) get(_ context.Context, code string) (StatusResult, bool) {
	e, ok := l.lru.Get(code)
	if !ok || !l.now().Before(e.expires) {
		return StatusResult{}, false
	}
	return e.r, true
}

func (l *localStatusCache) set(_ context.Context, code string, r StatusResult, ttl time.Duration) {
	if ttl > 0 {
		l.lru.Add(code, localStatus{r: r, expires: l.now().Add(ttl)})
	}
}

func (l *localStatusCache) drop(_ context.Context, code string) { l.lru.Remove(code) }
