package auth

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Revocations is the set of access tokens that must be refused before they
// expire: single tokens by jti (logout) and all tokens of a user issued
// before a moment (deactivation). Checking is a map lookup on every
// request. The durable record lives in the database (the account
// package); with Redis, revocations are broadcast so that every instance
// refuses the token within a second, and each instance reloads the whole
// set from the database whenever its subscription (re)connects, so a
// message lost during a Redis outage is not lost for good.
type Revocations struct {
	mu    sync.RWMutex
	jtis  map[string]time.Time // jti → token expiry
	users map[int64]time.Time  // user id → refuse tokens issued before this
	now   func() time.Time
	rdb   *redis.Client
	log   *slog.Logger
	// channel carries revocations between instances.
	channel string
}

// RevocationEvent is one revocation, as stored and broadcast.
type RevocationEvent struct {
	JTI       string    `json:"jti,omitempty"`
	ExpiresAt time.Time `json:"exp,omitempty"`
	UserID    int64     `json:"user_id,omitempty"`
	Before    time.Time `json:"before,omitempty"`
}

// NewRevocations returns an empty set. rdb may be nil (single instance).
// namespace (default "ipledge") names the broadcast channel.
func NewRevocations(rdb *redis.Client, log *slog.Logger, now func() time.Time, namespace ...string) *Revocations {
	if now == nil {
		now = time.Now
	}
	return &Revocations{jtis: map[string]time.Time{}, users: map[int64]time.Time{}, now: now, rdb: rdb, log: log,
		channel: ns(namespace) + ":v1:revocations"}
}

// IsRevoked reports whether p must be refused.
func (r *Revocations) IsRevoked(p Principal) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if _, ok := r.jtis[p.JTI]; ok {
		return true
	}
	if before, ok := r.users[p.UserID]; ok && !p.IssuedAt.After(before) {
		return true
	}
	return false
}

// Apply adds events to the local set without broadcasting.
func (r *Revocations) Apply(evs ...RevocationEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range evs {
		if e.JTI != "" {
			r.jtis[e.JTI] = e.ExpiresAt
		}
		if e.UserID != 0 {
			if cur, ok := r.users[e.UserID]; !ok || e.Before.After(cur) {
				r.users[e.UserID] = e.Before
			}
		}
	}
}

// Publish applies events locally at once and broadcasts them to the other
// instances. Call it after the database change committed.
func (r *Revocations) Publish(ctx context.Context, evs ...RevocationEvent) {
	r.Apply(evs...)
	if r.rdb == nil {
		return
	}
	for _, e := range evs {
		b, _ := json.Marshal(e)
		if err := r.rdb.Publish(ctx, r.channel, b).Err(); err != nil {
			// The other instances pick it up from the database when their
			// subscription reconnects.
			r.log.Warn("revocation broadcast failed", "err", err)
		}
	}
}

// Prune forgets revoked tokens that have expired anyway.
func (r *Revocations) Prune() {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	for jti, exp := range r.jtis {
		if now.After(exp.Add(time.Minute)) {
			delete(r.jtis, jti)
		}
	}
}

// Listen receives broadcasts until ctx ends. reload is called with the
// full durable set on every (re)subscription.
func (r *Revocations) Listen(ctx context.Context, reload func(context.Context) ([]RevocationEvent, error)) {
	prune := time.NewTicker(time.Minute)
	defer prune.Stop()
	if r.rdb == nil {
		for {
			select {
			case <-ctx.Done():
				return
			case <-prune.C:
				r.Prune()
			}
		}
	}
	ps := r.rdb.Subscribe(ctx, r.channel)
	defer ps.Close()
	for {
		msg, err := ps.ReceiveTimeout(ctx, 30*time.Second)
		if ctx.Err() != nil {
			return
		}
		select {
		case <-prune.C:
			r.Prune()
		default:
		}
		if err != nil {
			// Timeouts are normal; go-redis reconnects by itself and sends
			// a fresh subscription confirmation, which triggers a reload.
			continue
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			if evs, err := reload(ctx); err != nil {
				r.log.Warn("revocation reload failed", "err", err)
			} else {
				r.Apply(evs...)
			}
		case *redis.Message:
			var e RevocationEvent
			if err := json.Unmarshal([]byte(m.Payload), &e); err == nil {
				r.Apply(e)
			}
		}
	}
}
