package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipledge/ipledge/account"
	"github.com/ipledge/ipledge/app"
	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/platform/config"
	"github.com/ipledge/ipledge/platform/dbtest"
)

func login(t *testing.T, env *apptest.Env, username, password string, headers ...string) *apptest.Response {
	t.Helper()
	return env.Do(t, http.MethodPost, v1+"/auth/login", "", map[string]string{"username": username, "password": password}, headers...)
}

func me(t *testing.T, env *apptest.Env, token string) *apptest.Response {
	t.Helper()
	return env.Do(t, http.MethodGet, v1+"/me", token, nil)
}

func refresh(t *testing.T, env *apptest.Env, refreshToken string) *apptest.Response {
	t.Helper()
	return env.Do(t, http.MethodPost, v1+"/auth/refresh", "", map[string]string{"refresh_token": refreshToken})
}

func TestLoginReturnsTokenPair(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		r := login(t, env, "bank-a", app.DemoPassword)
		r.WantStatus(t, http.StatusOK)
		m := r.Map(t)
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if want := []string{"access_token", "expires_in", "refresh_token", "token_type"}; !slices.Equal(keys, want) {
			t.Errorf("keys %v, want %v", keys, want)
		}
		if m["token_type"] != "Bearer" || m["expires_in"] != float64(env.Config.AccessTokenTTL.Seconds()) {
			t.Errorf("token_type %v, expires_in %v", m["token_type"], m["expires_in"])
		}
		if a, _ := m["access_token"].(string); strings.Count(a, ".") != 2 {
			t.Errorf("access_token %q is not a JWT", a)
		}
		if rt, _ := m["refresh_token"].(string); len(rt) < 32 || strings.Contains(rt, ".") {
			t.Errorf("refresh_token %q is not an opaque random string", rt)
		}
		got := me(t, env, m["access_token"].(string))
		got.WantStatus(t, http.StatusOK)
		var body struct {
			User         account.User         `json:"user"`
			Organisation account.Organisation `json:"organisation"`
		}
		got.JSON(t, &body)
		if body.User.Username != "bank-a" || body.User.Role != "bank" || body.Organisation.ID != body.User.OrgID {
			t.Errorf("/me = %s", got.Body)
		}
	})
}

// A wrong password, an unknown user and a deactivated user are told
// apart by nothing but the request id.
func TestLoginFailuresLookAlike(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		admin := env.Login(t, "admin")
		env.Do(t, http.MethodPost, fmt.Sprintf("%s/users/%d/deactivate", v1, userID(t, env, "ent-b")), admin, nil).WantStatus(t, http.StatusOK)

		wrong := login(t, env, "bank-a", "not-the-password")
		wrong.WantProblem(t, http.StatusUnauthorized, "invalid_credentials")
		for _, tc := range []struct{ name, user, password string }{
			{"unknown user", "nobody-here", "not-the-password"},
			{"deactivated user, right password", "ent-b", app.DemoPassword},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := login(t, env, tc.user, tc.password)
				r.WantProblem(t, http.StatusUnauthorized, "invalid_credentials")
				if a, b := withoutRequestID(wrong), withoutRequestID(r); !bytes.Equal(a, b) {
					t.Errorf("bodies differ:\nwrong password: %s\n%s: %s", a, tc.name, b)
				}
				for _, h := range []string{"Content-Type", "Content-Length", "Cache-Control", "WWW-Authenticate", "Retry-After"} {
					if wrong.Header.Get(h) != r.Header.Get(h) {
						t.Errorf("header %s: %q vs %q", h, wrong.Header.Get(h), r.Header.Get(h))
					}
				}
			})
		}
	})
}

