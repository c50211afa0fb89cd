package page_test

import (
	"encoding/base64"
	"math"
	"net/http"
	"testing"

	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, limit, cursor string
		want                page.Request
	}{
		{"defaults", "", "", page.Request{After: 0, Limit: page.DefaultLimit}},
		{"limit 1", "1", "", page.Request{Limit: 1}},
		{"limit max", "500", "", page.Request{Limit: 500}},
		{"limit clamped", "501", "", page.Request{Limit: page.MaxLimit}},
		{"huge limit clamped", "1000000000", "", page.Request{Limit: page.MaxLimit}},
		{"cursor", "", page.Encode(42), page.Request{After: 42, Limit: page.DefaultLimit}},
		{"cursor zero", "10", page.Encode(0), page.Request{After: 0, Limit: 10}},
		{"cursor max int64", "10", page.Encode(math.MaxInt64), page.Request{After: math.MaxInt64, Limit: 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := page.Parse(tc.limit, tc.cursor)
			if err != nil {
				t.Fatalf("Parse(%q, %q): %v", tc.limit, tc.cursor, err)
			}
			if got != tc.want {
				t.Fatalf("Parse(%q, %q) = %+v, want %+v", tc.limit, tc.cursor, got, tc.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	b64 := base64.RawURLEncoding.EncodeToString
	for _, tc := range []struct {
		name, limit, cursor, field string
	}{
		{"limit zero", "0", "", "limit"},
		{"limit negative", "-5", "", "limit"},
		{"limit not a number", "ten", "", "limit"},
		{"limit float", "2.5", "", "limit"},
		{"limit overflow", "99999999999999999999999", "", "limit"},
		{"limit with space", " 10", "", "limit"},
		{"cursor not base64", "", "!!!", "cursor"},
		{"cursor raw number", "", "42", "cursor"},
		{"cursor std padding", "", base64.StdEncoding.EncodeToString([]byte("k42")) + "=", "cursor"},
		{"cursor without prefix", "", b64([]byte("42")), "cursor"},
		{"cursor prefix only", "", b64([]byte("k")), "cursor"},
		{"cursor other prefix", "", b64([]byte("x42")), "cursor"},
		{"cursor negative", "", b64([]byte("k-1")), "cursor"},
		{"cursor not a number", "", b64([]byte("kabc")), "cursor"},
		{"cursor overflow", "", b64([]byte("k9223372036854775808")), "cursor"},
		{"cursor another service's", "", b64([]byte(`{"offset":50}`)), "cursor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := page.Parse(tc.limit, tc.cursor)
			if err == nil {
				t.Fatalf("Parse(%q, %q) accepted", tc.limit, tc.cursor)
			}
			p, ok := problem.As(err)
			if !ok {
				t.Fatalf("error %T is not a *problem.Error", err)
			}
			if p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.Status)
			}
			if len(p.Fields) != 1 || p.Fields[0].Field != tc.field {
				t.Fatalf("fields %+v, want one naming %q", p.Fields, tc.field)
			}
		})
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	for _, k := range []int64{0, 1, 9, 10, 49, 50, 1 << 31, 1<<53 + 1, math.MaxInt64 - 1, math.MaxInt64} {
		c := page.Encode(k)
		got, err := page.Decode(c)
		if err != nil || got != k {
			t.Fatalf("Decode(Encode(%d)) = %d, %v", k, got, err)
		}
		// Cursors are URL-safe and need no escaping.
		for _, r := range c {
			if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				t.Fatalf("cursor %q has character %q that is not URL-safe", c, r)
			}
		}
	}
	if page.Encode(1) == page.Encode(2) {
		t.Fatal("different keys give the same cursor")
	}
}

type item struct{ ID int64 }

func key(i item) int64 { return i.ID }

func items(ids ...int64) []item {
	out := make([]item, len(ids))
	for i, id := range ids {
		out[i] = item{id}
	}
	return out
}

func TestOf(t *testing.T) {
	for _, tc := range []struct {
		name     string
		limit    int
		rows     []item
		wantLen  int
		wantNext string
	}{
		{"nil rows", 3, nil, 0, ""},
		{"empty rows", 3, []item{}, 0, ""},
		{"fewer than limit", 3, items(1, 2), 2, ""},
		{"exactly limit: last page", 3, items(1, 2, 3), 3, ""},
		{"limit+1: more to come", 3, items(1, 2, 3, 4), 3, page.Encode(3)},
		{"sparse keys", 2, items(10, 20, 30), 2, page.Encode(20)},
		{"limit 1", 1, items(5, 6), 1, page.Encode(5)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := page.Of(page.Request{After: 0, Limit: tc.limit}, tc.rows, key)
			if p.Items == nil {
				t.Fatal("Items is nil; it must encode as [] not null")
			}
			if len(p.Items) != tc.wantLen {
				t.Fatalf("len(Items) = %d, want %d", len(p.Items), tc.wantLen)
			}
			if p.NextCursor != tc.wantNext {
				t.Fatalf("NextCursor = %q, want %q", p.NextCursor, tc.wantNext)
			}
			for i := range p.Items {
				if p.Items[i] != tc.rows[i] {
					t.Fatalf("item %d = %v, want %v (order kept)", i, p.Items[i], tc.rows[i])
				}
			}
		})
	}
}

