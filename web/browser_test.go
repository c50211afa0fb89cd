package web_test

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ipledge/ipledge/app"
	"github.com/ipledge/ipledge/app/apptest"
)

// chromiumPath finds Debian's chromium: /usr/bin/chromium or chromium on
// PATH.
func chromiumPath() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// TestBrowserLogin drives a real headless Chromium through the login form
// of a demo server. Set IPLEDGE_WEB_SCREENSHOT=/path/to/file.png to keep a
// screenshot of the bank's home page.
func TestBrowserLogin(t *testing.T) {
	br := newChrome(t, 30*time.Second, 1280, 800)
	env := apptest.New(t)
	ctx, run, text := br.ctx, br.run, br.text
	location := func() string {
		t.Helper()
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}

	// Without a session the home page sends the browser to the login form.
	run("open the home page", chromedp.Navigate(env.Server.URL+"/"))
	if loc := location(); loc != env.Server.URL+"/login" {
		t.Fatalf("without a session the browser is at %s, want the login page", loc)
	}
	run("fill in the login form",
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "bank-a"),
		chromedp.SendKeys(chromedp.CSS("#password"), app.DemoPassword),
	)
	res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`button[type="submit"]`)))
	if err != nil {
		t.Fatalf("submit the login form: %v", err)
	}
	if res.Status != http.StatusOK {
		t.Fatalf("after login: HTTP %d", res.Status)
	}
	run("wait for the home page", chromedp.WaitVisible(chromedp.CSS("main.content h1")))
	if loc := location(); loc != env.Server.URL+"/" {
		t.Fatalf("after login the browser is at %s, want /", loc)
	}
	if h := text("main.content h1"); h != "银行工作台" {
		t.Fatalf("home page heading %q, want 银行工作台", h)
	}
	if name := text(".who-name"); name != "钱客户经理" {
		t.Fatalf("user name in the header %q, want 钱客户经理", name)
	}
	if org := text(".who-org"); org != "晋阳示范商业银行" {
		t.Fatalf("organisation in the header %q", org)
	}
	// The stylesheet loaded under the Content-Security-Policy.
	bg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(".topbar")).backgroundColor`))
	if err != nil {
		t.Fatal(err)
	}
	if bg != "rgb(11, 60, 109)" {
		t.Fatalf("top bar background %q: the stylesheet did not apply", bg)
	}

	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	shot := filepath.Join(t.TempDir(), "bank-home.png")
	if p := os.Getenv("IPLEDGE_WEB_SCREENSHOT"); p != "" {
		shot = p
	}
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the bank's home page: %s", shot)

	// Logging out posts the header's form; the browser's own Origin and
	// Sec-Fetch-Site pass the cross-origin check.
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(".logout button"))); err != nil {
		t.Fatalf("log out: %v", err)
	}
	run("wait for the login page", chromedp.WaitVisible(chromedp.CSS(".alert-info")))
	if msg := text(".alert-info"); msg != "您已安全退出。" {
		t.Fatalf("after logout: %q", msg)
	}
	run("open the home page again", chromedp.Navigate(env.Server.URL+"/"))
	if loc := location(); loc != env.Server.URL+"/login" {
		t.Fatalf("after logout the home page is at %s, want the login page", loc)
	}
}
