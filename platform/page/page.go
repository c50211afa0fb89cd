// Package page parses list parameters and encodes cursors. Every list in
// the API is keyset-paginated: {"items": [...], "next_cursor": "..."}.
package page

import (
	"encoding/base64"
	"strconv"

	"github.com/ipledge/ipledge/platform/problem"
)

// Limits of ?limit=.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Request is a parsed page request: items with key > After, at most Limit.
type Request struct {
	After int64
	Limit int
}

// Parse reads ?limit= and ?cursor= (or ?after= for feeds). A limit above
// MaxLimit is clamped; a non-numeric or non-positive one is a 400; so is a
// cursor this server did not issue.
func Parse(limit, cursor string) (Request, error) {
	r := Request{Limit: DefaultLimit}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 {
			return r, problem.Invalid(problem.Field("limit", "invalid", "limit must be a whole number from 1 to 500"))
		}
		if n > MaxLimit {
			n = MaxLimit
		}
		r.Limit = n
	}
	if cursor != "" {
		after, err := Decode(cursor)
		if err != nil {
			return r, problem.Invalid(problem.Field("cursor", "invalid", "the cursor is not one this server issued"))
		}
		r.After = after
	}
	return r, nil
}

// Encode makes an opaque cursor for a key.
func Encode(key int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("k" + strconv.FormatInt(key, 10)))
}

// Decode reverses Encode.
func Decode(c string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) < 2 || b[0] != 'k' {
		return 0, strconv.ErrSyntax
	}
	n, err := strconv.ParseInt(string(b[1:]), 10, 64)
	if err != nil || n < 0 {
		return 0, strconv.ErrSyntax
	}
	return n, nil
}

// Page is one page of items.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// Of cuts rows (fetched with LIMIT r.Limit+1) to a page; key gives each
// item's keyset key. next_cursor is empty on the last page.
func Of[T any](r Request, rows []T, key func(T) int64) Page[T] {
	p := Page[T]{Items: rows}
	if p.Items == nil {
		p.Items = []T{}
	}
	if len(rows) > r.Limit {
		p.Items = rows[:r.Limit]
		p.NextCursor = Encode(key(p.Items[len(p.Items)-1]))
	}
	return p
}

// Feed cuts rows of a change feed (fetched with LIMIT r.Limit+1).
// Unlike a list page, a feed always returns a cursor: the last item's key,
// or the one the caller sent when nothing is new, so a poller keeps asking
// from where it is.
func Feed[T any](r Request, rows []T, key func(T) int64) Page[T] {
	p := Of(r, rows, key)
	switch {
	case len(p.Items) > 0:
		p.NextCursor = Encode(key(p.Items[len(p.Items)-1]))
	default:
		p.NextCursor = Encode(r.After)
	}
	return p
}
