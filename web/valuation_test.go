package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ipledge/ipledge/app/apptest"
	pg "github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/valuation"
)

// vaIndicators are every indicator's form name.
var vaIndicators = []string{"stability", "remaining_life", "scope", "dependence", "infringement_detectability", "legal_status",
	"advancement", "maturity", "substitutability", "applicability", "forward_citations", "family_size",
	"market_application", "market_size", "market_share", "competitiveness", "policy_fit"}

// vaRow fills row k of the valuation form: every indicator 70, three
// years of ¥10,000 revenue, royalty 5 %, discount 10 %, tax 25 %, life 3.
func vaRow(f url.Values, k int, number string) url.Values {
	p := fmt.Sprintf("p%d_", k)
	if number != "" {
		f.Set(p+"number", number)
	}
	for _, ind := range vaIndicators {
		f.Set(p+"ind_"+ind, "70")
	}
	f.Set(p+"industry", "general")
	f.Set(p+"royalty", "5")
	f.Set(p+"discount", "10")
	f.Set(p+"tax", "25")
	f.Set(p+"life", "3")
	f.Set(p+"revenue", "10,000\n10000.00\n10000")
	return f
}

func vaForm(scenario string, numbers ...string) url.Values {
	f := url.Values{"scenario": {scenario}, "slots": {fmt.Sprint(max(len(numbers), 1))}}
	for k, n := range numbers {
		vaRow(f, k, n)
	}
	return f
}

