package api_test

import (
	"net/http"
	"testing"

	"github.com/ipledge/ipledge/app/apptest"
)

// Bad input to the registry is refused with a clear problem and stores
// nothing.
func TestPatentRegistryBadInput(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ipo := env.Login(t, "ipoffice")
		count := func() int {
			var n int
			if err := env.App.DB.Get(&n, `SELECT count(*) FROM patents`); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := count()
		good := func() map[string]any {
			return map[string]any{"application_number": "202310605823.6", "title": "一种测试专利", "filing_date": "2023-05-23",
				"legal_status": "pending", "patentees": []map[string]any{{"name": "太原示范新材料科技有限公司"}}}
		}
		cases := []struct {
			name   string
			change func(map[string]any)
			status int
			code   string
		}{
			{"unknown field", func(b map[string]any) { b["pledged"] = true }, http.StatusBadRequest, "validation_failed"},
			{"wrong check digit", func(b map[string]any) { b["application_number"] = "202310605823.5" }, http.StatusBadRequest, "invalid_patent_number"},
			{"bad date", func(b map[string]any) { b["filing_date"] = "2023-13-01" }, http.StatusBadRequest, "validation_failed"},
			{"unknown status", func(b map[string]any) { b["legal_status"] = "sleeping" }, http.StatusBadRequest, "validation_failed"},
			{"negative claims", func(b map[string]any) { b["claims_count"] = -1 }, http.StatusBadRequest, "validation_failed"},
			{"claims not an integer", func(b map[string]any) { b["claims_count"] = 1.5 }, http.StatusBadRequest, "validation_failed"},
			{"no title", func(b map[string]any) { delete(b, "title") }, http.StatusBadRequest, "validation_failed"},
			{"share over 100%", func(b map[string]any) {
				b["patentees"] = []map[string]any{{"name": "太原示范新材料科技有限公司", "share_bp": 10001}}
			}, http.StatusBadRequest, "validation_failed"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				b := good()
				c.change(b)
				r := env.Do(t, "POST", "/api/v1/patents", ipo, b)
				if r.Status != c.status {
					t.Fatalf("status %d, want %d: %s", r.Status, c.status, r.Body)
				}
				p := r.WantProblem(t, c.status, c.code)
				if c.name == "bad date" && apptest.FieldErrors(p)["filing_date"] != "invalid" {
					t.Fatalf("the bad date's field is not named: %v", p)
				}
			})
		}
		if after := count(); after != before {
			t.Fatalf("bad input stored %d patents", after-before)
		}
		// The good body is accepted, so each case above failed for its own reason.
		env.Do(t, "POST", "/api/v1/patents", ipo, good()).WantStatus(t, http.StatusOK)
	})
}
