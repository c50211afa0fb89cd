package api_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/platform/date"
)

// Demo patents of ent-a (utility models; the second expires 2031-07-14)
// and of ent-b.
const (
	entAPatent1 = "202223220665.2"
	entAPatent2 = "202121635235.X"
	entBPatent  = "202121635426.6"
)

func orgID(t *testing.T, env *apptest.Env, username string) int64 {
	t.Helper()
	u, err := env.App.Accounts.UserByUsername(t.Context(), username)
	if err != nil {
		t.Fatalf("user %s: %v", username, err)
	}
	return u.OrgID
}

// pledgeBody is a complete request of ent-a with bank-a over patents.
func pledgeBody(t *testing.T, env *apptest.Env, patents ...string) map[string]any {
	t.Helper()
	var assets []map[string]any
	for _, p := range patents {
		assets = append(assets, map[string]any{"number": p})
	}
	today := date.Today(env.Clock.Now).String()
	return map[string]any{
		"pledgee_org_id": orgID(t, env, "bank-a"), "assets": assets,
		"pledgor_address": "太原市小店区示范路1号", "pledgee_address": "太原市迎泽大街8号",
		"contract_number": "ZY-2026-001", "contract_date": today,
		"secured_claim_kind": "loan", "secured_amount_fen": 300_000_000,
		"debt_start": today, "debt_end": "2027-12-31", "scope": "主债权本金、利息、违约金及实现质权的费用",
		"annual_fee_payer": "pledgor",
	}
}

func pledgePath(id any) string { return fmt.Sprintf("%s/pledges/%v", v1, id) }

// submittedPledge files a request over patents and has bank-a confirm it.
func submittedPledge(t *testing.T, env *apptest.Env, patents ...string) string {
	t.Helper()
	ent, bank := env.Login(t, "ent-a"), env.Login(t, "bank-a")
	r := env.Do(t, http.MethodPost, v1+"/pledges", ent, pledgeBody(t, env, patents...))
	r.WantStatus(t, http.StatusCreated)
	id := pledgePath(r.Map(t)["id"])
	env.Do(t, http.MethodPost, id+"/file", ent, nil).WantStatus(t, http.StatusOK)
	env.Do(t, http.MethodPost, id+"/confirm", bank, nil).WantStatus(t, http.StatusOK)
	return id
}

func registeredPledge(t *testing.T, env *apptest.Env, patents ...string) string {
	t.Helper()
	id := submittedPledge(t, env, patents...)
	env.Do(t, http.MethodPost, id+"/register", env.Login(t, "ipoffice"), nil).WantStatus(t, http.StatusOK)
	return id
}

func TestPledgeLifecycle(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ent, bank, ipo := env.Login(t, "ent-a"), env.Login(t, "bank-a"), env.Login(t, "ipoffice")
		r := env.Do(t, http.MethodPost, v1+"/pledges", ent, pledgeBody(t, env, entAPatent1, "ZL 2021 2 1635235.X"))
		r.WantStatus(t, http.StatusCreated)
		p := r.Map(t)
		id := pledgePath(p["id"])
		assets := p["assets"].([]any)
		if p["state"] != "draft" || len(assets) != 2 || assets[1].(map[string]any)["number"] != entAPatent2 ||
			assets[0].(map[string]any)["share_bp"].(float64)+assets[1].(map[string]any)["share_bp"].(float64) != 10000 {
			t.Fatalf("created %v", p)
		}
		// A draft is the pledgor's own: the bank does not see it yet in its
		// queue of requests awaiting confirmation, but it is a party.
		env.Do(t, http.MethodPost, id+"/file", ent, nil).WantStatus(t, http.StatusOK)
		r = env.Do(t, http.MethodPost, id+"/confirm", bank, nil)
		r.WantStatus(t, http.StatusOK)
		p = r.Map(t)
		if p["state"] != "submitted" || p["deadline"] == nil || p["overdue"] != false {
			t.Fatalf("confirmed %v", p)
		}
		// The examination: every ground computed, none blocking.
		r = env.Do(t, http.MethodGet, id+"/examination", ipo, nil)
		r.WantStatus(t, http.StatusOK)
		e := r.Map(t)
		if e["can_register"] != true || len(e["blocking"].([]any)) != 0 || len(e["grounds"].([]any)) != 2+10*2 {
			t.Fatalf("examination %v", e)
		}
		// The IP office's queue holds it.
		var q listPage[map[string]any]
		env.Do(t, http.MethodGet, v1+"/pledges?queue=examination", ipo, nil).JSON(t, &q)
		if len(q.Items) != 1 {
			t.Fatalf("queue %v", q)
		}
		r = env.Do(t, http.MethodPost, id+"/register", ipo, nil)
		r.WantStatus(t, http.StatusOK)
		p = r.Map(t)
		num := regexp.MustCompile(`^\d{4}990\d{6}$`)
		for _, a := range p["assets"].([]any) {
			a := a.(map[string]any)
			if a["state"] != "registered" || !num.MatchString(a["registration_number"].(string)) || a["registered_on"] == nil {
				t.Fatalf("asset %v", a)
			}
		}
		// The registry shows the pledge to everyone, without parties.
		g := env.Do(t, http.MethodGet, patentPath(entAPatent2), env.Login(t, "bank-b"), nil)
		g.WantStatus(t, http.StatusOK)
		if pl := g.Map(t)["pledge"].(map[string]any); pl["in_force"] != true || pl["since"] == nil {
			t.Fatalf("registry pledge %v", pl)
		}
		// The notice, printable HTML, names the registration number.
		n := env.Do(t, http.MethodGet, id+"/notice", ent, nil)
		n.WantStatus(t, http.StatusOK)
		first := p["assets"].([]any)[0].(map[string]any)["registration_number"].(string)
		if !strings.Contains(string(n.Body), first) || !strings.Contains(string(n.Body), "专利权质押登记通知书") {
			t.Fatalf("notice lacks the number: %s", n.Body)
		}
		// Release: the pledgee files, the IP office registers; the patent is free.
		r = env.Do(t, http.MethodPost, id+"/amendments", bank, map[string]any{"kind": "release", "release": map[string]any{"cause": "repaid"}})
		r.WantStatus(t, http.StatusCreated)
		m := r.Map(t)
		if m["state"] != "submitted" {
			t.Fatalf("release %v", m)
		}
		env.Do(t, http.MethodPost, fmt.Sprintf("%s/pledge-amendments/%v/register", v1, m["id"]), ipo, nil).WantStatus(t, http.StatusOK)
		if env.Do(t, http.MethodGet, id, ent, nil).Map(t)["state"] != "released" {
			t.Fatal("not released")
		}
		if pl := env.Do(t, http.MethodGet, patentPath(entAPatent2), bank, nil).Map(t)["pledge"].(map[string]any); pl["in_force"] != false {
			t.Fatalf("still pledged %v", pl)
		}
		hist, _ := walk[map[string]any](t, env, ent, id+"/history", "cursor", 3)
		var actions []string
		for _, h := range hist {
			actions = append(actions, h["action"].(string))
		}
		if strings.Join(actions, ",") != "create,file,confirm,register,amendment_file,release" {
			t.Fatalf("history %v", actions)
		}
	})
}
