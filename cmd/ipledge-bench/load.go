package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// request builds one request of a load run; i is the request's number.
type request func(i int) (*http.Request, error)

// result summarises a load run.
type result struct {
	Name        string
	Requests    int64
	Errors      int64
	Seconds     float64
	PerSecond   float64
	P50, P90    time.Duration
	P99, Max    time.Duration
	Concurrency int
}

func (r result) String() string {
	return fmt.Sprintf("%-28s %8.0f req/s  p50 %7s  p90 %7s  p99 %7s  max %7s  (%d requests, %d errors, %d connections, %.0f s)",
		r.Name, r.PerSecond, round(r.P50), round(r.P90), round(r.P99), round(r.Max), r.Requests, r.Errors, r.Concurrency, r.Seconds)
}

func round(d time.Duration) time.Duration {
	switch {
	case d > 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}

// run drives build's requests from concurrency workers for d over
// loopback and measures each request's latency. A response other than
// 2xx counts as an error.
func run(ctx context.Context, client *http.Client, name string, concurrency int, d time.Duration, build request) result {
	var (
		next    atomic.Int64
		errs    atomic.Int64
		mu      sync.Mutex
		samples = make([]time.Duration, 0, 1<<20)
		wg      sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 1<<14)
			for ctx.Err() == nil {
				req, err := build(int(next.Add(1)))
				if err != nil {
					errs.Add(1)
					continue
				}
				t0 := time.Now()
				res, err := client.Do(req.WithContext(ctx))
				if err != nil {
					if ctx.Err() == nil {
						errs.Add(1)
					}
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				local = append(local, time.Since(t0))
				if res.StatusCode/100 != 2 {
					errs.Add(1)
				}
			}
			mu.Lock()
			samples = append(samples, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	slices.Sort(samples)
	pct := func(p float64) time.Duration {
		if len(samples) == 0 {
			return 0
		}
		return samples[min(len(samples)-1, int(p*float64(len(samples))))]
	}
	r := result{Name: name, Requests: int64(len(samples)), Errors: errs.Load(), Seconds: elapsed,
		PerSecond: float64(len(samples)) / elapsed, P50: pct(.50), P90: pct(.90), P99: pct(.99), Concurrency: concurrency}
	if len(samples) > 0 {
		r.Max = samples[len(samples)-1]
	}
	return r
}

func get(url, token string) request {
	return func(int) (*http.Request, error) {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err == nil && token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return req, err
	}
}

func post(url, token string, body func(i int) []byte) request {
	return func(i int) (*http.Request, error) {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body(i)))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return req, err
	}
}
