package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/notify"
)

func TestNotificationsAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		entA, entB := env.Login(t, "ent-a"), env.Login(t, "ent-b")
		unread := func(t *testing.T, tok string) int {
			t.Helper()
			r := env.Do(t, http.MethodGet, v1+"/notifications/unread-count", tok, nil)
			r.WantStatus(t, http.StatusOK)
			var body struct{ Unread int }
			r.JSON(t, &body)
			return body.Unread
		}
		feed := func(t *testing.T, tok string) []notify.Notification {
			t.Helper()
			ns, _ := walk[notify.Notification](t, env, tok, v1+"/notifications", "after", 2)
			return ns
		}

		t.Run("every demo user is welcomed", func(t *testing.T) {
			for _, user := range []string{"ipoffice", "bureau", "bank-a", "ent-a", "tto-a", "admin"} {
				ns := feed(t, env.Login(t, user))
				if len(ns) != 1 || ns[0].Kind != notify.KindWelcome || ns[0].Title == "" || ns[0].ReadAt != nil {
					t.Errorf("%s's inbox: %+v", user, ns)
				}
			}
		})

		for _, title := range []string{"质押登记已受理", "质押登记已办结", "贴息申请已通过"} {
			if err := env.App.Notify.PostAlone(t.Context(), notify.Notification{Kind: "test.event", Title: title, Link: "/pledges/1"},
				userID(t, env, "ent-a")); err != nil {
				t.Fatal(err)
			}
		}

		t.Run("the feed is oldest first and pages with after", func(t *testing.T) {
			ns, pages := walk[notify.Notification](t, env, entA, v1+"/notifications", "after", 2)
			if len(ns) != 4 || pages != 3 || ns[0].Kind != notify.KindWelcome || ns[3].Title != "贴息申请已通过" {
				t.Fatalf("%d pages: %+v", pages, ns)
			}
			if unread(t, entA) != 4 || unread(t, entB) != 1 {
				t.Errorf("unread %d / %d", unread(t, entA), unread(t, entB))
			}
		})

		t.Run("bad paging parameters", func(t *testing.T) {
			for _, tc := range []struct{ query, field string }{{"limit=0", "limit"}, {"limit=x", "limit"}, {"after=zzz", "cursor"}} {
				p := env.Do(t, http.MethodGet, v1+"/notifications?"+tc.query, entA, nil).WantProblem(t, http.StatusBadRequest, "validation_failed")
				if _, ok := apptest.FieldErrors(p)[tc.field]; !ok {
					t.Errorf("%s: errors %v", tc.query, apptest.FieldErrors(p))
				}
			}
		})

		ns := feed(t, entA)
		mine := ns[1].ID

		t.Run("another user's notification is not found, and the attempt is audited", func(t *testing.T) {
			r := env.Do(t, http.MethodPost, fmt.Sprintf("%s/notifications/%d/read", v1, mine), entB, nil)
			r.WantProblem(t, http.StatusNotFound, "not_found")
			if recs := findAudit(auditLog(t, env), "authz.deny", r.Header.Get("X-Request-ID")); len(recs) != 1 || recs[0].ObjectID != fmt.Sprint(mine) {
				t.Errorf("audit %+v", recs)
			}
			for _, id := range []string{"999999999", "abc", "0"} {
				env.Do(t, http.MethodPost, v1+"/notifications/"+id+"/read", entA, nil).WantProblem(t, http.StatusNotFound, "not_found")
			}
			if unread(t, entA) != 4 {
				t.Error("a refused read changed the count")
			}
		})

		t.Run("the owner marks one and then all read", func(t *testing.T) {
			r := env.Do(t, http.MethodPost, fmt.Sprintf("%s/notifications/%d/read", v1, mine), entA, nil)
			r.WantStatus(t, http.StatusNoContent)
			if len(findAudit(auditLog(t, env), "notification.read", r.Header.Get("X-Request-ID"))) != 1 {
				t.Error("the read is not audited")
			}
			env.Do(t, http.MethodPost, fmt.Sprintf("%s/notifications/%d/read", v1, mine), entA, nil).WantStatus(t, http.StatusNoContent)
			if n := unread(t, entA); n != 3 {
				t.Errorf("unread after one read: %d", n)
			}
			env.Do(t, http.MethodPost, v1+"/notifications/read-all", entA, nil).WantStatus(t, http.StatusNoContent)
			if n := unread(t, entA); n != 0 {
				t.Errorf("unread after read-all: %d", n)
			}
			for _, n := range feed(t, entA) {
				if n.ReadAt == nil {
					t.Errorf("unread after read-all: %+v", n)
				}
			}
			if n := unread(t, entB); n != 1 {
				t.Errorf("ent-b's inbox changed: %d unread", n)
			}
		})
	})
}
