package apptest

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Binary builds cmd/ipledge (with FTS5) once per test process and returns
// its path.
func Binary(t testing.TB) string {
	t.Helper()
	return binary(t)
}

// FreeAddr returns a loopback address with a port nobody listens on now.
func FreeAddr(t testing.TB) string { return freePort(t) }

// Process is one ipledge process started by a test, which the test may
// kill (SIGKILL, as a crash would) and start again on the same address,
// database and keys. Its output is kept and logged when the test fails.
type Process struct {
	URL  string
	Addr string
	Env  []string
	Args []string

	t    testing.TB
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	logs syncBuf
}

type syncBuf struct {
	mu sync.Mutex
	b  []byte
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b = append(s.b, p...)
	return len(p), nil
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.b)
}

// StartProcess runs `ipledge serve --listen <free port> args...` with env
// added to the test's environment, and waits until /readyz answers 200
// (or only /healthz, when waitReady is false).
func StartProcess(t testing.TB, env []string, waitReady bool, args ...string) *Process {
	t.Helper()
	addr := freePort(t)
	p := &Process{URL: "http://" + addr, Addr: addr, Env: append(os.Environ(), env...), Args: args, t: t}
	p.Start(t, waitReady)
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("ipledge %s log:\n%s", addr, p.Logs())
		}
	})
	return p
}

// Start starts the process (again, after Kill or Stop).
func (p *Process) Start(t testing.TB, waitReady bool) {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"serve", "--listen", p.Addr}, p.Args...)...)
	cmd.Env = p.Env
	cmd.Stdout, cmd.Stderr = &p.logs, &p.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	p.mu.Lock()
	p.cmd, p.done = cmd, done
	p.mu.Unlock()
	path := "/healthz"
	if waitReady {
		path = "/readyz"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		res, err := http.Get(p.URL + path)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-done:
			t.Fatalf("ipledge exited before it was ready:\n%s", p.Logs())
		case <-ctx.Done():
			t.Fatalf("ipledge did not become ready:\n%s", p.Logs())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Kill sends SIGKILL, as a crash or the OOM killer would, and waits for
// the process to be gone.
func (p *Process) Kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// Stop asks the process to shut down and kills it after 10 s.
func (p *Process) Stop() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	_ = cmd.Process.Signal(os.Interrupt)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// Logs returns everything the process (all its runs) printed.
func (p *Process) Logs() string { return p.logs.String() }
