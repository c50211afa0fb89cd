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

	"github.com/ipledge/ipledge/app"
	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/platform/audit"
	pg "github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/uscc"
	"github.com/ipledge/ipledge/whitelist"
)

// The demo firms the whitelist tests rely on (app/demo_whitelist.go).
const (
	entAUSCC = "91140100MA0G3K8T2B" // ent-a: active in 2026年第1批
	entBUSCC = "91140600MA0H7L2N51" // ent-b: nominated by the bureau, pending
)

// testUSCC makes a valid code from a serial number (digits only, so no
// demo code collides with it).
func testUSCC(i int) string {
	first := fmt.Sprintf("91140100MA%07d", i)
	return first + string(uscc.CheckCharacter(first))
}

// as logs a demo account in through the form.
func as(t *testing.T, env *apptest.Env, username string) *browser {
	t.Helper()
	b := newBrowser(t, env.Server.URL)
	wantRedirect(t, b.login(username, app.DemoPassword), "/")
	return b
}

// submit posts a form as a browser does from a page of this site.
func (b *browser) submit(path string, form url.Values) *page {
	b.t.Helper()
	return b.post(path, form, "Origin", b.base, "Sec-Fetch-Site", "same-origin")
}

// submitOK posts a form that must succeed: a 303 to target, whose page
// shows the flash message.
func (b *browser) submitOK(path string, form url.Values, target, flash string) *page {
	b.t.Helper()
	p := b.submit(path, form)
	if p.Status != http.StatusSeeOther {
		b.t.Fatalf("POST %s: status %d, want 303; body:\n%s", path, p.Status, p.Body)
	}
	wantRedirect(b.t, p, target)
	next := b.get(target)
	wantStatus(b.t, next, http.StatusOK)
	wantBody(b.t, next, `class="alert alert-ok flash"`, flash)
	// The flash shows once.
	if again := b.get(target); strings.Contains(again.Body, flash) && strings.Contains(again.Body, "flash") {
		b.t.Fatalf("the flash %q shows twice", flash)
	}
	return next
}

func wantNoBody(t *testing.T, p *page, parts ...string) {
	t.Helper()
	for _, s := range parts {
		if strings.Contains(p.Body, s) {
			t.Fatalf("page has %q:\n%s", s, p.Body)
		}
	}
}

var ipActor = audit.Actor{Username: "test", Role: "ip_office"}

