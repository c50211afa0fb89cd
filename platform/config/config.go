// Package config reads ipledge's infrastructure settings from flags and
// IPLEDGE_* environment variables (a flag wins over its variable).
// Business settings live in the database, not here.
package config

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ipledge/ipledge/platform/db"
)

// Config is every infrastructure setting.
type Config struct {
	Listen             string
	DatabaseURL        string
	RedisURL           string
	RedisNamespace     string
	SQLiteSynchronous  string
	JWTKeys            string
	JWTIssuer          string
	JWTAudience        string
	AuditKeys          string
	AccessTokenTTL     time.Duration
	RefreshTokenTTL    time.Duration
	LoginLimitUsername int
	LoginLimitAddress  int
	TrustedProxies     string
	MaxUploadBytes     int64
	LogLevel           string
	LogFormat          string
	DBMaxConns         int
	DemoKeysFile       string
	Demo               bool
}

// Var documents one setting (the README's table is generated from this
// list's order and text).
type Var struct {
	Flag, Env, Default, Help string
}

// Vars lists the settings.
var Vars = []Var{
	{"listen", "IPLEDGE_LISTEN", ":8080", "address to listen on"},
	{"database-url", "IPLEDGE_DATABASE_URL", "sqlite://ipledge.db", "sqlite://path.db or postgres://user@host:5432/db"},
	{"redis-url", "IPLEDGE_REDIS_URL", "", "redis://host:6379/0; empty = in-process cache, limits and revocations"},
	{"redis-namespace", "IPLEDGE_REDIS_NAMESPACE", "ipledge", "prefix of every Redis key and channel (deployments sharing one Redis need different ones)"},
	{"sqlite-synchronous", "IPLEDGE_SQLITE_SYNCHRONOUS", "FULL", "FULL (no acknowledged write lost on power loss) or NORMAL (faster)"},
	{"jwt-keys", "IPLEDGE_JWT_KEYS", "", "HS256 key set `kid=base64key,...` (≥ 32 bytes each); the first signs, all verify"},
	{"jwt-issuer", "IPLEDGE_JWT_ISSUER", "ipledge", "iss claim"},
	{"jwt-audience", "IPLEDGE_JWT_AUDIENCE", "ipledge-api", "aud claim"},
	{"audit-keys", "IPLEDGE_AUDIT_KEYS", "", "audit chain HMAC key set `id=base64key,...` (≥ 32 bytes); the first signs new entries"},
	{"access-token-ttl", "IPLEDGE_ACCESS_TOKEN_TTL", "15m", "access token lifetime"},
	{"refresh-token-ttl", "IPLEDGE_REFRESH_TOKEN_TTL", "720h", "refresh token lifetime"},
	{"login-limit-username", "IPLEDGE_LOGIN_LIMIT_USERNAME", "10", "failed logins per username per minute"},
	{"login-limit-address", "IPLEDGE_LOGIN_LIMIT_ADDRESS", "100", "failed logins per client address per minute"},
	{"trusted-proxies", "IPLEDGE_TRUSTED_PROXIES", "", "comma-separated CIDRs whose X-Forwarded-For is trusted; empty = none"},
	{"max-upload-bytes", "IPLEDGE_MAX_UPLOAD_BYTES", "52428800", "largest accepted upload"},
	{"log-level", "IPLEDGE_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"log-format", "IPLEDGE_LOG_FORMAT", "json", "json or text"},
	{"db-max-conns", "IPLEDGE_DB_MAX_CONNS", "0", "database pool size (0 = 8 for SQLite, 20 for PostgreSQL)"},
	{"demo-keys-file", "IPLEDGE_DEMO_KEYS_FILE", "", "where --demo keeps its generated keys (default: beside the SQLite file, or ./ipledge-demo-keys.json)"},
}

// Register adds the settings' flags to fs (each defaulting to its
// IPLEDGE_* variable) and returns a function that builds the Config once
// fs has been parsed.
func Register(fs *flag.FlagSet, getenv func(string) string) func() (Config, error) {
	vals := make(map[string]*string, len(Vars))
	for _, v := range Vars {
		def := v.Default
		if e := getenv(v.Env); e != "" {
			def = e
		}
		vals[v.Flag] = fs.String(v.Flag, def, v.Help+" ("+v.Env+")")
	}
	demo := fs.Bool("demo", false, "seed demo data and accounts on first start; generate keys if none are set")
	return func() (Config, error) {
		get := func(f string) string { return strings.TrimSpace(*vals[f]) }
		c := Config{
			Listen: get("listen"), DatabaseURL: get("database-url"), RedisURL: get("redis-url"), RedisNamespace: get("redis-namespace"),
			SQLiteSynchronous: get("sqlite-synchronous"), JWTKeys: get("jwt-keys"), JWTIssuer: get("jwt-issuer"),
			JWTAudience: get("jwt-audience"), AuditKeys: get("audit-keys"), TrustedProxies: get("trusted-proxies"),
			LogLevel: get("log-level"), LogFormat: get("log-format"), DemoKeysFile: get("demo-keys-file"), Demo: *demo,
		}
		var errs []error
		dur := func(f string, into *time.Duration) {
			d, err := time.ParseDuration(get(f))
			if err != nil || d <= 0 {
				errs = append(errs, fmt.Errorf("--%s: %q is not a positive duration", f, get(f)))
			}
			*into = d
		}
		num := func(f string, into *int64) {
			n, err := strconv.ParseInt(get(f), 10, 64)
			if err != nil || n < 0 {
				errs = append(errs, fmt.Errorf("--%s: %q is not a whole number", f, get(f)))
			}
			*into = n
		}
		dur("access-token-ttl", &c.AccessTokenTTL)
		dur("refresh-token-ttl", &c.RefreshTokenTTL)
		var lu, la, mc int64
		num("login-limit-username", &lu)
		num("login-limit-address", &la)
		num("max-upload-bytes", &c.MaxUploadBytes)
		num("db-max-conns", &mc)
		c.LoginLimitUsername, c.LoginLimitAddress, c.DBMaxConns = int(lu), int(la), int(mc)
		return c, errors.Join(errs...)
	}
}

// Defaults returns the configuration with every default and the given
// environment, as a start without flags would see it.
func Defaults(getenv func(string) string) Config {
	fs := flag.NewFlagSet("defaults", flag.ContinueOnError)
	build := Register(fs, getenv)
	c, _ := build()
	return c
}

// KeySet is a parsed `id=base64key,...` list; the first id is current.
type KeySet struct {
	CurrentID string
	ByID      map[string][]byte
}

// ParseKeySet parses a key set. envName names the variable in messages.
func ParseKeySet(envName, s string) (KeySet, error) {
	ks := KeySet{ByID: map[string][]byte{}}
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		id, b64, ok := strings.Cut(part, "=")
		if !ok || id == "" || b64 == "" {
			return ks, fmt.Errorf("%s: entry %d is not id=base64key", envName, i+1)
		}
		key, err := decodeKey(b64)
		if err != nil {
			return ks, fmt.Errorf("%s: key %q is not base64", envName, id)
		}
		if len(key) < 32 {
			return ks, fmt.Errorf("%s: key %q is %d bytes; at least 32 are required", envName, id, len(key))
		}
		if _, dup := ks.ByID[id]; dup {
			return ks, fmt.Errorf("%s: key id %q appears twice", envName, id)
		}
		if i == 0 {
			ks.CurrentID = id
		}
		ks.ByID[id] = key
	}
	return ks, nil
}

