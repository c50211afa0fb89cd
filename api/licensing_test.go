package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/ipledge/ipledge/app/apptest"
)

// tto-a's demo patents: an invention granted 2024-04-05, a pending
// application and a utility model granted 2022-04-01 (dormant).
const (
	ttoInvention = "202211359874.7"
	ttoPending   = "202211740332.4"
	ttoDormant   = "202121741650.3"
)

func listingOf(t *testing.T, env *apptest.Env, token, number string) map[string]any {
	t.Helper()
	r := env.Do(t, http.MethodGet, v1+"/licensing/patents/"+number, token, nil)
	r.WantStatus(t, http.StatusOK)
	return r.Map(t)
}

func statusCodes(l map[string]any) []string {
	var out []string
	for _, c := range l["status"].(map[string]any)["reason_codes"].([]any) {
		out = append(out, c.(string))
	}
	return out
}

func countListings(t *testing.T, env *apptest.Env, token, query string) int {
	t.Helper()
	var p listPage[map[string]any]
	env.Do(t, http.MethodGet, v1+"/licensing/listings"+query, token, nil).JSON(t, &p)
	return len(p.Items)
}

func TestLicensingListingsAndDormancy(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tto, ent, entB := env.Login(t, "tto-a"), env.Login(t, "ent-a"), env.Login(t, "ent-b")
		if n := countListings(t, env, tto, ""); n != 3 {
			t.Fatalf("%d listings", n)
		}
		if n := countListings(t, env, tto, "?dormant=true"); n != 1 {
			t.Fatalf("%d dormant", n)
		}
		d := listingOf(t, env, ent, ttoDormant)
		if st := d["status"].(map[string]any); st["dormant"] != true || st["screening_score"].(float64) <= 0 ||
			!slices.Equal(statusCodes(d), []string{"dormant", "no_activity_since_grant"}) {
			t.Fatalf("dormant listing %v", d)
		}
		if c := statusCodes(listingOf(t, env, tto, ttoInvention)); !slices.Contains(c, "granted_recently") {
			t.Fatalf("invention %v", c)
		}
		if c := statusCodes(listingOf(t, env, tto, ttoPending)); !slices.Contains(c, "not_granted") {
			t.Fatalf("pending %v", c)
		}
		// Bad input and refusals store nothing.
		env.Do(t, http.MethodPost, v1+"/licensing/listings", tto, map[string]any{"patent_number": "202211359874.3"}).
			WantProblem(t, http.StatusBadRequest, "validation_failed")
		env.Do(t, http.MethodPost, v1+"/licensing/listings", tto, map[string]any{"patent_number": ttoInvention, "prospect": "great"}).
			WantProblem(t, http.StatusBadRequest, "validation_failed")
		env.Do(t, http.MethodPost, v1+"/licensing/listings", tto, map[string]any{"patent_number": entAPatent1}).
			WantProblem(t, http.StatusUnprocessableEntity, "not_patentee")
		env.Do(t, http.MethodPost, v1+"/licensing/listings", tto, map[string]any{"patent_number": ttoInvention}).
			WantProblem(t, http.StatusConflict, "already_listed")
		env.Do(t, http.MethodPost, v1+"/licensing/listings", ent, map[string]any{"patent_number": entAPatent1}).
			WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodGet, v1+"/licensing/listings?dormant=maybe", tto, nil).WantProblem(t, http.StatusBadRequest, "validation_failed")
		if n := countListings(t, env, tto, ""); n != 3 {
			t.Fatalf("%d listings after refusals", n)
		}
		// Feedback: counted on the listing; bad feedback stores nothing.
		id := fmt.Sprintf("%s/licensing/listings/%v", v1, d["id"])
		env.Do(t, http.MethodPost, id+"/feedback", ent, map[string]any{"kind": "price_view"}).WantProblem(t, http.StatusBadRequest, "validation_failed")
		env.Do(t, http.MethodPost, id+"/feedback", ent, map[string]any{"kind": "interest", "comment": "想了解"}).WantStatus(t, http.StatusCreated)
		r := env.Do(t, http.MethodPost, id+"/feedback", entB, map[string]any{"kind": "price_view", "price_view_fen": 5_000_000})
		r.WantStatus(t, http.StatusCreated)
		if f := r.Map(t)["feedback"].(map[string]any); f["interest"] != 1.0 || f["price_view"] != 1.0 || f["not_relevant"] != 0.0 {
			t.Fatalf("feedback %v", f)
		}
		// Own implementation wakes the patent.
		env.Do(t, http.MethodPost, id+"/events", tto, map[string]any{"kind": "own_implementation", "effective_on": "2026-01-01"}).
			WantStatus(t, http.StatusCreated)
		if c := statusCodes(listingOf(t, env, tto, ttoDormant)); !slices.Equal(c, []string{"recent_own_implementation"}) {
			t.Fatalf("after own implementation %v", c)
		}
		// Abandonment: rated none, no feedback, after the set time.
		pend := listingOf(t, env, tto, ttoPending)
		env.Do(t, http.MethodPost, fmt.Sprintf("%s/licensing/listings/%v/assessment", v1, pend["id"]), tto, map[string]any{"prospect": "none"}).
			WantStatus(t, http.StatusOK)
		env.Do(t, http.MethodPost, fmt.Sprintf("%s/licensing/listings/%v/assessment", v1, d["id"]), tto, map[string]any{"prospect": "none"}).
			WantStatus(t, http.StatusOK)
		var rep struct{ Items []map[string]any }
		env.Do(t, http.MethodGet, v1+"/licensing/abandonment-report", tto, nil).JSON(t, &rep)
		if len(rep.Items) != 0 {
			t.Fatalf("report too early %v", rep.Items)
		}
		env.Clock.Advance(366 * 24 * time.Hour)
		env.Forget("tto-a") // the token expired
		tto = env.Login(t, "tto-a")
		r = env.Do(t, http.MethodGet, v1+"/licensing/abandonment-report", tto, nil)
		r.WantStatus(t, http.StatusOK)
		r.JSON(t, &rep)
		if len(rep.Items) != 1 || rep.Items[0]["application_number"] != ttoPending {
			t.Fatalf("report %v", rep.Items)
		}
	})
}

