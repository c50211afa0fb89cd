package apptest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipledge/ipledge/platform/config"
	"github.com/ipledge/ipledge/platform/dbtest"
)

// Instance is one running ipledge process of a Cluster.
type Instance struct {
	URL  string
	cmd  *exec.Cmd
	logs *bytes.Buffer
}

// Cluster is several ipledge processes — separate binaries, as in
// production — on one PostgreSQL database and one Redis: the scale-out
// topology of docker-compose.yml without Docker.
type Cluster struct {
	Instances []*Instance
	DBURL     string
	env       []string
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds cmd/ipledge once per test process.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			buildErr = err
			return
		}
		root := filepath.Dir(strings.TrimSpace(string(out)))
		dir, err := os.MkdirTemp("", "ipledge-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "ipledge")
		cmd := exec.Command("go", "build", "-tags", "sqlite_fts5", "-o", binPath, "./cmd/ipledge")
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, b)
		}
	})
	if buildErr != nil {
		t.Fatalf("build ipledge: %v", buildErr)
	}
	return binPath
}

// NewCluster starts n instances on a fresh PostgreSQL database and the test
// Redis, with the demo data seeded by the first. It skips when either
// service is not configured.
func NewCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	redisURL := dbtest.RedisURL(t)
	dbURL := dbtest.PostgresURL(t)
	bin := binary(t)
	c := &Cluster{DBURL: dbURL, env: append(os.Environ(),
		"IPLEDGE_DATABASE_URL="+dbURL,
		"IPLEDGE_REDIS_URL="+redisURL,
		// Its own namespace: other tests share this Redis.
		"IPLEDGE_REDIS_NAMESPACE=t"+strings.ToLower(config.RandomKey()[:10]),
		"IPLEDGE_JWT_KEYS=k1="+config.RandomKey(),
		"IPLEDGE_AUDIT_KEYS=a1="+config.RandomKey(),
		"IPLEDGE_LOG_FORMAT=text",
		"IPLEDGE_DB_MAX_CONNS=5",
	)}
	for i := 0; i < n; i++ {
		// The first seeds the demo data; the others find it seeded.
		c.Instances = append(c.Instances, c.start(t, bin, i))
	}
	return c
}

func freePort(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func (c *Cluster) start(t testing.TB, bin string, i int) *Instance {
	t.Helper()
	addr := freePort(t)
	logs := &bytes.Buffer{}
	cmd := exec.Command(bin, "serve", "--demo", "--listen", addr)
	cmd.Env = c.env
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	inst := &Instance{URL: "http://" + addr, cmd: cmd, logs: logs}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("instance %d log:\n%s", i+1, logs.String())
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		res, err := http.Get(inst.URL + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return inst
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("instance %d did not become ready:\n%s", i+1, logs.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
