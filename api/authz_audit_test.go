package api_test

import (
	"net/http"
	"testing"

	"github.com/ipledge/ipledge/app/apptest"
)

// A refused authorization is evidence: a 403 for the role and a 404 for
// another user's object both leave an audit entry naming the caller.
func TestRefusedAuthorizationsAreAudited(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bank := env.Login(t, "bank-a")
		env.Do(t, "GET", "/api/v1/users", bank, nil).WantProblem(t, http.StatusForbidden, "forbidden")
		// Notification 1 belongs to another user (the demo seed's first welcome).
		var otherID int64
		if err := env.App.DB.Get(&otherID, env.App.DB.Rebind(`SELECT min(n.id) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username <> ?`), "bank-a"); err != nil {
			t.Fatal(err)
		}
		env.Do(t, "POST", "/api/v1/notifications/"+itoa(otherID)+"/read", bank, nil).WantProblem(t, http.StatusNotFound, "not_found")
		var rows []struct {
			Action   string `db:"action"`
			Username string `db:"actor_username"`
			Outcome  string `db:"outcome"`
		}
		if err := env.App.DB.Select(&rows, `SELECT action, actor_username, outcome FROM audit_log WHERE outcome = 'denied' ORDER BY seq`); err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, r := range rows {
			if r.Username == "bank-a" {
				got[r.Action] = true
			}
		}
		if !got["authz.forbidden"] || !got["authz.deny"] {
			t.Fatalf("denials not audited: %+v", rows)
		}
	})
}

func itoa(n int64) string {
	const digits = "0123456789"
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{digits[n%10]}, b...)
	}
	return string(b)
}
