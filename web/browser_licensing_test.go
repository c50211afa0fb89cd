package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ipledge/ipledge/app"
	"github.com/ipledge/ipledge/app/apptest"
)

// TestBrowserOpenLicenceFlow drives headless Chromium through an open
// licence: tto-a declares one on its invention through the form, ent-a
// finds the patent by a two-character query on the search page and takes
// the licence, and the licence's page shows it.
func TestBrowserOpenLicenceFlow(t *testing.T) {
	br := newChrome(t, 90*time.Second, 1280, 900)
	env := apptest.New(t)
	ctx, run, text := br.ctx, br.run, br.text
	click := func(sel string) {
		t.Helper()
		res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("click %s: %v", sel, err)
		}
		if res.Status != http.StatusOK {
			h, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main.content")))
			t.Fatalf("after clicking %s: HTTP %d\n%s", sel, res.Status, h)
		}
		run("wait for the page", chromedp.WaitVisible(chromedp.CSS("main.content h1")))
	}
	flash := func(want string) {
		t.Helper()
		run("wait for the flash", chromedp.WaitVisible(chromedp.CSS(".flash")))
		if got := text(".flash"); !strings.Contains(got, want) {
			h, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main.content")))
			t.Fatalf("the flash is %q, want %q; page:\n%s", got, want, h)
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
	open := func(path string) {
		t.Helper()
		run("open "+path, chromedp.Navigate(env.Server.URL+path), chromedp.WaitVisible(chromedp.CSS("main.content h1")))
	}

	// tto-a declares an open licence of its invention.
	login("tto-a")
	open("/licences")
	run("fill in the declaration",
		chromedp.SetValue(chromedp.CSS("#patent_number"), ttoInvention),
		chromedp.SetValue(chromedp.CSS("#mode"), "lump_sum"),
		chromedp.SendKeys(chromedp.CSS("#lump_sum"), "80000"),
		chromedp.SetValue(chromedp.CSS("#payment_schedule"), "once"),
	)
	click(`#declare-form button[type="submit"]`)
	flash("已发布专利 " + ttoInvention + " 的开放许可声明。")
	if got := text("main.content .entry-card"); !strings.Contains(got, "¥80,000.00") || !strings.Contains(got, "有效") {
		t.Fatalf("the declaration reads:\n%s", got)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(".logout button"))); err != nil {
		t.Fatalf("log out: %v", err)
	}

	// ent-a finds it by a two-character query and takes it.
	login("ent-a")
	open("/search")
	run("search", chromedp.SendKeys(chromedp.CSS("#q"), "采集"), chromedp.SetValue(chromedp.CSS("#open_licence"), "true"))
	click(`#search-form button[type="submit"]`)
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#results .hit h3 mark").textContent`)); err != nil || got != "采集" {
		t.Fatalf("highlighted %q %v", got, err)
	}
	if got := text("#results .hit"); !strings.Contains(got, ttoInvention) || !strings.Contains(got, "开放许可") {
		t.Fatalf("the result reads:\n%s", got)
	}
	click("#results .hit h3 a")
	if got := text("#open-licence"); !strings.Contains(got, "¥80,000.00") || !strings.Contains(got, "3 年") {
		t.Fatalf("the terms read:\n%s", got)
	}
	run("accept the terms in writing",
		chromedp.Click(chromedp.CSS(`#accept-form input[name="accept_terms"]`)),
		chromedp.SendKeys(chromedp.CSS("#signatory"), "周经理"))
	click(`#accept-form button[type="submit"]`)
	flash("已取得专利 " + ttoInvention + " 的开放许可")
	if got := text("#licence-kind"); got != "开放许可" {
		t.Fatalf("licence kind %q", got)
	}
	if got := text("#licensee"); got != "太原示范新材料科技有限公司" {
		t.Fatalf("licensee %q", got)
	}
	if got := text("#payments"); !strings.Contains(got, "¥80,000.00") {
		t.Fatalf("payments:\n%s", got)
	}
	if n := licencesOf(t, env, ttoInvention); n != 1 {
		t.Fatalf("%d licences stored", n)
	}
}
