// Command ipledge-load drives a realistic request mix against running
// ipledge instances on loopback for a bounded time and reports throughput,
// p50/p99 latency and the error count.
//
// The mix: 80% bank status checks (single GET /whitelist/{uscc} and batch
// POST /whitelist/check of 20 codes, 3:1), 10% patent look-ups (GET
// /patents/search?q= when the server has it, else GET /patents/{number}),
// 10% writes (nominations by the IP office, bank feedback on whitelisted
// firms, pledge requests by an enterprise). Requests are spread over the
// instances round-robin, as a load balancer would.
//
// Either point it at instances started with --demo:
//
//	ipledge-load -targets http://127.0.0.1:8080,http://127.0.0.1:8081 -duration 20s
//
// or let it start them (the binary from -bin) on a fresh database:
//
//	ipledge-load -start 2 -bin ./ipledge -database-url postgres://root@127.0.0.1:5432/ipledge_load?sslmode=disable \
//	    -redis-url redis://127.0.0.1:6379/0 -duration 20s
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipledge/ipledge/uscc"
)

func main() {
	var (
		targets     = flag.String("targets", "", "comma-separated base URLs of running instances (loopback only)")
		start       = flag.Int("start", 0, "start this many instances of -bin instead of using -targets")
		bin         = flag.String("bin", "ipledge", "the ipledge binary for -start")
		databaseURL = flag.String("database-url", "", "database for -start (a fresh one: the first instance seeds the demo data)")
		redisURL    = flag.String("redis-url", "", "Redis for -start (empty = none, only sensible with one instance)")
		duration    = flag.Duration("duration", 20*time.Second, "how long to drive load (at most 10m)")
		concurrency = flag.Int("concurrency", 16, "concurrent clients")
		password    = flag.String("password", "demo-pass-2026", "the demo accounts' password")
	)
	flag.Parse()
	if *duration <= 0 || *duration > 10*time.Minute {
		fatal("-duration must be between 0 and 10m")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	var urls []string
	if *start > 0 {
		if *databaseURL == "" {
			fatal("-start needs -database-url")
		}
		procs, err := startInstances(ctx, *bin, *start, *databaseURL, *redisURL)
		defer func() {
			for _, p := range procs {
				_ = p.Process.Signal(os.Interrupt)
				_ = p.Wait()
			}
		}()
		if err != nil {
			fatal(err.Error())
		}
		for _, p := range procs {
			urls = append(urls, p.Env[len(p.Env)-1][len("IPLEDGE_LOAD_URL="):])
		}
	} else {
		for _, u := range strings.Split(*targets, ",") {
			if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
				urls = append(urls, u)
			}
		}
	}
	if len(urls) == 0 {
		fatal("give -targets or -start")
	}
	for _, u := range urls {
		if !loopback(u) {
			fatal("refusing a target off loopback: " + u)
		}
	}
	l, err := setup(urls, *password)
	if err != nil {
		fatal("setup: " + err.Error())
	}
	res := l.run(ctx, *duration, *concurrency)
	res.print(os.Stdout, len(urls), *concurrency, *duration)
}

func fatal(msg string) {
	fmt.Fprintln(os.Stderr, "ipledge-load:", msg)
	os.Exit(1)
}

func loopback(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func randomKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// startInstances starts n `ipledge serve --demo` processes on free
// loopback ports, one after the other (the first seeds the demo data),
// sharing keys, database and Redis.
func startInstances(ctx context.Context, bin string, n int, dbURL, redisURL string) ([]*exec.Cmd, error) {
	env := append(os.Environ(), "IPLEDGE_DATABASE_URL="+dbURL, "IPLEDGE_REDIS_URL="+redisURL,
		"IPLEDGE_JWT_KEYS=load="+randomKey(), "IPLEDGE_AUDIT_KEYS=load="+randomKey(), "IPLEDGE_LOG_LEVEL=warn",
		// Well above what the load makes, so that the figures measure the
		// service, not the login limit.
		"IPLEDGE_LOGIN_LIMIT_ADDRESS=100000")
	var procs []*exec.Cmd
	for i := 0; i < n; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return procs, err
		}
		addr := ln.Addr().String()
		ln.Close()
		cmd := exec.Command(bin, "serve", "--demo", "--listen", addr)
		cmd.Env = append(slices.Clone(env), "IPLEDGE_LOAD_URL=http://"+addr)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			return procs, err
		}
		procs = append(procs, cmd)
		deadline := time.Now().Add(60 * time.Second)
		for {
			res, err := http.Get("http://" + addr + "/readyz")
			if err == nil {
				res.Body.Close()
				if res.StatusCode == 200 {
					break
				}
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				return procs, fmt.Errorf("instance %d on %s did not become ready", i+1, addr)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return procs, nil
}

var client = &http.Client{
	Timeout:   10 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 0, IdleConnTimeout: time.Minute},
}

