package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/account"
	"github.com/ipledge/ipledge/app"
	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/uscc"
)

// validUSCC completes 17 characters with their check character.
func validUSCC(first17 string) string { return first17 + string(uscc.CheckCharacter(first17)) }

func TestAdminCreatesOrganisations(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		admin := env.Login(t, "admin")
		create := func(t *testing.T, body any) *apptest.Response {
			return env.Do(t, http.MethodPost, v1+"/organisations", admin, body)
		}
		code := validUSCC("91140100MA0K5R3N7")

		t.Run("enterprise with a valid USCC", func(t *testing.T) {
			r := create(t, map[string]string{"kind": "enterprise", "name": " 测试企业有限公司 ", "uscc": " " + strings.ToLower(code) + " "})
			r.WantStatus(t, http.StatusCreated)
			var o account.Organisation
			r.JSON(t, &o)
			if o.ID == 0 || o.Kind != account.KindEnterprise || o.Name != "测试企业有限公司" || o.USCC == nil || *o.USCC != code {
				t.Fatalf("created %s", r.Body)
			}
			got := env.Do(t, http.MethodGet, fmt.Sprintf("%s/organisations/%d", v1, o.ID), admin, nil)
			got.WantStatus(t, http.StatusOK)
			var o2 account.Organisation
			got.JSON(t, &o2)
			if o2.ID != o.ID || o2.Name != o.Name || *o2.USCC != code {
				t.Errorf("read back %s", got.Body)
			}
		})

		wrongCheck := code[:17] + string("0123456789ABCDEFGHJKLMNPQRTUWXY"[(strings.IndexByte("0123456789ABCDEFGHJKLMNPQRTUWXY", code[17])+1)%31])
		for _, tc := range []struct {
			name, uscc, reason string
		}{
			{"wrong check character", wrongCheck, uscc.ReasonCheck},
			{"too short", code[:17], uscc.ReasonLength},
			{"missing", "", uscc.ReasonLength},
			{"letter O", "91140100MA0O5R3N7X", uscc.ReasonAlphabet},
		} {
			t.Run("enterprise, invalid USCC: "+tc.name, func(t *testing.T) {
				r := create(t, map[string]string{"kind": "enterprise", "name": "无效代码企业 " + tc.name, "uscc": tc.uscc})
				p := r.WantProblem(t, http.StatusBadRequest, "invalid_uscc")
				if fe := apptest.FieldErrors(p); fe["uscc"] != tc.reason {
					t.Errorf("errors %v, want uscc=%s", fe, tc.reason)
				}
				if d, _ := p["detail"].(string); !strings.HasPrefix(d, "uscc: ") {
					t.Errorf("detail %q does not name the field", d)
				}
			})
		}

		for _, tc := range []struct {
			name  string
			body  any
			field string
			code  string
		}{
			{"bank with a USCC", map[string]string{"kind": "bank", "name": "带代码的银行", "uscc": validUSCC("91140100MA0K5R3N8")}, "uscc", "not_allowed"},
			{"unknown kind", map[string]string{"kind": "government", "name": "某机关"}, "kind", "invalid"},
			{"missing name", map[string]string{"kind": "bank", "name": "  "}, "name", "required"},
			{"name too long", map[string]string{"kind": "bank", "name": strings.Repeat("银", 201)}, "name", "too_long"},
			{"unknown field", map[string]any{"kind": "bank", "name": "多字段银行", "id": 1}, "id", "unknown_field"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := create(t, tc.body).WantProblem(t, http.StatusBadRequest, "validation_failed")
				if fe := apptest.FieldErrors(p); fe[tc.field] != tc.code {
					t.Errorf("errors %v, want %s=%s", fe, tc.field, tc.code)
				}
			})
		}

		t.Run("duplicates", func(t *testing.T) {
			create(t, map[string]string{"kind": "bank", "name": "晋阳示范商业银行"}).WantProblem(t, http.StatusConflict, "duplicate")
			create(t, map[string]string{"kind": "enterprise", "name": "另一个名字", "uscc": code}).WantProblem(t, http.StatusConflict, "duplicate")
		})

		t.Run("unknown id", func(t *testing.T) {
			for _, id := range []string{"999999", "0", "-1", "abc"} {
				env.Do(t, http.MethodGet, v1+"/organisations/"+id, admin, nil).WantProblem(t, http.StatusNotFound, "not_found")
			}
		})
	})
}