// TestOfWalk pages through a list with the cursors Of hands out and sees
// every row exactly once.
func TestOfWalk(t *testing.T) {
	var all []item
	for i := int64(1); i <= 23; i++ {
		all = append(all, item{i * 3})
	}
	fetch := func(r page.Request) []item { // simulates WHERE id > after ORDER BY id LIMIT limit+1
		var out []item
		for _, it := range all {
			if it.ID > r.After && len(out) < r.Limit+1 {
				out = append(out, it)
			}
		}
		return out
	}
	var seen []item
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
		r, err := page.Parse("5", cursor)
		if err != nil {
			t.Fatal(err)
		}
		p := page.Of(r, fetch(r), key)
		seen = append(seen, p.Items...)
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	if len(seen) != len(all) {
		t.Fatalf("saw %d rows, want %d", len(seen), len(all))
	}
	for i := range all {
		if seen[i] != all[i] {
			t.Fatalf("row %d = %v, want %v", i, seen[i], all[i])
		}
	}
}

func TestFeed(t *testing.T) {
	for _, tc := range []struct {
		name     string
		after    int64
		limit    int
		rows     []item
		wantLen  int
		wantNext string
	}{
		{"nothing new keeps the caller's cursor", 17, 3, nil, 0, page.Encode(17)},
		{"nothing at all from the start", 0, 3, []item{}, 0, page.Encode(0)},
		{"fewer than limit: cursor at last item", 17, 3, items(18, 19), 2, page.Encode(19)},
		{"exactly limit", 0, 2, items(1, 2), 2, page.Encode(2)},
		{"more to come", 0, 2, items(1, 2, 3), 2, page.Encode(2)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := page.Feed(page.Request{After: tc.after, Limit: tc.limit}, tc.rows, key)
			if p.Items == nil {
				t.Fatal("Items is nil")
			}
			if len(p.Items) != tc.wantLen {
				t.Fatalf("len(Items) = %d, want %d", len(p.Items), tc.wantLen)
			}
			if p.NextCursor != tc.wantNext {
				t.Fatalf("NextCursor = %q, want %q", p.NextCursor, tc.wantNext)
			}
		})
	}
}

// FuzzDecode: Decode never panics, accepts only non-negative keys, and
// whatever it accepts re-encodes to a cursor that decodes to the same key;
// Parse agrees with Decode.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{"", "k", "azQy", page.Encode(0), page.Encode(42), page.Encode(math.MaxInt64),
		base64.RawURLEncoding.EncodeToString([]byte("k-1")), base64.RawURLEncoding.EncodeToString([]byte("k+1")),
		"!!!", "a2", "====", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, c string) {
		n, err := page.Decode(c)
		_, perr := page.Parse("", c)
		if c != "" && (err == nil) != (perr == nil) {
			t.Fatalf("Decode(%q) err=%v but Parse err=%v", c, err, perr)
		}
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("Decode(%q) = %d, a negative key", c, n)
		}
		again, err := page.Decode(page.Encode(n))
		if err != nil || again != n {
			t.Fatalf("Decode(Encode(%d)) = %d, %v", n, again, err)
		}
	})
}