func valuationsOf(t *testing.T, env *apptest.Env, orgID int64) []valuation.Valuation {
	t.Helper()
	vs, err := env.App.Valuations.List(context.Background(), orgID, pg.Request{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return vs.Items
}

var vaLocation = regexp.MustCompile(`^/valuations/(\d+)$`)

// createValuation submits the form and returns the result page's path.
func createValuation(t *testing.T, b *browser, form url.Values) string {
	t.Helper()
	p := b.submit("/valuations/new", form)
	if p.Status != http.StatusSeeOther || !vaLocation.MatchString(p.Header.Get("Location")) {
		t.Fatalf("valuation: status %d, location %q\n%s", p.Status, p.Header.Get("Location"), p.Body)
	}
	return p.Header.Get("Location")
}

func TestValuationPagesEnforceRoles(t *testing.T) {
	env := apptest.New(t)
	before := len(valuationsOf(t, env, 0))
	owners := map[string]bool{"bank-a": true, "ipoffice": true, "ent-a": true}
	for _, u := range []string{"bank-a", "ipoffice", "ent-a", "bureau", "tto-a", "admin"} {
		b := as(t, env, u)
		for _, path := range []string{"/valuations", "/valuations/new", "/valuations/999999"} {
			p := b.get(path)
			switch {
			case owners[u] && path != "/valuations/999999":
				wantStatus(t, p, http.StatusOK)
				wantNoBody(t, p, "建设中")
			case owners[u]:
				wantStatus(t, p, http.StatusNotFound)
			default:
				if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "无权访问") {
					t.Fatalf("%s GET %s: status %d, want the 403 page", u, path, p.Status)
				}
			}
		}
		if !owners[u] {
			wantStatus(t, b.submit("/valuations/new", vaForm("general", entAPatent1)), http.StatusForbidden)
		}
		if owners[u] {
			wantBody(t, b.get("/"), `href="/valuations"`, ">专利评估</a>")
		}
	}
	if n := len(valuationsOf(t, env, 0)) - before; n != 0 {
		t.Fatalf("a forbidden form stored %d valuations", n)
	}
	wantRedirect(t, newBrowser(t, env.Server.URL).get("/valuations/new"), "/login?next=%2Fvaluations%2Fnew")
}

// The form comes with defaults filled in and says which indicators the
// platform measures itself.
func TestValuationFormDefaults(t *testing.T) {
	env := apptest.New(t)
	before := len(valuationsOf(t, env, 0))
	p := as(t, env, "bank-a").get("/valuations/new?patent=" + entAPatent1)
	wantBody(t, p, `action="/valuations/new"`, `name="p0_number" type="text" value="`+entAPatent1+`"`,
		`name="p0_ind_stability" type="text" inputmode="decimal" value="60"`, `name="p0_royalty" type="text" inputmode="decimal" value="4"`,
		`name="p0_discount" type="text" inputmode="decimal" value="10"`, `name="p0_tax" type="text" inputmode="decimal" value="25"`,
		`name="p0_life" type="text" inputmode="decimal" value="5"`, "医药与生物技术（4%–10%，常用 6%）",
		"平台计算，填写值不采用", "此处填写的分值不予采用", "平台默认权重（非国家标准原表）", `name="add"`)
	// "增加一项专利" keeps what was typed and adds a row.
	f := vaForm("finance", entAPatent1)
	f.Set("add", "1")
	p = as(t, env, "bank-a").submit("/valuations/new", f)
	wantStatus(t, p, http.StatusOK)
	wantBody(t, p, `name="p1_number"`, `name="p1_ind_maturity" type="text" inputmode="decimal" value="60"`,
		`name="p0_ind_maturity" type="text" inputmode="decimal" value="70"`, `<option value="finance" selected>`)
	// An enterprise ticks its own patents.
	p = as(t, env, "ent-a").get("/valuations/new")
	wantBody(t, p, `name="p0_use" value="1"`, entAPatent1, entAPatent2)
	wantNoBody(t, p, "202121635426.6", `name="p0_number" type="text"`, `name="p0_use" value="1" checked`)
	p = as(t, env, "ent-a").get("/valuations/new?patent=" + url.QueryEscape(entAPatent2))
	wantBody(t, p, `value="1" checked>`)
	if n := len(valuationsOf(t, env, 0)) - before; n != 0 {
		t.Fatalf("the form stored %d valuations", n)
	}
}

// Another bank or enterprise gets the 404 page for a valuation that is
// not its own; the IP office reads every one.
func TestValuationOtherTenantGets404(t *testing.T) {
	env := apptest.New(t)
	path := createValuation(t, as(t, env, "bank-a"), vaForm("general", entAPatent1))
	for _, u := range []string{"bank-b", "ent-b", "ent-a"} {
		b := as(t, env, u)
		for _, pth := range []string{path, "/valuations/999999", "/valuations/abc"} {
			p := b.get(pth)
			wantStatus(t, p, http.StatusNotFound)
			wantBody(t, p, "页面不存在")
			wantNoBody(t, p, entAPatent1)
		}
		wantNoBody(t, b.get("/valuations"), entAPatent1)
	}
	wantBody(t, as(t, env, "ipoffice").get(path), entAPatent1, "晋阳示范商业银行")
	wantBody(t, as(t, env, "ipoffice").get("/valuations"), entAPatent1, "评估机构")
	wantBody(t, as(t, env, "bank-a").get("/valuations"), entAPatent1, `href="`+path+`"`)
}

// Bad input shows the form again with the reason in Chinese next to the
// field and what was typed, and stores nothing.
func TestValuationFormBadInput(t *testing.T) {
	env := apptest.New(t)
	before := len(valuationsOf(t, env, 0))
	bank := as(t, env, "bank-a")
	cases := []struct {
		name   string
		change func(url.Values)
		want   []string
	}{
		{"royalty above 100", func(f url.Values) { f.Set("p0_royalty", "150") }, []string{"提成率应在 0% 到 100% 之间", `value="150"`}},
		{"negative discount", func(f url.Values) { f.Set("p0_discount", "-1") }, []string{"折现率应在 0% 到 100% 之间"}},
		{"not a number", func(f url.Values) { f.Set("p0_tax", "二十五") }, []string{"所得税税率请填写数字"}},
		{"zero life", func(f url.Values) { f.Set("p0_life", "0") }, []string{"经济寿命应大于 0 年且不超过 50 年"}},
		{"revenue in thousandths", func(f url.Values) { f.Set("p0_revenue", "1000\n1000.123\n1000") },
			[]string{"第 2 年收入最多精确到分（小数点后两位）", "1000.123"}},
		{"revenue negative", func(f url.Values) { f.Set("p0_revenue", "-5") }, []string{"第 1 年收入不能为负数"}},
		{"forecast too short", func(f url.Values) { f.Set("p0_revenue", "10000") },
			[]string{"剩余经济寿命需要 3 年的收入预测，目前只填写了 1 年"}},
		{"no revenue", func(f url.Values) { f.Set("p0_revenue", "") }, []string{"请逐年填写收入预测，或填写首年收入"}},
		{"both forecasts", func(f url.Values) { f.Set("p0_base", "10000") }, []string{"逐年收入预测与首年收入只能填写一种"}},
		{"score above 100", func(f url.Values) { f.Set("p0_ind_stability", "120") }, []string{"稳定性的分值应在 0 到 100 之间"}},
		{"score missing", func(f url.Values) { f.Set("p0_ind_maturity", "") }, []string{"平台没有该指标的数据，请填写 0–100 的分值"}},
		{"unknown patent", func(f url.Values) { f.Set("p0_number", "202110123456.7") }, []string{"专利登记簿中没有该专利"}},
		{"bad number", func(f url.Values) { f.Set("p0_number", "202110123456.1") }, []string{"申请号有误"}},
		{"no patent", func(f url.Values) { f.Set("p0_number", "") }, []string{"请至少选择一项专利"}},
		{"unknown industry", func(f url.Values) { f.Set("p0_industry", "mining") }, []string{"请从列表中选择所属行业"}},
		{"bad scenario", func(f url.Values) { f.Set("scenario", "retail") }, []string{"评估场景应为通用或金融"}},
		{"several", func(f url.Values) { f.Set("p0_royalty", "150"); f.Set("p0_discount", "-1") },
			[]string{"提交的内容有误，请按提示修改。", "提成率应在", "折现率应在"}},
	}
	for _, c := range cases {
		f := vaForm("general", entAPatent1)
		c.change(f)
		p := bank.submit("/valuations/new", f)
		if p.Status != http.StatusBadRequest {
			t.Fatalf("%s: status %d, want 400\n%s", c.name, p.Status, p.Body)
		}
		wantBody(t, p, append(c.want, "field-error", "<h1>新建专利评估</h1>", `class="alert alert-error"`)...)
		for _, code := range []string{"validation_failed", "out_of_range", "unknown_patent", "invalid_decimal", "too_short"} {
			if strings.Contains(p.Body, code) {
				t.Fatalf("%s: the service code %q leaked", c.name, code)
			}
		}
	}
	// An enterprise that ticks nothing.
	ent := as(t, env, "ent-a")
	f := vaRow(url.Values{"scenario": {"general"}}, 0, "")
	p := ent.submit("/valuations/new", f)
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "请至少选择一项专利")
	if n := len(valuationsOf(t, env, 0)) - before; n != 0 {
		t.Fatalf("bad input stored %d valuations", n)
	}
}

