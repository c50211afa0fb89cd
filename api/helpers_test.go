package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
)

const v1 = apptest.API

// roleUser names one demo account per role; the authorization matrix
// runs as each of them.
var roleUser = map[string]string{
	auth.RoleIPOffice:   "ipoffice",
	auth.RoleEconBureau: "bureau",
	auth.RoleBank:       "bank-a",
	auth.RoleEnterprise: "ent-a",
	auth.RoleUniversity: "tto-a",
	auth.RoleAdmin:      "admin",
}

// userID looks a demo user's id up in the database.
func userID(t *testing.T, env *apptest.Env, username string) int64 {
	t.Helper()
	u, err := env.App.Accounts.UserByUsername(t.Context(), username)
	if err != nil {
		t.Fatalf("user %s: %v", username, err)
	}
	return u.ID
}

// listPage is one page of a list or feed.
type listPage[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// walk follows next_cursor (as ?cursor= or, for feeds, ?after=) from the
// first page to the last and returns every item and the page count.
func walk[T any](t *testing.T, env *apptest.Env, token, path, cursorParam string, limit int) (items []T, pages int) {
	t.Helper()
	cursor := ""
	for pages = 1; ; pages++ {
		q := url.Values{"limit": {fmt.Sprint(limit)}}
		if cursor != "" {
			q.Set(cursorParam, cursor)
		}
		r := env.Do(t, http.MethodGet, path+"?"+q.Encode(), token, nil)
		r.WantStatus(t, http.StatusOK)
		var p listPage[T]
		r.JSON(t, &p)
		if len(p.Items) > limit {
			t.Fatalf("%s: %d items on a page of limit %d", r, len(p.Items), limit)
		}
		items = append(items, p.Items...)
		if cursorParam == "after" {
			// A feed always answers a cursor; an empty page ends the walk.
			if len(p.Items) == 0 {
				if p.NextCursor != cursor && cursor != "" {
					t.Fatalf("%s: an empty feed page moved the cursor from %q to %q", r, cursor, p.NextCursor)
				}
				return items, pages
			}
		} else if p.NextCursor == "" {
			return items, pages
		}
		cursor = p.NextCursor
		if pages > 10_000 {
			t.Fatalf("%s: pagination does not end", path)
		}
	}
}

// auditLog reads the whole audit log through the API as ipoffice.
func auditLog(t *testing.T, env *apptest.Env) []audit.Record {
	t.Helper()
	rs, _ := walk[audit.Record](t, env, env.Login(t, "ipoffice"), v1+"/audit", "after", 7)
	return rs
}

// findAudit returns the entries with this action and request id.
func findAudit(rs []audit.Record, action, requestID string) []audit.Record {
	var out []audit.Record
	for _, r := range rs {
		if r.Action == action && r.RequestID == requestID {
			out = append(out, r)
		}
	}
	return out
}

// withoutRequestID blanks out a response's own request id in its body.
func withoutRequestID(r *apptest.Response) []byte {
	return bytes.ReplaceAll(r.Body, []byte(r.Header.Get("X-Request-ID")), nil)
}
