package config_test

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipledge/ipledge/platform/config"
)

func key(n int, fill byte) []byte { return bytes.Repeat([]byte{fill}, n) }

func TestParseKeySet(t *testing.T) {
	k1, k2 := key(32, 1), key(48, 2)
	std := base64.StdEncoding.EncodeToString
	for _, tc := range []struct {
		name    string
		in      string
		current string
		want    map[string][]byte
	}{
		{"one key", "a=" + std(k1), "a", map[string][]byte{"a": k1}},
		{"first is current", "new=" + std(k2) + ",old=" + std(k1), "new", map[string][]byte{"new": k2, "old": k1}},
		{"spaces around entries", " new=" + std(k2) + " , old=" + std(k1) + " ", "new", map[string][]byte{"new": k2, "old": k1}},
		{"raw std base64", "a=" + base64.RawStdEncoding.EncodeToString(key(32, 0xfb)), "a", map[string][]byte{"a": key(32, 0xfb)}},
		{"url base64", "a=" + base64.URLEncoding.EncodeToString(key(32, 0xfb)), "a", map[string][]byte{"a": key(32, 0xfb)}},
		{"raw url base64", "a=" + base64.RawURLEncoding.EncodeToString(key(32, 0xfb)), "a", map[string][]byte{"a": key(32, 0xfb)}},
		{"RandomKey output", "r=" + config.RandomKey(), "r", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ks, err := config.ParseKeySet("IPLEDGE_TEST_KEYS", tc.in)
			if err != nil {
				t.Fatalf("ParseKeySet: %v", err)
			}
			if ks.CurrentID != tc.current {
				t.Fatalf("CurrentID %q, want %q", ks.CurrentID, tc.current)
			}
			if tc.want == nil {
				if len(ks.ByID[tc.current]) != 32 {
					t.Fatalf("key is %d bytes, want 32", len(ks.ByID[tc.current]))
				}
				return
			}
			if len(ks.ByID) != len(tc.want) {
				t.Fatalf("%d keys, want %d", len(ks.ByID), len(tc.want))
			}
			for id, k := range tc.want {
				if !bytes.Equal(ks.ByID[id], k) {
					t.Fatalf("key %q = %x, want %x", id, ks.ByID[id], k)
				}
			}
		})
	}
}

func TestParseKeySetRejects(t *testing.T) {
	good := base64.StdEncoding.EncodeToString(key(32, 7))
	for _, tc := range []struct {
		name, in string
		msgHas   []string
	}{
		{"empty", "", []string{"entry 1", "id=base64key"}},
		{"no equals", "abc", []string{"entry 1"}},
		{"empty id", "=" + good, []string{"entry 1"}},
		{"empty key", "a=", []string{"entry 1"}},
		{"trailing comma", "a=" + good + ",", []string{"entry 2"}},
		{"short key 31 bytes", "a=" + base64.StdEncoding.EncodeToString(key(31, 7)), []string{`"a"`, "31 bytes", "32"}},
		{"short second key", "a=" + good + ",b=" + base64.StdEncoding.EncodeToString(key(16, 7)), []string{`"b"`, "16 bytes"}},
		{"duplicate id", "a=" + good + ",a=" + base64.StdEncoding.EncodeToString(key(32, 8)), []string{`"a"`, "twice"}},
		{"not base64", "a=not*base64!", []string{`"a"`, "not base64"}},
		{"hex is not base64 of 32 bytes", "a=" + strings.Repeat("zz", 32) + "#", []string{"not base64"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.ParseKeySet("IPLEDGE_TEST_KEYS", tc.in)
			if err == nil {
				t.Fatalf("ParseKeySet(%q) accepted", tc.in)
			}
			msg := err.Error()
			if !strings.Contains(msg, "IPLEDGE_TEST_KEYS") {
				t.Errorf("message %q does not name the variable", msg)
			}
			for _, s := range tc.msgHas {
				if !strings.Contains(msg, s) {
					t.Errorf("message %q does not contain %q", msg, s)
				}
			}
			if strings.Contains(msg, good) {
				t.Errorf("message %q leaks key material", msg)
			}
		})
	}
}