func call(method, u, token string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// load is what the workers need: tokens per instance, the codes to check,
// the patents to read, and what the writes use.
type load struct {
	urls     []string
	bank     []string // bank-a's token on each instance
	bankB    []string
	ipo      []string
	ent      []string
	codes    []string // firms of every batch (status checks)
	active   []string // firms on the active list (feedback)
	patents  []string // patent numbers
	search   bool     // /patents/search exists
	pledge   map[string]any
	pledgeOK bool
	loanID   int64 // bank-a's demo loan, for payments; 0 when none

	firmStart int64
	firmSeq   atomic.Int64
}

func login(base, user, password string) (string, error) {
	code, b, err := call("POST", base+"/api/v1/auth/login", "", map[string]string{"username": user, "password": password})
	if err != nil {
		return "", err
	}
	if code != 200 {
		return "", fmt.Errorf("login %s: %d %s", user, code, b)
	}
	var p struct {
		AccessToken string `json:"access_token"`
	}
	err = json.Unmarshal(b, &p)
	return p.AccessToken, err
}

func setup(urls []string, password string) (*load, error) {
	l := &load{urls: urls}
	for _, u := range urls {
		for _, x := range []struct {
			user string
			into *[]string
		}{{"bank-a", &l.bank}, {"bank-b", &l.bankB}, {"ipoffice", &l.ipo}, {"ent-a", &l.ent}} {
			tok, err := login(u, x.user, password)
			if err != nil {
				return nil, err
			}
			*x.into = append(*x.into, tok)
		}
	}
	base := urls[0]
	// Whitelisted firms: the active list, as a bank mirrors it.
	var batches struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if err := getJSON(base+"/api/v1/whitelist/batches?limit=100", l.ipo[0], &batches); err != nil {
		return nil, err
	}
	for _, b := range batches.Items {
		var es struct {
			Items []struct {
				USCC   string `json:"uscc"`
				Status string `json:"status"`
			} `json:"items"`
		}
		if err := getJSON(fmt.Sprintf("%s/api/v1/whitelist/batches/%d/entries?limit=500", base, b.ID), l.ipo[0], &es); err != nil {
			return nil, err
		}
		for _, e := range es.Items {
			if !slices.Contains(l.codes, e.USCC) {
				l.codes = append(l.codes, e.USCC)
			}
			if e.Status == "active" && !slices.Contains(l.active, e.USCC) {
				l.active = append(l.active, e.USCC)
			}
		}
	}
	if len(l.active) == 0 {
		return nil, errors.New("no whitelisted firm to check: start the instances with --demo")
	}
	var ps struct {
		Items []struct {
			Number string `json:"application_number"`
		} `json:"items"`
	}
	if err := getJSON(base+"/api/v1/patents?limit=200", l.ipo[0], &ps); err != nil {
		return nil, err
	}
	for _, p := range ps.Items {
		if p.Number != "" {
			l.patents = append(l.patents, p.Number)
		}
	}
	if len(l.patents) == 0 {
		return nil, errors.New("no patent to read: start the instances with --demo")
	}
	if code, _, err := call("GET", base+"/api/v1/patents/search?q=%E4%B8%80", l.ipo[0], nil); err == nil && code == 200 {
		l.search = true
	}
	// A pledge request of ent-a over its first patent with bank-a: used
	// when the server accepts one.
	var entPatents struct {
		Items []struct {
			Number string `json:"application_number"`
		} `json:"items"`
	}
	var me map[string]any
	if err := getJSON(base+"/api/v1/patents?limit=1", l.ent[0], &entPatents); err == nil && len(entPatents.Items) > 0 &&
		getJSON(base+"/api/v1/me", l.bank[0], &me) == nil {
		today := time.Now().Format("2006-01-02")
		l.pledge = map[string]any{
			"pledgee_org_id": findOrgID(me), "assets": []map[string]any{{"number": entPatents.Items[0].Number}},
			"pledgor_address": "太原市小店区示范路1号", "pledgee_address": "太原市迎泽大街8号",
			"contract_number": "LOAD-1", "contract_date": today, "secured_claim_kind": "loan", "secured_amount_fen": 100_000_000,
			"debt_start": today, "debt_end": time.Now().AddDate(1, 0, 0).Format("2006-01-02"), "scope": "主债权本金及利息",
			"annual_fee_payer": "pledgor",
		}
		code, b, err := call("POST", base+"/api/v1/pledges", l.ent[0], l.pledge)
		l.pledgeOK = err == nil && code == 201
		if !l.pledgeOK {
			fmt.Fprintf(os.Stderr, "ipledge-load: pledge requests left out of the writes (trial: %d %s)\n", code, truncate(b))
		}
	}
	// Payments go to bank-a's first loan (the demo seeds one).
	var loans struct {
		Items []struct {
			ID    int64  `json:"id"`
			State string `json:"state"`
		} `json:"items"`
	}
	if err := getJSON(base+"/api/v1/loans?limit=10", l.bank[0], &loans); err == nil {
		for _, ln := range loans.Items {
			if ln.State == "performing" || ln.State == "overdue" {
				l.loanID = ln.ID
				break
			}
		}
	}
	if l.loanID == 0 {
		fmt.Fprintln(os.Stderr, "ipledge-load: no open loan of bank-a: payments left out of the writes")
	}
	// Nominated firms get codes no earlier run used.
	l.firmStart = time.Now().UnixNano() / 1e6 % 1_000_000
	return l, nil
}

func findOrgID(m map[string]any) any {
	if v, ok := m["org_id"]; ok {
		return v
	}
	for _, k := range []string{"user", "organisation"} {
		if sub, ok := m[k].(map[string]any); ok {
			if v, ok := sub["org_id"]; ok {
				return v
			}
			if k == "organisation" {
				return sub["id"]
			}
		}
	}
	return nil
}

func truncate(b []byte) string {
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}

func getJSON(u, token string, into any) error {
	code, b, err := call("GET", u, token, nil)
	if err != nil {
		return err
	}
	if code != 200 {
		return fmt.Errorf("GET %s: %d %s", u, code, truncate(b))
	}
	return json.Unmarshal(b, into)
}

// kinds of request, for the per-kind figures.
const (
	kindCheck = iota
	kindBatch
	kindSearch
	kindWrite
	nKinds
)

var kindNames = [nKinds]string{"status check (single)", "status check (batch of 20)", "patent search/read", "write"}

type sample struct {
	kind int
	d    time.Duration
	ok   bool
	what string // on an error: the request and the answer's status or error
}

// request performs request number i of a worker: the mix is decided by
// i mod 20 (12 single checks, 4 batch checks, 2 reads, 2 writes).
// searchQueries are two- to four-word Chinese queries of the kind a bank
// or an enterprise types, over the demo patents' subjects.
var searchQueries = []string{"无人机", "无人机 巡检", "数据 采集", "大气 质量 监测", "关键词 抽取", "图模型 新闻",
	"监测 系统", "多功能 盒", "web 采集 方法", "巡检 系统 图像"}

func (l *load) request(w, i int) sample {
	inst := (w + i) % len(l.urls)
	base := l.urls[inst]
	var (
		kind   int
		method = "GET"
		path   string
		token  = l.bank[inst]
		body   any
		want   = 200
	)
	code := l.codes[(w*7+i)%len(l.codes)]
	switch m := i % 20; {
	case m < 12:
		kind, path = kindCheck, "/api/v1/whitelist/"+code
	case m < 16:
		kind, method, path = kindBatch, "POST", "/api/v1/whitelist/check"
		batch := make([]string, 20)
		for j := range batch {
			batch[j] = l.codes[(i+j)%len(l.codes)]
		}
		body = map[string]any{"usccs": batch}
	case m < 18:
		kind, token = kindSearch, l.ipo[inst]
		if l.search {
			path = "/api/v1/patents/search?q=" + url.QueryEscape(searchQueries[(w+i)%len(searchQueries)])
		} else {
			path = "/api/v1/patents/" + url.PathEscape(l.patents[(w+i)%len(l.patents)])
		}
	default:
		kind, method, want = kindWrite, "POST", 201
		switch n := (w + i/20) % 4; {
		case n == 3 && l.loanID != 0:
			// An interest payment of one fen: a real write through the
			// loan's state machine that never settles the loan.
			path = fmt.Sprintf("/api/v1/loans/%d/payments", l.loanID)
			body = map[string]any{"paid_on": time.Now().Format("2006-01-02"), "principal_fen": 0, "interest_fen": 1}
		case n == 0 || n == 3 || (n == 2 && !l.pledgeOK):
			first17 := fmt.Sprintf("91141100MA%07d", (l.firmStart*10+l.firmSeq.Add(1))%10_000_000)
			path, token = "/api/v1/whitelist/nominations", l.ipo[inst]
			body = map[string]any{"uscc": first17 + string(uscc.CheckCharacter(first17)), "name": "压测企业" + first17[10:], "valid_invention_patents": 1, "source": "ip_office"}
		case n == 1:
			path = "/api/v1/whitelist/feedback"
			body = map[string]any{"uscc": l.active[(w+i)%len(l.active)], "kind": "contacted", "occurred_on": time.Now().Format("2006-01-02"), "note": "load"}
		default:
			path, token, body = "/api/v1/pledges", l.ent[inst], l.pledge
		}
	}
	start := time.Now()
	status, b, err := call(method, base+path, token, body)
	s := sample{kind: kind, d: time.Since(start), ok: err == nil && (status == want || (want == 201 && status == 200))}
	if !s.ok {
		route := path
		if i := strings.IndexAny(route, "?"); i >= 0 {
			route = route[:i]
		}
		if kind != kindWrite {
			route = route[:strings.LastIndexByte(route, '/')+1] + "…"
		}
		var p struct {
			Code string `json:"code"`
		}
		_ = json.Unmarshal(b, &p)
		s.what = fmt.Sprintf("%s %s → %d %s", method, route, status, p.Code)
		if err != nil {
			s.what = fmt.Sprintf("%s %s → %v", method, route, err)
		}
	}
	return s
}

type result struct {
	samples [nKinds][]time.Duration
	errors  [nKinds]int
	elapsed time.Duration
	why     map[string]int
}

func (l *load) run(ctx context.Context, d time.Duration, conc int) *result {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	per := make([][]sample, conc)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; ctx.Err() == nil; i++ {
				per[w] = append(per[w], l.request(w, i))
			}
		}(w)
	}
	wg.Wait()
	r := &result{elapsed: time.Since(start), why: map[string]int{}}
	for _, ss := range per {
		for _, s := range ss {
			r.samples[s.kind] = append(r.samples[s.kind], s.d)
			if !s.ok {
				r.errors[s.kind]++
				r.why[s.what]++
			}
		}
	}
	return r
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(ds)))) - 1
	return ds[max(0, min(i, len(ds)-1))]
}

