package web_test

import (
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ipledge/ipledge/app"
	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/platform/date"
)

// TestBrowserPledgeFlow drives headless Chromium through a pledge: ent-a
// fills in the request form with bank-a, bank-a confirms it, the IP
// office registers it from its queue, and ent-a finds the registration
// numbers on the request's page. Set IPLEDGE_WEB_SCREENSHOT_PLEDGE to
// keep a screenshot of the examination queue.
func TestBrowserPledgeFlow(t *testing.T) {
	br := newChrome(t, 90*time.Second, 1280, 900)
	env := apptest.New(t)
	ctx, run, text := br.ctx, br.run, br.text
	submit := func(button, flash string) {
		t.Helper()
		res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(button)))
		if err != nil {
			t.Fatalf("click %s: %v", button, err)
		}
		if res.Status != http.StatusOK {
			t.Fatalf("after clicking %s: HTTP %d", button, res.Status)
		}
		run("wait for the flash", chromedp.WaitVisible(chromedp.CSS(".flash")))
		if got := text(".flash"); !strings.Contains(got, flash) {
			h, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main.content")))
			t.Fatalf("after clicking %s the flash is %q, want %q; page:\n%s", button, got, flash, h)
		}
	}
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
	logout := func() {
		t.Helper()
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(".logout button"))); err != nil {
			t.Fatalf("log out: %v", err)
		}
	}
	open := func(path string) {
		t.Helper()
		run("open "+path, chromedp.Navigate(env.Server.URL+path), chromedp.WaitVisible(chromedp.CSS("main.content h1")))
	}
	// setDate fills a date input (typing into one depends on the locale).
	setDate := func(sel, d string) chromedp.Action[chromedp.Void] {
		return chromedp.SetValue(chromedp.CSS(sel), d)
	}

	// ent-a fills in the request form.
	today := date.Today(env.Clock.Now).String()
	login("ent-a")
	open("/pledges/new")
	bankID := fmt.Sprint(userOrg(t, env, "bank-a"))
	run("fill in the request",
		chromedp.Click(chromedp.CSS(`input[name="assets"][value="`+entAPatent1+`"]`)),
		chromedp.SetValue(chromedp.CSS("#pledgee_org_id"), bankID),
		chromedp.SendKeys(chromedp.CSS("#amount"), "2500000.00"),
		chromedp.SendKeys(chromedp.CSS("#contract_number"), "ZY-BROWSER-1"),
		setDate("#contract_date", today),
		setDate("#debt_start", today),
		setDate("#debt_end", "2027-06-30"),
		chromedp.SendKeys(chromedp.CSS("#pledgor_address"), "太原市小店区示范路1号"),
		chromedp.SendKeys(chromedp.CSS("#pledgee_address"), "太原市迎泽大街8号"),
		chromedp.SendKeys(chromedp.CSS("#scope"), "主债权本金、利息及实现质权的费用"),
		chromedp.Click(chromedp.CSS(`input[name="licensing_allowed"]`)),
	)
	bank, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#pledgee_org_id").selectedOptions[0].text`))
	if err != nil || bank != "晋阳示范商业银行" {
		t.Fatalf("bank chosen %q %v", bank, err)
	}
	submit(`#pledge-form button[type="submit"]`, "质押申请已提交晋阳示范商业银行确认，合同号 ZY-BROWSER-1。")
	if got := text("#pledge-state"); !strings.Contains(got, "待银行确认") {
		t.Fatalf("after filing the state reads:\n%s", got)
	}
	ps := pledgesOf(t, env, "ent-a") // newest first, then the demo pledge
	if len(ps) != 2 || ps[0].SecuredAmountFen != 250_000_000 || !ps[0].LicensingAllowed {
		t.Fatalf("stored %+v", ps)
	}
	id := ps[0].ID
	logout()

	// bank-a confirms.
	login("bank-a")
	open("/pledges/pending")
	card := fmt.Sprintf("#pledge-%d", id)
	if got := text(card); !strings.Contains(got, "ZY-BROWSER-1") || !strings.Contains(got, "¥2,500,000.00") {
		t.Fatalf("the bank's card:\n%s", got)
	}
	submit(card+" .confirm-form button[type=submit]", "已确认太原示范新材料科技有限公司的质押申请")
	logout()

	// The IP office registers it from its queue.
	login("ipoffice")
	open("/pledges/review")
	if got := text(card + " .grounds"); !strings.Contains(got, "出质人是登记的专利权人") {
		t.Fatalf("the grounds:\n%s", got)
	}
	if shot := os.Getenv("IPLEDGE_WEB_SCREENSHOT_PLEDGE"); shot != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil || os.WriteFile(shot, png, 0o644) != nil {
			t.Fatalf("screenshot: %v", err)
		}
	}
	submit(card+" .register-form button[type=submit]", "已准予登记")
	logout()

	// ent-a sees the registration number.
	login("ent-a")
	open(fmt.Sprintf("/pledges/%d", id))
	no := text("#assets .reg-no")
	if !regexp.MustCompile(`^\d{4}990\d{6}$`).MatchString(no) {
		t.Fatalf("registration number %q", no)
	}
	if got := text("#pledge-state"); !strings.Contains(got, "已登记") {
		t.Fatalf("the state reads:\n%s", got)
	}
	open("/pledges/applications")
	if got := text("#applications"); !strings.Contains(got, "ZY-BROWSER-1") || !strings.Contains(got, "已登记") {
		t.Fatalf("the enterprise's list:\n%s", got)
	}
}