// batchID finds a batch by name.
func batchID(t *testing.T, env *apptest.Env, name string) int64 {
	t.Helper()
	bs, err := env.App.Whitelist.Batches(context.Background(), pg.Request{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs.Items {
		if b.Name == name {
			return b.ID
		}
	}
	t.Fatalf("no batch %q", name)
	return 0
}

// pendingNomination finds the open nomination of a code.
func pendingNomination(t *testing.T, env *apptest.Env, code string) whitelist.Nomination {
	t.Helper()
	ns, err := env.App.Whitelist.Nominations(context.Background(), pg.Request{Limit: 500},
		whitelist.NominationFilter{USCC: code, Status: whitelist.NominationPending})
	if err != nil || len(ns.Items) != 1 {
		t.Fatalf("pending nominations of %s: %v %v", code, ns.Items, err)
	}
	return ns.Items[0]
}

// newestEntry is a firm's newest whitelist entry.
func newestEntry(t *testing.T, env *apptest.Env, code string) whitelist.Entry {
	t.Helper()
	ent, err := env.App.Whitelist.Enterprise(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	es, err := env.App.Whitelist.Entries(context.Background(), pg.Request{Limit: 500}, whitelist.EntryFilter{EnterpriseID: ent.ID})
	if err != nil || len(es.Items) == 0 {
		t.Fatalf("entries of %s: %v", code, err)
	}
	return es.Items[len(es.Items)-1]
}

func nominateForm(code, name string, patents int) url.Values {
	return url.Values{"uscc": {code}, "name": {name}, "industry": {"先进制造"}, "is_sme": {"1"},
		"hightech_cert_no": {"GR202514000001"}, "hightech_valid_until": {"2028-12-31"}, "srdi_level": {"provincial"},
		"bureau_doc_no": {"晋民经发〔2026〕40号"}, "bureau_recognised_on": {"2026-06-01"},
		"valid_invention_patents": {fmt.Sprint(patents)}, "evidence": {"省级专精特新中小企业"}}
}

// Each whitelist page answers its own role and shows every other role the
// 403 page; so does each form.
func TestWhitelistPagesEnforceRoles(t *testing.T) {
	env := apptest.New(t)
	first := batchID(t, env, "2026年第1批")
	pages := map[string]string{
		"/whitelist/lookup":                         "bank-a",
		"/whitelist/lookup?uscc=" + entAUSCC:        "bank-a",
		"/whitelist/changes":                        "bank-a",
		"/whitelist/nominate":                       "bureau",
		"/whitelist/nominations":                    "bureau",
		"/whitelist/review":                         "ipoffice",
		"/whitelist/batches":                        "ipoffice",
		fmt.Sprintf("/whitelist/batches/%d", first): "ipoffice",
		"/whitelist/entries":                        "ipoffice",
		"/whitelist/enterprises/" + entAUSCC:        "ipoffice",
		"/whitelist/mine":                           "ent-a",
	}
	users := []string{"bank-a", "bureau", "ipoffice", "ent-a", "tto-a", "admin"}
	browsers := map[string]*browser{}
	for _, u := range users {
		browsers[u] = as(t, env, u)
	}
	for path, owner := range pages {
		for _, u := range users {
			p := browsers[u].get(path)
			if u == owner {
				wantStatus(t, p, http.StatusOK)
				wantNoBody(t, p, "建设中")
				continue
			}
			if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "无权访问") {
				t.Fatalf("%s GET %s: status %d, want the 403 page", u, path, p.Status)
			}
		}
	}
	// Without a session: the login page, coming back afterwards.
	wantRedirect(t, newBrowser(t, env.Server.URL).get("/whitelist/review"), "/login?next=%2Fwhitelist%2Freview")

	// Forms posted by the wrong role change nothing.
	nom := pendingNomination(t, env, entBUSCC)
	forms := map[string]string{
		"/whitelist/lookup":   "bank-a",
		"/whitelist/nominate": "bureau",
		fmt.Sprintf("/whitelist/nominations/%d/accept", nom.ID): "ipoffice",
		fmt.Sprintf("/whitelist/nominations/%d/reject", nom.ID): "ipoffice",
		"/whitelist/batches": "ipoffice",
		fmt.Sprintf("/whitelist/batches/%d/publish", first):                           "ipoffice",
		fmt.Sprintf("/whitelist/entries/%d/revoke", newestEntry(t, env, entAUSCC).ID): "ipoffice",
	}
	for path, owner := range forms {
		for _, u := range []string{"bank-a", "bureau", "ent-a"} {
			if u == owner {
				continue
			}
			p := browsers[u].submit(path, url.Values{"reason": {"x"}, "name": {"x"}, "batch_id": {fmt.Sprint(first)}})
			if p.Status != http.StatusForbidden {
				t.Fatalf("%s POST %s: status %d, want 403", u, path, p.Status)
			}
		}
	}
	if n := pendingNomination(t, env, entBUSCC); n.Status != whitelist.NominationPending {
		t.Fatalf("a refused form changed the nomination: %+v", n)
	}
	if st, _ := env.App.Whitelist.Status(context.Background(), entAUSCC); st.Status != whitelist.StatusActive {
		t.Fatalf("a refused form changed ent-a's status: %+v", st)
	}
	// A cross-site form is refused before the role check.
	p := browsers["ipoffice"].post(fmt.Sprintf("/whitelist/nominations/%d/reject", nom.ID), url.Values{"reason": {"x"}},
		"Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site")
	wantStatus(t, p, http.StatusForbidden)
	wantBody(t, p, "请求被拒绝")
}

func TestWhitelistNavigationLinksToPages(t *testing.T) {
	env := apptest.New(t)
	for user, links := range map[string][]string{
		"bank-a":   {`href="/whitelist/lookup"`},
		"bureau":   {`href="/whitelist/nominate"`, `href="/whitelist/nominations"`},
		"ipoffice": {`href="/whitelist/review"`},
		"ent-a":    {`href="/whitelist/mine"`},
	} {
		wantBody(t, as(t, env, user).get("/"), links...)
	}
}

func TestWhitelistBureauNominates(t *testing.T) {
	env := apptest.New(t)
	b := as(t, env, "bureau")
	p := b.get("/whitelist/nominate")
	wantBody(t, p, "<h1>企业推荐</h1>", `name="uscc"`, `name="hightech_valid_until"`, `name="srdi_level"`,
		`name="bureau_doc_no"`, `name="valid_invention_patents"`, `name="evidence"`, `action="/whitelist/nominate"`,
		`class="active" aria-current="page">企业推荐</a>`)

	code := testUSCC(1)
	p = b.submitOK("/whitelist/nominate", nominateForm(code, "阳泉示范新材料有限公司", 4), "/whitelist/nominations",
		"已推荐“阳泉示范新材料有限公司”（"+code+"），等待知识产权局审核。")
	wantBody(t, p, code, "阳泉示范新材料有限公司", `<span class="status status-pending">待审核</span>`,
		// The seeded nominations of the bureau are there too …
		"运城示范生物医药有限公司", `<span class="status status-revoked">未通过</span>`, "无有效发明专利，不符合入选条件")
	// … but not the IP office's.
	wantNoBody(t, p, "长治示范光电科技有限公司", "晋中示范精密制造有限公司")
	n := pendingNomination(t, env, code)
	if !n.Priority || n.Source != whitelist.SourceBureau {
		t.Fatalf("nomination %+v", n)
	}
	ent, err := env.App.Whitelist.Enterprise(context.Background(), code)
	if err != nil || ent.HighTechValidUntil.String() != "2028-12-31" || ent.SRDILevel != "provincial" || ent.ValidInventionPatents != 4 || !ent.IsSME {
		t.Fatalf("enterprise %+v %v", ent, err)
	}

	// Errors are shown in Chinese next to the fields, with what was typed.
	bad := nominateForm(testUSCC(2)[:17]+"X", "", 1)
	bad.Set("bureau_doc_no", "")
	p = b.submit("/whitelist/nominate", bad)
	wantStatus(t, p, http.StatusBadRequest)
	// The code is checked first.
	wantBody(t, p, "校验位应为", `value="`+testUSCC(2)[:17]+`X"`, "field-error")
	bad.Set("uscc", testUSCC(2))
	p = b.submit("/whitelist/nominate", bad)
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "请填写名称", "请填写认定文号", "提交的内容有误", `value="`+testUSCC(2)+`"`, "省级专精特新中小企业")
	bad = nominateForm(testUSCC(3), "X", 1)
	bad.Set("hightech_valid_until", "31/12/2028")
	bad.Set("valid_invention_patents", "many")
	p = b.submit("/whitelist/nominate", bad)
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "高新技术企业证书有效期至请按“年-月-日”填写", "有效发明专利件数请填写 0 或正整数")
	// A second open nomination of the same firm.
	p = b.submit("/whitelist/nominate", nominateForm(code, "阳泉示范新材料有限公司", 4))
	wantStatus(t, p, http.StatusConflict)
	wantBody(t, p, "该企业已有待审核的推荐")
	if strings.Contains(p.Body, "nomination_open") || strings.Contains(p.Body, "already") {
		t.Fatalf("an English service message leaked:\n%s", p.Body)
	}
}