func TestLoginRefusesBadBodies(t *testing.T) {
	env := apptest.New(t)
	huge := `{"username":"bank-a","password":"` + strings.Repeat("x", 2<<20) + `"}`
	for _, tc := range []struct {
		name   string
		body   string
		status int
		code   string
		field  string // a field named in errors[], with this code after '='
	}{
		{"malformed JSON", `{"username":`, 400, "malformed_json", ""},
		{"not JSON", `username=bank-a`, 400, "malformed_json", ""},
		{"empty body", ``, 400, "malformed_json", ""},
		{"two JSON values", `{"username":"bank-a","password":"x"} {}`, 400, "malformed_json", ""},
		{"unknown field", `{"username":"bank-a","password":"x","role":"admin"}`, 400, "validation_failed", "role=unknown_field"},
		{"wrong type", `{"username":"bank-a","password":12345}`, 400, "validation_failed", "password=wrong_type"},
		{"missing password", `{"username":"bank-a"}`, 400, "validation_failed", "password=required"},
		{"missing username", `{"password":"x"}`, 400, "validation_failed", "username=required"},
		{"2 MiB body", huge, 413, "payload_too_large", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Do(t, http.MethodPost, v1+"/auth/login", "", tc.body)
			p := r.WantProblem(t, tc.status, tc.code)
			if tc.field != "" {
				f, code, _ := strings.Cut(tc.field, "=")
				if got := apptest.FieldErrors(p)[f]; got != code {
					t.Errorf("errors[%s] = %q, want %q; body %s", f, got, code, r.Body)
				}
			}
			if bytes.Contains(r.Body, []byte("xxxxxxxx")) {
				t.Error("the problem echoes the request body")
			}
		})
	}
}

func wantRateLimited(t *testing.T, r *apptest.Response) {
	t.Helper()
	r.WantProblem(t, http.StatusTooManyRequests, "rate_limited")
	n, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || n < 1 || n > 60 {
		t.Fatalf("Retry-After %q, want 1 to 60 seconds", r.Header.Get("Retry-After"))
	}
}

func TestLoginRateLimitPerUsername(t *testing.T) {
	env := apptest.New(t)
	for i := 0; i < 10; i++ {
		login(t, env, "bank-b", "wrong-password-"+fmt.Sprint(i)).WantProblem(t, http.StatusUnauthorized, "invalid_credentials")
	}
	wantRateLimited(t, login(t, env, "bank-b", app.DemoPassword))
	// Another username from the same address is not affected.
	login(t, env, "bank-a", app.DemoPassword).WantStatus(t, http.StatusOK)

	env.Clock.Advance(61 * time.Second)
	login(t, env, "bank-b", app.DemoPassword).WantStatus(t, http.StatusOK)
}

func TestLoginRateLimitPerAddress(t *testing.T) {
	env := apptest.New(t, apptest.WithConfig(func(c *config.Config) { c.LoginLimitAddress = 3 }))
	for i := 0; i < 3; i++ {
		// A forged X-Forwarded-For must not give each attempt an address
		// of its own.
		r := login(t, env, fmt.Sprintf("guess-%d", i), "wrong-password", "X-Forwarded-For", fmt.Sprintf("1.2.3.%d", i))
		r.WantProblem(t, http.StatusUnauthorized, "invalid_credentials")
	}
	wantRateLimited(t, login(t, env, "bureau", app.DemoPassword, "X-Forwarded-For", "1.2.3.99"))

	env.Clock.Advance(61 * time.Second)
	login(t, env, "bureau", app.DemoPassword).WantStatus(t, http.StatusOK)
}

// With Redis, the failed attempts of every instance count together.
func TestLoginRateLimitSharedThroughRedis(t *testing.T) {
	env1 := apptest.New(t, apptest.WithRedisURL(dbtest.RedisURL(t)))
	env2 := env1.Peer(t) // same database, Redis namespace and clock
	for i := 0; i < 10; i++ {
		env := env1
		if i%2 == 1 {
			env = env2
		}
		login(t, env, "bank-b", "wrong-password").WantProblem(t, http.StatusUnauthorized, "invalid_credentials")
	}
	wantRateLimited(t, login(t, env1, "bank-b", app.DemoPassword))
	wantRateLimited(t, login(t, env2, "bank-b", app.DemoPassword))
	login(t, env2, "bank-a", app.DemoPassword).WantStatus(t, http.StatusOK)

	env1.Clock.Advance(61 * time.Second)
	login(t, env2, "bank-b", app.DemoPassword).WantStatus(t, http.StatusOK)
}

