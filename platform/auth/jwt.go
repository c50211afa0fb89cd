// Package auth holds the authentication mechanisms: password hashing,
// access-token signing and verification, token revocation and the login
// rate limiter. Who may log in and what a session is belong to the
// account package; this package knows nothing of users in the database.
package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/hashicorp/golang-lru/v2/expirable"
)

// Roles. A user has the role of its organisation's kind; users of the
// platform operator's organisation have the role admin.
const (
	RoleIPOffice    = "ip_office"
	RoleEconBureau  = "econ_bureau"
	RoleBank        = "bank"
	RoleEnterprise  = "enterprise"
	RoleUniversity  = "university"
	RoleAdmin       = "admin"
	accessTokenType = "at+jwt"
)

// Principal is the authenticated caller of a request.
type Principal struct {
	UserID    int64
	Username  string
	OrgID     int64
	Role      string
	JTI       string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// Claims are the access token's claims.
type Claims struct {
	jwt.RegisteredClaims
	OrgID    int64  `json:"org"`
	Role     string `json:"role"`
	Username string `json:"name"`
}

// SigningKeys is the server-side key set: tokens are signed with the
// current key; every listed key verifies, so a new key can be introduced
// while tokens signed with the old one stay valid until they expire.
type SigningKeys struct {
	CurrentID string
	ByID      map[string][]byte
}

// Validate checks key lengths (HS256 needs at least 32 bytes, RFC 7518 §3.2).
func (k SigningKeys) Validate() error {
	if _, ok := k.ByID[k.CurrentID]; !ok {
		return fmt.Errorf("JWT signing key %q is not in the key set", k.CurrentID)
	}
	for id, key := range k.ByID {
		if len(key) < 32 {
			return fmt.Errorf("JWT key %q is %d bytes; HS256 needs at least 32", id, len(key))
		}
	}
	return nil
}

// Tokens issues and verifies access tokens.
type Tokens struct {
	keys     SigningKeys
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
	parser   *jwt.Parser
	// verified caches the claims of tokens already verified, keyed by the
	// whole token string and bounded by its expiry: HS256 verification
	// costs about half of a trivial route's budget. Revocation is still
	// checked on every request by the caller.
	verified *expirable.LRU[string, Principal]
}

// TokenConfig configures Tokens.
type TokenConfig struct {
	Keys     SigningKeys
	Issuer   string
	Audience string
	TTL      time.Duration
	Now      func() time.Time
}

// NewTokens returns a token issuer and verifier.
func NewTokens(c TokenConfig) (*Tokens, error) {
	if err := c.Keys.Validate(); err != nil {
		return nil, err
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.TTL <= 0 {
		c.TTL = 15 * time.Minute
	}
	t := &Tokens{keys: c.Keys, issuer: c.Issuer, audience: c.Audience, ttl: c.TTL, now: c.Now}
	t.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(c.Issuer),
		jwt.WithAudience(c.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(30*time.Second),
		jwt.WithTimeFunc(c.Now),
	)
	t.verified = expirable.NewLRU[string, Principal](50_000, nil, c.TTL)
	return t, nil
}

// TTL is the access-token lifetime.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// Issue signs an access token for p (UserID, Username, OrgID, Role).
func (t *Tokens) Issue(p Principal) (token string, claims Principal, err error) {
	now := t.now().UTC().Truncate(time.Second)
	p.JTI = newJTI()
	p.IssuedAt = now
	p.ExpiresAt = now.Add(t.ttl)
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.issuer,
			Subject:   fmt.Sprint(p.UserID),
			Audience:  jwt.ClaimStrings{t.audience},
			ExpiresAt: jwt.NewNumericDate(p.ExpiresAt),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        p.JTI,
		},
		OrgID:    p.OrgID,
		Role:     p.Role,
		Username: p.Username,
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	tok.Header["kid"] = t.keys.CurrentID
	tok.Header["typ"] = accessTokenType
	s, err := tok.SignedString(t.keys.ByID[t.keys.CurrentID])
	return s, p, err
}

// ErrInvalidToken is returned for every token that does not verify; the
// wrapped cause is for logs only.
var ErrInvalidToken = errors.New("invalid access token")

// Verify checks a token's algorithm, kid, signature, type, issuer,
// audience, expiry and issue time, and returns its principal.
func (t *Tokens) Verify(token string) (Principal, error) {
	if p, ok := t.verified.Get(token); ok {
		// The cache's TTL is the token lifetime, but a token's own expiry
		// may come sooner than the entry's.
		if t.now().Before(p.ExpiresAt.Add(30 * time.Second)) {
			return p, nil
		}
		t.verified.Remove(token)
	}
	var c Claims
	_, err := t.parser.ParseWithClaims(token, &c, t.keyFor)
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	var uid int64
	if _, err := fmt.Sscan(c.Subject, &uid); err != nil || uid <= 0 || c.ID == "" || c.Role == "" || c.IssuedAt == nil {
		return Principal{}, fmt.Errorf("%w: missing sub, jti, iat or role", ErrInvalidToken)
	}
	p := Principal{UserID: uid, Username: c.Username, OrgID: c.OrgID, Role: c.Role, JTI: c.ID,
		IssuedAt: c.IssuedAt.Time, ExpiresAt: c.ExpiresAt.Time}
	t.verified.Add(token, p)
	return p, nil
}

// keyFor looks the token's kid up in the server-side key set (never in
// anything the token points to) and checks the explicit type, so that no
// other kind of JWT passes as an access token.
func (t *Tokens) keyFor(tok *jwt.Token) (any, error) {
	if _, ok := tok.Method.(*jwt.SigningMethodHMAC); !ok {
		return nil, errors.New("unexpected signing method")
	}
	if typ, _ := tok.Header["typ"].(string); typ != accessTokenType {
		return nil, errors.New("not an access token")
	}
	kid, _ := tok.Header["kid"].(string)
	key, ok := t.keys.ByID[kid]
	if !ok {
		return nil, fmt.Errorf("unknown kid %q", kid)
	}
	return key, nil
}

func newJTI() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
