package web_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ipledge/ipledge/app"
	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/uscc"
	"github.com/ipledge/ipledge/whitelist"
)

// TestBrowserWhitelistFlow drives headless Chromium through the
// whitelist's forms: the bureau nominates a firm, the IP office accepts it
// into a new batch, puts the batch out for public notice and (the clock
// moved past the notice) publishes it, and the bank finds the firm active,
// alone and in a multi-code check. Set IPLEDGE_WEB_SCREENSHOT_WHITELIST to
// keep a screenshot of the bank's multi-code table.
func TestBrowserWhitelistFlow(t *testing.T) {
	br := newChrome(t, 90*time.Second, 1280, 900)
	env := apptest.New(t)
	ctx, run, text := br.ctx, br.run, br.text
	// submit clicks a form's button and waits for the page it leads to
	// (after the redirect), which must show the flash message.
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

	// The bureau nominates a firm through the form.
	code := testUSCC(4242)
	login("bureau")
	open("/whitelist/nominate")
	run("fill in the nomination",
		chromedp.SendKeys(chromedp.CSS("#uscc"), strings.ToLower(code)),
		chromedp.SetValue(chromedp.CSS("#name"), "太原示范浏览器测试科技有限公司"),
		chromedp.SetValue(chromedp.CSS("#industry"), "软件和信息技术服务"),
		chromedp.Click(chromedp.CSS(`input[name="is_sme"]`)),
		chromedp.SetValue(chromedp.CSS("#srdi_level"), "national"),
		chromedp.SendKeys(chromedp.CSS("#valid_invention_patents"), "6"),
		chromedp.SetValue(chromedp.CSS("#bureau_doc_no"), "晋民经发〔2026〕88号"),
		chromedp.SetValue(chromedp.CSS("#evidence"), "国家级专精特新“小巨人”企业"),
	)
	submit(`form[action="/whitelist/nominate"] button[type="submit"]`, "已推荐“太原示范浏览器测试科技有限公司”")
	if got := text("#nominations"); !strings.Contains(got, code) || !strings.Contains(got, "待审核") {
		t.Fatalf("the bureau's nominations lack the new one:\n%s", got)
	}
	logout()

	// The IP office: a new batch, the nomination accepted into it.
	login("ipoffice")
	open("/whitelist/batches")
	run("name the batch", chromedp.SetValue(chromedp.CSS("#batch-name"), "2026年第10批"))
	submit(`form[action="/whitelist/batches"] button[type="submit"]`, "已新建草稿批次“2026年第10批”")
	batch := batchID(t, env, "2026年第10批")
	nom := pendingNomination(t, env, code)
	open("/whitelist/review")
	card := fmt.Sprintf("#nomination-%d", nom.ID)
	if got := text(card); !strings.Contains(got, "太原示范浏览器测试科技有限公司") || !strings.Contains(got, "有效发明专利 6 件") {
		t.Fatalf("the review card:\n%s", got)
	}
	run("choose the batch", chromedp.SetValue(chromedp.CSS(fmt.Sprintf("#batch-%d", nom.ID)), fmt.Sprint(batch)))
	submit(card+" .accept-form button[type=submit]", "已将“太原示范浏览器测试科技有限公司”列入批次“2026年第10批”")

	// Public notice from today, then publication once it is over.
	batchPath := fmt.Sprintf("/whitelist/batches/%d", batch)
	open(batchPath)
	submit("#notice-form button[type=submit]", "已开始公示")
	b, err := env.App.Whitelist.Batch(context.Background(), batch)
	if err != nil || b.Status != whitelist.BatchPublicNotice {
		t.Fatalf("batch %+v %v", b, err)
	}
	env.Clock.Set(b.NoticeEnd.AddDays(1).Time().Add(9 * time.Hour))
	open(batchPath) // the access token has expired meanwhile: the refresh cookie renews it
	submit("#publish-form button[type=submit]", "已发布")
	if got := text("#entries"); !strings.Contains(got, "有效") {
		t.Fatalf("after publication the batch's entries read:\n%s", got)
	}
	logout()

	// The bank looks the code up: active, in green.
	login("bank-a")
	open("/whitelist/lookup")
	run("type the code", chromedp.SendKeys(chromedp.CSS("#uscc"), code))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/whitelist/lookup"][method="get"] button`))); err != nil {
		t.Fatalf("look the code up: %v", err)
	}
	run("wait for the result", chromedp.WaitVisible(chromedp.CSS("#single-result")))
	badge := "#single-result .status"
	if got := text(badge); got != "有效" {
		t.Fatalf("the bank sees %q, want 有效", got)
	}
	class, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#single-result .status").className`))
	if err != nil || !strings.Contains(class, "status-active") {
		t.Fatalf("badge class %q %v", class, err)
	}
	colour, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("#single-result .status")).color`))
	if err != nil || colour != "rgb(30, 123, 69)" {
		t.Fatalf("badge colour %q %v, want the green of --ok", colour, err)
	}

	// Several codes at once, one of them invalid.
	codes := []string{code, entAUSCC, entBUSCC, code[:17] + "Z", demoCode("91140400MA0L8W2C6"), demoCode("91140800MA0M3P9F1"), testUSCC(4343)}
	run("paste the codes", chromedp.SetValue(chromedp.CSS("#codes"), strings.Join(codes, "\n")))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/whitelist/lookup"][method="post"] button`))); err != nil {
		t.Fatalf("check several codes: %v", err)
	}
	run("wait for the table", chromedp.WaitVisible(chromedp.CSS("#check-results")))
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#check-results tbody tr")].map(r => r.innerText)`))
	if err != nil || len(rows) != len(codes) {
		t.Fatalf("rows %q %v", rows, err)
	}
	if !strings.Contains(rows[0], "有效") || !strings.Contains(rows[0], "太原示范浏览器测试科技有限公司") {
		t.Fatalf("row 1: %q", rows[0])
	}
	if !strings.Contains(rows[3], "代码无效") {
		t.Fatalf("row 4 (invalid): %q", rows[3])
	}
	green, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("#check-results tbody tr:first-child .status")).color`))
	if err != nil || green != "rgb(30, 123, 69)" {
		t.Fatalf("first row's badge colour %q %v", green, err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	shot := filepath.Join(t.TempDir(), "bank-whitelist-check.png")
	if p := os.Getenv("IPLEDGE_WEB_SCREENSHOT_WHITELIST"); p != "" {
		shot = p
	}
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the bank's multi-code check: %s", shot)
}

// demoCode completes a demo firm's code (app/demo_whitelist.go).
func demoCode(first17 string) string { return first17 + string(uscc.CheckCharacter(first17)) }