func TestForwardedForFromUntrustedPeerIsIgnored(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trusted string
		want    string
	}{
		{"no trusted proxy", "", "127.0.0.1"},
		{"peer is a trusted proxy", "127.0.0.1/32", "1.2.3.4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := apptest.New(t, apptest.WithConfig(func(c *config.Config) { c.TrustedProxies = tc.trusted }))
			login(t, env, "bank-a", app.DemoPassword, "X-Forwarded-For", "1.2.3.4", "X-Real-IP", "1.2.3.4",
				"X-Request-ID", "req-xff-login-ok").WantStatus(t, http.StatusOK)
			login(t, env, "bank-a", "wrong-password", "X-Forwarded-For", "1.2.3.4",
				"X-Request-ID", "req-xff-login-failed").WantStatus(t, http.StatusUnauthorized)
			log := auditLog(t, env)
			for _, rid := range []string{"req-xff-login-ok", "req-xff-login-failed"} {
				got := findAudit(log, "auth.login", rid)
				if len(got) != 1 {
					t.Fatalf("%d auth.login entries with request id %s", len(got), rid)
				}
				if got[0].ClientIP != tc.want {
					t.Errorf("%s: client_ip %q, want %q", rid, got[0].ClientIP, tc.want)
				}
			}
		})
	}
}

func TestRefreshRotatesAndDetectsReuse(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		p0 := env.LoginPair(t, "bank-a", app.DemoPassword)
		other := env.LoginPair(t, "bank-a", app.DemoPassword) // a second session (family)

		r := refresh(t, env, p0.RefreshToken)
		r.WantStatus(t, http.StatusOK)
		var p1 account.TokenPair
		r.JSON(t, &p1)
		if p1.RefreshToken == p0.RefreshToken || p1.AccessToken == p0.AccessToken || p1.TokenType != "Bearer" {
			t.Fatalf("refresh did not rotate: %+v", p1)
		}
		me(t, env, p1.AccessToken).WantStatus(t, http.StatusOK)

		// The rotated token is presented again: refused, and the family
		// dies, including the newest token.
		refresh(t, env, p0.RefreshToken).WantProblem(t, http.StatusUnauthorized, "invalid_refresh_token")
		refresh(t, env, p1.RefreshToken).WantProblem(t, http.StatusUnauthorized, "invalid_refresh_token")
		// Another session of the same user is not affected.
		refresh(t, env, other.RefreshToken).WantStatus(t, http.StatusOK)

		reuse := 0
		for _, e := range auditLog(t, env) {
			if e.Action == "auth.refresh_reuse" && e.Outcome == "denied" && e.ActorUsername == "bank-a" {
				reuse++
			}
		}
		if reuse != 1 {
			t.Errorf("%d auth.refresh_reuse audit entries, want 1", reuse)
		}
	})
}

func TestRefreshRefusals(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		t.Run("unknown token", func(t *testing.T) {
			refresh(t, env, "not-a-refresh-token").WantProblem(t, http.StatusUnauthorized, "invalid_refresh_token")
		})
		t.Run("missing token", func(t *testing.T) {
			r := env.Do(t, http.MethodPost, v1+"/auth/refresh", "", `{}`)
			if got := apptest.FieldErrors(r.WantProblem(t, http.StatusBadRequest, "validation_failed")); got["refresh_token"] != "required" {
				t.Errorf("errors %v", got)
			}
		})
		t.Run("access token presented as refresh token", func(t *testing.T) {
			refresh(t, env, env.Login(t, "bank-a")).WantProblem(t, http.StatusUnauthorized, "invalid_refresh_token")
		})
		t.Run("user deactivated", func(t *testing.T) {
			p := env.LoginPair(t, "ent-b", app.DemoPassword)
			env.Do(t, http.MethodPost, fmt.Sprintf("%s/users/%d/deactivate", v1, userID(t, env, "ent-b")),
				env.Login(t, "admin"), nil).WantStatus(t, http.StatusOK)
			refresh(t, env, p.RefreshToken).WantProblem(t, http.StatusUnauthorized, "invalid_refresh_token")
		})
		t.Run("expired", func(t *testing.T) {
			p := env.LoginPair(t, "tto-a", app.DemoPassword)
			env.Clock.Advance(env.Config.RefreshTokenTTL + time.Second)
			refresh(t, env, p.RefreshToken).WantProblem(t, http.StatusUnauthorized, "invalid_refresh_token")
		})
	})
}

