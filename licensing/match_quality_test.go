package licensing

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/dbtest"
)

// realTitles is the real data set: Chinese patent titles with their IPC
// subclasses.
const realTitles = "../../shared/data/cn-patent-titles-ipc.tsv"

type realPatent struct {
	Number, Title string
	Subclasses    []string
}

func loadRealTitles(tb testing.TB) []realPatent {
	tb.Helper()
	f, err := os.Open(realTitles)
	if err != nil {
		tb.Skipf("real data set not available: %v", err)
	}
	defer f.Close()
	var out []realPatent
	sc := bufio.NewScanner(f)
	first := true
	for sc.Scan() {
		if first {
			first = false
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 3 || cols[1] == "" || cols[2] == "" {
			continue
		}
		out = append(out, realPatent{Number: cols[0], Title: cols[1], Subclasses: strings.Split(cols[2], "|")})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// loadCorpus stores the patents in the registry table and indexes them.
func loadCorpus(tb testing.TB, d *db.DB, ps []realPatent) {
	tb.Helper()
	ctx := context.Background()
	tx, err := d.BeginTxx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now().UTC()
	for i, p := range ps {
		if _, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO patents (application_number, publication_number, type, title, ipc_codes,
			filing_date, legal_status, created_at, updated_at) VALUES (?, ?, 'invention', ?, ?, ?, 'valid', ?, ?)`),
			fmt.Sprintf("Q%07d", i), p.Number, p.Title, strings.Join(p.Subclasses, "|"), "2020-01-01", now, now); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	if _, err := NewSearch(SearchConfig{DB: d}).Reindex(ctx); err != nil {
		tb.Fatal(err)
	}
}

// quality is precision at 5 (a match is relevant when it shares an IPC
// subclass with the held-out patent) and the mean number of the need's
// bigrams found in a top-5 match's title.
type quality struct{ P5, SharedBigrams float64 }

func measure(tb testing.TB, s *Search, held []realPatent, w Weights) quality {
	tb.Helper()
	var q quality
	for _, h := range held {
		ranked, _, err := s.rank(context.Background(), h.Title, nil, rankOptions{Pool: 200, InferFrom: 30, Weights: w})
		if err != nil {
			tb.Fatal(err)
		}
		need := Bigrams(h.Title)
		rel, sharedSum := 0, 0
		for _, r := range ranked[:min(5, len(ranked))] {
			for _, c := range normCodes(r.hitRow.IPC) {
				if containsString(h.Subclasses, c[:min(4, len(c))]) {
					rel++
					break
				}
			}
			for b := range Bigrams(r.Title) {
				if need[b] {
					sharedSum++
				}
			}
		}
		q.P5 += float64(rel) / 5
		q.SharedBigrams += float64(sharedSum) / 5
	}
	q.P5 /= float64(len(held))
	q.SharedBigrams /= float64(len(held))
	return q
}

// heldOut splits the data set with a fixed seed: n held out, the rest the
// corpus.
func heldOut(ps []realPatent, n int) (held, corpus []realPatent) {
	r := rand.New(rand.NewPCG(20261108, 8))
	idx := r.Perm(len(ps))
	for i, j := range idx {
		if i < n {
			held = append(held, ps[j])
		} else {
			corpus = append(corpus, ps[j])
		}
	}
	return held, corpus
}

// TestMatchQualityOnRealPatents guards the matchmaking ranking's quality
// against plain bigram BM25 on real patents: 300 held out with a fixed
// seed, each title used as a need without IPC codes. The floors are the
// figures measured (see README), rounded down.
func TestMatchQualityOnRealPatents(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	ps := loadRealTitles(t)
	d := dbtest.SQLite(t)
	held, corpus := heldOut(ps, 300)
	loadCorpus(t, d, corpus)
	s := NewSearch(SearchConfig{DB: d})
	base := measure(t, s, held, Weights{Text: 1})
	got := measure(t, s, held, DefaultWeights())
	t.Logf("baseline (bigram BM25): p@5 %.3f, shared bigrams in top 5 %.2f", base.P5, base.SharedBigrams)
	t.Logf("ranking (text+IPC):     p@5 %.3f, shared bigrams in top 5 %.2f (%.0f%% of baseline)", got.P5, got.SharedBigrams,
		100*got.SharedBigrams/base.SharedBigrams)
	if w := os.Getenv("IPLEDGE_MATCH_SWEEP"); w != "" {
		for _, ipc := range []float64{0.3, 0.5, 0.8, 1, 1.5, 2, 3} {
			q := measure(t, s, held, Weights{Text: 1, IPC: ipc})
			t.Logf("ipc weight %.1f: p@5 %.3f shared %.2f (%.0f%%)", ipc, q.P5, q.SharedBigrams, 100*q.SharedBigrams/base.SharedBigrams)
		}
	}
	// Measured: baseline p@5 0.321, shared 5.37; ranking p@5 0.460,
	// shared 5.06 (94%).
	if got.P5 < 0.45 {
		t.Errorf("precision at 5 %.3f, want at least 0.45", got.P5)
	}
	if got.SharedBigrams < 0.9*base.SharedBigrams {
		t.Errorf("shared bigrams %.2f, want at least 90%% of the baseline's %.2f", got.SharedBigrams, base.SharedBigrams)
	}
}