// A valuation through the form: the result page shows the numbers worked
// out in api/valuation_test.go, the tables and the chart.
func TestValuationResultPage(t *testing.T) {
	env := apptest.New(t)
	bank := as(t, env, "bank-a")
	path := createValuation(t, bank, vaForm("finance", entAPatent1))
	p := bank.get(path)
	wantStatus(t, p, http.StatusOK)
	// Each year 1,000,000 fen × 5 % × 75 % = 37,500 fen; at 10 %:
	// 34,090.91 + 30,991.74 + 28,174.31 = 93,256.95 → ¥932.57; the loan
	// 15 % of it → ¥139.89.
	wantBody(t, p, "评估完成：评估价值 ¥932.57，建议贷款额 ¥139.89。",
		`<dd class="strong" id="total-value">¥932.57</dd>`, `<dd class="strong" id="recommended-loan">¥139.89</dd>`,
		"平台默认权重（非国家标准原表）", "金融（质押融资）场景", "评估人填写", "平台计算",
		"¥375.00", "¥340.91", "¥309.92", "¥281.74", "0.909091", "第 3 年",
		"<svg", `class="cashflow-chart"`, "<rect", "第 1 年现值 ¥340.91",
		"敏感性分析", "8%（-2 个百分点）", "6.25%（&#43;25%）", `class="num centre">¥932.57</td>`,
		"15.0000%", "¥139.89")
	if strings.Contains(p.Body, "<script") {
		t.Fatalf("the result page runs a script")
	}
	wantBody(t, bank.get("/valuations"), "¥932.57", "¥139.89", entAPatent1)

	// An enterprise values both its patents: the one with under five years
	// left counts zero, and the page says why in Chinese.
	ent := as(t, env, "ent-a")
	f := vaRow(vaRow(url.Values{"scenario": {"general"}}, 0, ""), 1, "")
	f.Set("p0_use", "1")
	f.Set("p1_use", "1")
	epath := createValuation(t, ent, f)
	p = ent.get(epath)
	wantBody(t, p, entAPatent1, entAPatent2, "计为零：剩余保护期", "低于实用新型专利适用质押率所需的 5 年", "主要价值专利")
	wantNoBody(t, p, "remaining_life_below_minimum")
}

