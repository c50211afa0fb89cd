package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/loan"
	pg "github.com/ipledge/ipledge/platform/page"
)

// demoClock stands in late November 2026: the demo loan (2026-01-15 to
// 2027-01-15, interest quarterly) has paid three quarters, and the demo
// subsidy policies are those of 2026.
func demoClock() *apptest.Clock {
	return apptest.NewClock(time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC))
}

// demoLoan is ent-a's demo loan with bank-a (app/demo_pledge.go).
func demoLoan(t *testing.T, env *apptest.Env) loan.Loan {
	t.Helper()
	ls, err := env.App.Loans.List(context.Background(), loan.Filter{EnterpriseOrgID: userOrg(t, env, "ent-a")}, pg.Request{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls.Items {
		if l.ContractNumber == "JYDK-2026-0001" {
			return l
		}
	}
	t.Fatalf("no demo loan among %+v", ls.Items)
	return loan.Loan{}
}

func loanCount(t *testing.T, env *apptest.Env) int {
	t.Helper()
	ls, err := env.App.Loans.List(context.Background(), loan.Filter{}, pg.Request{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return len(ls.Items)
}

func paymentCount(t *testing.T, env *apptest.Env, id int64) int {
	t.Helper()
	ps, err := env.App.Loans.Payments(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return len(ps)
}

func TestLoanPagesEnforceRoles(t *testing.T) {
	env := apptest.New(t, apptest.WithClock(demoClock()))
	l := demoLoan(t, env)
	before := loanCount(t, env)
	for _, u := range []string{"ipoffice", "bureau", "tto-a", "admin"} {
		b := as(t, env, u)
		p := b.get("/loans")
		wantStatus(t, p, http.StatusForbidden)
		wantBody(t, p, "无权访问")
		wantStatus(t, b.get("/loans/new"), http.StatusForbidden)
		wantStatus(t, b.submit("/loans/new", url.Values{"pledge_id": {fmt.Sprint(l.PledgeID)}}), http.StatusForbidden)
		wantStatus(t, b.submit(fmt.Sprintf("/loans/%d/payments", l.ID), url.Values{"paid_on": {"2026-11-01"}, "interest": {"1"}}), http.StatusForbidden)
	}
	ent := as(t, env, "ent-a")
	wantBody(t, ent.get("/loans"), "我的贷款", "JYDK-2026-0001", "按季付息，到期还本")
	wantBody(t, ent.get("/"), `href="/loans"`, ">我的贷款</a>")
	wantStatus(t, ent.get("/loans/new"), http.StatusForbidden)
	wantStatus(t, ent.submit(fmt.Sprintf("/loans/%d/default", l.ID), url.Values{"reason": {"x"}}), http.StatusForbidden)
	if n := loanCount(t, env); n != before {
		t.Fatalf("forbidden forms stored loans: %d → %d", before, n)
	}
	if n := paymentCount(t, env, l.ID); n != 3 {
		t.Fatalf("payments %d, want the demo's 3", n)
	}
}

// Another bank or enterprise gets the 404 page for the loan; its bank,
// its enterprise and the IP office read it with its schedule.
func TestLoanOtherTenantGets404(t *testing.T) {
	env := apptest.New(t, apptest.WithClock(demoClock()))
	l := demoLoan(t, env)
	path := fmt.Sprintf("/loans/%d", l.ID)
	for _, u := range []string{"bank-b", "ent-b"} {
		b := as(t, env, u)
		for _, pth := range []string{path, "/loans/999999", "/loans/abc"} {
			p := b.get(pth)
			wantStatus(t, p, http.StatusNotFound)
			wantBody(t, p, "页面不存在")
			wantNoBody(t, p, "JYDK-2026-0001")
		}
		wantNoBody(t, b.get("/loans"), "JYDK-2026-0001")
	}
	b := as(t, env, "bank-b")
	wantStatus(t, b.submit(path+"/payments", url.Values{"paid_on": {"2026-11-01"}, "interest": {"1"}}), http.StatusNotFound)
	wantStatus(t, b.submit(path+"/default", url.Values{"reason": {"逾期"}}), http.StatusNotFound)
	// 300,000,000 × 3.45% × 90 / 360 = 2,587,500 fen for the first quarter.
	wantBody(t, as(t, env, "bank-a").get(path), "JYDK-2026-0001", "¥25,875.00", `id="payment-form"`, `id="default-form"`, `id="schedule"`)
	p := as(t, env, "ent-a").get(path)
	wantBody(t, p, "¥25,875.00", "申请贷款贴息")
	wantNoBody(t, p, `id="payment-form"`, `id="default-form"`)
	wantBody(t, as(t, env, "ipoffice").get(path), "JYDK-2026-0001")
	if n := paymentCount(t, env, l.ID); n != 3 {
		t.Fatalf("payments %d after refused forms", n)
	}
}

// Bad input comes back on the form with Chinese messages and what was
// typed; nothing is stored.
func TestLoanFormsRejectBadInput(t *testing.T) {
	env := apptest.New(t, apptest.WithClock(demoClock()))
	l := demoLoan(t, env)
	bank := as(t, env, "bank-a")
	before := loanCount(t, env)
	form := url.Values{"pledge_id": {fmt.Sprint(l.PledgeID)}, "contract_number": {"DK-WEB-1"}, "contract_date": {"2026-11-01"},
		"amount": {"1,000.005"}, "annual_rate": {"3.45"}, "start_date": {"2026-11-02"}, "maturity_date": {"2026-12-02"},
		"repayment_method": {"bullet"}, "ip_share": {"120"}}
	p := bank.submit("/loans/new", form)
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "贷款本金最多精确到分（小数点后两位）", "知识产权占比不能超过 100%", `value="DK-WEB-1"`)
	// The service's refusals: a rate with five decimals, maturity before
	// the start, and a principal above what the pledge secures.
	form.Set("amount", "1000")
	form.Set("ip_share", "62.5")
	form.Set("annual_rate", "3.12345")
	form.Set("maturity_date", "2026-10-01")
	p = bank.submit("/loans/new", form)
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "年利率最多保留四位小数", "到期日须晚于放款日")
	form.Set("annual_rate", "3.45")
	form.Set("maturity_date", "2026-12-02")
	p = bank.submit("/loans/new", form)
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "贷款本金超过质押担保的债权数额")
	// Another bank's pledge is not offered nor accepted.
	p = as(t, env, "bank-b").submit("/loans/new", form)
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "所选质押登记不是本行的质押登记")
	if n := loanCount(t, env); n != before {
		t.Fatalf("bad loan forms stored loans: %d → %d", before, n)
	}

	path := fmt.Sprintf("/loans/%d", l.ID)
	p = bank.submit(path+"/payments", url.Values{"paid_on": {"2026-11-01"}, "principal": {"-5"}, "interest": {"1.234"}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "归还本金不能为负数", "支付利息最多精确到分")
	p = bank.submit(path+"/payments", url.Values{"paid_on": {"2026-12-01"}, "interest": {"100"}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "还款日期不能晚于今天")
	p = bank.submit(path+"/payments", url.Values{"paid_on": {"2026-11-01"}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "请填写归还本金或支付利息")
	p = bank.submit(path+"/default", url.Values{"reason": {"  "}})
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "请填写违约原因")
	if n := paymentCount(t, env, l.ID); n != 3 {
		t.Fatalf("bad payment forms stored payments: %d", n)
	}
	if got, _ := env.App.Loans.Get(context.Background(), l.ID); got.State != loan.StatePerforming {
		t.Fatalf("state %s", got.State)
	}

	// A good payment is recorded exactly, in fen.
	bank.submitOK(path+"/payments", url.Values{"paid_on": {"2026-11-02"}, "interest": {"1,234.56"}}, path, "已记录 2026-11-02 的还款")
	ps, _ := env.App.Loans.Payments(context.Background(), l.ID)
	if len(ps) != 4 || ps[3].InterestFen != 123_456 || ps[3].PrincipalFen != 0 {
		t.Fatalf("payments %+v", ps)
	}
	bank.submitOK(path+"/default", url.Values{"reason": {"企业经营困难，无力偿还"}}, path, "已宣告贷款（合同号 JYDK-2026-0001）违约")
	if got, _ := env.App.Loans.Get(context.Background(), l.ID); got.State != loan.StateDefaulted {
		t.Fatalf("state %s", got.State)
	}
}