// pledgeInForce registers a pledge of the patent directly in the store
// (a university's patent cannot be pledged through the API's pledgor
// role) and returns its id.
func pledgeInForce(t *testing.T, env *apptest.Env, number string) int64 {
	t.Helper()
	ctx := t.Context()
	d := env.App.DB
	var patentID, pledgeID int64
	if err := d.GetContext(ctx, &patentID, d.Rebind(`SELECT id FROM patents WHERE application_number = ?`), number); err != nil {
		t.Fatal(err)
	}
	now := env.Clock.Now().UTC()
	err := d.GetContext(ctx, &pledgeID, d.Rebind(`INSERT INTO pledges (pledgor_org_id, pledgee_org_id, state, pledgor_name,
		pledgor_address, pledgee_name, pledgee_address, contract_number, contract_date, secured_claim_kind, secured_amount_fen,
		debt_start, debt_end, scope, annual_fee_payer, created_at, updated_at) VALUES (?, ?, 'registered', 'u', 'a', 'b', 'a', 'c',
		'2026-01-01', 'loan', 100, '2026-01-01', '2028-01-01', 's', 'pledgor', ?, ?) RETURNING id`),
		orgID(t, env, "tto-a"), orgID(t, env, "bank-a"), now, now)
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.ExecContext(ctx, d.Rebind(`INSERT INTO pledge_assets (pledge_id, position, kind, patent_id, number, share_bp, state,
		registration_number, registered_on) VALUES (?, 1, 'patent', ?, ?, 10000, 'registered', 'X', '2026-01-01')`), pledgeID, patentID, number)
	if err != nil {
		t.Fatal(err)
	}
	return pledgeID
}

