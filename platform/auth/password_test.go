package auth_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"github.com/ipledge/ipledge/platform/auth"
)

func pwHash(t *testing.T, password string) string {
	t.Helper()
	h, err := auth.HashPassword(password)
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	return h
}

func TestPasswordRoundTrip(t *testing.T) {
	for _, pw := range []string{
		"correct horse battery staple",
		"Ünïcödé-密码-пароль-🔑",
		strings.Repeat("x", 1000),
		"trailing space ",
	} {
		h := pwHash(t, pw)
		if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
			t.Fatalf("hash %q is not PHC argon2id with the configured parameters", h)
		}
		if strings.Contains(h, pw) {
			t.Fatal("hash contains the password")
		}
		if !auth.VerifyPassword(h, pw) {
			t.Fatalf("VerifyPassword refused the right password %q", pw)
		}
	}
}

func TestPasswordWrong(t *testing.T) {
	const pw = "correct horse battery staple"
	h := pwHash(t, pw)
	for _, wrong := range []string{
		"", "correct horse battery stapl", "correct horse battery staple ", "Correct horse battery staple",
		"correct horse battery stapleX", " correct horse battery staple",
	} {
		if auth.VerifyPassword(h, wrong) {
			t.Errorf("VerifyPassword accepted the wrong password %q", wrong)
		}
	}
}

func TestPasswordUnknownUser(t *testing.T) {
	// An unknown user has no hash; it is checked against a dummy so the
	// timing matches, and is always refused.
	for _, pw := range []string{"", "anything at all", "somesaltsomesalt"} {
		if auth.VerifyPassword("", pw) {
			t.Errorf("empty hash accepted password %q", pw)
		}
	}
}

func TestPasswordHashesAreSalted(t *testing.T) {
	const pw = "same password twice"
	h1, h2 := pwHash(t, pw), pwHash(t, pw)
	if h1 == h2 {
		t.Fatal("two hashes of one password are equal: no random salt")
	}
	salt := func(h string) string { return strings.Split(h, "$")[4] }
	if salt(h1) == salt(h2) {
		t.Fatal("two hashes share a salt")
	}
	if !auth.VerifyPassword(h1, pw) || !auth.VerifyPassword(h2, pw) {
		t.Fatal("a salted hash does not verify")
	}
}

// phc builds an argon2id hash with explicit parameters, as an older (or
// future) configuration would have written it.
func phc(password string, salt []byte, mem, time uint32, threads uint8, keyLen uint32) string {
	key := argon2.IDKey([]byte(password), salt, time, mem, threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, mem, time, threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// TestPasswordOtherParametersStillVerify: parameters are read from the
// hash, so raising the configured cost later keeps old hashes working.
func TestPasswordOtherParametersStillVerify(t *testing.T) {
	salt := []byte("0123456789abcdef")
	for _, h := range []string{
		phc("old password", salt, 8*1024, 1, 1, 32),
		phc("old password", salt, 4*1024, 3, 2, 16),
		phc("old password", salt, 19*1024, 2, 1, 64),
	} {
		if !auth.VerifyPassword(h, "old password") {
			t.Errorf("hash %q with other parameters does not verify", h)
		}
		if auth.VerifyPassword(h, "new password") {
			t.Errorf("hash %q accepted a wrong password", h)
		}
	}
}

// TestPasswordMalformedHash: a malformed stored hash refuses every
// password and never panics.
func TestPasswordMalformedHash(t *testing.T) {
	const pw = "correct horse battery staple"
	good := pwHash(t, pw)
	parts := strings.Split(good, "$") // "", argon2id, v=19, m=…,t=…,p=…, salt, key
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	salt := []byte("0123456789abcdef")
	for _, tc := range []struct{ name, hash string }{
		{"plain text", pw},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", with(1, "argon2i")},
		{"argon2d", with(1, "argon2d")},
		{"too few parts", strings.Join(parts[:5], "$")},
		{"too many parts", good + "$extra"},
		{"other version", with(2, "v=16")},
		{"version not a number", with(2, "v=x")},
		{"params garbage", with(3, "garbage")},
		{"params threads overflow", with(3, "m=19456,t=2,p=256")},
		{"salt not base64", with(4, "!!!")},
		{"key not base64", with(5, "***")},
		{"padded base64 key", with(5, parts[5]+"=")},
		{"key truncated", with(5, parts[5][:len(parts[5])-4])},
		{"key of another password", with(5, strings.Split(pwHash(t, "other"), "$")[5])},
		{"salt swapped", with(4, base64.RawStdEncoding.EncodeToString([]byte("another salt 16b")))},
		{"zero passes", with(3, "m=19456,t=0,p=1")},
		{"zero lanes", with(3, "m=19456,t=2,p=0")},
		{"empty key", with(5, "")},
		{"one-byte key", phc(pw, salt, 8*1024, 1, 1, 1)},
		{"eight-byte key", phc(pw, salt, 8*1024, 1, 1, 8)},
		{"empty", "$$$$$"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("VerifyPassword panicked on %q: %v", tc.hash, r)
				}
			}()
			if auth.VerifyPassword(tc.hash, pw) {
				t.Fatalf("malformed hash %q accepted the password", tc.hash)
			}
		})
	}
}
