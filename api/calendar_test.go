package api_test

import (
	"net/http"
	"testing"

	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/calendar"
)

func TestCalendarAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ipo := env.Login(t, "ipoffice")
		year := func(t *testing.T, user string, y string) calendar.Year {
			t.Helper()
			r := env.Do(t, http.MethodGet, v1+"/calendar/"+y, env.Login(t, user), nil)
			r.WantStatus(t, http.StatusOK)
			var out calendar.Year
			r.JSON(t, &out)
			return out
		}

		t.Run("every role reads the seeded years", func(t *testing.T) {
			for _, user := range []string{"ent-a", "bank-a", "bureau", "tto-a", "admin", "ipoffice"} {
				y := year(t, user, "2026")
				if !y.Defined || y.Provisional || len(y.Entries) != 39 || y.Entries[0].Date.String() != "2026-01-01" || y.Entries[0].Name != "元旦" {
					t.Fatalf("%s sees 2026 as %+v", user, y)
				}
			}
			if y := year(t, "ent-a", "2027"); !y.Defined || !y.Provisional || len(y.Entries) != 13 {
				t.Errorf("2027: %+v", y)
			}
			if y := year(t, "ent-a", "2031"); y.Defined || len(y.Entries) != 0 || y.UpdatedAt != nil {
				t.Errorf("2031: %+v", y)
			}
			for _, bad := range []string{"abc", "1800", "-1", "2026.5"} {
				env.Do(t, http.MethodGet, v1+"/calendar/"+bad, ipo, nil).WantProblem(t, http.StatusNotFound, "not_found")
			}
		})

		published := map[string]any{"provisional": false, "entries": []map[string]string{
			{"date": "2027-02-06", "kind": "holiday", "name": "春节"},
			{"date": "2027-02-20", "kind": "workday", "name": "春节调休上班"},
		}}

		t.Run("only the IP office enters a year", func(t *testing.T) {
			for _, user := range []string{"bank-a", "ent-a", "bureau", "tto-a", "admin"} {
				env.Do(t, http.MethodPut, v1+"/calendar/2027", env.Login(t, user), published).
					WantProblem(t, http.StatusForbidden, "forbidden")
			}
		})

		t.Run("bad input is refused with field errors and stores nothing", func(t *testing.T) {
			entry := func(d, k, n string) map[string]any {
				return map[string]any{"entries": []map[string]string{{"date": d, "kind": k, "name": n}}}
			}
			for _, tc := range []struct {
				name  string
				body  any
				field string
				code  string
			}{
				{"malformed date", entry("2027-2-6", "holiday", "春节"), "entries[0].date", "invalid"},
				{"date of another year", entry("2026-02-06", "holiday", "春节"), "entries[0].date", "wrong_year"},
				{"make-up day on a weekday", entry("2027-02-19", "workday", "调休"), "entries[0].kind", "not_weekend"},
				{"unknown kind", entry("2027-02-06", "closed", "春节"), "entries[0].kind", "invalid"},
				{"no name", entry("2027-02-06", "holiday", ""), "entries[0].name", "required"},
				{"no entries", map[string]any{"provisional": true}, "entries", "required"},
				{"unknown field", map[string]any{"entries": []any{}, "year": 2027}, "year", "unknown_field"},
				{"duplicate", map[string]any{"entries": []map[string]string{
					{"date": "2027-02-06", "kind": "holiday", "name": "春节"},
					{"date": "2027-02-06", "kind": "holiday", "name": "春节"}}}, "entries[1].date", "duplicate"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					p := env.Do(t, http.MethodPut, v1+"/calendar/2027", ipo, tc.body).WantProblem(t, http.StatusBadRequest, "validation_failed")
					if fe := apptest.FieldErrors(p); fe[tc.field] != tc.code {
						t.Errorf("errors %v, want %s=%s", fe, tc.field, tc.code)
					}
				})
			}
			env.Do(t, http.MethodPut, v1+"/calendar/1999", ipo, published).WantProblem(t, http.StatusBadRequest, "validation_failed")
			if y := year(t, "ipoffice", "2027"); !y.Provisional || len(y.Entries) != 13 {
				t.Errorf("2027 changed by refused requests: %+v", y)
			}
		})

		t.Run("the IP office replaces a year", func(t *testing.T) {
			r := env.Do(t, http.MethodPut, v1+"/calendar/2027", ipo, published)
			r.WantStatus(t, http.StatusOK)
			var y calendar.Year
			r.JSON(t, &y)
			if y.Provisional || len(y.Entries) != 2 || y.UpdatedBy == nil || *y.UpdatedBy != userID(t, env, "ipoffice") {
				t.Fatalf("after PUT: %s", r.Body)
			}
			if got := year(t, "bank-a", "2027"); len(got.Entries) != 2 || got.Entries[1].Kind != calendar.Workday {
				t.Errorf("read back %+v", got)
			}
			if ok, err := env.App.Calendar.IsWorkingDay(t.Context(), y.Entries[1].Date); err != nil || !ok {
				t.Errorf("the new make-up Saturday: %v %v", ok, err)
			}
			recs := findAudit(auditLog(t, env), "calendar.set_year", r.Header.Get("X-Request-ID"))
			if len(recs) != 1 || recs[0].ObjectID != "2027" {
				t.Errorf("audit %+v", recs)
			}
		})
	})
}
