package licensing

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Search text is tokenised here, in Go, rather than by the database: the
// database engines disagree on Chinese (SQLite's trigram tokenizer misses
// two-character words; PostgreSQL's simple parser keeps a run of Chinese
// as one lexeme), so both are fed the same space-separated tokens and
// split them only on the spaces.
//
// A run of CJK characters becomes its overlapping bigrams (锂离子电池 →
// 锂离 离子 子电 电池) plus its last character alone, so that every
// character starts some token and a one-character query can match as a
// prefix. A run of other letters and digits becomes one lower-cased word
// (fullwidth forms are folded to ASCII first: ＬＥＤ → led). Anything else
// separates tokens.

// maxWordRunes bounds a Latin word; longer runs are cut (a DNA sequence or
// a hash is not something anyone types).
const maxWordRunes = 40

// fold maps a rune to the form tokens use: fullwidth ASCII to ASCII, then
// lower case.
func foldRune(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E {
		r -= 0xFEE0
	}
	return unicode.ToLower(r)
}

// isCJK reports whether r is written without spaces between words: Han,
// kana and Hangul.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) ||
		unicode.Is(unicode.Hangul, r)
}

// isWordRune reports whether r (folded) belongs to a Latin-like word.
func isWordRune(r rune) bool {
	return r < 0x10000 && (unicode.IsLetter(r) || unicode.IsDigit(r)) && !isCJK(r)
}

// tokSpan is one token with the byte range of the original text it covers.
type tokSpan struct {
	Text       string
	Start, End int
}

// scan calls emit for each token of s in order, with its byte range.
func scanTokens(s string, emit func(sp tokSpan)) {
	type pos struct {
		r     rune
		start int
		end   int
	}
	var run []pos
	cjk := false
	flush := func() {
		if len(run) == 0 {
			return
		}
		if cjk {
			for i := 0; i+1 < len(run); i++ {
				emit(tokSpan{Text: string([]rune{run[i].r, run[i+1].r}), Start: run[i].start, End: run[i+1].end})
			}
			last := run[len(run)-1]
			emit(tokSpan{Text: string(last.r), Start: last.start, End: last.end})
		} else {
			n := len(run)
			if n > maxWordRunes {
				n = maxWordRunes
			}
			var b strings.Builder
			for _, p := range run[:n] {
				b.WriteRune(p.r)
			}
			emit(tokSpan{Text: b.String(), Start: run[0].start, End: run[len(run)-1].end})
		}
		run = run[:0]
	}
	for i, r := range s {
		size := utf8.RuneLen(r)
		if r == utf8.RuneError {
			size = 1
			if i+size > len(s) {
				size = len(s) - i
			}
		}
		f := foldRune(r)
		switch {
		case r != utf8.RuneError && isCJK(f):
			if !cjk {
				flush()
			}
			cjk = true
			run = append(run, pos{f, i, i + size})
		case r != utf8.RuneError && isWordRune(f):
			if cjk {
				flush()
			}
			cjk = false
			run = append(run, pos{f, i, i + size})
		default:
			flush()
		}
	}
	flush()
}

// Tokens returns the search tokens of s, in order, with repeats.
func Tokens(s string) []string {
	var out []string
	scanTokens(s, func(sp tokSpan) { out = append(out, sp.Text) })
	return out
}

// SearchText is what the index stores for texts: their tokens separated
// by spaces.
func SearchText(texts ...string) string {
	var b strings.Builder
	for _, t := range texts {
		scanTokens(t, func(sp tokSpan) {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(sp.Text)
		})
	}
	return b.String()
}

// Bigrams returns the distinct CJK bigrams of s (the measure of how much
// of a need's wording a match shares).
func Bigrams(s string) map[string]bool {
	out := map[string]bool{}
	scanTokens(s, func(sp tokSpan) {
		if utf8.RuneCountInString(sp.Text) == 2 && isCJK([]rune(sp.Text)[0]) {
			out[sp.Text] = true
		}
	})
	return out
}

// Term is one term of a parsed query.
type Term struct {
	Text string
	// Prefix terms match every token that starts with Text.
	Prefix bool
}

// maxQueryTerms bounds the terms of a query.
const maxQueryTerms = 32

// ParseQuery turns a query into its terms, distinct, in order: every token
// of the query, a one-character token (a lone Chinese character or a
// one-letter word) as a prefix term. A lone Chinese character inside a
// longer run is already covered by the run's bigrams and is dropped.
func ParseQuery(q string) []Term {
	var toks []tokSpan
	scanTokens(q, func(sp tokSpan) { toks = append(toks, sp) })
	seen := map[string]bool{}
	var out []Term
	for i, sp := range toks {
		single := utf8.RuneCountInString(sp.Text) == 1
		if single && isCJK([]rune(sp.Text)[0]) && i > 0 && toks[i-1].End > sp.Start {
			continue // the last character of a run of two or more
		}
		if seen[sp.Text] {
			continue
		}
		seen[sp.Text] = true
		out = append(out, Term{Text: sp.Text, Prefix: single})
		if len(out) == maxQueryTerms {
			break
		}
	}
	return out
}

// matches reports whether a text token matches a term.
func (t Term) matches(tok string) bool {
	if t.Prefix {
		return strings.HasPrefix(tok, t.Text)
	}
	return tok == t.Text
}