func TestAdminCreatesUsers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		admin := env.Login(t, "admin")
		var bank account.Organisation
		if err := env.App.DB.Get(&bank, env.App.DB.Rebind(`SELECT id, kind, name, uscc, created_at FROM organisations WHERE name = ?`), "汾河示范农村商业银行"); err != nil {
			t.Fatal(err)
		}
		create := func(t *testing.T, body any) *apptest.Response {
			return env.Do(t, http.MethodPost, v1+"/users", admin, body)
		}

		r := create(t, map[string]any{"org_id": bank.ID, "username": "bank-b-2", "display_name": "新客户经理", "password": "a-long-enough-password"})
		r.WantStatus(t, http.StatusCreated)
		m := r.Map(t)
		for _, k := range []string{"password", "password_hash", "PasswordHash", "org_kind"} {
			if _, ok := m[k]; ok {
				t.Errorf("the user in the response carries %s", k)
			}
		}
		if m["username"] != "bank-b-2" || m["role"] != "bank" || m["active"] != true || m["org_id"] != float64(bank.ID) {
			t.Errorf("created %s", r.Body)
		}
		id := int64(m["id"].(float64))
		got := env.Do(t, http.MethodGet, fmt.Sprintf("%s/users/%d", v1, id), admin, nil)
		got.WantStatus(t, http.StatusOK)
		if got.Map(t)["username"] != "bank-b-2" {
			t.Errorf("read back %s", got.Body)
		}
		env.LoginPair(t, "bank-b-2", "a-long-enough-password")

		for _, tc := range []struct {
			name   string
			body   any
			status int
			code   string
			fields map[string]string
		}{
			{"short password", map[string]any{"org_id": bank.ID, "username": "short-pw", "display_name": "甲", "password": "short"},
				400, "validation_failed", map[string]string{"password": "too_short"}},
			{"everything wrong", map[string]any{"username": "No Spaces!", "display_name": "", "password": ""},
				400, "validation_failed", map[string]string{"username": "invalid", "display_name": "required", "password": "too_short", "org_id": "required"}},
			{"unknown organisation", map[string]any{"org_id": 999999, "username": "orphan", "display_name": "孤儿", "password": "a-long-enough-password"},
				400, "validation_failed", map[string]string{"org_id": "unknown"}},
			{"org_id of the wrong type", map[string]any{"org_id": "1", "username": "typed", "display_name": "甲", "password": "a-long-enough-password"},
				400, "validation_failed", map[string]string{"org_id": "wrong_type"}},
			{"duplicate username", map[string]any{"org_id": bank.ID, "username": "bank-a", "display_name": "重名", "password": "a-long-enough-password"},
				409, "duplicate", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := create(t, tc.body).WantProblem(t, tc.status, tc.code)
				if fe := apptest.FieldErrors(p); len(tc.fields) > 0 && !mapsEqual(fe, tc.fields) {
					t.Errorf("errors %v, want %v", fe, tc.fields)
				}
			})
		}
		env.Do(t, http.MethodGet, v1+"/users/999999", admin, nil).WantProblem(t, http.StatusNotFound, "not_found")
	})
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// ids returns the ids of a list's items in order.
func ids[T any](items []T, id func(T) int64) []int64 {
	out := make([]int64, len(items))
	for i, x := range items {
		out[i] = id(x)
	}
	return out
}