func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// Keys returns the JWT and audit key sets. Outside demo mode a missing set
// stops the start with a message naming the variable; in demo mode keys
// are generated once and kept in a file beside the database, so tokens and
// the audit chain survive a restart.
func (c *Config) Keys() (jwtKeys, auditKeys KeySet, err error) {
	if c.Demo && (c.JWTKeys == "" || c.AuditKeys == "") {
		if err := c.loadDemoKeys(); err != nil {
			return jwtKeys, auditKeys, err
		}
	}
	if c.JWTKeys == "" {
		return jwtKeys, auditKeys, errors.New("IPLEDGE_JWT_KEYS is not set: give the JWT signing key set as kid=base64key (32+ random bytes), or start with --demo")
	}
	if c.AuditKeys == "" {
		return jwtKeys, auditKeys, errors.New("IPLEDGE_AUDIT_KEYS is not set: give the audit chain key set as id=base64key (32+ random bytes), or start with --demo")
	}
	if jwtKeys, err = ParseKeySet("IPLEDGE_JWT_KEYS", c.JWTKeys); err != nil {
		return
	}
	auditKeys, err = ParseKeySet("IPLEDGE_AUDIT_KEYS", c.AuditKeys)
	return
}

type demoKeys struct {
	JWTKeys   string `json:"jwt_keys"`
	AuditKeys string `json:"audit_keys"`
}

// DemoKeysPath is where demo mode keeps its keys.
func (c *Config) DemoKeysPath() string {
	if c.DemoKeysFile != "" {
		return c.DemoKeysFile
	}
	if p, err := db.SQLitePath(c.DatabaseURL); err == nil && strings.HasPrefix(c.DatabaseURL, "sqlite://") {
		return p + ".keys.json"
	}
	return filepath.Join(".", "ipledge-demo-keys.json")
}

func (c *Config) loadDemoKeys() error {
	path := c.DemoKeysPath()
	var k demoKeys
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &k); err != nil {
			return fmt.Errorf("demo keys file %s: %w", path, err)
		}
	case errors.Is(err, os.ErrNotExist):
		k = demoKeys{JWTKeys: "demo1=" + randomKey(), AuditKeys: "demo1=" + randomKey()}
		out, _ := json.MarshalIndent(k, "", "  ")
		if err := os.WriteFile(path, out, 0o600); err != nil {
			return fmt.Errorf("write demo keys file: %w", err)
		}
	default:
		return err
	}
	if c.JWTKeys == "" {
		c.JWTKeys = k.JWTKeys
	}
	if c.AuditKeys == "" {
		c.AuditKeys = k.AuditKeys
	}
	return nil
}

func randomKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// RandomKey returns a fresh base64 key (for `ipledge keygen` and tests).
func RandomKey() string { return randomKey() }
