//go:build sqlite_fts5

package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A request still being received when SIGTERM arrives is finished and
// answered before the service stops; the database is closed cleanly.
func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	dir := t.TempDir()
	url := "sqlite://" + filepath.Join(dir, "x.db")
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var logs bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--listen", addr, "--database-url", url,
			"--demo-keys-file", filepath.Join(dir, "k.json"), "--log-format", "text"}, nil, io.Discard, &logs, env(nil))
	}()
	for i := 0; ; i++ {
		res, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
			break
		}
		if i > 400 {
			t.Fatalf("not up: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Send the headers and half of the body, then stop the service.
	pr, pw := io.Pipe()
	type result struct {
		status int
		err    error
	}
	resc := make(chan result, 1)
	go func() {
		res, err := http.Post("http://"+addr+"/api/v1/auth/login", "application/json", pr)
		if err != nil {
			resc <- result{err: err}
			return
		}
		res.Body.Close()
		resc <- result{status: res.StatusCode}
	}()
	body := `{"username":"bank-a","password":"demo-pass-2026"}`
	if _, err := pw.Write([]byte(body[:20])); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	cancel() // what SIGTERM does in main
	time.Sleep(200 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("service stopped with a request in flight: %v", err)
	default:
	}
	if _, err := pw.Write([]byte(body[20:])); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	r := <-resc
	if r.err != nil || r.status != http.StatusOK {
		t.Fatalf("in-flight request: %d %v", r.status, r.err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("service did not stop")
	}
	if !strings.Contains(logs.String(), "stopped") {
		t.Fatalf("no clean stop in the log:\n%s", logs.String())
	}
	// New connections are refused now.
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Fatal("still serving after shutdown")
	}
}