// The bank attaches its valuation when confirming; the pledge page shows
// the value and the recommendation against the secured amount, flagged,
// and the pledgor may then read the valuation.
func TestPledgeShowsValuation(t *testing.T) {
	env := apptest.New(t)
	ent, bank := as(t, env, "ent-a"), as(t, env, "bank-a")
	vpath := createValuation(t, bank, vaForm("finance", entAPatent1))
	vid := vaLocation.FindStringSubmatch(vpath)[1]
	// ent-a's own valuation of both patents does not match the pledge.
	f := vaRow(vaRow(url.Values{"scenario": {"general"}}, 0, ""), 1, "")
	f.Set("p0_use", "1")
	f.Set("p1_use", "1")
	other := vaLocation.FindStringSubmatch(createValuation(t, ent, f))[1]
	wantStatus(t, ent.get(vpath), http.StatusNotFound)

	pl := filePledge(t, env, ent, "ZY-VAL-1", entAPatent1)
	id := fmt.Sprint(pl.ID)
	p := bank.get("/pledges/pending")
	wantBody(t, p, `name="valuation_id"`, `<option value="`+vid+`">评估 #`+vid, "建议贷款额 ¥139.89",
		`href="/valuations/new?patent=`+url.QueryEscape(entAPatent1)+`"`)
	p = bank.submit("/pledges/"+id+"/confirm", url.Values{"valuation_id": {other}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "所选评估涵盖的专利与本申请的质押专利不一致", `id="pledge-`+id+`"`)
	p = bank.submit("/pledges/"+id+"/confirm", url.Values{"valuation_id": {"x"}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "请从列表中选择评估")
	bank.submitOK("/pledges/"+id+"/confirm", url.Values{"valuation_id": {vid}}, "/pledges/pending", "已附评估 #"+vid+"（建议贷款额 ¥139.89）。")

	for _, b := range []*browser{ent, bank, as(t, env, "ipoffice")} {
		p = b.get("/pledges/" + id)
		wantBody(t, p, `id="pledge-valuation"`, "¥932.57", "¥139.89", "¥3,000,000.50", `class="status status-revoked secured-above">高于建议贷款额`,
			`class="alert alert-error secured-flag"`, `href="`+vpath+`"`)
	}
	// The pledgor reads the attached valuation now; another tenant still not.
	wantBody(t, ent.get(vpath), "¥932.57")
	wantStatus(t, as(t, env, "ent-b").get(vpath), http.StatusNotFound)
	// A pledge without a valuation shows none.
	pl2 := filePledge(t, env, ent, "ZY-VAL-2", entAPatent2)
	wantNoBody(t, ent.get(fmt.Sprintf("/pledges/%d", pl2.ID)), `id="pledge-valuation"`)
}
