package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/licensing"
	"github.com/ipledge/ipledge/platform/audit"
	pg "github.com/ipledge/ipledge/platform/page"
)

// tto-a's demo patents (app/demo_registry.go, app/demo_licensing.go).
const (
	ttoInvention = "202211359874.7" // 一种web端数据通用采集方法, granted 2024
	ttoPending   = "202211740332.4"
	ttoDormant   = "202121741650.3" // utility model granted 2022: dormant
)

func openLicencesOf(t *testing.T, env *apptest.Env) []licensing.OpenLicence {
	t.Helper()
	os, err := env.App.Licensing.OpenLicences(context.Background(), licensing.OpenLicenceFilter{}, pg.Request{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return os.Items
}

func needsOf(t *testing.T, env *apptest.Env, username string) []licensing.Need {
	t.Helper()
	ns, err := env.App.Search.Needs(context.Background(), userOrg(t, env, username), pg.Request{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return ns.Items
}

func intentsOf(t *testing.T, env *apptest.Env, username string) []licensing.Intent {
	t.Helper()
	is, err := env.App.Licensing.Intents(context.Background(), audit.Actor{OrgID: userOrg(t, env, username)}, "", pg.Request{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return is.Items
}

func declareForm(number string, extra map[string]string) url.Values {
	f := url.Values{"patent_number": {number}, "mode": {"lump_sum"}, "lump_sum": {"50,000.00"}, "payment_schedule": {"once"},
		"term_years": {"3"}}
	for k, v := range extra {
		f.Set(k, v)
	}
	return f
}

func TestLicensingPagesEnforceRoles(t *testing.T) {
	env := apptest.New(t)
	allowed := map[string][]string{
		"tto-a": {"/search", "/licensing/listings", "/patents/dormant", "/licences", "/licences/intents", "/licensing/patents/" + ttoDormant},
		"ent-a": {"/search", "/demands", "/licences/intents", "/licensing/patents/" + ttoDormant},
	}
	pages := []string{"/search", "/licensing/listings", "/patents/dormant", "/licences", "/licences/intents", "/demands",
		"/licensing/patents/" + ttoDormant}
	for _, u := range []string{"tto-a", "ent-a", "bank-a", "ipoffice", "bureau", "admin"} {
		b := as(t, env, u)
		for _, path := range pages {
			p := b.get(path)
			ok := path == "/search" || strings.HasPrefix(path, "/licensing/patents/")
			for _, a := range allowed[u] {
				ok = ok || a == path
			}
			if ok {
				wantStatus(t, p, http.StatusOK)
				wantNoBody(t, p, "建设中")
			} else if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "无权访问") {
				t.Fatalf("%s GET %s: status %d, want the 403 page", u, path, p.Status)
			}
		}
		if u != "tto-a" {
			wantStatus(t, b.submit("/licences", declareForm(ttoInvention, nil)), http.StatusForbidden)
		}
		if u != "ent-a" {
			wantStatus(t, b.submit("/demands", url.Values{"title": {"电池"}, "description": {"锂电池"}}), http.StatusForbidden)
		}
	}
	if n := len(openLicencesOf(t, env)); n != 0 {
		t.Fatalf("forbidden forms stored %d declarations", n)
	}
	if n := len(needsOf(t, env, "ent-a")); n != 0 {
		t.Fatalf("forbidden forms stored %d needs", n)
	}
	wantBody(t, as(t, env, "tto-a").get("/"), `href="/licensing/listings"`, ">专利检索</a>", ">开放许可</a>")
	wantBody(t, as(t, env, "ent-a").get("/"), `href="/search"`)
	wantRedirect(t, newBrowser(t, env.Server.URL).get("/search"), "/login?next=%2Fsearch")
}

func TestLicensingSearchPage(t *testing.T) {
	env := apptest.New(t)
	b := as(t, env, "bank-a")
	p := b.get("/search?q=" + url.QueryEscape("采集"))
	wantStatus(t, p, http.StatusOK)
	wantBody(t, p, `<mark>采集</mark>`, `href="/licensing/patents/`+ttoInvention+`"`, "太原理工大学技术转移中心")
	wantNoBody(t, p, "&lt;mark&gt;", entAPatent1)
	// Filters: dormant only finds the dormant utility model.
	p = b.get("/search?dormant=true")
	wantBody(t, p, ttoDormant, "沉睡专利")
	wantNoBody(t, p, ttoInvention)
	// An IPC prefix.
	wantBody(t, b.get("/search?ipc=g01n"), ttoDormant)
	// Bad filters: the form again with Chinese errors.
	p = b.get("/search?ipc=XYZ&min_remaining_years=99&q=" + url.QueryEscape("!!"))
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "IPC 分类号格式不正确", "最短剩余保护期请填写 0 至 30 的整数", "检索词须包含汉字、字母或数字", `value="XYZ"`)
	// Script in the query is escaped, never run.
	p = b.get("/search?q=" + url.QueryEscape("<script>alert(1)</script>采集"))
	wantNoBody(t, p, "<script>alert(1)</script>")
	// Pagination: a page of 20 with a next link keeping the filters.
	p = b.get("/search")
	wantStatus(t, p, http.StatusOK)
	// A bad cursor goes back to the first page.
	wantRedirect(t, b.get("/search?q=a&cursor=zzz"), "/search?q=a")
}

func TestLicensingPatentPage(t *testing.T) {
	env := apptest.New(t)
	p := as(t, env, "ent-a").get("/licensing/patents/" + ttoDormant)
	wantStatus(t, p, http.StatusOK)
	wantBody(t, p, "无人机空气污染物溯源系统", `id="dormancy-reason">沉睡专利：`, `id="screening-score">`, "提交许可意向")
	wantNoBody(t, p, "开放许可条件")
	wantStatus(t, as(t, env, "ent-a").get("/licensing/patents/CN999999999999.9"), http.StatusNotFound)
	wantStatus(t, as(t, env, "ent-a").get("/licensing/patents/abc"), http.StatusNotFound)
}

func TestOpenLicenceFormBadInput(t *testing.T) {
	env := apptest.New(t)
	tto := as(t, env, "tto-a")
	for _, c := range []struct {
		form   url.Values
		status int
		want   string
	}{
		{declareForm(ttoInvention, map[string]string{"term_years": "三年"}), http.StatusBadRequest, "许可期限请填写 1 至 20 的整数（年）"},
		{declareForm(ttoInvention, map[string]string{"lump_sum": "abc"}), http.StatusBadRequest, "一次性许可费"},
		{declareForm("", nil), http.StatusBadRequest, "请选择专利申请号"},
		{declareForm(ttoInvention, map[string]string{"down_payment": "100"}), http.StatusBadRequest, "所选支付方式不含入门费，请留空"},
		{declareForm(ttoInvention, map[string]string{"term_years": "30"}), http.StatusBadRequest, "许可期限请填写 1 至 20 的整数（年）"},
		{declareForm(ttoDormant, nil), http.StatusUnprocessableEntity, "须提供专利权评价报告编号"},
		{declareForm(ttoPending, nil), http.StatusConflict, "该专利尚未授权"},
		{declareForm(entAPatent1, nil), http.StatusUnprocessableEntity, "本校不是该专利的登记专利权人"},
		{declareForm(ttoInvention, map[string]string{"lump_sum": "30000000"}), http.StatusUnprocessableEntity, "请填写理由说明"},
	} {
		p := tto.submit("/licences", c.form)
		wantStatus(t, p, c.status)
		wantBody(t, p, c.want, `id="declare-form"`)
	}
	if n := len(openLicencesOf(t, env)); n != 0 {
		t.Fatalf("bad input stored %d declarations", n)
	}
	tto.submitOK("/licences", declareForm(ttoInvention, nil), "/licences", "已发布专利 "+ttoInvention+" 的开放许可声明。")
	os := openLicencesOf(t, env)
	if len(os) != 1 || *os[0].LumpSumFen != 5_000_000 || os[0].TermYears != 3 {
		t.Fatalf("stored %+v", os)
	}
	// A second one is refused in Chinese.
	p := tto.submit("/licences", declareForm(ttoInvention, nil))
	wantStatus(t, p, http.StatusConflict)
	wantBody(t, p, "该专利已有开放许可声明")

	// The enterprise must accept in writing.
	ent := as(t, env, "ent-a")
	accept := "/licensing/open-licences/" + itoa(os[0].ID) + "/accept"
	p = ent.submit(accept, url.Values{"signatory": {"周经理"}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "请勾选“本企业已阅读并书面接受上述许可条件”", `value="周经理"`)
	p = ent.submit(accept, url.Values{"accept_terms": {"1"}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "请填写签署人")
	if n := licencesOf(t, env, ttoInvention); n != 0 {
		t.Fatalf("bad acceptances stored %d licences", n)
	}
	p = ent.submit(accept, url.Values{"accept_terms": {"1"}, "signatory": {"周经理"}})
	wantStatus(t, p, http.StatusSeeOther)
	loc := p.Header.Get("Location")
	if !regexp.MustCompile(`^/licensing/licences/\d+$`).MatchString(loc) {
		t.Fatalf("location %q", loc)
	}
	wantBody(t, ent.get(loc), "开放许可", "太原示范新材料科技有限公司", "¥50,000.00")
	// The other enterprise gets the 404 page for the licence.
	wantStatus(t, as(t, env, "ent-b").get(loc), http.StatusNotFound)
	wantBody(t, tto.get(loc), "太原示范新材料科技有限公司")

	// Withdrawal needs a reason.
	withdraw := "/licences/" + itoa(os[0].ID) + "/withdraw"
	p = tto.submit(withdraw, url.Values{"reason": {" "}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "请填写撤回理由")
	wantStatus(t, as(t, env, "ent-a").submit(withdraw, url.Values{"reason": {"x"}}), http.StatusForbidden)
	tto.submitOK(withdraw, url.Values{"reason": {"转为独占许可谈判"}}, "/licences", "已撤回专利 "+ttoInvention+" 的开放许可声明")
	wantStatus(t, tto.submit("/licences/999999/withdraw", url.Values{"reason": {"x"}}), http.StatusNotFound)
}

func licencesOf(t *testing.T, env *apptest.Env, number string) int {
	t.Helper()
	l, err := env.App.Licensing.ListingByPatent(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range l.Events {
		if e.Kind == licensing.EventLicence {
			n++
		}
	}
	return n
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestNeedsAndMatches(t *testing.T) {
	env := apptest.New(t)
	ent := as(t, env, "ent-a")
	for _, c := range []struct {
		form url.Values
		want []string
	}{
		{url.Values{"title": {""}, "description": {""}}, []string{"请填写需求名称", "请填写需求描述"}},
		{url.Values{"title": {"监测"}, "description": {"空气污染"}, "budget_min": {"100"}, "budget_max": {"50"}}, []string{"预算上限不能低于预算下限"}},
		{url.Values{"title": {"监测"}, "description": {"空气污染"}, "budget_max": {"五万"}}, []string{"预算上限"}},
		{url.Values{"title": {"监测"}, "description": {"空气污染"}, "ipc_codes": {"ZZ"}}, []string{"IPC 分类号格式不正确"}},
	} {
		p := ent.submit("/demands", c.form)
		wantStatus(t, p, http.StatusBadRequest)
		wantBody(t, p, c.want...)
	}
	if n := len(needsOf(t, env, "ent-a")); n != 0 {
		t.Fatalf("bad input stored %d needs", n)
	}
	p := ent.submit("/demands", url.Values{"title": {"无人机空气污染监测"}, "description": {"用无人机对空气污染物溯源监测"},
		"budget_max": {"100000"}})
	wantStatus(t, p, http.StatusSeeOther)
	loc := p.Header.Get("Location")
	p = ent.get(loc)
	wantStatus(t, p, http.StatusOK)
	wantBody(t, p, `id="match-`+ttoDormant+`"`, "共有词项", "沉睡专利（筛选评分", "表达许可意向")
	// Another enterprise's need is the 404 page.
	for _, path := range []string{loc, "/demands/999999", "/demands/x"} {
		p := as(t, env, "ent-b").get(path)
		wantStatus(t, p, http.StatusNotFound)
		wantNoBody(t, p, "无人机空气污染监测")
	}
}

func TestIntentsInbox(t *testing.T) {
	env := apptest.New(t)
	ent, tto := as(t, env, "ent-a"), as(t, env, "tto-a")
	intent := "/licensing/patents/" + ttoDormant + "/intent"
	p := ent.submit(intent, url.Values{"message": {"  "}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "请填写留言")
	p = ent.submit("/licensing/patents/"+entAPatent2+"/intent", url.Values{"message": {"有意向"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantBody(t, p, "该专利未列入高校转化清单")
	wantStatus(t, tto.submit(intent, url.Values{"message": {"x"}}), http.StatusForbidden)
	if n := len(intentsOf(t, env, "ent-a")); n != 0 {
		t.Fatalf("bad input stored %d intents", n)
	}
	p = ent.submit(intent, url.Values{"message": {"拟用于环境监测无人机"}})
	wantStatus(t, p, http.StatusSeeOther)
	loc := p.Header.Get("Location")
	wantBody(t, tto.get("/licences/intents"), "太原示范新材料科技有限公司", "待回复", `href="`+loc+`"`)
	// The TTO replies, refuses a decline without a reason, then declines.
	tto.submitOK(loc+"/reply", url.Values{"message": {"欢迎来校洽谈"}}, loc, "留言已发送。")
	p = tto.submit(loc+"/decline", url.Values{"message": {""}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "请填写留言", `id="decline-form"`)
	p = tto.submit(loc+"/licensed", url.Values{"licence_kind": {"ordinary"}, "effective_on": {"2026-13-01"}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "生效日期请按“年-月-日”填写")
	wantBody(t, ent.get(loc), "洽谈中", "欢迎来校洽谈")
	// Another enterprise: 404 for the page and its forms.
	entB := as(t, env, "ent-b")
	wantStatus(t, entB.get(loc), http.StatusNotFound)
	wantStatus(t, entB.submit(loc+"/reply", url.Values{"message": {"x"}}), http.StatusNotFound)
	wantStatus(t, entB.submit(loc+"/withdraw", url.Values{"message": {"x"}}), http.StatusNotFound)
	wantStatus(t, ent.submit(loc+"/decline", url.Values{"message": {"x"}}), http.StatusForbidden)
	tto.submitOK(loc+"/decline", url.Values{"message": {"已另行许可"}}, loc, "已谢绝该许可意向。")
	p = ent.submit(loc+"/withdraw", url.Values{"message": {"不再需要"}})
	wantStatus(t, p, http.StatusConflict)
	wantBody(t, p, "该事项已办结或状态已变化")
	// The notification link leads to the page.
	wantRedirect(t, ent.get(strings.Replace(loc, "/licences/", "/licensing/", 1)), loc)
}

func upload(t *testing.T, b *browser, mode, name, content string) *page {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("mode", mode)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write([]byte(content))
	_ = mw.Close()
	req, err := http.NewRequest(http.MethodPost, b.base+"/licensing/listings/import", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

func TestListingImport(t *testing.T) {
	env := apptest.New(t)
	tto := as(t, env, "tto-a")
	count := func() int {
		ls, err := env.App.Licensing.Listings(context.Background(), licensing.ListingFilter{OrgID: userOrg(t, env, "tto-a")}, pg.Request{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		return len(ls.Items)
	}
	before := count()
	csv := "申请号,转化前景,备注\n" + ttoInvention + ",好,\n" + entAPatent1 + ",一般,\n202299999999.1,极好,\n"
	p := upload(t, tto, "all_or_nothing", "pool.csv", csv)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantBody(t, p, "未导入任何专利", "第 3 行", "该专利的专利权人不是本校", "第 4 行", "转化前景应为", "该专利已在清单中")
	p = upload(t, tto, "all_or_nothing", "pool.xls", "\xd0\xcf\x11\xe0garbage")
	if p.Status < 400 {
		t.Fatalf("an old .xls: status %d", p.Status)
	}
	wantBody(t, p, `class="alert alert-error"`)
	if n := count() - before; n != 0 {
		t.Fatalf("a rejected import stored %d listings", n)
	}
	wantStatus(t, as(t, env, "ent-a").submit("/licensing/listings/import", url.Values{}), http.StatusForbidden)
	p = tto.submit("/licensing/listings", url.Values{"patent_number": {entAPatent1}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantBody(t, p, "本校不是该专利的登记专利权人")
	p = tto.submit("/licensing/listings", url.Values{"patent_number": {"abc"}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "专利申请号")
	if n := count() - before; n != 0 {
		t.Fatalf("bad input stored %d listings", n)
	}
	wantBody(t, tto.get("/patents/dormant"), ttoDormant, "沉睡专利：")
}