func TestLogoutRevokesAccessAndRefresh(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		p0 := env.LoginPair(t, "bank-a", app.DemoPassword)
		r := refresh(t, env, p0.RefreshToken)
		r.WantStatus(t, http.StatusOK)
		var p1 account.TokenPair
		r.JSON(t, &p1)
		me(t, env, p1.AccessToken).WantStatus(t, http.StatusOK)

		env.Do(t, http.MethodPost, v1+"/auth/logout", p1.AccessToken, map[string]string{"refresh_token": p1.RefreshToken}).
			WantStatus(t, http.StatusNoContent)
		me(t, env, p1.AccessToken).WantProblem(t, http.StatusUnauthorized, "invalid_token")
		refresh(t, env, p1.RefreshToken).WantProblem(t, http.StatusUnauthorized, "invalid_refresh_token")
		// Logging out again with the revoked token is refused too.
		env.Do(t, http.MethodPost, v1+"/auth/logout", p1.AccessToken, nil).WantProblem(t, http.StatusUnauthorized, "invalid_token")

		// A new instance loads the revocation from the database.
		me(t, env.Peer(t), p1.AccessToken).WantProblem(t, http.StatusUnauthorized, "invalid_token")
	})
}

func TestLogoutWithoutBodyRevokesAccessToken(t *testing.T) {
	env := apptest.New(t)
	p := env.LoginPair(t, "bureau", app.DemoPassword)
	env.Do(t, http.MethodPost, v1+"/auth/logout", p.AccessToken, nil).WantStatus(t, http.StatusNoContent)
	me(t, env, p.AccessToken).WantProblem(t, http.StatusUnauthorized, "invalid_token")
}

// Logging out with somebody else's refresh token must not end their
// session.
func TestLogoutCannotRevokeAnotherUsersSession(t *testing.T) {
	env := apptest.New(t)
	victim := env.LoginPair(t, "bank-b", app.DemoPassword)
	attacker := env.LoginPair(t, "bank-a", app.DemoPassword)
	env.Do(t, http.MethodPost, v1+"/auth/logout", attacker.AccessToken, map[string]string{"refresh_token": victim.RefreshToken}).
		WantStatus(t, http.StatusNoContent)
	me(t, env, victim.AccessToken).WantStatus(t, http.StatusOK)
	refresh(t, env, victim.RefreshToken).WantStatus(t, http.StatusOK)
}

