package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/date"
	pg "github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/pledge"
	"github.com/ipledge/ipledge/registry"
)

// ent-a's demo patents (app/demo_registry.go).
const (
	entAPatent1 = "202223220665.2"
	entAPatent2 = "202121635235.X"
)

func userOrg(t *testing.T, env *apptest.Env, username string) int64 {
	t.Helper()
	u, err := env.App.Accounts.UserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return u.OrgID
}

// pledgeForm is ent-a's request form over patents with bank-a.
func pledgeForm(t *testing.T, env *apptest.Env, contract string, patents ...string) url.Values {
	today := date.Today(env.Clock.Now).String()
	return url.Values{"assets": patents, "pledgee_org_id": {fmt.Sprint(userOrg(t, env, "bank-a"))},
		"amount": {"3,000,000.50"}, "secured_claim_kind": {"loan"}, "annual_fee_payer": {"pledgor"},
		"contract_number": {contract}, "contract_date": {today}, "debt_start": {today}, "debt_end": {"2027-12-31"},
		"pledgor_address": {"太原市小店区示范路1号"}, "pledgee_address": {"太原市迎泽大街8号"},
		"scope": {"主债权本金、利息、违约金及实现质权的费用"}, "transfer_allowed": {"1"}}
}

// pledgesOf lists the pledges of ent-a's organisation.
func pledgesOf(t *testing.T, env *apptest.Env, username string) []pledge.Pledge {
	t.Helper()
	ps, err := env.App.Pledges.List(context.Background(), pledge.Filter{OrgID: userOrg(t, env, username)}, pg.Request{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return ps.Items
}

// filePledge has ent-a file a request through the form and returns it.
func filePledge(t *testing.T, env *apptest.Env, ent *browser, contract string, patents ...string) pledge.Pledge {
	t.Helper()
	p := ent.submit("/pledges/new", pledgeForm(t, env, contract, patents...))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("file: status %d\n%s", p.Status, p.Body)
	}
	for _, pl := range pledgesOf(t, env, "ent-a") {
		if pl.ContractNumber == contract {
			wantRedirect(t, p, fmt.Sprintf("/pledges/%d", pl.ID))
			return pl
		}
	}
	t.Fatalf("no pledge %s", contract)
	return pledge.Pledge{}
}

func TestPledgePagesEnforceRoles(t *testing.T) {
	env := apptest.New(t)
	users := []string{"bank-a", "bureau", "ipoffice", "ent-a", "tto-a", "admin"}
	browsers := map[string]*browser{}
	for _, u := range users {
		browsers[u] = as(t, env, u)
	}
	pages := map[string][]string{
		"/patents":              {"ent-a", "tto-a"},
		"/pledges/applications": {"ent-a"},
		"/pledges/new":          {"ent-a"},
		"/pledges/pending":      {"bank-a"},
		"/pledges":              {"bank-a"},
		"/pledges?state=all":    {"bank-a"},
		"/risks":                {"bank-a"},
		"/pledges/review":       {"ipoffice"},
		"/pledges/amendments":   {"ipoffice"},
	}
	for path, owners := range pages {
		for _, u := range users {
			p := browsers[u].get(path)
			if strings.Contains(strings.Join(owners, ","), u) {
				wantStatus(t, p, http.StatusOK)
				wantNoBody(t, p, "建设中")
				continue
			}
			if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "无权访问") {
				t.Fatalf("%s GET %s: status %d, want the 403 page", u, path, p.Status)
			}
		}
	}
	wantRedirect(t, newBrowser(t, env.Server.URL).get("/pledges/review"), "/login?next=%2Fpledges%2Freview")

	pl := filePledge(t, env, browsers["ent-a"], "ZY-ROLE-1", entAPatent1)
	id := fmt.Sprint(pl.ID)
	forms := map[string]string{
		"/pledges/new":                 "ent-a",
		"/pledges/" + id + "/confirm":  "bank-a",
		"/pledges/" + id + "/decline":  "bank-a",
		"/pledges/" + id + "/register": "ipoffice",
		"/pledges/" + id + "/refuse":   "ipoffice",
	}
	for path, owner := range forms {
		for _, u := range []string{"bank-a", "ipoffice", "ent-a", "bureau"} {
			if u == owner {
				continue
			}
			p := browsers[u].submit(path, url.Values{"reason": {"x"}, "grounds": {"other"}})
			if p.Status != http.StatusForbidden {
				t.Fatalf("%s POST %s: status %d, want 403", u, path, p.Status)
			}
		}
	}
	if got, _ := env.App.Pledges.Get(context.Background(), pl.ID); got.State != pledge.StateAwaitingPledgee {
		t.Fatalf("a refused form changed the pledge: %s", got.State)
	}
	// A cross-site form is refused before anything else.
	p := browsers["bank-a"].post("/pledges/"+id+"/confirm", nil, "Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site")
	wantStatus(t, p, http.StatusForbidden)
	wantBody(t, p, "请求被拒绝")
	// The detail page is for the parties and the IP office.
	for _, u := range []string{"bureau", "tto-a", "admin"} {
		wantStatus(t, browsers[u].get("/pledges/"+id), http.StatusForbidden)
	}
}