func openBody(number string, extra map[string]any) map[string]any {
	b := map[string]any{"patent_number": number, "mode": "lump_sum", "lump_sum_fen": 100_000_000, "payment_schedule": "once", "term_years": 5}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

func TestOpenLicenceRefusals(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tto, ipo := env.Login(t, "tto-a"), env.Login(t, "ipoffice")
		declare := func(body map[string]any) *apptest.Response {
			return env.Do(t, http.MethodPost, v1+"/licensing/open-licences", tto, body)
		}
		mine := func() int {
			var p listPage[map[string]any]
			env.Do(t, http.MethodGet, v1+"/licensing/open-licences?mine=true&state=active", tto, nil).JSON(t, &p)
			return len(p.Items)
		}
		// Bad input: 400, nothing stored.
		for _, extra := range []map[string]any{
			{"mode": "barter"}, {"lump_sum_fen": -1}, {"royalty_rate": "3"}, {"term_years": 0}, {"payment_schedule": "quarterly"},
			{"mode": "running_royalty", "lump_sum_fen": nil, "royalty_base": "net_sales", "royalty_rate": "3.123456", "payment_schedule": "annual"},
		} {
			declare(openBody(ttoInvention, extra)).WantProblem(t, http.StatusBadRequest, "validation_failed")
		}
		// Caps need a justification.
		declare(openBody(ttoInvention, map[string]any{"lump_sum_fen": 2_000_000_001})).WantProblem(t, http.StatusUnprocessableEntity, "justification_required")
		running := func(base, rate string) map[string]any {
			return openBody(ttoInvention, map[string]any{"mode": "running_royalty", "lump_sum_fen": nil, "royalty_base": base, "royalty_rate": rate,
				"payment_schedule": "annual"})
		}
		declare(running("net_sales", "20.01")).WantProblem(t, http.StatusUnprocessableEntity, "justification_required")
		declare(running("profit", "40.5")).WantProblem(t, http.StatusUnprocessableEntity, "justification_required")
		// The patent's state.
		declare(openBody(ttoPending, nil)).WantProblem(t, http.StatusConflict, "not_granted")
		declare(openBody(entAPatent1, map[string]any{"evaluation_report": "PJ-1"})).WantProblem(t, http.StatusUnprocessableEntity, "not_patentee")
		status := func(st string) {
			env.Do(t, http.MethodPost, patentPath(ttoInvention)+"/legal-status", ipo, map[string]any{"status": st, "reason": "测试"}).
				WantStatus(t, http.StatusOK)
		}
		for st, code := range map[string]string{"fee_grace": "annual_fee_unpaid", "ownership_dispute": "procedures_suspended",
			"lapsed": "not_valid", "invalidated": "not_valid"} {
			status(st)
			declare(openBody(ttoInvention, nil)).WantProblem(t, http.StatusConflict, code)
		}
		status("valid")
		declare(openBody(ttoDormant, nil)).WantProblem(t, http.StatusUnprocessableEntity, "evaluation_report_required")
		// A pledge in force needs the pledgee's consent to an open licence.
		pid := pledgeInForce(t, env, ttoDormant)
		declare(openBody(ttoDormant, map[string]any{"evaluation_report": "PJ-2022-001"})).WantProblem(t, http.StatusConflict, "pledgee_consent_required")
		// … and so does any licence.
		dormant := listingOf(t, env, tto, ttoDormant)
		events := fmt.Sprintf("%s/licensing/listings/%v/events", v1, dormant["id"])
		excl := map[string]any{"kind": "licence", "licence_kind": "exclusive", "counterparty": "某公司", "effective_on": "2026-01-01"}
		env.Do(t, http.MethodPost, events, tto, excl).WantProblem(t, http.StatusConflict, "pledgee_consent_required")
		if _, err := env.App.DB.ExecContext(t.Context(), env.App.DB.Rebind(`UPDATE pledge_assets SET state = 'released' WHERE pledge_id = ?`), pid); err != nil {
			t.Fatal(err)
		}
		// An exclusive licence in force bars an open licence.
		env.Do(t, http.MethodPost, events, tto, excl).WantStatus(t, http.StatusCreated)
		env.Do(t, http.MethodPost, events, tto, map[string]any{"kind": "licence", "licence_kind": "ordinary", "counterparty": "另一公司",
			"effective_on": "2026-02-01"}).WantProblem(t, http.StatusConflict, "exclusive_licence_in_force")
		declare(openBody(ttoDormant, map[string]any{"evaluation_report": "PJ-2022-001"})).WantProblem(t, http.StatusConflict, "exclusive_licence_in_force")
		if mine() != 0 {
			t.Fatal("a refused declaration was stored")
		}
		// Within the caps: declared; a second is refused; no exclusive licence while it stands.
		r := declare(running("profit", "40"))
		r.WantStatus(t, http.StatusCreated)
		if o := r.Map(t); o["state"] != "active" || o["royalty_rate"] != "40" {
			t.Fatalf("declared %v", o)
		}
		declare(openBody(ttoInvention, nil)).WantProblem(t, http.StatusConflict, "open_licence_exists")
		inv := listingOf(t, env, tto, ttoInvention)
		env.Do(t, http.MethodPost, fmt.Sprintf("%s/licensing/listings/%v/events", v1, inv["id"]), tto,
			map[string]any{"kind": "licence", "licence_kind": "sole", "counterparty": "某公司", "effective_on": "2026-01-01"}).
			WantProblem(t, http.StatusConflict, "open_licence_in_force")
		if inv["status"].(map[string]any)["open_licence"] != true || inv["open_licence"] == nil {
			t.Fatalf("listing %v", inv)
		}
	})
}

