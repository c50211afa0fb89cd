package auth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ipledge/ipledge/platform/auth"
)

// The JWT negative suite of SECURITY.md (b): every token below is forged
// with the jwt library from a baseline that verifies, changed in exactly
// one way, and must be refused.

const (
	jwtIssuer   = "ipledge"
	jwtAudience = "ipledge-api"
)

var jwtT0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func jwtKey(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

// jwtTokens returns a verifier over keys (the first id signs) whose clock
// reads *now.
func jwtTokens(t *testing.T, now *time.Time, current string, keys map[string][]byte) *auth.Tokens {
	t.Helper()
	tk, err := auth.NewTokens(auth.TokenConfig{
		Keys:   auth.SigningKeys{CurrentID: current, ByID: keys},
		Issuer: jwtIssuer, Audience: jwtAudience, TTL: 15 * time.Minute,
		Now: func() time.Time { return *now },
	})
	if err != nil {
		t.Fatalf("NewTokens: %v", err)
	}
	return tk
}

// jwtClaims are the claims of a valid access token issued at iat.
func jwtClaims(iat time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"iss": jwtIssuer, "aud": []string{jwtAudience}, "sub": "42",
		"iat": iat.Unix(), "exp": iat.Add(15 * time.Minute).Unix(),
		"jti": "0123456789abcdef0123456789abcdef", "org": 7, "role": auth.RoleBank, "name": "bank-a",
	}
}

// jwtForge signs claims with method and key; the header has typ at+jwt
// and kid k1 unless header overrides them (a nil value removes one).
func jwtForge(t *testing.T, method jwt.SigningMethod, key any, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["typ"] = "at+jwt"
	tok.Header["kid"] = "k1"
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
		} else {
			tok.Header[k] = v
		}
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("forge %s token: %v", method.Alg(), err)
	}
	return s
}

// jwtWith returns the baseline claims minus some and plus others.
func jwtWith(iat time.Time, set map[string]any, drop ...string) jwt.MapClaims {
	c := jwtClaims(iat)
	for k, v := range set {
		c[k] = v
	}
	for _, k := range drop {
		delete(c, k)
	}
	return c
}

