// Command ipledge-searchbench measures search latency on SQLite: it
// registers -n patents (titles sampled from the real data set, abstracts
// from templates) in a fresh database, indexes them and times searches of
// two to four words. Run it with
//
//	go run -tags sqlite_fts5 ./cmd/ipledge-searchbench
//
// -db FILE keeps the database for the next run (which then skips loading
// and times the same queries), -slow 40ms prints the slower queries and
// -q times one query.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ipledge/ipledge/licensing"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
)

func main() {
	n := flag.Int("n", 200000, "patents")
	queries := flag.Int("queries", 1000, "searches timed")
	data := flag.String("data", "../shared/data/cn-patent-titles-ipc.tsv", "titles with IPC subclasses")
	only := flag.String("q", "", "time this query every time instead of random ones")
	slow := flag.Duration("slow", 0, "print the queries slower than this")
	keep := flag.String("db", "", "database file to keep and reuse (loaded on the first run; default: a temporary one)")
	flag.Parse()
	if err := run(*n, *queries, *data, *keep, *only, *slow); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

var templates = []string{
	"本发明公开了%s，属于%s技术领域。该方案结构简单，成本低，可靠性高，便于推广应用。",
	"本实用新型涉及%s，包括主体、连接组件和控制模块，解决了现有%s装置效率低的问题。",
	"本申请提供%s及其制备方法，所述方法在%s中具有良好的稳定性和较长的使用寿命。",
}

func run(n, nq int, data, keep, only string, slow time.Duration) error {
	ctx := context.Background()
	f, err := os.Open(data)
	if err != nil {
		return err
	}
	var titles, ipcs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) == 3 && cols[0] != "publication_number" {
			titles, ipcs = append(titles, cols[1]), append(ipcs, cols[2])
		}
	}
	f.Close()
	path := keep
	if path == "" {
		dir, err := os.MkdirTemp("", "searchbench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "bench.db")
	}
	d, err := db.Open(ctx, "sqlite://"+path, db.Options{SQLiteSynchronous: "NORMAL"})
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Migrate(ctx); err != nil {
		return err
	}
	var have int
	if err := d.GetContext(ctx, &have, `SELECT COUNT(*) FROM patents`); err != nil {
		return err
	}
	load := have == 0
	if !load && have != n {
		return fmt.Errorf("%s holds %d patents, not %d", path, have, n)
	}
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	tx, err := d.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	for i := 0; i < n; i++ {
		k := r.IntN(len(titles))
		other := titles[r.IntN(len(titles))]
		if !load {
			continue // the same random draws as loading, so the same queries
		}
		abstract := fmt.Sprintf(templates[i%len(templates)], titles[k], other)
		if _, err := tx.ExecContext(ctx, `INSERT INTO patents (application_number, type, title, abstract, ipc_codes, filing_date,
			legal_status, created_at, updated_at) VALUES (?, 'invention', ?, ?, ?, '2020-01-01', 'valid', ?, ?)`,
			fmt.Sprintf("B%08d", i), titles[k], abstract, ipcs[k], now, now); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s := licensing.NewSearch(licensing.SearchConfig{DB: d})
	if load {
		if _, err := s.Reindex(ctx); err != nil {
			return err
		}
		fmt.Printf("%d patents loaded and indexed in %s\n", n, time.Since(start).Round(time.Second))
	} else {
		fmt.Printf("%d patents already in %s\n", n, path)
	}
	var lat []time.Duration
	total := 0
	for i := 0; i < nq; i++ {
		q := query(r, titles[r.IntN(len(titles))])
		if only != "" {
			q = only
		}
		t0 := time.Now()
		res, err := s.Search(ctx, licensing.SearchQuery{Q: q, Page: page.Request{Limit: 20}})
		if err != nil {
			return fmt.Errorf("%q: %w", q, err)
		}
		lat = append(lat, time.Since(t0))
		if slow > 0 && lat[len(lat)-1] > slow {
			fmt.Printf("%s\t%q\n", lat[len(lat)-1].Round(time.Microsecond), q)
		}
		total += len(res.Items)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	fmt.Printf("%d queries of 2-4 words (limit 20; mean %.1f results): p50 %s, p95 %s, p99 %s, max %s\n",
		nq, float64(total)/float64(nq), pct(0.5).Round(time.Microsecond), pct(0.95).Round(time.Microsecond),
		pct(0.99).Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond))
	return nil
}

// query picks two to four words (two- or three-character pieces) of a
// title.
func query(r *rand.Rand, title string) string {
	rs := []rune(title)
	words := 2 + r.IntN(3)
	var out []string
	for i := 0; i < words && len(rs) >= 2; i++ {
		l := 2 + r.IntN(2)
		if l > len(rs) {
			l = len(rs)
		}
		at := r.IntN(len(rs) - l + 1)
		w := string(rs[at : at+l])
		if utf8.RuneCountInString(strings.TrimSpace(w)) > 0 {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}
