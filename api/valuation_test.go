package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/ipledge/ipledge/app/apptest"
)

// allEntered enters 70 for every indicator; the platform ignores the
// entries for the indicators it measures (remaining life, legal status).
func allEntered() map[string]string {
	m := map[string]string{}
	for _, k := range []string{"stability", "remaining_life", "scope", "dependence", "infringement_detectability", "legal_status",
		"advancement", "maturity", "substitutability", "applicability", "forward_citations", "family_size",
		"market_application", "market_size", "market_share", "competitiveness", "policy_fit"} {
		m[k] = "70"
	}
	return m
}

func valuationPatent(number string) map[string]any {
	return map[string]any{"number": number, "entered": allEntered(), "income": map[string]any{
		"revenue_fen": []int64{1_000_000, 1_000_000, 1_000_000}, "royalty_rate": "5", "discount_rate": "10", "tax_rate": "25",
		"economic_life": "3"}}
}

func TestValuationAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ent, bank, ipo := env.Login(t, "ent-a"), env.Login(t, "bank-a"), env.Login(t, "ipoffice")
		// One patent, economic life 3 years (shorter than the legal life):
		// each year 1,000,000 × 5 % × (1 − 25 %) = 37,500 fen, discounted at
		// 10 %: 34,090.909 + 30,991.736 + 28,174.305 = 93,256.950 → 93,257.
		// The utility model has about 6 years left (≥ 5), PVD ≈ 71 ≥ 60, so
		// the rate is the full 15 %: 93,256.950 × 0.15 = 13,988.54 → 13,989.
		r := env.Do(t, http.MethodPost, v1+"/valuations", bank, map[string]any{"scenario": "finance", "patents": []any{valuationPatent(entAPatent1)}})
		r.WantStatus(t, http.StatusCreated)
		v := r.Map(t)
		if v["total_value_fen"].(float64) != 93_257 || v["recommended_loan_fen"].(float64) != 13_989 {
			t.Fatalf("valuation %v %v", v["total_value_fen"], v["recommended_loan_fen"])
		}
		pr := v["patents"].([]any)[0].(map[string]any)
		ind := pr["indicator"].(map[string]any)
		if ind["weights"].(map[string]any)["source"] != "platform_default_finance" || len(pr["income"].(map[string]any)["sensitivity"].([]any)) != 3 {
			t.Fatalf("patent result %v", pr)
		}
		vid := v["id"]
		// The other utility model has under 5 years left: it counts zero.
		r = env.Do(t, http.MethodPost, v1+"/valuations", ent, map[string]any{"patents": []any{valuationPatent(entAPatent1), valuationPatent(entAPatent2)}})
		r.WantStatus(t, http.StatusCreated)
		lines := r.Map(t)["loan"].(map[string]any)["lines"].([]any)
		if l := lines[1].(map[string]any); l["zero_reason"] != "remaining_life_below_minimum" || l["amount_fen"].(float64) != 0 {
			t.Fatalf("line %v", l)
		}
		// Bad input stores nothing.
		for _, c := range []struct {
			who   string
			body  map[string]any
			field string
			code  string
		}{
			{ent, map[string]any{"patents": []any{valuationPatent(entBPatent)}}, "patents[0].number", "not_patentee"},
			{bank, map[string]any{"patents": []any{valuationPatent("202110123456.7")}}, "patents[0].number", "unknown_patent"},
			{bank, map[string]any{"patents": []any{valuationPatent("202110123456.1")}}, "patents[0].number", "invalid_patent_number"},
			{bank, map[string]any{"patents": []any{}}, "patents", "required"},
			{bank, map[string]any{"scenario": "retail", "patents": []any{valuationPatent(entAPatent1)}}, "scenario", "invalid"},
			{bank, map[string]any{"patents": []any{withIncome(valuationPatent(entAPatent1), "discount_rate", "-1")}}, "patents[0].income.discount_rate", ""},
			{bank, map[string]any{"patents": []any{withIncome(valuationPatent(entAPatent1), "royalty_rate", "150")}}, "patents[0].income.royalty_rate", ""},
			{bank, map[string]any{"patents": []any{withIncome(valuationPatent(entAPatent1), "royalty_rate", "1e2")}}, "patents[0].income.royalty_rate", ""},
		} {
			p := env.Do(t, http.MethodPost, v1+"/valuations", c.who, c.body).WantProblem(t, http.StatusBadRequest, "validation_failed")
			fe := apptest.FieldErrors(p)
			if got, ok := fe[c.field]; !ok || c.code != "" && got != c.code {
				t.Fatalf("%v: field errors %v", c.body, fe)
			}
		}
		var all listPage[map[string]any]
		env.Do(t, http.MethodGet, v1+"/valuations", ipo, nil).JSON(t, &all)
		if len(all.Items) != 2 {
			t.Fatalf("%d valuations stored", len(all.Items))
		}
		// Access: the maker and the IP office; others 404; other roles 403.
		path := fmt.Sprintf("%s/valuations/%v", v1, vid)
		env.Do(t, http.MethodGet, path, ipo, nil).WantStatus(t, http.StatusOK)
		env.Do(t, http.MethodGet, path, ent, nil).WantProblem(t, http.StatusNotFound, "not_found")
		env.Do(t, http.MethodGet, path, env.Login(t, "bank-b"), nil).WantProblem(t, http.StatusNotFound, "not_found")
		env.Do(t, http.MethodGet, path, env.Login(t, "tto-a"), nil).WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodPost, v1+"/valuations", env.Login(t, "bureau"), map[string]any{}).WantProblem(t, http.StatusForbidden, "forbidden")

		// The pledgee attaches it on confirming; the pledge shows it, flags a
		// secured amount above the recommendation, and its pledgor may read it.
		r = env.Do(t, http.MethodPost, v1+"/pledges", ent, pledgeBody(t, env, entAPatent1))
		r.WantStatus(t, http.StatusCreated)
		id := pledgePath(r.Map(t)["id"])
		env.Do(t, http.MethodPost, id+"/file", ent, nil).WantStatus(t, http.StatusOK)
		var mine listPage[map[string]any]
		env.Do(t, http.MethodGet, v1+"/valuations", ent, nil).JSON(t, &mine)
		p := env.Do(t, http.MethodPost, id+"/confirm", bank, map[string]any{"valuation_id": mine.Items[0]["id"]}).
			WantProblem(t, http.StatusBadRequest, "validation_failed")
		if apptest.FieldErrors(p)["valuation_id"] != "valuation_mismatch" {
			t.Fatalf("mismatch %v", p)
		}
		env.Do(t, http.MethodPost, id+"/confirm", bank, map[string]any{"valuation_id": 99999}).WantProblem(t, http.StatusBadRequest, "validation_failed")
		r = env.Do(t, http.MethodPost, id+"/confirm", bank, map[string]any{"valuation_id": vid})
		r.WantStatus(t, http.StatusOK)
		pv := r.Map(t)["valuation"].(map[string]any)
		if pv["recommended_loan_fen"].(float64) != 13_989 || pv["secured_above_recommendation"] != true {
			t.Fatalf("pledge valuation %v", pv)
		}
		env.Do(t, http.MethodGet, path, ent, nil).WantStatus(t, http.StatusOK)
		env.Do(t, http.MethodGet, path, env.Login(t, "ent-b"), nil).WantProblem(t, http.StatusNotFound, "not_found")
	})
}

func withIncome(p map[string]any, key, value string) map[string]any {
	p["income"].(map[string]any)[key] = value
	return p
}