func TestJWTVerifyRefusesForgedTokens(t *testing.T) {
	k1, k2 := jwtKey(t), jwtKey(t)
	now := jwtT0
	tokens := jwtTokens(t, &now, "k1", map[string][]byte{"k1": k1, "k2": k2})

	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})

	hs256 := jwt.SigningMethodHS256
	valid := func(t *testing.T) string { return jwtForge(t, hs256, k1, nil, jwtClaims(jwtT0)) }

	cases := []struct {
		name  string
		token func(t *testing.T) string
		at    time.Time // the verifier's clock
		ok    bool
		why   string // in the refusal's message, to show it was refused for this reason
	}{
		{name: "baseline forged token is accepted", token: valid, at: jwtT0, ok: true},
		{name: "alg none", why: "signing method none is invalid", token: func(t *testing.T) string {
			return jwtForge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil, jwtClaims(jwtT0))
		}},
		{name: "alg none header on a stripped HS256 token", why: "signing method none is invalid", token: func(t *testing.T) string {
			parts := strings.Split(valid(t), ".")
			hdr := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"k1","typ":"at+jwt"}`))
			return hdr + "." + parts[1] + "."
		}},
		{name: "signature stripped", why: "signature is invalid", token: func(t *testing.T) string {
			parts := strings.Split(valid(t), ".")
			return parts[0] + "." + parts[1] + "."
		}},
		{name: "wrong signature", why: "signature is invalid", token: func(t *testing.T) string {
			return jwtForge(t, hs256, jwtKey(t), nil, jwtClaims(jwtT0))
		}},
		{name: "tampered payload: sub changed, old signature kept", why: "signature is invalid", token: func(t *testing.T) string {
			parts := strings.Split(valid(t), ".")
			raw, err := base64.RawURLEncoding.DecodeString(parts[1])
			if err != nil {
				t.Fatal(err)
			}
			var c map[string]any
			if err := json.Unmarshal(raw, &c); err != nil {
				t.Fatal(err)
			}
			c["sub"], c["role"] = "1", auth.RoleAdmin
			raw, _ = json.Marshal(c)
			return parts[0] + "." + base64.RawURLEncoding.EncodeToString(raw) + "." + parts[2]
		}},
		{name: "wrong audience", why: "invalid audience", token: func(t *testing.T) string {
			return jwtForge(t, hs256, k1, nil, jwtWith(jwtT0, map[string]any{"aud": []string{"other-api"}}))
		}},
		{name: "missing aud", why: "missing required claim", token: func(t *testing.T) string {
			return jwtForge(t, hs256, k1, nil, jwtWith(jwtT0, nil, "aud"))
		}},
		{name: "wrong issuer", why: "invalid issuer", token: func(t *testing.T) string {
			return jwtForge(t, hs256, k1, nil, jwtWith(jwtT0, map[string]any{"iss": "https://evil.example"}))
		}},
		{name: "staging issuer", why: "invalid issuer", token: func(t *testing.T) string {
			return jwtForge(t, hs256, k1, nil, jwtWith(jwtT0, map[string]any{"iss": "ipledge-staging"}))
		}},
		{name: "expired 31 s ago (30 s leeway)", why: "expired", at: jwtT0.Add(15*time.Minute + 31*time.Second), token: valid},
		{name: "expired 29 s ago is still inside the leeway", ok: true, at: jwtT0.Add(15*time.Minute + 29*time.Second), token: valid},
		{name: "missing exp", why: "missing required claim", token: func(t *testing.T) string {
			return jwtForge(t, hs256, k1, nil, jwtWith(jwtT0, nil, "exp"))
		}},
		{name: "nbf a minute in the future", why: "not valid yet", token: func(t *testing.T) string {
			return jwtForge(t, hs256, k1, nil, jwtWith(jwtT0, map[string]any{"nbf": jwtT0.Add(time.Minute).Unix()}))
		}},
		{name: "iat a minute in the future", why: "used before issued", token: func(t *testing.T) string {
			return jwtForge(t, hs256, k1, nil, jwtClaims(jwtT0.Add(time.Minute)))
		}},
		{name: "missing iat", why: "missing sub, jti, iat", token: func(t *testing.T) string {
			return jwtForge(t, hs256, k1, nil, jwtWith(jwtT0, nil, "iat"))
		}},
		{name: "unknown kid", why: "unknown kid", token: func(t *testing.T) string {
			return jwtForge(t, hs256, k1, map[string]any{"kid": "k9"}, jwtClaims(jwtT0))
		}},
		{name: "missing kid", why: "unknown kid", token: func(t *testing.T) string {
			return jwtForge(t, hs256, k1, map[string]any{"kid": nil}, jwtClaims(jwtT0))
		}},
		{name: "kid not a string", why: "unknown kid", token: func(t *testing.T) string {
			return jwtForge(t, hs256, k1, map[string]any{"kid": 1}, jwtClaims(jwtT0))
		}},
		{name: "signed with key 1, kid of key 2", why: "signature is invalid", token: func(t *testing.T) string {
			return jwtForge(t, hs256, k1, map[string]any{"kid": "k2"}, jwtClaims(jwtT0))
		}},
		{name: "HS384 with the same key", why: "signing method HS384 is invalid", token: func(t *testing.T) string {
			return jwtForge(t, jwt.SigningMethodHS384, k1, nil, jwtClaims(jwtT0))
		}},
		{name: "HS512 with the same key", why: "signing method HS512 is invalid", token: func(t *testing.T) string {
			return jwtForge(t, jwt.SigningMethodHS512, k1, nil, jwtClaims(jwtT0))
		}},
		{name: "RS256", why: "signing method RS256 is invalid", token: func(t *testing.T) string {
			return jwtForge(t, jwt.SigningMethodRS256, rsaKey, nil, jwtClaims(jwtT0))
		}},
		{name: "HS256 keyed with a public key PEM", why: "signature is invalid", token: func(t *testing.T) string {
			return jwtForge(t, hs256, pubPEM, nil, jwtClaims(jwtT0))
		}},
		{name: "typ JWT", why: "not an access token", token: func(t *testing.T) string {
			return jwtForge(t, hs256, k1, map[string]any{"typ": "JWT"}, jwtClaims(jwtT0))
		}},
		{name: "typ refresh+jwt", why: "not an access token", token: func(t *testing.T) string {
			return jwtForge(t, hs256, k1, map[string]any{"typ": "refresh+jwt"}, jwtClaims(jwtT0))
		}},
		{name: "typ missing", why: "not an access token", token: func(t *testing.T) string {
			return jwtForge(t, hs256, k1, map[string]any{"typ": nil}, jwtClaims(jwtT0))
		}},
		{name: "missing jti", why: "missing sub, jti", token: func(t *testing.T) string {
			return jwtForge(t, hs256, k1, nil, jwtWith(jwtT0, nil, "jti"))
		}},
		{name: "sub not a user id", why: "missing sub, jti", token: func(t *testing.T) string {
			return jwtForge(t, hs256, k1, nil, jwtWith(jwtT0, map[string]any{"sub": "admin"}))
		}},
		{name: "missing role", why: "missing sub, jti", token: func(t *testing.T) string {
			return jwtForge(t, hs256, k1, nil, jwtWith(jwtT0, nil, "role"))
		}},
		{name: "not a JWT", why: "malformed", token: func(*testing.T) string { return "not-a-jwt" }},
		{name: "empty", why: "malformed", token: func(*testing.T) string { return "" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now = jwtT0
			if !tc.at.IsZero() {
				now = tc.at
			}
			tok := tc.token(t)
			p, err := tokens.Verify(tok)
			if tc.ok {
				if err != nil {
					t.Fatalf("Verify refused a valid token: %v", err)
				}
				if p.UserID != 42 || p.Role != auth.RoleBank || p.OrgID != 7 || p.Username != "bank-a" || p.JTI == "" {
					t.Fatalf("principal = %+v", p)
				}
				return
			}
			if err == nil {
				t.Fatalf("Verify accepted the token: %+v", p)
			}
			if !errors.Is(err, auth.ErrInvalidToken) {
				t.Errorf("error %v does not wrap ErrInvalidToken", err)
			}
			if tc.why != "" && !strings.Contains(err.Error(), tc.why) {
				t.Errorf("refused for %q, want a refusal for %q", err, tc.why)
			}
		})
	}
}

func TestJWTIssueHeaderAndClaims(t *testing.T) {
	now := jwtT0.Add(123 * time.Millisecond)
	tokens := jwtTokens(t, &now, "k2", map[string][]byte{"k1": jwtKey(t), "k2": jwtKey(t)})
	tok, p, err := tokens.Issue(auth.Principal{UserID: 9, Username: "ent-a", OrgID: 3, Role: auth.RoleEnterprise})
	if err != nil {
		t.Fatal(err)
	}
	parsed, _, err := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"alg": "HS256", "typ": "at+jwt", "kid": "k2"} {
		if parsed.Header[k] != want {
			t.Errorf("header %s = %v, want %v", k, parsed.Header[k], want)
		}
	}
	if !p.IssuedAt.Equal(jwtT0) || p.ExpiresAt.Sub(p.IssuedAt) != 15*time.Minute || p.JTI == "" {
		t.Errorf("issued principal %+v", p)
	}
	got, err := tokens.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != p.UserID || got.Username != p.Username || got.OrgID != p.OrgID || got.Role != p.Role ||
		got.JTI != p.JTI || !got.IssuedAt.Equal(p.IssuedAt) || !got.ExpiresAt.Equal(p.ExpiresAt) {
		t.Errorf("verified %+v, issued %+v", got, p)
	}
	_, p2, _ := tokens.Issue(auth.Principal{UserID: 9, Username: "ent-a", OrgID: 3, Role: auth.RoleEnterprise})
	if p2.JTI == p.JTI {
		t.Error("two tokens share a jti")
	}
}

// A verified token is cached; the cache must not outlive the token's own
// expiry (plus leeway).
func TestJWTCachedTokenStillExpires(t *testing.T) {
	now := jwtT0
	tokens := jwtTokens(t, &now, "k1", map[string][]byte{"k1": jwtKey(t)})
	tok, p, err := tokens.Issue(auth.Principal{UserID: 1, Username: "admin", OrgID: 1, Role: auth.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		at time.Time
		ok bool
	}{
		{jwtT0, true},
		{p.ExpiresAt.Add(29 * time.Second), true},
		{p.ExpiresAt.Add(31 * time.Second), false},
	} {
		now = tc.at
		_, err := tokens.Verify(tok)
		if (err == nil) != tc.ok {
			t.Errorf("at exp%+v: err = %v, want ok=%v", tc.at.Sub(p.ExpiresAt), err, tc.ok)
		}
	}
}

func TestJWTKeyRotation(t *testing.T) {
	now := jwtT0
	oldKey, newKey := jwtKey(t), jwtKey(t)
	issue := func(t *testing.T, tk *auth.Tokens) string {
		t.Helper()
		s, _, err := tk.Issue(auth.Principal{UserID: 5, Username: "bank-a", OrgID: 4, Role: auth.RoleBank})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := jwtTokens(t, &now, "old", map[string][]byte{"old": oldKey})
	overlap := jwtTokens(t, &now, "new", map[string][]byte{"new": newKey, "old": oldKey})
	after := jwtTokens(t, &now, "new", map[string][]byte{"new": newKey})
	oldTok, newTok := issue(t, before), issue(t, overlap)

	for _, tc := range []struct {
		name     string
		verifier *auth.Tokens
		token    string
		ok       bool
	}{
		{"old key verifies its own token", before, oldTok, true},
		{"during overlap the old token still verifies", overlap, oldTok, true},
		{"during overlap the new key signs and verifies", overlap, newTok, true},
		{"a server without the new key refuses its tokens", before, newTok, false},
		{"after removal the old key no longer verifies", after, oldTok, false},
		{"after removal the new token verifies", after, newTok, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.verifier.Verify(tc.token)
			if (err == nil) != tc.ok {
				t.Fatalf("Verify: %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestJWTKeyStrength(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys auth.SigningKeys
	}{
		{"31-byte key", auth.SigningKeys{CurrentID: "k1", ByID: map[string][]byte{"k1": make([]byte, 31)}}},
		{"short retired key", auth.SigningKeys{CurrentID: "k1", ByID: map[string][]byte{"k1": make([]byte, 32), "k0": []byte("password")}}},
		{"current id not in the set", auth.SigningKeys{CurrentID: "k2", ByID: map[string][]byte{"k1": make([]byte, 32)}}},
		{"empty set", auth.SigningKeys{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := auth.NewTokens(auth.TokenConfig{Keys: tc.keys, Issuer: jwtIssuer, Audience: jwtAudience}); err == nil {
				t.Fatal("NewTokens accepted the key set")
			}
		})
	}
}
