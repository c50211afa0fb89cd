package auth_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipledge/ipledge/platform/auth"
)

var revT0 = time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)

func TestRevocationsByJTI(t *testing.T) {
	clk := &rlClock{t: revT0}
	r := auth.NewRevocations(nil, rlQuiet, clk.Now)
	p := auth.Principal{UserID: 1, JTI: "jti-1", IssuedAt: revT0, ExpiresAt: revT0.Add(15 * time.Minute)}
	if r.IsRevoked(p) {
		t.Fatal("revoked before anything was revoked")
	}
	r.Publish(context.Background(), auth.RevocationEvent{JTI: "jti-1", ExpiresAt: p.ExpiresAt})
	if !r.IsRevoked(p) {
		t.Fatal("published jti not revoked")
	}
	other := p
	other.JTI = "jti-2"
	if r.IsRevoked(other) {
		t.Fatal("another token of the same user is revoked by a jti revocation")
	}
	// A token without a jti is not matched by anything.
	if r.IsRevoked(auth.Principal{UserID: 2}) {
		t.Fatal("a principal without jti is revoked")
	}
}

func TestRevocationsUserBefore(t *testing.T) {
	r := auth.NewRevocations(nil, rlQuiet, nil)
	r.Apply(auth.RevocationEvent{UserID: 5, Before: revT0})
	for _, tc := range []struct {
		name    string
		p       auth.Principal
		revoked bool
	}{
		{"issued before", auth.Principal{UserID: 5, JTI: "a", IssuedAt: revT0.Add(-time.Second)}, true},
		{"issued at the moment", auth.Principal{UserID: 5, JTI: "b", IssuedAt: revT0}, true},
		{"issued after", auth.Principal{UserID: 5, JTI: "c", IssuedAt: revT0.Add(time.Second)}, false},
		{"other user", auth.Principal{UserID: 6, JTI: "d", IssuedAt: revT0.Add(-time.Hour)}, false},
	} {
		if got := r.IsRevoked(tc.p); got != tc.revoked {
			t.Errorf("%s: IsRevoked = %v, want %v", tc.name, got, tc.revoked)
		}
	}
	// An older revocation arriving late does not lower the bar.
	r.Apply(auth.RevocationEvent{UserID: 5, Before: revT0.Add(-time.Hour)})
	if !r.IsRevoked(auth.Principal{UserID: 5, IssuedAt: revT0.Add(-time.Second)}) {
		t.Fatal("a late, older revocation un-revoked tokens")
	}
	// A newer one raises it.
	r.Apply(auth.RevocationEvent{UserID: 5, Before: revT0.Add(time.Hour)})
	if !r.IsRevoked(auth.Principal{UserID: 5, IssuedAt: revT0.Add(time.Second)}) {
		t.Fatal("a newer revocation did not apply")
	}
	// Both kinds in one event.
	r.Apply(auth.RevocationEvent{JTI: "both", ExpiresAt: revT0.Add(time.Hour), UserID: 9, Before: revT0})
	if !r.IsRevoked(auth.Principal{UserID: 1, JTI: "both"}) || !r.IsRevoked(auth.Principal{UserID: 9, IssuedAt: revT0}) {
		t.Fatal("an event with jti and user did not apply both")
	}
}

func TestRevocationsPrune(t *testing.T) {
	clk := &rlClock{t: revT0}
	r := auth.NewRevocations(nil, rlQuiet, clk.Now)
	exp := revT0.Add(15 * time.Minute)
	r.Apply(
		auth.RevocationEvent{JTI: "short", ExpiresAt: exp},
		auth.RevocationEvent{JTI: "long", ExpiresAt: exp.Add(time.Hour)},
		auth.RevocationEvent{UserID: 3, Before: revT0},
	)
	short := auth.Principal{JTI: "short"}
	long := auth.Principal{JTI: "long"}
	user := auth.Principal{UserID: 3, IssuedAt: revT0.Add(-time.Minute)}

	// Within a minute of its expiry (clock skew allowance) it is kept.
	clk.Set(exp.Add(time.Minute))
	r.Prune()
	if !r.IsRevoked(short) {
		t.Fatal("pruned within the minute after expiry")
	}
	clk.Set(exp.Add(time.Minute + time.Second))
	r.Prune()
	if r.IsRevoked(short) {
		t.Fatal("expired revocation not pruned")
	}
	if !r.IsRevoked(long) {
		t.Fatal("unexpired revocation pruned")
	}
	if !r.IsRevoked(user) {
		t.Fatal("Prune dropped a user revocation")
	}
}

// TestRevocationsListenWithoutRedis: a single instance only prunes, and
// stops when its context ends.
func TestRevocationsListenWithoutRedis(t *testing.T) {
	r := auth.NewRevocations(nil, rlQuiet, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		r.Listen(ctx, func(context.Context) ([]auth.RevocationEvent, error) {
			t.Error("reload called without Redis")
			return nil, nil
		})
		close(done)
	}()
	cancel()
	<-done
}

