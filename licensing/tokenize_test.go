package licensing

import (
	"html"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTokens(t *testing.T) {
	got := Tokens("锂离子电池，ＬＥＤ 18650-B型")
	want := []string{"锂离", "离子", "子电", "电池", "池", "led", "18650", "b", "型"}
	if !slices.Equal(got, want) {
		t.Fatalf("Tokens = %q, want %q", got, want)
	}
	q := ParseQuery("电池 a 锂电池")
	if len(q) != 3 || q[0] != (Term{"电池", false}) || q[1] != (Term{"a", true}) || q[2].Text != "锂电" {
		t.Fatalf("ParseQuery = %v", q)
	}
	if q := ParseQuery("测"); len(q) != 1 || !q[0].Prefix {
		t.Fatalf("one character: %v", q)
	}
}

func TestHighlightEscapes(t *testing.T) {
	got := Highlight(`<b>锂离子电池</b> & "x"`, ParseQuery("电池"))
	if got != `&lt;b&gt;锂离子<mark>电池</mark>&lt;/b&gt; &amp; &#34;x&#34;` {
		t.Fatalf("Highlight = %s", got)
	}
	if got := Highlight("锂电池组", ParseQuery("锂电池")); got != "<mark>锂电池</mark>组" {
		t.Fatalf("merged: %s", got)
	}
	if s, ok := Snippet(strings.Repeat("甲", 300)+"电池"+strings.Repeat("乙", 300), ParseQuery("电池")); !ok ||
		!strings.HasPrefix(s, "…") || !strings.HasSuffix(s, "…") || !strings.Contains(s, "<mark>电池</mark>") {
		t.Fatalf("Snippet = %s", s)
	}
}

func stripMarks(s string) string {
	return html.UnescapeString(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(s))
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"锂离子电池", "ＬＥＤ灯 5G", "<mark>&amp;", "\xff\xfe电", "a", "H01M10/0525 电池"} {
		f.Add(s, "电池")
	}
	f.Fuzz(func(t *testing.T, text, q string) {
		for _, tok := range Tokens(text) {
			if tok == "" || !utf8.ValidString(tok) || strings.ContainsAny(tok, " \t\n\"'*") || tok != strings.ToLower(tok) {
				t.Fatalf("bad token %q of %q", tok, text)
			}
		}
		terms := ParseQuery(q)
		if len(terms) > maxQueryTerms {
			t.Fatalf("%d terms", len(terms))
		}
		if utf8.ValidString(text) {
			h := Highlight(text, terms)
			if stripMarks(h) != text {
				t.Fatalf("Highlight(%q) = %q does not round-trip", text, h)
			}
			if strings.Count(h, "<mark>") != strings.Count(h, "</mark>") {
				t.Fatalf("unbalanced %q", h)
			}
		}
	})
}
