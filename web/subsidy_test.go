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
	"github.com/ipledge/ipledge/subsidy"
)

// demoPolicy is the demo's actual-interest policy of 2026 (app/demo_subsidy.go).
func demoPolicy(t *testing.T, env *apptest.Env) subsidy.PolicyRecord {
	t.Helper()
	ps, err := env.App.Subsidies.Policies(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Policy.Basis == subsidy.ActualInterest {
			return p
		}
	}
	t.Fatalf("no actual-interest demo policy among %+v", ps)
	return subsidy.PolicyRecord{}
}

func applications(t *testing.T, env *apptest.Env) []subsidy.Application {
	t.Helper()
	as, err := env.App.Subsidies.Applications(context.Background(), subsidy.ApplicationFilter{}, pg.Request{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return as.Items
}

func approvals(t *testing.T, env *apptest.Env) []subsidy.Approval {
	t.Helper()
	as, err := env.App.Subsidies.Approvals(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return as
}

var sbLocation = regexp.MustCompile(`^/subsidies/(\d+)$`)

// applyForm is ent-a's application for the demo loan's first three
// quarters under the demo actual-interest policy.
func applyForm(t *testing.T, env *apptest.Env) url.Values {
	return url.Values{"policy_id": {fmt.Sprint(demoPolicy(t, env).ID)}, "loan_id": {fmt.Sprint(demoLoan(t, env).ID)},
		"start": {"2026-01-15"}, "end": {"2026-10-15"}}
}

func TestSubsidyPagesEnforceRoles(t *testing.T) {
	env := apptest.New(t, apptest.WithClock(demoClock()))
	pol := demoPolicy(t, env)
	office := []string{"/subsidies", "/subsidies/review", "/subsidies/approvals", "/subsidies/payments", "/subsidies/reports",
		"/subsidies/policies/new", fmt.Sprintf("/subsidies/policies/%d", pol.ID)}
	for _, u := range []string{"ent-a", "bank-a", "bureau", "tto-a", "admin"} {
		b := as(t, env, u)
		for _, path := range office {
			p := b.get(path)
			if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "无权访问") {
				t.Fatalf("%s GET %s: status %d, want the 403 page", u, path, p.Status)
			}
		}
		wantStatus(t, b.submit(fmt.Sprintf("/subsidies/policies/%d/close", pol.ID), url.Values{}), http.StatusForbidden)
		wantStatus(t, b.submit("/subsidies/policies/new", url.Values{"name": {"x"}, "ratio": {"50"}, "basis": {"actual_interest"}}), http.StatusForbidden)
		if u != "ent-a" {
			wantStatus(t, b.get("/subsidies/applications"), http.StatusForbidden)
			wantStatus(t, b.get("/subsidies/apply"), http.StatusForbidden)
			wantStatus(t, b.submit("/subsidies/apply", applyForm(t, env)), http.StatusForbidden)
		}
	}
	ipo := as(t, env, "ipoffice")
	wantStatus(t, ipo.get("/subsidies/applications"), http.StatusForbidden)
	wantStatus(t, ipo.submit("/subsidies/apply", applyForm(t, env)), http.StatusForbidden)
	for _, path := range office {
		p := ipo.get(path)
		wantStatus(t, p, http.StatusOK)
		wantNoBody(t, p, "建设中")
	}
	wantBody(t, ipo.get("/subsidies"), pol.Policy.Name, "贴息政策", "四眼复核")
	if n := len(applications(t, env)); n != 0 {
		t.Fatalf("forbidden forms stored %d applications", n)
	}
	if n := len(approvals(t, env)); n != 2 { // the demo's two approved policies
		t.Fatalf("forbidden forms stored approvals: %d", n)
	}
}

// ent-a applies through the form; the result page shows every step of
// the computation; other tenants get the 404 page, the lending bank and
// the IP office read it.
func TestSubsidyApplyShowsComputation(t *testing.T) {
	env := apptest.New(t, apptest.WithClock(demoClock()))
	ent := as(t, env, "ent-a")
	wantBody(t, ent.get("/subsidies/apply?loan="+fmt.Sprint(demoLoan(t, env).ID)), "申请贷款贴息", "JYDK-2026-0001", "山西省 2026 年专利权质押贷款贴息")
	p := ent.submit("/subsidies/apply", applyForm(t, env))
	if p.Status != http.StatusSeeOther || !sbLocation.MatchString(p.Header.Get("Location")) {
		t.Fatalf("apply: %d %q\n%s", p.Status, p.Header.Get("Location"), p.Body)
	}
	path := p.Header.Get("Location")
	apps := applications(t, env)
	if len(apps) != 1 {
		t.Fatalf("applications %+v", apps)
	}
	a := apps[0]
	// Interest paid: 2,587,500 + 2,616,250 + 2,645,000 = 7,848,750 fen (a);
	// × 100% IP share × 50% = 3,924,375 fen = ¥39,243.75.
	if a.AmountFen != 3_924_375 {
		t.Fatalf("amount %d, want 3924375; flags %+v", a.AmountFen, a.Flags)
	}
	page := ent.get(path)
	wantBody(t, page, "¥39,243.75", "计算过程", "¥78,487.50", "可贴息利息", "贴息比例 50%", "知识产权占比 100%", "核定贴息金额",
		"2026-04-15", "2026-07-15", "2026-10-15", "每户年度上限剩余")
	if a.State == subsidy.StateAutoApproved {
		wantBody(t, page, "自动审核通过")
	} else {
		wantBody(t, page, "人工审核中")
	}
	wantBody(t, ent.get("/subsidies/applications"), path, "¥39,243.75")
	for _, u := range []string{"ent-b", "bank-b"} {
		b := as(t, env, u)
		p := b.get(path)
		wantStatus(t, p, http.StatusNotFound)
		wantNoBody(t, p, "¥39,243.75")
	}
	wantStatus(t, as(t, env, "ent-b").submit(path+"/resubmit", url.Values{}), http.StatusNotFound)
	wantBody(t, as(t, env, "bank-a").get(path), "¥39,243.75")
	ipo := as(t, env, "ipoffice")
	wantBody(t, ipo.get(path), "¥39,243.75", "审核")
	// The allocation preview lists it when approved.
	if a.State == subsidy.StateAutoApproved {
		wantBody(t, ipo.get(fmt.Sprintf("/subsidies/policies/%d", a.PolicyID)), "预算充足", "¥39,243.75")
	}
	// The IP office rejects it with a reason; without one, nothing changes.
	p = ipo.submit(path+"/review", url.Values{"decision": {"rejected"}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "请填写审核理由")
	if got, _ := env.App.Subsidies.GetApplication(context.Background(), a.ID); got.State != a.State {
		t.Fatalf("state %s after a refused review", got.State)
	}
	wantStatus(t, as(t, env, "ent-a").submit(path+"/review", url.Values{"decision": {"rejected"}, "reason": {"x"}}), http.StatusForbidden)
	ipo.submitOK(path+"/review", url.Values{"decision": {"returned"}, "reason": {"请补充银行付息凭证"}}, path, "已退回补正")
	wantBody(t, ent.get(path), "退回补正", "请补充银行付息凭证", "重新提交")
}

func TestSubsidyApplyRejectsBadInput(t *testing.T) {
	env := apptest.New(t, apptest.WithClock(demoClock()))
	ent := as(t, env, "ent-a")
	f := applyForm(t, env)
	f.Set("start", "2026-06-30")
	f.Set("end", "2026-06-01")
	p := ent.submit("/subsidies/apply", f)
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "贴息期间截止日不能早于起始日", `value="2026-06-30"`)
	f.Set("start", "2026/01/15")
	p = ent.submit("/subsidies/apply", f)
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "贴息期间起始日请按“年-月-日”填写")
	f = applyForm(t, env)
	f.Set("start", "2026-01-15")
	f.Set("end", "2027-01-15")
	p = ent.submit("/subsidies/apply", f)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantBody(t, p, "贴息期间须在政策年度之内")
	f.Set("start", "2026-10-16")
	f.Set("end", "2026-11-15")
	p = ent.submit("/subsidies/apply", f)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantBody(t, p, "该期间内没有支付利息的记录")
	f = applyForm(t, env)
	f.Set("loan_id", "999999")
	p = ent.submit("/subsidies/apply", f)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantBody(t, p, "请从列表中选择本企业的贷款")
	// ent-b may not claim ent-a's loan.
	p = as(t, env, "ent-b").submit("/subsidies/apply", applyForm(t, env))
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantBody(t, p, "请从列表中选择本企业的贷款")
	p = ent.submit("/subsidies/apply", url.Values{"policy_id": {"abc"}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "请从列表中选择贴息政策")
	if n := len(applications(t, env)); n != 0 {
		t.Fatalf("bad applications stored: %d", n)
	}
	// No double claim.
	if p := ent.submit("/subsidies/apply", applyForm(t, env)); p.Status != http.StatusSeeOther {
		t.Fatalf("apply: %d\n%s", p.Status, p.Body)
	}
	f = applyForm(t, env)
	f.Set("start", "2026-10-01")
	p = ent.submit("/subsidies/apply", f)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantBody(t, p, "不能重复申请")
	if n := len(applications(t, env)); n != 1 {
		t.Fatalf("applications %d", n)
	}
}

// A policy change waits for a second IP office user; the first cannot
// approve it; bad input stores no approval.
func TestSubsidyPolicyFourEyes(t *testing.T) {
	env := apptest.New(t, apptest.WithClock(demoClock()))
	pol := demoPolicy(t, env)
	ipo := as(t, env, "ipoffice")
	path := fmt.Sprintf("/subsidies/policies/%d", pol.ID)
	page := ipo.get(path)
	wantBody(t, page, `value="`+pol.Policy.Name+`"`, `name="ratio" type="text" inputmode="decimal" value="50"`, `value="5000000.00"`)
	f := url.Values{}
	for _, k := range []string{"name", "region", "year", "window_start", "window_end", "basis", "rate_cap_kind", "rate_cap_lpr_percent",
		"day_count", "lpr_rule", "annual_cap", "budget", "auto_approve_max"} {
		m := regexp.MustCompile(`name="` + k + `"[^>]*value="([^"]*)"`).FindStringSubmatch(page.Body)
		if m != nil {
			f.Set(k, m[1])
		}
	}
	f.Set("basis", "actual_interest")
	f.Set("rate_cap_kind", "lpr_multiple")
	f.Set("day_count", "act_360")
	f.Set("lpr_rule", "contract_date")
	f.Set("in_region_only", "1")
	f.Set("repaid_on_time", "1")
	f.Set("ip_share_only", "1")
	before := len(approvals(t, env))
	bad := url.Values{}
	for k, v := range f {
		bad[k] = v
	}
	bad.Set("ratio", "abc")
	bad.Set("budget", "-1")
	p := ipo.submit(path+"/change", bad)
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "贴息比例请填写百分数", "年度预算不能为负数")
	bad.Set("ratio", "150")
	bad.Set("budget", "6000000")
	p = ipo.submit(path+"/change", bad)
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "贴息比例不能超过 100%")
	if n := len(approvals(t, env)); n != before {
		t.Fatalf("bad policy forms stored approvals: %d → %d", before, n)
	}
	f.Set("ratio", "60")
	ipo.submitOK(path+"/change", f, path, "须另一位知识产权局工作人员批准后生效")
	aps := approvals(t, env)
	if len(aps) != before+1 || aps[0].State != "pending" {
		t.Fatalf("approvals %+v", aps)
	}
	id := aps[0].ID
	wantBody(t, ipo.get("/subsidies/approvals"), "本人经办，须由他人复核")
	p = ipo.submit(fmt.Sprintf("/subsidies/approvals/%d/approve", id), url.Values{})
	wantStatus(t, p, http.StatusForbidden)
	wantBody(t, p, "须由另一位知识产权局工作人员复核")
	if got, _ := env.App.Subsidies.GetPolicy(context.Background(), pol.ID); got.Policy.Ratio.String() != "50" {
		t.Fatalf("ratio %s before the second approval", got.Policy.Ratio)
	}
	as(t, env, "ipoffice-2").submitOK(fmt.Sprintf("/subsidies/approvals/%d/approve", id), url.Values{}, "/subsidies/approvals", "已批准政策设置/变更")
	got, _ := env.App.Subsidies.GetPolicy(context.Background(), pol.ID)
	if got.Policy.Ratio.String() != "60" || len(got.Policy.Fees) != 1 || got.Policy.BudgetFen != 500_000_000 || !got.Policy.Eligibility.InRegionOnly {
		t.Fatalf("policy after the change %+v", got.Policy)
	}
	// The round closes the same way; the notice waits for it.
	wantStatus(t, ipo.get(path+"/notice"), http.StatusConflict)
	ipo.submitOK(path+"/close", url.Values{"notice_working_days": {"5"}}, path, "已提交结束申报")
	aps = approvals(t, env)
	as(t, env, "ipoffice-2").submitOK(fmt.Sprintf("/subsidies/approvals/%d/approve", aps[0].ID), url.Values{}, "/subsidies/approvals", "已批准结束申报并分配预算")
	wantBody(t, ipo.get(path+"/notice"), "拟资助名单", "notice.xlsx", "notice.csv")
	x := ipo.get(path + "/notice.csv")
	wantStatus(t, x, http.StatusOK)
	wantBody(t, x, "申请编号")
	x = ipo.get(path + "/notice.xlsx")
	wantStatus(t, x, http.StatusOK)
	if !strings.HasPrefix(x.Body, "PK") {
		t.Fatal("the XLSX export is not a zip")
	}
	wantStatus(t, as(t, env, "ent-a").get(path+"/notice.csv"), http.StatusForbidden)
	wantBody(t, ipo.get("/subsidies/reports?by=bank"), "合计")
}
