package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ipledge/ipledge/app"
	"github.com/ipledge/ipledge/app/apptest"
	pg "github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/subsidy"
)

// TestBrowserSubsidyFlow drives headless Chromium: ent-a opens its demo
// loan, applies for the 2026 actual-interest subsidy on it through the
// form, and reads the computed amount; the IP office finds the
// application auto-approved and in the round's allocation preview.
func TestBrowserSubsidyFlow(t *testing.T) {
	br := newChrome(t, 90*time.Second, 1280, 900)
	env := apptest.New(t, apptest.WithClock(demoClock()))
	ctx, run, text := br.ctx, br.run, br.text
	login := func(username string) {
		t.Helper()
		run("open the login page", chromedp.Navigate(env.Server.URL+"/login"),
			chromedp.WaitVisible(chromedp.CSS("#username")),
			chromedp.SendKeys(chromedp.CSS("#username"), username),
			chromedp.SendKeys(chromedp.CSS("#password"), app.DemoPassword))
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`.login-card button[type="submit"]`))); err != nil {
			t.Fatalf("log in as %s: %v", username, err)
		}
		run("wait for the home page", chromedp.WaitVisible(chromedp.CSS("main.content h1")))
	}
	open := func(path string) {
		t.Helper()
		run("open "+path, chromedp.Navigate(env.Server.URL+path), chromedp.WaitVisible(chromedp.CSS("main.content h1")))
	}
	l, pol := demoLoan(t, env), demoPolicy(t, env)

	login("ent-a")
	open(fmt.Sprintf("/loans/%d", l.ID))
	if got := text("#schedule"); !strings.Contains(got, "¥25,875.00") {
		t.Fatalf("the schedule:\n%s", got)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("#apply-subsidy"))); err != nil {
		t.Fatalf("open the form: %v", err)
	}
	run("fill in the application",
		chromedp.WaitVisible(chromedp.CSS("#apply-form")),
		chromedp.SetValue(chromedp.CSS("#policy_id"), fmt.Sprint(pol.ID)),
		chromedp.SetValue(chromedp.CSS("#start"), "2026-01-15"),
		chromedp.SetValue(chromedp.CSS("#end"), "2026-10-15"))
	loanChosen, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#loan_id").selectedOptions[0].text`))
	if err != nil || !strings.Contains(loanChosen, "JYDK-2026-0001") {
		t.Fatalf("loan chosen %q %v", loanChosen, err)
	}
	res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`#apply-form button[type="submit"]`)))
	if err != nil || res.Status != http.StatusOK {
		t.Fatalf("submit: %v %+v", err, res)
	}
	run("wait for the flash", chromedp.WaitVisible(chromedp.CSS(".flash")))
	apps, err := env.App.Subsidies.Applications(context.Background(), subsidy.ApplicationFilter{}, pg.Request{Limit: 50})
	if err != nil || len(apps.Items) != 1 {
		t.Fatalf("applications %+v %v", apps, err)
	}
	a := apps.Items[0]
	// 7,848,750 fen of interest paid × 100% × 50% = ¥39,243.75.
	if flash := text(".flash"); !strings.Contains(flash, "核定金额 ¥39,243.75") {
		t.Fatalf("the flash reads %q", flash)
	}
	if got := text("#subsidy"); got != "¥39,243.75" {
		t.Fatalf("the computed amount reads %q", got)
	}
	if got := text("#paid-interest"); got != "¥78,487.50" {
		t.Fatalf("the interest paid reads %q", got)
	}
	if a.State != subsidy.StateAutoApproved {
		t.Fatalf("the demo application is %s with flags %+v, not auto-approved", a.State, a.Flags)
	}
	if got := text("#state"); !strings.Contains(got, "自动审核通过") {
		t.Fatalf("the state reads %q", got)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(".logout button"))); err != nil {
		t.Fatalf("log out: %v", err)
	}

	login("ipoffice")
	open(fmt.Sprintf("/subsidies/%d", a.ID))
	if got := text("#state"); !strings.Contains(got, "自动审核通过") {
		t.Fatalf("the IP office reads the state %q", got)
	}
	if got := text("#flags"); got != "无" {
		t.Fatalf("flags %q", got)
	}
	open(fmt.Sprintf("/subsidies/policies/%d", pol.ID))
	if got := text("#allocation"); !strings.Contains(got, "太原示范新材料科技有限公司") || !strings.Contains(got, "¥39,243.75") {
		t.Fatalf("the allocation preview:\n%s", got)
	}
}
