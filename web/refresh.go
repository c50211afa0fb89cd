package web

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/ipledge/ipledge/account"
)

// refreshGrace is how long the pair a refresh token was rotated into is
// handed to further requests that present the same refresh token.
const refreshGrace = 20 * time.Second

// refresher collapses concurrent rotations of one refresh token. A browser
// whose access token has expired may send several requests at once (tabs
// opened together); each carries the same refresh cookie. Rotating it once
// per request would look like reuse of a rotated token, and the account
// service would revoke the whole session. Instead the first request
// rotates, and the others on this instance get its result.
type refresher struct {
	mu    sync.Mutex
	calls map[[32]byte]*rotation
}

type rotation struct {
	done chan struct{}
	pair account.TokenPair
	err  error
	at   time.Time // when it finished; zero while in flight
}

func newRefresher() *refresher { return &refresher{calls: map[[32]byte]*rotation{}} }

// do returns fn's result for token, calling fn at most once per token
// within the grace period.
func (rf *refresher) do(token string, fn func() (account.TokenPair, error)) (account.TokenPair, error) {
	key := sha256.Sum256([]byte(token))
	now := time.Now()
	rf.mu.Lock()
	for k, c := range rf.calls {
		if !c.at.IsZero() && now.Sub(c.at) > refreshGrace {
			delete(rf.calls, k)
		}
	}
	if c, ok := rf.calls[key]; ok {
		rf.mu.Unlock()
		<-c.done
		return c.pair, c.err
	}
	c := &rotation{done: make(chan struct{})}
	rf.calls[key] = c
	rf.mu.Unlock()

	pair, err := fn()
	rf.mu.Lock()
	c.pair, c.err, c.at = pair, err, time.Now()
	if err != nil {
		// Only a success is handed on; a failure is for the waiting
		// requests alone.
		delete(rf.calls, key)
	}
	rf.mu.Unlock()
	close(c.done)
	return pair, err
}