// pollRefused asks env for /me with token every 20 ms until it is refused;
// it fails the test when a second has passed.
func pollRefused(t *testing.T, env *apptest.Env, token string) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for {
		r := me(t, env, token)
		if r.Status == http.StatusUnauthorized {
			r.WantProblem(t, http.StatusUnauthorized, "invalid_token")
			return
		}
		r.WantStatus(t, http.StatusOK)
		if time.Now().After(deadline) {
			t.Fatalf("the token is still accepted by the other instance after 1 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Two instances on one database and one Redis: a revocation through one
// reaches the other within a second.
func TestRevocationReachesOtherInstanceThroughRedis(t *testing.T) {
	redisURL := dbtest.RedisURL(t)
	apptest.Each(t, func(t *testing.T, env1 *apptest.Env) {
		env2 := env1.Peer(t)
		t.Run("logout", func(t *testing.T) {
			p := env1.LoginPair(t, "bank-a", app.DemoPassword)
			me(t, env2, p.AccessToken).WantStatus(t, http.StatusOK)
			env1.Do(t, http.MethodPost, v1+"/auth/logout", p.AccessToken, nil).WantStatus(t, http.StatusNoContent)
			me(t, env1, p.AccessToken).WantProblem(t, http.StatusUnauthorized, "invalid_token")
			pollRefused(t, env2, p.AccessToken)
		})
		t.Run("deactivate", func(t *testing.T) {
			tok := env1.LoginPair(t, "ent-b", app.DemoPassword).AccessToken
			me(t, env2, tok).WantStatus(t, http.StatusOK)
			env1.Do(t, http.MethodPost, fmt.Sprintf("%s/users/%d/deactivate", v1, userID(t, env1, "ent-b")),
				env1.Login(t, "admin"), nil).WantStatus(t, http.StatusOK)
			pollRefused(t, env2, tok)
		})
	}, apptest.WithRedisURL(redisURL))
}

func TestDeactivatedUserIsLockedOutAtOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tok := env.Login(t, "ent-b")
		me(t, env, tok).WantStatus(t, http.StatusOK)
		id := userID(t, env, "ent-b")
		admin := env.Login(t, "admin")

		r := env.Do(t, http.MethodPost, fmt.Sprintf("%s/users/%d/deactivate", v1, id), admin, nil)
		r.WantStatus(t, http.StatusOK)
		var u account.User
		r.JSON(t, &u)
		if u.Active || u.DeactivatedAt == nil || u.ID != id {
			t.Errorf("deactivate answered %s", r.Body)
		}
		env.Forget("ent-b")

		me(t, env, tok).WantProblem(t, http.StatusUnauthorized, "invalid_token")
		login(t, env, "ent-b", app.DemoPassword).WantProblem(t, http.StatusUnauthorized, "invalid_credentials")
		me(t, env.Peer(t), tok).WantProblem(t, http.StatusUnauthorized, "invalid_token")

		env.Do(t, http.MethodPost, fmt.Sprintf("%s/users/%d/deactivate", v1, id), admin, nil).
			WantProblem(t, http.StatusConflict, "invalid_state")
		env.Do(t, http.MethodPost, v1+"/users/999999/deactivate", admin, nil).WantProblem(t, http.StatusNotFound, "not_found")
		// Another user of the same organisation is not affected.
		me(t, env, env.Login(t, "ent-a")).WantStatus(t, http.StatusOK)
	})
}

func TestChangeOwnPassword(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		const newPassword = "a-new-password-2026"
		p := env.LoginPair(t, "tto-a", app.DemoPassword)
		change := func(t *testing.T, oldPw, newPw string) *apptest.Response {
			return env.Do(t, http.MethodPost, v1+"/me/password", p.AccessToken, map[string]string{"old_password": oldPw, "new_password": newPw})
		}
		change(t, "not-the-old-password", newPassword).WantProblem(t, http.StatusUnprocessableEntity, "wrong_password")
		change(t, "", newPassword).WantProblem(t, http.StatusUnprocessableEntity, "wrong_password")
		short := change(t, app.DemoPassword, "short")
		if got := apptest.FieldErrors(short.WantProblem(t, http.StatusBadRequest, "validation_failed")); got["new_password"] != "too_short" {
			t.Errorf("errors %v", got)
		}
		env.Do(t, http.MethodPost, v1+"/me/password", p.AccessToken, `{"old_password":"x","new_password":"y","user_id":1}`).
			WantProblem(t, http.StatusBadRequest, "validation_failed")

		change(t, app.DemoPassword, newPassword).WantStatus(t, http.StatusNoContent)
		refresh(t, env, p.RefreshToken).WantProblem(t, http.StatusUnauthorized, "invalid_refresh_token")
		login(t, env, "tto-a", app.DemoPassword).WantProblem(t, http.StatusUnauthorized, "invalid_credentials")
		env.LoginPair(t, "tto-a", newPassword)
	})
}
