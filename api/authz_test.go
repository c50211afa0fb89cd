package api_test

import (
	"crypto/rand"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ipledge/ipledge/api"
	"github.com/ipledge/ipledge/app/apptest"
)

// pathParam matches a gin path parameter (":id").
var pathParam = regexp.MustCompile(`:[A-Za-z_]+`)

// concrete fills a route's path parameters with an id no object has: the
// matrix tests who may call a route, not what it finds.
func concrete(r api.Route) string { return v1 + pathParam.ReplaceAllString(r.Path, "999999999") }

// protected returns the routes that need a token.
func protected(env *apptest.Env) []api.Route {
	var out []api.Route
	for _, r := range env.App.API.Routes() {
		if !r.Public {
			out = append(out, r)
		}
	}
	return out
}

func wantAPIHeaders(t *testing.T, r *apptest.Response) {
	t.Helper()
	if got := r.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("%s: Cache-Control %q, want no-store", r, got)
	}
	if r.Header.Get("X-Request-ID") == "" {
		t.Errorf("%s: no X-Request-ID", r)
	}
}

// The role matrix is generated from the route table: a role outside a
// route's Roles gets 403, a role inside it gets past authorization.
func TestAuthorizationMatrix(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		roles := make([]string, 0, len(roleUser))
		for role := range roleUser {
			roles = append(roles, role)
		}
		sort.Strings(roles)
		for _, rt := range protected(env) {
			for _, role := range roles {
				user := roleUser[role]
				allowed := slices.Contains(rt.Roles, role)
				t.Run(rt.Method+" "+rt.Path+" as "+role, func(t *testing.T) {
					r := env.Do(t, rt.Method, concrete(rt), env.Login(t, user), nil)
					wantAPIHeaders(t, r)
					if !allowed {
						r.WantProblem(t, http.StatusForbidden, "forbidden")
						return
					}
					if r.Status == http.StatusForbidden || r.Status == http.StatusUnauthorized {
						t.Fatalf("%s is allowed for %s but got %d: %s", r, role, r.Status, r.Body)
					}
					if r.Status >= 500 {
						t.Fatalf("%s as %s: %d %s", r, role, r.Status, r.Body)
					}
					// A route may end the caller's session (logout):
					// the next request logs in again.
					if me(t, env, env.Login(t, user)).Status != http.StatusOK {
						env.Forget(user)
					}
				})
			}
		}
	})
}

// Every protected route refuses a request without a valid token with 401.
func TestEveryProtectedRouteNeedsAToken(t *testing.T) {
	env := apptest.New(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	forged := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": env.Config.JWTIssuer, "aud": env.Config.JWTAudience, "sub": "1", "role": "admin", "jti": "x",
		"iat": env.Clock.Now().Unix(), "exp": env.Clock.Now().Add(time.Hour).Unix(),
	})
	forged.Header["typ"], forged.Header["kid"] = "at+jwt", "test1"
	forgedTok, err := forged.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, authorization, code string
	}{
		{"no Authorization", "", "unauthenticated"},
		{"Basic scheme", "Basic YWRtaW46ZGVtby1wYXNzLTIwMjY=", "unauthenticated"},
		{"empty bearer", "Bearer ", "unauthenticated"},
		{"garbage bearer", "Bearer garbage.token.here", "invalid_token"},
		{"token signed with another key", "Bearer " + forgedTok, "invalid_token"},
	} {
		for _, rt := range protected(env) {
			t.Run(tc.name+"/"+rt.Method+" "+rt.Path, func(t *testing.T) {
				var hdr []string
				if tc.authorization != "" {
					hdr = []string{"Authorization", tc.authorization}
				}
				r := env.Do(t, rt.Method, concrete(rt), "", nil, hdr...)
				r.WantProblem(t, http.StatusUnauthorized, tc.code)
				wantAPIHeaders(t, r)
				if r.Header.Get("WWW-Authenticate") == "" {
					t.Error("no WWW-Authenticate header")
				}
			})
		}
	}
}

// The route table is the whole API: no route is served outside it, and
// every route in it names its roles, all of which have a demo account.
func TestRouteTableIsComplete(t *testing.T) {
	env := apptest.New(t, apptest.WithoutDemo())
	table := map[string]api.Route{}
	for _, r := range env.App.API.Routes() {
		key := r.Method + " " + v1 + r.Path
		if _, dup := table[key]; dup {
			t.Errorf("%s is in the table twice", key)
		}
		table[key] = r
		if r.Handler == nil {
			t.Errorf("%s has no handler", key)
		}
		if r.Public && len(r.Roles) > 0 {
			t.Errorf("%s is public and lists roles", key)
		}
		if !r.Public && len(r.Roles) == 0 {
			t.Errorf("%s is neither public nor open to any role", key)
		}
		for _, role := range r.Roles {
			if _, ok := roleUser[role]; !ok {
				t.Errorf("%s names role %q, which has no demo account in the matrix", key, role)
			}
		}
	}
	served := map[string]bool{}
	for _, r := range env.App.API.Engine().Routes() {
		key := r.Method + " " + r.Path
		served[key] = true
		if _, ok := table[key]; !ok {
			t.Errorf("%s is served but not in the route table", key)
		}
	}
	for key := range table {
		if !served[key] {
			t.Errorf("%s is in the route table but not served", key)
		}
	}
}

// Switching the method of a route never reaches a handler.
func TestOtherMethodsAreNotAllowed(t *testing.T) {
	env := apptest.New(t)
	admin := env.Login(t, "admin")
	byPath := map[string][]string{}
	for _, r := range env.App.API.Routes() {
		byPath[r.Path] = append(byPath[r.Path], r.Method)
	}
	for path, methods := range byPath {
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			if slices.Contains(methods, m) {
				continue
			}
			concretePath := pathParam.ReplaceAllString(path, "1")
			// GET /whitelist/check is GET /whitelist/{uscc} of the code
			// "check": a route of that method with a parameter serves it.
			if servedBy(env.App.API.Routes(), m, concretePath) {
				continue
			}
			t.Run(m+" "+path, func(t *testing.T) {
				r := env.Do(t, m, v1+concretePath, admin, nil)
				r.WantProblem(t, http.StatusMethodNotAllowed, "method_not_allowed")
			})
		}
	}
}

// servedBy reports whether a route of the method matches the concrete
// path through its parameters.
func servedBy(routes []api.Route, method, path string) bool {
	for _, r := range routes {
		if r.Method != method || !pathParam.MatchString(r.Path) {
			continue
		}
		re := regexp.MustCompile("^" + pathParam.ReplaceAllString(regexp.QuoteMeta(r.Path), "[^/]+") + "$")
		if re.MatchString(path) {
			return true
		}
	}
	return false
}
