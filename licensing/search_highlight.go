package licensing

import (
	"html"
	"strings"
	"unicode/utf8"
)

// Highlighting is done here rather than by the database so that it is the
// same on both engines and marks exactly what matched: the characters of
// a matching bigram or word (of a prefix term, only the prefix).

// marks returns the byte ranges of s that the terms match, merged and in
// order.
func markRanges(s string, terms []Term) [][2]int {
	var out [][2]int
	scanTokens(s, func(sp tokSpan) {
		for _, t := range terms {
			if !t.matches(sp.Text) {
				continue
			}
			end := sp.End
			if t.Prefix {
				// Only the prefix's own characters: the first rune of a
				// bigram, the first letter of a word.
				_, size := utf8.DecodeRuneInString(s[sp.Start:])
				end = sp.Start + size
			}
			if n := len(out); n > 0 && sp.Start <= out[n-1][1] {
				if end > out[n-1][1] {
					out[n-1][1] = end
				}
			} else {
				out = append(out, [2]int{sp.Start, end})
			}
			break
		}
	})
	return out
}

// render escapes s[from:to] as HTML and wraps the marked ranges in
// <mark>…</mark>.
func renderMarked(s string, ms [][2]int, from, to int) string {
	var b strings.Builder
	at := from
	for _, m := range ms {
		start, end := max(m[0], from), min(m[1], to)
		if start >= end {
			continue
		}
		b.WriteString(html.EscapeString(s[at:start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(s[start:end]))
		b.WriteString("</mark>")
		at = end
	}
	b.WriteString(html.EscapeString(s[at:to]))
	return b.String()
}

// Highlight returns s as HTML (escaped) with what the terms match wrapped
// in <mark>.
func Highlight(s string, terms []Term) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return renderMarked(s, markRanges(s, terms), 0, len(s))
}

// snippetRunes is the length of a snippet.
const snippetRunes = 120

// Snippet returns about snippetRunes characters of s around its first
// match, escaped and highlighted, with an ellipsis where it is cut; ok is
// false when nothing in s matches.
func Snippet(s string, terms []Term) (out string, ok bool) {
	s = strings.ToValidUTF8(s, "\uFFFD")
	ms := markRanges(s, terms)
	if len(ms) == 0 {
		return "", false
	}
	// Start a fifth of the window before the first match, on a rune.
	from := ms[0][0]
	for back := 0; back < snippetRunes/5 && from > 0; back++ {
		_, size := utf8.DecodeLastRuneInString(s[:from])
		from -= size
	}
	to := from
	for n := 0; n < snippetRunes && to < len(s); n++ {
		_, size := utf8.DecodeRuneInString(s[to:])
		to += size
	}
	out = renderMarked(s, ms, from, to)
	if from > 0 {
		out = "…" + out
	}
	if to < len(s) {
		out += "…"
	}
	return out, true
}

// Head returns the first snippetRunes characters of s, escaped (the
// snippet of a result whose body does not match).
func Head(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	to := 0
	for n := 0; n < snippetRunes && to < len(s); n++ {
		_, size := utf8.DecodeRuneInString(s[to:])
		to += size
	}
	out := html.EscapeString(s[:to])
	if to < len(s) {
		out += "…"
	}
	return out
}