func TestOpenLicenceTaken(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tto, ent, entB := env.Login(t, "tto-a"), env.Login(t, "ent-a"), env.Login(t, "ent-b")
		// Beyond the cap with a justification: declared.
		r := env.Do(t, http.MethodPost, v1+"/licensing/open-licences", tto, openBody(ttoDormant, map[string]any{
			"lump_sum_fen": 2_100_000_000, "payment_schedule": "annual", "term_years": 3, "evaluation_report": "PJ-2022-001",
			"justification": "市场规模大"}))
		r.WantStatus(t, http.StatusCreated)
		ol := fmt.Sprintf("%s/licensing/open-licences/%v", v1, r.Map(t)["id"])
		env.Do(t, http.MethodPost, ol+"/accept", ent, map[string]any{"accept_terms": false, "signatory": "周经理"}).
			WantProblem(t, http.StatusBadRequest, "validation_failed")
		r = env.Do(t, http.MethodPost, ol+"/accept", ent, map[string]any{"accept_terms": true, "signatory": "周经理"})
		r.WantStatus(t, http.StatusCreated)
		lic := r.Map(t)
		pays := lic["payments"].([]any)
		if lic["licence_kind"] != "open" || len(pays) != 3 {
			t.Fatalf("licence %v", lic)
		}
		var sum float64
		for _, p := range pays {
			sum += p.(map[string]any)["amount_fen"].(float64)
		}
		if sum != 2_100_000_000 {
			t.Fatalf("instalments add up to %v", sum)
		}
		env.Do(t, http.MethodPost, ol+"/accept", ent, map[string]any{"accept_terms": true, "signatory": "周经理"}).
			WantProblem(t, http.StatusConflict, "already_licensed")
		// The patent is no longer dormant.
		if l := listingOf(t, env, tto, ttoDormant); l["status"].(map[string]any)["dormant"] != false ||
			!slices.Contains(statusCodes(l), "licence_in_force") {
			t.Fatalf("after the licence %v", l)
		}
		// The licence: its parties only; payments confirmed by the TTO.
		licPath := fmt.Sprintf("%s/licensing/licences/%v", v1, lic["id"])
		env.Do(t, http.MethodGet, licPath, entB, nil).WantProblem(t, http.StatusNotFound, "not_found")
		env.Do(t, http.MethodGet, licPath, tto, nil).WantStatus(t, http.StatusOK)
		first := fmt.Sprintf("%s/payments/%v/confirm", licPath, pays[0].(map[string]any)["id"])
		today := env.Clock.Now().Format("2006-01-02")
		env.Do(t, http.MethodPost, first, tto, map[string]any{"paid_fen": 1, "paid_on": today}).WantProblem(t, http.StatusUnprocessableEntity, "amount_mismatch")
		amt := pays[0].(map[string]any)["amount_fen"]
		r = env.Do(t, http.MethodPost, first, tto, map[string]any{"paid_fen": amt, "paid_on": today})
		r.WantStatus(t, http.StatusOK)
		if p := r.Map(t)["payments"].([]any)[0].(map[string]any); p["confirmed_at"] == nil {
			t.Fatalf("payment %v", p)
		}
		env.Do(t, http.MethodPost, first, tto, map[string]any{"paid_fen": amt, "paid_on": today}).WantProblem(t, http.StatusConflict, "invalid_state")
		// Withdrawn: nobody takes it any more, the licence taken stays.
		env.Do(t, http.MethodPost, ol+"/withdraw", tto, map[string]any{"reason": ""}).WantProblem(t, http.StatusBadRequest, "validation_failed")
		env.Do(t, http.MethodPost, ol+"/withdraw", tto, map[string]any{"reason": "转为独占许可谈判"}).WantStatus(t, http.StatusOK)
		env.Do(t, http.MethodPost, ol+"/accept", entB, map[string]any{"accept_terms": true, "signatory": "吴经理"}).
			WantProblem(t, http.StatusConflict, "invalid_state")
		if env.Do(t, http.MethodGet, licPath, ent, nil).Map(t)["licence_kind"] != "open" {
			t.Fatal("the licence taken is gone")
		}
	})
}