func TestKeysOutsideDemoMode(t *testing.T) {
	good := "k1=" + config.RandomKey()
	for _, tc := range []struct {
		name      string
		jwt, aud  string
		errHas    string
		wantError bool
	}{
		{"both missing names JWT first", "", "", "IPLEDGE_JWT_KEYS", true},
		{"JWT missing", "", good, "IPLEDGE_JWT_KEYS", true},
		{"audit missing", good, "", "IPLEDGE_AUDIT_KEYS", true},
		{"bad JWT set", "k1=short", good, "IPLEDGE_JWT_KEYS", true},
		{"bad audit set", good, "k1=" + base64.StdEncoding.EncodeToString(key(8, 1)), "IPLEDGE_AUDIT_KEYS", true},
		{"both set", good, "a2=" + config.RandomKey(), "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// DemoKeysFile points into an empty temp dir: outside demo mode
			// nothing may be written there.
			dir := t.TempDir()
			c := config.Config{JWTKeys: tc.jwt, AuditKeys: tc.aud, DemoKeysFile: filepath.Join(dir, "keys.json")}
			jk, ak, err := c.Keys()
			if !tc.wantError {
				if err != nil {
					t.Fatalf("Keys: %v", err)
				}
				if jk.CurrentID != "k1" || ak.CurrentID != "a2" {
					t.Fatalf("current ids %q, %q", jk.CurrentID, ak.CurrentID)
				}
				return
			}
			if err == nil {
				t.Fatal("Keys accepted a missing or bad key set")
			}
			if !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("error %q does not name %s", err, tc.errHas)
			}
			if _, err := os.Stat(c.DemoKeysFile); !os.IsNotExist(err) {
				t.Fatalf("a keys file was written outside demo mode (stat: %v)", err)
			}
		})
	}
}

func TestDemoKeysGeneratedOnceAndReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo-keys.json")
	c1 := config.Config{Demo: true, DemoKeysFile: path}
	j1, a1, err := c1.Keys()
	if err != nil {
		t.Fatalf("first Keys: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("demo keys file not written: %v", err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Fatalf("demo keys file mode %o, want 600", perm)
	}
	if len(j1.ByID[j1.CurrentID]) < 32 || len(a1.ByID[a1.CurrentID]) < 32 {
		t.Fatal("generated keys shorter than 32 bytes")
	}
	if bytes.Equal(j1.ByID[j1.CurrentID], a1.ByID[a1.CurrentID]) {
		t.Fatal("JWT and audit demo keys are the same key")
	}
	before, _ := os.ReadFile(path)

	// A second start (a fresh Config) reuses the file.
	c2 := config.Config{Demo: true, DemoKeysFile: path}
	j2, a2, err := c2.Keys()
	if err != nil {
		t.Fatalf("second Keys: %v", err)
	}
	if j2.CurrentID != j1.CurrentID || !bytes.Equal(j2.ByID[j2.CurrentID], j1.ByID[j1.CurrentID]) {
		t.Fatal("second start generated a different JWT key")
	}
	if a2.CurrentID != a1.CurrentID || !bytes.Equal(a2.ByID[a2.CurrentID], a1.ByID[a1.CurrentID]) {
		t.Fatal("second start generated a different audit key")
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("the keys file was rewritten")
	}

	// A key set given explicitly wins over the file; the other still
	// comes from the file.
	explicit := "ops=" + config.RandomKey()
	c3 := config.Config{Demo: true, DemoKeysFile: path, JWTKeys: explicit}
	j3, a3, err := c3.Keys()
	if err != nil {
		t.Fatalf("third Keys: %v", err)
	}
	if j3.CurrentID != "ops" {
		t.Fatalf("explicit JWT keys ignored: current %q", j3.CurrentID)
	}
	if !bytes.Equal(a3.ByID[a3.CurrentID], a1.ByID[a1.CurrentID]) {
		t.Fatal("audit key not taken from the demo file")
	}
}

func TestDemoKeysFileCorrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo-keys.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := config.Config{Demo: true, DemoKeysFile: path}
	if _, _, err := c.Keys(); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("corrupt demo keys file: err %v, want one naming the file", err)
	}
}

func TestDemoKeysPath(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    config.Config
		want string
	}{
		{"explicit file", config.Config{DemoKeysFile: "/x/k.json", DatabaseURL: "sqlite:///data/i.db"}, "/x/k.json"},
		{"beside sqlite", config.Config{DatabaseURL: "sqlite:///data/i.db?x=1"}, "/data/i.db.keys.json"},
		{"relative sqlite", config.Config{DatabaseURL: "sqlite://i.db"}, "i.db.keys.json"},
		{"postgres", config.Config{DatabaseURL: "postgres://u@h/db"}, filepath.Join(".", "ipledge-demo-keys.json")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.DemoKeysPath(); got != tc.want {
				t.Fatalf("DemoKeysPath = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDefaultsAndEnvironment(t *testing.T) {
	env := map[string]string{"IPLEDGE_LISTEN": ":9999", "IPLEDGE_LOGIN_LIMIT_USERNAME": "7"}
	c := config.Defaults(func(k string) string { return env[k] })
	if c.Listen != ":9999" || c.LoginLimitUsername != 7 {
		t.Fatalf("environment not applied: %+v", c)
	}
	if c.SQLiteSynchronous != "FULL" {
		t.Fatalf("default synchronous %q, want FULL", c.SQLiteSynchronous)
	}
	if c.LoginLimitAddress != 100 || c.DatabaseURL != "sqlite://ipledge.db" {
		t.Fatalf("defaults: %+v", c)
	}
}