func (r *result) print(w io.Writer, instances, conc int, d time.Duration) {
	var all []time.Duration
	errs := 0
	fmt.Fprintf(w, "ipledge-load: %d instance(s), %d clients, %s\n", instances, conc, r.elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "%-28s %9s %10s %9s %9s %7s\n", "kind", "requests", "req/s", "p50", "p99", "errors")
	for k := 0; k < nKinds; k++ {
		ds := slices.Clone(r.samples[k])
		slices.Sort(ds)
		all = append(all, ds...)
		errs += r.errors[k]
		fmt.Fprintf(w, "%-28s %9d %10.1f %9s %9s %7d\n", kindNames[k], len(ds), float64(len(ds))/r.elapsed.Seconds(),
			pct(ds, .50).Round(10*time.Microsecond), pct(ds, .99).Round(10*time.Microsecond), r.errors[k])
	}
	slices.Sort(all)
	fmt.Fprintf(w, "%-28s %9d %10.1f %9s %9s %7d\n", "all", len(all), float64(len(all))/r.elapsed.Seconds(),
		pct(all, .50).Round(10*time.Microsecond), pct(all, .99).Round(10*time.Microsecond), errs)
	for what, n := range r.why {
		fmt.Fprintf(w, "  error ×%d: %s\n", n, what)
	}
}