func TestLicensingIntents(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tto, ent, entB, bank := env.Login(t, "tto-a"), env.Login(t, "ent-a"), env.Login(t, "ent-b"), env.Login(t, "bank-a")
		count := func(token string) int {
			var p listPage[map[string]any]
			env.Do(t, http.MethodGet, v1+"/licensing/intents", token, nil).JSON(t, &p)
			return len(p.Items)
		}
		create := func(token, number, msg string) *apptest.Response {
			return env.Do(t, http.MethodPost, v1+"/licensing/intents", token, map[string]any{"patent_number": number, "message": msg})
		}
		create(ent, ttoDormant, "").WantProblem(t, http.StatusBadRequest, "validation_failed")
		create(ent, entBPatent, "想许可").WantProblem(t, http.StatusUnprocessableEntity, "not_listed")
		create(tto, ttoDormant, "x").WantProblem(t, http.StatusForbidden, "forbidden")
		if count(tto) != 0 || count(ent) != 0 {
			t.Fatal("a refused intent was stored")
		}
		r := create(ent, ttoDormant, "我司希望获得该专利的普通许可")
		r.WantStatus(t, http.StatusCreated)
		it := fmt.Sprintf("%s/licensing/intents/%v", v1, r.Map(t)["id"])
		create(ent, ttoDormant, "again").WantProblem(t, http.StatusConflict, "intent_exists")
		// Each side sees its own; nobody else.
		if count(tto) != 1 || count(ent) != 1 || count(entB) != 0 {
			t.Fatalf("inboxes tto %d, ent %d, entB %d", count(tto), count(ent), count(entB))
		}
		env.Do(t, http.MethodGet, it, entB, nil).WantProblem(t, http.StatusNotFound, "not_found")
		env.Do(t, http.MethodPost, it+"/reply", entB, map[string]any{"message": "插话"}).WantProblem(t, http.StatusNotFound, "not_found")
		env.Do(t, http.MethodGet, v1+"/licensing/intents", bank, nil).WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodPost, it+"/withdraw", tto, map[string]any{"message": "x"}).WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodPost, it+"/decline", ent, map[string]any{"message": "x"}).WantProblem(t, http.StatusForbidden, "forbidden")
		// open → in_talks → licensed.
		r = env.Do(t, http.MethodPost, it+"/reply", tto, map[string]any{"message": "欢迎洽谈"})
		r.WantStatus(t, http.StatusOK)
		if m := r.Map(t); m["state"] != "in_talks" || len(m["messages"].([]any)) != 1 {
			t.Fatalf("replied %v", m)
		}
		env.Do(t, http.MethodPost, it+"/licensed", tto, map[string]any{"licence_kind": "open", "effective_on": "2026-01-01"}).
			WantProblem(t, http.StatusBadRequest, "validation_failed")
		r = env.Do(t, http.MethodPost, it+"/licensed", tto, map[string]any{"licence_kind": "ordinary", "effective_on": env.Clock.Now().Format("2006-01-02")})
		r.WantStatus(t, http.StatusOK)
		if m := r.Map(t); m["state"] != "licensed" || m["licence_id"] == nil {
			t.Fatalf("licensed %v", m)
		}
		env.Do(t, http.MethodPost, it+"/reply", ent, map[string]any{"message": "谢谢"}).WantProblem(t, http.StatusConflict, "invalid_state")
		if l := listingOf(t, env, tto, ttoDormant); l["status"].(map[string]any)["dormant"] != false {
			t.Fatalf("still dormant %v", l["status"])
		}
		// Another enterprise: declined; and one withdrawn.
		r = create(entB, ttoDormant, "询价")
		r.WantStatus(t, http.StatusCreated)
		itB := fmt.Sprintf("%s/licensing/intents/%v", v1, r.Map(t)["id"])
		env.Do(t, http.MethodGet, itB, ent, nil).WantProblem(t, http.StatusNotFound, "not_found")
		if m := env.Do(t, http.MethodPost, itB+"/decline", tto, map[string]any{"message": "已许可他人"}).Map(t); m["state"] != "declined" {
			t.Fatalf("declined %v", m)
		}
		r = create(ent, ttoInvention, "再谈一件")
		r.WantStatus(t, http.StatusCreated)
		if m := env.Do(t, http.MethodPost, fmt.Sprintf("%s/licensing/intents/%v/withdraw", v1, r.Map(t)["id"]), ent,
			map[string]any{"message": "预算调整"}).Map(t); m["state"] != "withdrawn" {
			t.Fatalf("withdrawn %v", m)
		}
		var p listPage[map[string]any]
		env.Do(t, http.MethodGet, v1+"/licensing/intents?state=licensed", ent, nil).JSON(t, &p)
		if len(p.Items) != 1 {
			t.Fatalf("licensed intents %v", p.Items)
		}
	})
}