func TestListsPaginate(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		admin := env.Login(t, "admin")
		var wantOrgs, wantUsers []int64
		if err := env.App.DB.Select(&wantOrgs, `SELECT id FROM organisations ORDER BY id`); err != nil {
			t.Fatal(err)
		}
		if err := env.App.DB.Select(&wantUsers, `SELECT id FROM users ORDER BY id`); err != nil {
			t.Fatal(err)
		}
		if len(wantUsers) != len(app.DemoAccounts) {
			t.Fatalf("%d users, want the %d demo accounts", len(wantUsers), len(app.DemoAccounts))
		}

		t.Run("organisations, limit=2", func(t *testing.T) {
			orgs, pages := walk[account.Organisation](t, env, env.Login(t, "bank-a"), v1+"/organisations", "cursor", 2)
			if got := ids(orgs, func(o account.Organisation) int64 { return o.ID }); !slices.Equal(got, wantOrgs) {
				t.Errorf("walked %v, want %v", got, wantOrgs)
			}
			if want := (len(wantOrgs) + 1) / 2; pages != want {
				t.Errorf("%d pages, want %d", pages, want)
			}
		})
		t.Run("users, limit=2", func(t *testing.T) {
			users, _ := walk[account.User](t, env, admin, v1+"/users", "cursor", 2)
			if got := ids(users, func(u account.User) int64 { return u.ID }); !slices.Equal(got, wantUsers) {
				t.Errorf("walked %v, want %v", got, wantUsers)
			}
		})
		t.Run("users of one organisation", func(t *testing.T) {
			u, err := env.App.Accounts.UserByUsername(t.Context(), "ipoffice")
			if err != nil {
				t.Fatal(err)
			}
			r := env.Do(t, http.MethodGet, fmt.Sprintf("%s/users?org_id=%d", v1, u.OrgID), admin, nil)
			r.WantStatus(t, http.StatusOK)
			var p listPage[account.User]
			r.JSON(t, &p)
			var names []string
			for _, x := range p.Items {
				names = append(names, x.Username)
			}
			if !slices.Equal(names, []string{"ipoffice", "ipoffice-2"}) {
				t.Errorf("users of the IP office: %v", names)
			}
		})
		t.Run("organisations of one kind", func(t *testing.T) {
			r := env.Do(t, http.MethodGet, v1+"/organisations?kind=bank", admin, nil)
			r.WantStatus(t, http.StatusOK)
			var p listPage[account.Organisation]
			r.JSON(t, &p)
			if len(p.Items) != 2 || p.Items[0].Kind != account.KindBank || p.Items[1].Kind != account.KindBank {
				t.Errorf("banks: %s", r.Body)
			}
		})

		for _, tc := range []struct{ name, path, field string }{
			{"limit=abc", "/organisations?limit=abc", "limit"},
			{"limit=0", "/organisations?limit=0", "limit"},
			{"limit=-5", "/users?limit=-5", "limit"},
			{"forged cursor", "/organisations?cursor=not-a-cursor", "cursor"},
			{"org_id=abc", "/users?org_id=abc", "org_id"},
			{"unknown kind", "/organisations?kind=government", "kind"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := env.Do(t, http.MethodGet, v1+tc.path, admin, nil).WantProblem(t, http.StatusBadRequest, "validation_failed")
				if _, ok := apptest.FieldErrors(p)[tc.field]; !ok {
					t.Errorf("errors %v do not name %s", p["errors"], tc.field)
				}
			})
		}

		t.Run("limit=100000 is clamped", func(t *testing.T) {
			// More organisations than the largest page, inserted in one
			// transaction (creating them through the API would add nothing
			// to this test).
			err := env.App.DB.InTx(t.Context(), func(tx *sqlx.Tx) error {
				for i := 0; i < page.MaxLimit+10; i++ {
					if _, err := tx.Exec(tx.Rebind(`INSERT INTO organisations (kind, name, created_at) VALUES (?, ?, ?)`),
						"bank", fmt.Sprintf("分页测试银行 %04d", i), env.Clock.Now()); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			r := env.Do(t, http.MethodGet, v1+"/organisations?limit=100000", admin, nil)
			r.WantStatus(t, http.StatusOK)
			var p listPage[account.Organisation]
			r.JSON(t, &p)
			if len(p.Items) != page.MaxLimit || p.NextCursor == "" {
				t.Errorf("limit=100000 gave %d items, next_cursor %q; want %d and a cursor", len(p.Items), p.NextCursor, page.MaxLimit)
			}
		})
	})
}