// TestRevocationsBroadcast: two instances on one Redis. Each reloads the
// durable set when its subscription starts; a revocation published on one
// is refused by the other within a second.
func TestRevocationsBroadcast(t *testing.T) {
	rdbA, rdbB := rlRedis(t), rlRedis(t)
	ns := rlRandom("ipledge-test-") // a channel of its own on the shared Redis
	a := auth.NewRevocations(rdbA, rlQuiet, nil, ns)
	b := auth.NewRevocations(rdbB, rlQuiet, nil, ns)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	durable := auth.RevocationEvent{JTI: rlRandom("durable-"), ExpiresAt: time.Now().Add(time.Hour)}
	var reloadsA, reloadsB atomic.Int32
	subscribed := make(chan string, 2)
	reload := func(name string, n *atomic.Int32) func(context.Context) ([]auth.RevocationEvent, error) {
		return func(context.Context) ([]auth.RevocationEvent, error) {
			if n.Add(1) == 1 {
				subscribed <- name
			}
			return []auth.RevocationEvent{durable}, nil
		}
	}
	go a.Listen(ctx, reload("a", &reloadsA))
	go b.Listen(ctx, reload("b", &reloadsB))
	for i := 0; i < 2; i++ {
		select {
		case <-subscribed:
		case <-time.After(10 * time.Second):
			t.Fatal("an instance never subscribed (reload not called)")
		}
	}
	for name, r := range map[string]*auth.Revocations{"a": a, "b": b} {
		if !r.IsRevoked(auth.Principal{JTI: durable.JTI}) {
			t.Fatalf("instance %s did not apply the reloaded durable set", name)
		}
	}

	seen := func(r *auth.Revocations, p auth.Principal) bool {
		deadline := time.Now().Add(time.Second)
		for {
			if r.IsRevoked(p) {
				return true
			}
			if time.Now().After(deadline) {
				return false
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	jti := rlRandom("jti-")
	a.Publish(ctx, auth.RevocationEvent{JTI: jti, ExpiresAt: time.Now().Add(time.Hour)})
	if !a.IsRevoked(auth.Principal{JTI: jti}) {
		t.Fatal("publisher does not refuse its own revocation at once")
	}
	if !seen(b, auth.Principal{JTI: jti}) {
		t.Fatal("instance b did not see a's jti revocation within 1s")
	}

	// And the other way, for a user revocation.
	const userID = 987654321
	before := time.Now().Truncate(time.Second)
	b.Publish(ctx, auth.RevocationEvent{UserID: userID, Before: before})
	if !seen(a, auth.Principal{UserID: userID, JTI: rlRandom("x-"), IssuedAt: before.Add(-time.Minute)}) {
		t.Fatal("instance a did not see b's user revocation within 1s")
	}
	if a.IsRevoked(auth.Principal{UserID: userID, JTI: rlRandom("y-"), IssuedAt: before.Add(time.Second)}) {
		t.Fatal("a token issued after the user revocation is refused")
	}
}

// TestRevocationsNamespaces: an instance in another namespace on the same
// Redis does not receive the broadcasts. Redis delivers a subscriber's
// messages in publication order, so once c has seen a marker published
// after a's revocation, it would have seen that revocation too had it
// been subscribed to a's channel.
func TestRevocationsNamespaces(t *testing.T) {
	rdb1, rdb2 := rlRedis(t), rlRedis(t)
	ns1, ns2 := rlRandom("ipledge-test-"), rlRandom("ipledge-test-")
	a := auth.NewRevocations(rdb1, rlQuiet, nil, ns1)
	c := auth.NewRevocations(rdb2, rlQuiet, nil, ns2)
	d := auth.NewRevocations(rdb1, rlQuiet, nil, ns2)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	subscribed := make(chan struct{}, 1)
	go c.Listen(ctx, func(context.Context) ([]auth.RevocationEvent, error) {
		select {
		case subscribed <- struct{}{}:
		default:
		}
		return nil, nil
	})
	select {
	case <-subscribed:
	case <-time.After(10 * time.Second):
		t.Fatal("c never subscribed")
	}
	other := rlRandom("other-ns-")
	a.Publish(ctx, auth.RevocationEvent{JTI: other, ExpiresAt: time.Now().Add(time.Hour)})
	marker := rlRandom("marker-")
	d.Publish(ctx, auth.RevocationEvent{JTI: marker, ExpiresAt: time.Now().Add(time.Hour)})
	deadline := time.Now().Add(10 * time.Second)
	for !c.IsRevoked(auth.Principal{JTI: marker}) {
		if time.Now().After(deadline) {
			t.Fatal("c never received its own namespace's broadcast")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if c.IsRevoked(auth.Principal{JTI: other}) {
		t.Fatal("c received a broadcast from another namespace")
	}
}