// Another enterprise or bank gets the 404 page for a pledge it is no
// party to, and its forms change nothing.
func TestPledgeOtherTenantGets404(t *testing.T) {
	env := apptest.New(t)
	pl := filePledge(t, env, as(t, env, "ent-a"), "ZY-TENANT-1", entAPatent1)
	id := fmt.Sprint(pl.ID)
	entB, bankB := as(t, env, "ent-b"), as(t, env, "bank-b")
	for _, b := range []*browser{entB, bankB} {
		for _, path := range []string{"/pledges/" + id, "/pledges/" + id + "/notice", "/pledges/999999"} {
			p := b.get(path)
			wantStatus(t, p, http.StatusNotFound)
			wantBody(t, p, "页面不存在")
			wantNoBody(t, p, "ZY-TENANT-1")
		}
	}
	for _, path := range []string{"/pledges/" + id + "/confirm", "/pledges/" + id + "/decline"} {
		p := bankB.submit(path, url.Values{"reason": {"不是本行业务"}})
		wantStatus(t, p, http.StatusNotFound)
	}
	wantStatus(t, entB.submit("/pledges/"+id+"/file", nil), http.StatusNotFound)
	// bank-b's lists do not show it.
	wantNoBody(t, bankB.get("/pledges/pending"), "ZY-TENANT-1")
	wantNoBody(t, bankB.get("/pledges?state=all"), "ZY-TENANT-1")
	wantNoBody(t, entB.get("/pledges/applications"), "ZY-TENANT-1")
	if got, _ := env.App.Pledges.Get(context.Background(), pl.ID); got.State != pledge.StateAwaitingPledgee {
		t.Fatalf("another tenant changed the pledge: %s", got.State)
	}
	// Each refusal is evidence in the audit log, as in the API.
	rs, err := env.App.Audit.List(context.Background(), 0, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	denied := 0
	for _, r := range rs {
		if r.Action == "authz.deny" && r.ObjectType == "pledge" && r.ObjectID == id {
			denied++
		}
	}
	if denied < 4 { // the detail and notice pages of both other tenants
		t.Fatalf("%d audited refusals of pledge %s, want at least 4", denied, id)
	}
	// The parties see it.
	wantBody(t, as(t, env, "bank-a").get("/pledges/"+id), "ZY-TENANT-1", "待银行确认")
}

// Bad input shows the form again with the reason in Chinese and what was
// typed, and stores nothing.
func TestPledgeFormBadInput(t *testing.T) {
	env := apptest.New(t)
	ent := as(t, env, "ent-a")
	p := ent.get("/pledges/new")
	wantBody(t, p, `name="assets" value="`+entAPatent1+`"`, `name="assets" value="`+entAPatent2+`"`, "晋阳示范商业银行",
		`name="amount"`, `name="contract_number"`, `name="debt_end"`, `name="confirmed_invalidation"`, `action="/pledges/new"`)

	cases := []struct {
		name   string
		change func(url.Values)
		status int
		want   []string
	}{
		{"three decimals", func(f url.Values) { f.Set("amount", "1000.123") }, http.StatusBadRequest,
			[]string{"最多精确到分", `value="1000.123"`}},
		{"not a number", func(f url.Values) { f.Set("amount", "1e6") }, http.StatusBadRequest, []string{"以元为单位的数字"}},
		{"zero", func(f url.Values) { f.Set("amount", "0.00") }, http.StatusBadRequest, []string{"须大于 0"}},
		{"negative", func(f url.Values) { f.Set("amount", "-5") }, http.StatusBadRequest, []string{"须大于 0"}},
		{"bad date", func(f url.Values) { f.Set("debt_end", "31/12/2027") }, http.StatusBadRequest,
			[]string{"债务履行期限届满日请按“年-月-日”填写"}},
		{"end before start", func(f url.Values) { f.Set("debt_end", "2020-01-01") }, http.StatusBadRequest,
			[]string{"债务履行期限届满日不能早于起始日", "ZY-BAD-1"}},
		{"no patent", func(f url.Values) { f.Del("assets") }, http.StatusBadRequest, []string{"请选择质押专利"}},
		{"not its patent", func(f url.Values) { f.Set("assets", "202121635426.6") }, http.StatusBadRequest,
			[]string{"本企业不是所选专利的登记专利权人"}},
		{"unknown bank", func(f url.Values) { f.Set("pledgee_org_id", fmt.Sprint(userOrg(t, env, "ent-b"))) }, http.StatusBadRequest,
			[]string{"所选银行不是平台上的银行机构"}},
		{"missing particulars", func(f url.Values) { f.Set("scope", ""); f.Set("contract_number", "") }, http.StatusBadRequest,
			[]string{"请填写质押担保范围", "请填写质押合同编号", "提交的内容有误"}},
	}
	for _, c := range cases {
		f := pledgeForm(t, env, "ZY-BAD-1", entAPatent1)
		c.change(f)
		p := ent.submit("/pledges/new", f)
		if p.Status != c.status {
			t.Fatalf("%s: status %d, want %d\n%s", c.name, p.Status, c.status, p.Body)
		}
		wantBody(t, p, append(c.want, "field-error", "<h1>新建质押申请</h1>")...)
		if strings.Contains(p.Body, "validation_failed") || strings.Contains(p.Body, "not_patentee") {
			t.Fatalf("%s: an English service code leaked", c.name)
		}
	}
	// The patents ticked stay ticked.
	f := pledgeForm(t, env, "ZY-BAD-2", entAPatent2)
	f.Set("amount", "1.001")
	wantBody(t, ent.submit("/pledges/new", f), `value="`+entAPatent2+`" checked`)
	if ps := pledgesOf(t, env, "ent-a"); len(ps) != 1 { // the demo pledge
		t.Fatalf("bad input stored %d pledges", len(ps)-1)
	}
	// Exactly to the fen.
	filePledge(t, env, ent, "ZY-GOOD-1", entAPatent1)
	if ps := pledgesOf(t, env, "ent-a"); len(ps) != 2 || ps[0].SecuredAmountFen != 300_000_050 {
		t.Fatalf("stored %+v", ps)
	}
}

// The whole path over the forms: the enterprise files, the bank
// confirms (a decline without reason is refused first), the IP office
// sees the grounds and registers, the enterprise sees the number and the
// notice.
func TestPledgeFileConfirmRegister(t *testing.T) {
	env := apptest.New(t)
	ent, bank, ip := as(t, env, "ent-a"), as(t, env, "bank-a"), as(t, env, "ipoffice")
	pl := filePledge(t, env, ent, "ZY-FLOW-1", entAPatent1, entAPatent2)
	id := fmt.Sprint(pl.ID)
	detail := "/pledges/" + id
	p := ent.get(detail)
	wantBody(t, p, "质押申请已提交晋阳示范商业银行确认，合同号 ZY-FLOW-1。", "待银行确认", entAPatent1, entAPatent2, "¥3,000,000.50")
	wantBody(t, ent.get("/pledges/applications"), "ZY-FLOW-1", "待银行确认", `href="/pledges/`+id+`"`)
	// No notice before a decision.
	wantStatus(t, ent.get(detail+"/notice"), http.StatusConflict)

	// The bank: a decline needs a reason.
	p = bank.get("/pledges/pending")
	wantBody(t, p, "ZY-FLOW-1", "太原示范新材料科技有限公司", `action="/pledges/`+id+`/confirm"`, `action="/pledges/`+id+`/decline"`)
	p = bank.submit(detail+"/decline", url.Values{"reason": {"  "}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "请填写理由", `id="pledge-`+id+`"`)
	p = bank.submitOK(detail+"/confirm", nil, "/pledges/pending", "已确认太原示范新材料科技有限公司的质押申请（合同号 ZY-FLOW-1）")
	wantNoBody(t, p, `id="pledge-`+id+`"`)
	// Confirming twice: the state has moved on.
	p = bank.submit(detail+"/confirm", nil)
	wantStatus(t, p, http.StatusConflict)
	wantBody(t, p, "该申请当前状态（审查中）下不能办理该事项。")

	// The IP office: every ground computed, none blocking.
	p = ip.get("/pledges/review")
	wantBody(t, p, "ZY-FLOW-1", "pledgor_not_patentee", "出质人是登记的专利权人",
		`action="/pledges/`+id+`/register"`, `name="grounds" value="other"`)
	if strings.Contains(p.Body, `<button type="submit" class="btn btn-primary" disabled`) {
		t.Fatalf("the register button is disabled:\n%s", p.Body)
	}
	// A refusal citing a ground that does not apply is refused.
	p = ip.submit(detail+"/refuse", url.Values{"grounds": {pledge.GroundAnnualFeeUnpaid}, "reason": {"年费"}})
	wantStatus(t, p, http.StatusConflict)
	wantBody(t, p, "所选理由不适用于该申请", ">年费</textarea>")
	p = ip.submit(detail+"/refuse", url.Values{"reason": {"理由"}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "请选择不予登记理由")
	ip.submitOK(detail+"/register", nil, "/pledges/review", "已准予登记太原示范新材料科技有限公司的专利权质押（合同号 ZY-FLOW-1），登记号 ")

	// The enterprise sees the registration numbers and the notice.
	got, err := env.App.Pledges.Get(context.Background(), pl.ID)
	if err != nil || got.State != pledge.StateRegistered {
		t.Fatalf("pledge %+v %v", got, err)
	}
	num := regexp.MustCompile(`^\d{4}990\d{6}$`)
	p = ent.get(detail)
	wantBody(t, p, "已登记", `href="/pledges/`+id+`/notice"`)
	for _, a := range got.Assets {
		if !num.MatchString(a.RegistrationNumber) {
			t.Fatalf("asset %+v", a)
		}
		wantBody(t, p, a.RegistrationNumber)
	}
	n := ent.get(detail + "/notice")
	wantStatus(t, n, http.StatusOK)
	wantBody(t, n, "专利权质押登记通知书", got.Assets[0].RegistrationNumber)
	if csp := n.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "'unsafe-inline' 'self'") {
		t.Fatalf("notice CSP %q", csp)
	}
	if d := ent.get(detail + "/notice?download=1"); !strings.Contains(d.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download header %q", d.Header.Get("Content-Disposition"))
	}
	wantBody(t, bank.get("/pledges"), "ZY-FLOW-1", got.Assets[0].RegistrationNumber)
	wantBody(t, ip.get(detail), "ZY-FLOW-1", "已登记")
}

// The IP office refuses citing an applicable ground; the enterprise sees
// the grounds and the refusal notice.
func TestPledgeRefusal(t *testing.T) {
	env := apptest.New(t)
	ent, bank, ip := as(t, env, "ent-a"), as(t, env, "bank-a"), as(t, env, "ipoffice")
	first := filePledge(t, env, ent, "ZY-REF-1", entAPatent1)
	bank.submitOK(fmt.Sprintf("/pledges/%d/confirm", first.ID), nil, "/pledges/pending", "已确认")
	ip.submitOK(fmt.Sprintf("/pledges/%d/register", first.ID), nil, "/pledges/review", "已准予登记")
	// A second pledge of the same patent: already pledged, blocking.
	second := filePledge(t, env, ent, "ZY-REF-2", entAPatent1)
	bank.submitOK(fmt.Sprintf("/pledges/%d/confirm", second.ID), nil, "/pledges/pending", "已确认")
	p := ip.get("/pledges/review")
	wantBody(t, p, "ZY-REF-2", `class="ground row-error blocking"`, "专利权已被登记质押且质押尚在有效期内",
		`disabled title="存在不予登记的情形"`, `name="grounds" value="already_pledged"`)
	path := fmt.Sprintf("/pledges/%d", second.ID)
	// Past its deadline it is flagged in red.
	got, err := env.App.Pledges.Get(context.Background(), second.ID)
	if err != nil || got.Deadline.IsZero() {
		t.Fatalf("pledge %+v %v", got, err)
	}
	env.Clock.Set(got.Deadline.AddDays(1).Time().Add(9 * time.Hour))
	ip, ent = as(t, env, "ipoffice"), as(t, env, "ent-a")
	wantBody(t, ip.get("/pledges/review"), fmt.Sprintf(`class="review-item overdue" id="pledge-%d"`, second.ID),
		`<span class="deadline error-text">审查期限 `+got.Deadline.String()+`（已超期）</span>`)
	p = ip.submit(path+"/register", nil)
	wantStatus(t, p, http.StatusConflict)
	wantBody(t, p, "所涉专利已被登记质押")
	ip.submitOK(path+"/refuse", url.Values{"grounds": {pledge.GroundAlreadyPledged}, "reason": {"该专利已质押给晋阳示范商业银行"}},
		"/pledges/review", "作出不予登记决定")
	p = ent.get(path)
	wantBody(t, p, "不予登记", "专利已质押", "already_pledged", "该专利已质押给晋阳示范商业银行", "查看不予登记通知书")
	wantBody(t, ent.get(path+"/notice"), "专利权质押不予登记通知书")
}

// A release filed by the bank waits in the IP office's amendments queue;
// a lapsed patent shows as a risk to the bank and on the detail page.
func TestPledgeAmendmentsAndRisks(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	ent, bank, ip := as(t, env, "ent-a"), as(t, env, "bank-a"), as(t, env, "ipoffice")
	pl := filePledge(t, env, ent, "ZY-AMD-1", entAPatent1)
	path := fmt.Sprintf("/pledges/%d", pl.ID)
	bank.submitOK(path+"/confirm", nil, "/pledges/pending", "已确认")
	ip.submitOK(path+"/register", nil, "/pledges/review", "已准予登记")

	// The patent lapses: the bank is alerted, the pledge flagged.
	if _, err := env.App.Registry.SetLegalStatus(ctx, audit.Actor{Username: "ipoffice", Role: "ip_office"}, entAPatent1,
		registry.StatusLapsed, "未缴年费", "公告"); err != nil {
		t.Fatal(err)
	}
	p := bank.get("/risks")
	wantBody(t, p, "质押物风险", entAPatent1, "因未缴年费专利权终止", `href="`+path+`"`)
	wantBody(t, ent.get(path), `class="alert alert-error impaired"`, "因未缴年费专利权终止")
	wantNoBody(t, as(t, env, "bank-b").get("/risks"), entAPatent1)

	// The bank files a release; the IP office examines it.
	bankUser, err := env.App.Accounts.UserByUsername(ctx, "bank-a")
	if err != nil {
		t.Fatal(err)
	}
	m, err := env.App.Pledges.FileAmendment(ctx, audit.Actor{UserID: bankUser.ID, Username: "bank-a", OrgID: bankUser.OrgID, Role: "bank"},
		pl.ID, pledge.AmendmentInput{Kind: pledge.AmendRelease, Release: &pledge.ReleaseInput{Cause: "repaid"}})
	if err != nil || m.State != pledge.AmendSubmitted {
		t.Fatalf("amendment %+v %v", m, err)
	}
	p = ip.get("/pledges/amendments")
	card := fmt.Sprintf(`id="amendment-%d"`, m.ID)
	wantBody(t, p, card, "注销登记", "债务已清偿", "ZY-AMD-1")
	p = ip.submit(fmt.Sprintf("/pledges/amendments/%d/refuse", m.ID), url.Values{"reason": {""}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "请填写理由", card)
	wantStatus(t, bank.submit(fmt.Sprintf("/pledges/amendments/%d/register", m.ID), nil), http.StatusForbidden)
	ip.submitOK(fmt.Sprintf("/pledges/amendments/%d/register", m.ID), nil, "/pledges/amendments", "已准予注销登记。")
	if got, _ := env.App.Pledges.Get(ctx, pl.ID); got.State != pledge.StateReleased {
		t.Fatalf("after the release the pledge is %s", got.State)
	}
	wantBody(t, ent.get(path), "已注销")
	// Deciding it again: the form is gone, the reason shown at the top.
	p = ip.submit(fmt.Sprintf("/pledges/amendments/%d/register", m.ID), nil)
	wantStatus(t, p, http.StatusConflict)
	wantBody(t, p, "当前不能办理该事项")
}