// The IP office's whole path: review, batch, notice, objection, publish;
// then the bank sees the firm active.
func TestWhitelistReviewToPublication(t *testing.T) {
	env := apptest.New(t)
	bureau := as(t, env, "bureau")
	ip := as(t, env, "ipoffice")
	good, thin, refused := testUSCC(11), testUSCC(12), testUSCC(13)
	bureau.submitOK("/whitelist/nominate", nominateForm(good, "忻州示范装备有限公司", 3), "/whitelist/nominations", "忻州示范装备有限公司")
	bureau.submitOK("/whitelist/nominate", nominateForm(thin, "吕梁示范化工有限公司", 0), "/whitelist/nominations", "吕梁示范化工有限公司")
	bureau.submitOK("/whitelist/nominate", nominateForm(refused, "临汾示范食品有限公司", 1), "/whitelist/nominations", "临汾示范食品有限公司")

	p := ip.get("/whitelist/review")
	wantStatus(t, p, http.StatusOK)
	wantBody(t, p, "忻州示范装备有限公司", "吕梁示范化工有限公司", "临汾示范食品有限公司", "朔州示范智能装备有限公司",
		"民营经济发展局推荐 · 优先", "有效发明专利 0 件（要求至少 1 件）", `<span class="status status-revoked">未通过</span>`,
		"2026年第2批", `class="active" aria-current="page">白名单审核</a>`)
	// Priority (the bureau's) first: the IP office's own nomination of
	// the demo is not pending, so compare two of the bureau's with ent-b.
	if strings.Index(p.Body, "朔州示范智能装备有限公司") > strings.Index(p.Body, "忻州示范装备有限公司") {
		t.Fatal("the review queue is not in nomination order within the priority group")
	}

	// A new batch, from the review page.
	ip.submitOK("/whitelist/batches", url.Values{"name": {"2026年第9批"}, "from": {"review"}}, "/whitelist/review", "已新建草稿批次“2026年第9批”。")
	p = ip.submit("/whitelist/batches", url.Values{"name": {"2026年第9批"}})
	wantStatus(t, p, http.StatusConflict)
	wantBody(t, p, "已有同名批次")
	batch := batchID(t, env, "2026年第9批")
	bid := fmt.Sprint(batch)

	// Accept: no batch chosen; a failed check without a reason; then with.
	nGood, nThin, nRefused := pendingNomination(t, env, good), pendingNomination(t, env, thin), pendingNomination(t, env, refused)
	p = ip.submit(fmt.Sprintf("/whitelist/nominations/%d/accept", nGood.ID), url.Values{"batch_id": {""}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "请选择要列入的草稿批次")
	ip.submitOK(fmt.Sprintf("/whitelist/nominations/%d/accept", nGood.ID), url.Values{"batch_id": {bid}},
		"/whitelist/review", "已将“忻州示范装备有限公司”列入批次“2026年第9批”。")
	p = ip.submit(fmt.Sprintf("/whitelist/nominations/%d/accept", nThin.ID), url.Values{"batch_id": {bid}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantBody(t, p, "未通过资格审核：有效发明专利", fmt.Sprintf(`id="nomination-%d"`, nThin.ID))
	ip.submitOK(fmt.Sprintf("/whitelist/nominations/%d/accept", nThin.ID),
		url.Values{"batch_id": {bid}, "override_reason": {"核心技术以实用新型为主，经专家论证予以豁免"}},
		"/whitelist/review", "已将“吕梁示范化工有限公司”列入批次“2026年第9批”。")
	// Accepting a decided nomination.
	p = ip.submit(fmt.Sprintf("/whitelist/nominations/%d/accept", nGood.ID), url.Values{"batch_id": {bid}})
	wantStatus(t, p, http.StatusConflict)
	wantBody(t, p, "当前状态（已通过）下不能执行该操作")

	// Reject: the reason is required.
	p = ip.submit(fmt.Sprintf("/whitelist/nominations/%d/reject", nRefused.ID), url.Values{"reason": {" "}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "请填写不予通过的理由")
	ip.submitOK(fmt.Sprintf("/whitelist/nominations/%d/reject", nRefused.ID), url.Values{"reason": {"推荐材料与工商登记不符"}},
		"/whitelist/review", "“临汾示范食品有限公司”的推荐未予通过")
	p = bureau.get("/whitelist/nominations")
	wantBody(t, p, "推荐材料与工商登记不符", "豁免说明：核心技术以实用新型为主")

	// The batch: notice from today.
	batchPath := "/whitelist/batches/" + bid
	p = ip.get(batchPath)
	wantBody(t, p, "忻州示范装备有限公司", "吕梁示范化工有限公司", `id="notice-form"`, "草稿")
	p = ip.submit(batchPath+"/notice", url.Values{"start": {"2020-01-01"}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "公示开始日期不能早于今天")
	p = ip.submitOK(batchPath+"/notice", url.Values{"start": {""}}, batchPath, "已开始公示，公示期")
	wantBody(t, p, `id="publish-form"`, "登记异议")
	b, err := env.App.Whitelist.Batch(context.Background(), batch)
	if err != nil || b.Status != whitelist.BatchPublicNotice {
		t.Fatalf("batch %+v %v", b, err)
	}

	// An objection against the first firm, recorded and dismissed.
	entry := newestEntry(t, env, good)
	p = ip.submit(fmt.Sprintf("/whitelist/entries/%d/objections", entry.ID), url.Values{"objector": {""}, "content": {""}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "请填写异议人", "请填写异议内容")
	p = ip.submitOK(fmt.Sprintf("/whitelist/entries/%d/objections", entry.ID),
		url.Values{"objector": {"某竞争企业"}, "content": {"该企业专利存在权属纠纷"}}, batchPath, "已登记对“忻州示范装备有限公司”的异议")
	wantBody(t, p, "某竞争企业", "该企业专利存在权属纠纷", "待处理")
	objs, err := env.App.Whitelist.Objections(context.Background(), batch)
	if err != nil || len(objs) != 1 {
		t.Fatalf("objections %v %v", objs, err)
	}
	// Publishing is refused while the notice runs.
	p = ip.submit(batchPath+"/publish", url.Values{})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantBody(t, p, "公示期至 "+b.NoticeEnd.String()+" 结束，期满后方可发布。")
	p = ip.submit(fmt.Sprintf("/whitelist/objections/%d/resolve", objs[0].ID), url.Values{"batch_id": {bid}, "resolution": {"x"}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "请选择异议是否成立")
	ip.submitOK(fmt.Sprintf("/whitelist/objections/%d/resolve", objs[0].ID),
		url.Values{"batch_id": {bid}, "decision": {"dismissed"}, "resolution": {"经核查权属清晰"}}, batchPath, "异议不成立，企业保留在批次中。")

	// After the notice period: publish.
	env.Clock.Set(b.NoticeEnd.AddDays(1).Time().Add(10 * time.Hour))
	p = ip.submit(batchPath+"/publish", url.Values{"effective_on": {b.NoticeEnd.String()}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "生效日期须在公示期结束之后")
	eff := b.NoticeEnd.AddDays(1)
	p = ip.submitOK(batchPath+"/publish", url.Values{"effective_on": {eff.String()}, "valid_until": {eff.AddMonthsClamped(6).String()}},
		batchPath, "已发布，自 "+eff.String()+" 起生效，有效期至 "+eff.AddMonthsClamped(6).String())
	wantBody(t, p, `<span class="status status-active">有效</span>`)

	// The bank: one code, then several with an invalid one.
	bank := as(t, env, "bank-a")
	p = bank.get("/whitelist/lookup?uscc=" + strings.ToLower(good))
	wantStatus(t, p, http.StatusOK)
	wantBody(t, p, `id="single-result"`, "忻州示范装备有限公司", `<span class="status status-active">有效</span>`, "2026年第9批")
	bad := good[:17] + "0"
	if bad == good {
		bad = good[:17] + "1"
	}
	p = bank.submit("/whitelist/lookup", url.Values{"codes": {good + "\n\n" + thin + "\r\n" + bad + "\n" + entBUSCC + "\n" + testUSCC(99)}})
	wantStatus(t, p, http.StatusOK)
	wantBody(t, p, `id="check-results"`, "共 5 个，其中 1 个代码无效", `class="row-error"`, "校验位应为",
		"吕梁示范化工有限公司", "朔州示范智能装备有限公司", `<span class="status status-pending">待生效</span>`,
		`<span class="status status-unlisted">未列入</span>`)
	if n := strings.Count(p.Body, `<td>`+`<span class="status status-active">有效</span></td>`); n != 2 {
		t.Fatalf("%d active rows, want 2:\n%s", n, p.Body)
	}
	// Line numbers are the pasted lines'.
	wantBody(t, p, `<td class="num">4</td><td class="mono">`+bad+`</td>`)

	// The firm's history at the IP office.
	p = ip.get("/whitelist/enterprises/" + good)
	wantBody(t, p, "忻州示范装备有限公司", "推荐", "审核通过，列入批次", "公示", "发布", "民营经济发展局推荐", "ipoffice")
}

func TestWhitelistLookupErrors(t *testing.T) {
	env := apptest.New(t)
	bank := as(t, env, "bank-a")
	p := bank.get("/whitelist/lookup?uscc=12345")
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "统一社会信用代码应为 18 位，当前为 5 位", `value="12345"`)
	p = bank.get("/whitelist/lookup?uscc=" + url.QueryEscape("91140100MA0G3K8TIB"))
	wantBody(t, p, "第 17 位“I”不是允许的字符")
	p = bank.submit("/whitelist/lookup", url.Values{"codes": {" \n "}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "请至少填写一个统一社会信用代码")
	many := strings.Repeat(entAUSCC+"\n", whitelist.MaxBatchCheck+1)
	p = bank.submit("/whitelist/lookup", url.Values{"codes": {many}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "一次最多查询 1000 个代码，当前为 1001 个")
	// A thousand is fine.
	p = bank.submit("/whitelist/lookup", url.Values{"codes": {strings.Repeat(entAUSCC+"\n", whitelist.MaxBatchCheck)}})
	wantStatus(t, p, http.StatusOK)
	wantBody(t, p, "共 1000 个")
}

func TestWhitelistSuspendReinstateRevoke(t *testing.T) {
	env := apptest.New(t)
	ip := as(t, env, "ipoffice")
	ent := as(t, env, "ent-a")
	bank := as(t, env, "bank-a")
	entry := newestEntry(t, env, entAUSCC)
	entPage := "/whitelist/enterprises/" + entAUSCC
	base := fmt.Sprintf("/whitelist/entries/%d/", entry.ID)

	p := ip.get(entPage)
	wantBody(t, p, "太原示范新材料科技有限公司", `formaction="`+base+`suspend"`, `formaction="`+base+`revoke"`)
	wantNoBody(t, p, `formaction="`+base+`reinstate"`)
	wantBody(t, ent.get("/whitelist/mine"), entAUSCC, `<span class="status status-active">有效</span>`, "2026年第1批")

	p = ip.submit(base+"suspend", url.Values{"reason": {""}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "请填写理由", fmt.Sprintf(`id="entry-%d"`, entry.ID))
	p = ip.submitOK(base+"suspend", url.Values{"reason": {"贷款逾期，暂停办理"}}, entPage, "已暂停“太原示范新材料科技有限公司”的白名单资格。")
	wantBody(t, p, `formaction="`+base+`reinstate"`, "贷款逾期，暂停办理")
	wantBody(t, bank.get("/whitelist/lookup?uscc="+entAUSCC), `<span class="status status-suspended">暂停</span>`, "贷款逾期，暂停办理")
	wantBody(t, ent.get("/whitelist/mine"), `<span class="status status-suspended">暂停</span>`, "贷款逾期，暂停办理")
	// Suspending twice is refused in Chinese.
	p = ip.submit(base+"suspend", url.Values{"reason": {"again"}})
	wantStatus(t, p, http.StatusConflict)
	wantBody(t, p, "当前状态（暂停）下不能执行该操作")

	ip.submitOK(base+"reinstate", url.Values{"reason": {"逾期已结清"}}, entPage, "已恢复“太原示范新材料科技有限公司”的白名单资格。")
	wantBody(t, bank.get("/whitelist/lookup?uscc="+entAUSCC), `<span class="status status-active">有效</span>`)
	p = ip.submitOK(base+"revoke", url.Values{"reason": {"提供虚假材料"}}, entPage, "已撤销“太原示范新材料科技有限公司”的白名单资格。")
	wantNoBody(t, p, `formaction="`+base+`suspend"`)
	wantBody(t, p, "暂停", "恢复", "撤销", "提供虚假材料")
	wantBody(t, bank.get("/whitelist/lookup?uscc="+entAUSCC), `<span class="status status-revoked">已撤销</span>`)
	p = ent.get("/whitelist/mine")
	wantBody(t, p, `<span class="status status-revoked">已撤销</span>`, "提供虚假材料", "逾期已结清")
	wantNoBody(t, p, "ipoffice")

	// An unknown entry.
	wantStatus(t, ip.submit("/whitelist/entries/999999/revoke", url.Values{"reason": {"x"}}), http.StatusNotFound)
	// An unknown enterprise.
	wantStatus(t, ip.get("/whitelist/enterprises/"+testUSCC(77)), http.StatusNotFound)
	// The search box.
	wantRedirect(t, ip.get("/whitelist/enterprises?uscc=+"+strings.ToLower(entAUSCC)), "/whitelist/enterprises/"+entAUSCC)
}

func TestWhitelistCloseReview(t *testing.T) {
	env := apptest.New(t)
	ip := as(t, env, "ipoffice")
	if err := env.App.Whitelist.FlagForReview(context.Background(), ipActor, entAUSCC, "质押专利因未缴年费终止"); err != nil {
		t.Fatal(err)
	}
	entry := newestEntry(t, env, entAUSCC)
	p := ip.get("/whitelist/entries")
	wantBody(t, p, "太原示范新材料科技有限公司", "质押专利因未缴年费终止", fmt.Sprintf(`action="/whitelist/entries/%d/close-review"`, entry.ID))
	path := fmt.Sprintf("/whitelist/entries/%d/close-review", entry.ID)
	p = ip.submit(path, url.Values{"outcome": {""}, "from": {"entries"}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "请填写复核结论", `id="review-flags"`)
	p = ip.submitOK(path, url.Values{"outcome": {"已补缴年费，专利恢复"}, "from": {"entries"}}, "/whitelist/entries", "已结束对“太原示范新材料科技有限公司”的复核。")
	wantBody(t, p, "暂无需要复核的企业")
	wantBody(t, ip.get("/whitelist/enterprises/"+entAUSCC), "风险复核提示", "复核结束", "已补缴年费，专利恢复")
}

// The change feed pages newest first: 更早 goes back, 更新 forward.
func TestWhitelistChangeFeedPages(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	entry := newestEntry(t, env, entAUSCC)
	for i := 0; i < 30; i++ {
		if _, err := env.App.Whitelist.Suspend(ctx, ipActor, entry.ID, fmt.Sprintf("暂停%d", i)); err != nil {
			t.Fatal(err)
		}
		if _, err := env.App.Whitelist.Reinstate(ctx, ipActor, entry.ID, fmt.Sprintf("恢复%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	head, err := env.App.Whitelist.LatestChangeSeq(ctx)
	if err != nil || head < 60 {
		t.Fatalf("head %d %v", head, err)
	}
	bank := as(t, env, "bank-a")
	p := bank.get("/whitelist/changes")
	wantStatus(t, p, http.StatusOK)
	wantBody(t, p, "暂停29", fmt.Sprintf(`<td class="num">%d</td>`, head), `<span class="btn disabled" aria-disabled="true">更新</span>`)
	seqs := regexp.MustCompile(`<td class="num">(\d+)</td>`).FindAllStringSubmatch(p.Body, -1)
	if len(seqs) != 50 || seqs[0][1] != fmt.Sprint(head) || seqs[49][1] != fmt.Sprint(head-49) {
		t.Fatalf("the first page has %d rows from %v", len(seqs), seqs[0])
	}
	older := regexp.MustCompile(`<a class="btn" href="([^"]+)" rel="prev">更早</a>`).FindStringSubmatch(p.Body)
	if older == nil {
		t.Fatalf("no 更早 link:\n%s", p.Body)
	}
	p = bank.get(strings.ReplaceAll(older[1], "&amp;", "&"))
	wantStatus(t, p, http.StatusOK)
	wantBody(t, p, fmt.Sprintf(`<td class="num">%d</td>`, head-50), fmt.Sprintf(`<td class="num">%d</td>`, max(1, head-99)))
	wantNoBody(t, p, fmt.Sprintf(`<td class="num">%d</td>`, head-49))
	newer := regexp.MustCompile(`<a class="btn" href="([^"]+)" rel="next">更新</a>`).FindStringSubmatch(p.Body)
	if newer == nil {
		t.Fatalf("no 更新 link:\n%s", p.Body)
	}
	p = bank.get(strings.ReplaceAll(newer[1], "&amp;", "&"))
	wantBody(t, p, fmt.Sprintf(`<td class="num">%d</td>`, head), fmt.Sprintf(`<td class="num">%d</td>`, head-49))
	// A cursor this server did not issue starts again at the newest page.
	wantRedirect(t, bank.get("/whitelist/changes?after=garbage"), "/whitelist/changes")
}

// Notification links (/whitelist/{uscc}) lead each role to its page.
func TestWhitelistNotificationLink(t *testing.T) {
	env := apptest.New(t)
	wantRedirect(t, as(t, env, "ipoffice").get("/whitelist/"+entBUSCC), "/whitelist/enterprises/"+entBUSCC)
	wantRedirect(t, as(t, env, "bureau").get("/whitelist/"+entBUSCC), "/whitelist/nominations")
	wantRedirect(t, as(t, env, "ent-b").get("/whitelist/"+entBUSCC), "/whitelist/mine")
	wantStatus(t, as(t, env, "tto-a").get("/whitelist/"+entBUSCC), http.StatusForbidden)
}
