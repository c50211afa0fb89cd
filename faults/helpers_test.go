// Package faults holds the fault tests: the service killed with SIGKILL
// in the middle of acknowledged writes, Redis stopping under load, and
// PostgreSQL restarting under the service. They start their own
// redis-server and PostgreSQL (initdb into a temporary directory, on a
// free port) and never touch the machine's shared services, which other
// tests use at the same time. Each skips with a message when the binaries
// it needs are absent.
package faults

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/ipledge/ipledge/platform/config"
	"github.com/ipledge/ipledge/uscc"
)

const v1 = "/api/v1"

// keysEnv gives a process fixed keys, so that a restart keeps verifying
// its tokens and the audit chain.
func keysEnv() []string {
	return []string{
		"IPLEDGE_JWT_KEYS=k1=" + config.RandomKey(),
		"IPLEDGE_AUDIT_KEYS=a1=" + config.RandomKey(),
		"IPLEDGE_LOG_FORMAT=text",
		"IPLEDGE_REDIS_NAMESPACE=t" + strings.ToLower(config.RandomKey()[:10]),
	}
}

// client times out, so that a hanging request fails the test instead of
// stalling it.
var client = &http.Client{Timeout: 10 * time.Second}

type response struct {
	Status  int
	Type    string
	Body    map[string]any
	Elapsed time.Duration
	Err     error
}

func do(method, url, token string, body any) response {
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, url, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	res, err := client.Do(req)
	r := response{Elapsed: time.Since(start), Err: err}
	if err != nil {
		return r
	}
	defer res.Body.Close()
	r.Status, r.Type = res.StatusCode, res.Header.Get("Content-Type")
	_ = json.NewDecoder(res.Body).Decode(&r.Body)
	return r
}

func login(t *testing.T, base, username, password string) string {
	t.Helper()
	r := do("POST", base+v1+"/auth/login", "", map[string]string{"username": username, "password": password})
	if r.Status != 200 {
		t.Fatalf("login %s: %d %v %v", username, r.Status, r.Body, r.Err)
	}
	return r.Body["access_token"].(string)
}

var firmSeq atomic.Int64

// newFirm returns a valid USCC no other call in this test process returns.
func newFirm() string {
	first17 := fmt.Sprintf("91141100MA0%06d", firmSeq.Add(1)%1_000_000)
	return first17 + string(uscc.CheckCharacter(first17))
}

func verifyAudit(t *testing.T, base, token string) {
	t.Helper()
	r := do("GET", base+v1+"/audit/verify", token, nil)
	if r.Status != 200 || r.Body["ok"] != true {
		t.Fatalf("audit chain does not verify: %d %v", r.Status, r.Body)
	}
	t.Logf("audit chain verifies: %v entries", r.Body["checked"])
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// redisServer is a redis-server of the test's own, on a free port.
type redisServer struct {
	Port int
	URL  string
	cmd  *exec.Cmd
	done chan struct{}
}

func startRedis(t *testing.T) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not found on PATH: the Redis fault test needs it (Debian package redis-server)")
	}
	s := &redisServer{Port: freePort(t)}
	s.URL = fmt.Sprintf("redis://127.0.0.1:%d/0", s.Port)
	s.Start(t)
	t.Cleanup(s.Kill)
	return s
}

// Start starts (or restarts) the server and waits until it accepts
// connections.
func (s *redisServer) Start(t *testing.T) {
	t.Helper()
	s.cmd = exec.Command("redis-server", "--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning")
	s.cmd.Dir = t.TempDir()
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(s.cmd, s.done)
	waitTCP(t, s.Port)
}

// Kill stops the server with SIGKILL, as a crash would.
func (s *redisServer) Kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
	s.cmd = nil
}

func waitTCP(t *testing.T, port int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on port %d after 15 s", port)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pgServer is a PostgreSQL cluster of the test's own: initdb into a
// temporary directory, a free port, trust authentication for the
// superuser root. As root (initdb refuses to run as root) the server runs
// as the postgres user through runuser.
type pgServer struct {
	Port    int
	URL     string
	bin     string
	base    string
	data    string
	runUser string
}

func pgBinDir() string {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if _, err := os.Stat(filepath.Join(filepath.Dir(p), "initdb")); err == nil {
			return filepath.Dir(p)
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	return ""
}

func startPostgres(t *testing.T) *pgServer {
	t.Helper()
	bin := pgBinDir()
	if bin == "" {
		t.Skip("initdb and pg_ctl not found (PATH or /usr/lib/postgresql/*/bin): the PostgreSQL fault test needs a server it can restart (Debian package postgresql)")
	}
	s := &pgServer{bin: bin, Port: freePort(t)}
	if os.Geteuid() == 0 {
		if _, err := user.Lookup("postgres"); err != nil {
			t.Skip("running as root and no postgres user: initdb refuses to run as root")
		}
		if _, err := exec.LookPath("runuser"); err != nil {
			t.Skip("running as root without runuser: initdb refuses to run as root")
		}
		s.runUser = "postgres"
	}
	base, err := os.MkdirTemp("", "ipledge-pg-")
	if err != nil {
		t.Fatal(err)
	}
	s.base, s.data = base, filepath.Join(base, "data")
	t.Cleanup(func() {
		s.run(t, false, "pg_ctl", "-D", s.data, "-m", "immediate", "-w", "stop")
		_ = os.RemoveAll(base)
	})
	if err := os.Mkdir(s.data, 0o700); err != nil {
		t.Fatal(err)
	}
	if s.runUser != "" {
		u, _ := user.Lookup(s.runUser)
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chmod(base, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(s.data, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	s.run(t, true, "initdb", "-D", s.data, "-A", "trust", "-U", "root", "-E", "UTF8", "--locale", "C", "--no-sync")
	s.Start(t)
	admin, err := sqlx.Open("pgx", fmt.Sprintf("postgres://root@127.0.0.1:%d/postgres?sslmode=disable", s.Port))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE DATABASE ipledge`); err != nil {
		t.Fatal(err)
	}
	s.URL = fmt.Sprintf("postgres://root@127.0.0.1:%d/ipledge?sslmode=disable", s.Port)
	return s
}

// run runs one of the server's programs (as the postgres user when the
// test runs as root).
func (s *pgServer) run(t *testing.T, must bool, prog string, args ...string) {
	t.Helper()
	path := filepath.Join(s.bin, prog)
	var cmd *exec.Cmd
	if s.runUser != "" {
		cmd = exec.Command("runuser", append([]string{"-u", s.runUser, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = s.base
	out, err := cmd.CombinedOutput()
	if err != nil && must {
		t.Fatalf("%s %s: %v\n%s", prog, strings.Join(args, " "), err, out)
	}
}

// Start starts (or restarts) the server and waits until it accepts
// connections.
func (s *pgServer) Start(t *testing.T) {
	t.Helper()
	s.run(t, true, "pg_ctl", "-D", s.data, "-w", "-t", "30", "-l", filepath.Join(s.data, "server.log"),
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50", s.Port, s.data), "start")
}

// Stop shuts the server down (fast: sessions are cut off).
func (s *pgServer) Stop(t *testing.T) {
	t.Helper()
	s.run(t, true, "pg_ctl", "-D", s.data, "-m", "fast", "-w", "stop")
}

// waitFor polls cond every 50 ms until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > timeout {
			t.Fatalf("%s: not within %s", what, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}
