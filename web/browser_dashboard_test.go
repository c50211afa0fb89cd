package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ipledge/ipledge/app"
	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/dashboard"
)

// TestBrowserDashboard opens the dashboard with the demo data as the IP
// office, saves a screenshot (IPLEDGE_WEB_SCREENSHOT_DASHBOARD names the
// file; else a temporary one) and checks that the table views show the
// service's figures: the seeded 5 billion yuan target, the pledges and
// the whitelist, each with its total.
func TestBrowserDashboard(t *testing.T) {
	br := newChrome(t, 90*time.Second, 1280, 1000)
	env := apptest.New(t)
	ctx, run, text := br.ctx, br.run, br.text

	run("log in", chromedp.Navigate(env.Server.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "ipoffice"),
		chromedp.SendKeys(chromedp.CSS("#password"), app.DemoPassword))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`.login-card button[type="submit"]`))); err != nil {
		t.Fatalf("log in: %v", err)
	}
	run("open the dashboard", chromedp.Navigate(env.Server.URL+"/dashboard"), chromedp.WaitVisible(chromedp.CSS("#chart-targets svg")))
	if h := text("main.content h1"); h != "数据看板" {
		t.Fatalf("heading %q", h)
	}

	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	shot := filepath.Join(t.TempDir(), "dashboard.png")
	if p := os.Getenv("IPLEDGE_WEB_SCREENSHOT_DASHBOARD"); p != "" {
		shot = p
	}
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the dashboard: %s", shot)

	d, err := env.App.Dashboard.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	cellText := func(chart, row, col string) string {
		t.Helper()
		return text(fmt.Sprintf(`table[data-chart=%q] tr[data-row=%q] td[data-col=%q]`, chart, row, col))
	}
	yuan := func(fen int64) string {
		s := fmt.Sprintf("%d", fen/100)
		var b strings.Builder
		for i, c := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(c)
		}
		return fmt.Sprintf("%s.%02d", b.String(), fen%100)
	}

	// The seeded target: 5 billion yuan of pledge financing.
	if got := cellText(dashboard.ChartTargets, "pledge_financing", "target"); got != "5,000,000,000.00" {
		t.Errorf("the pledge financing target shows %q", got)
	}
	pm := d.Chart(dashboard.ChartPledgesByMonth)
	if got, want := cellText(dashboard.ChartTargets, "pledge_financing", "actual"), yuan(pm.Total.Values[1]); got != want {
		t.Errorf("pledge financing actual %q, want %q", got, want)
	}
	for _, key := range []string{dashboard.ChartPledgesByMonth, dashboard.ChartPledgesByBank, dashboard.ChartPledgesByRegion} {
		c := d.Chart(key)
		if got, want := cellText(key, "total", "registrations"), fmt.Sprint(c.Total.Values[0]); got != want {
			t.Errorf("%s: %q registrations, want %s", key, got, want)
		}
		if got, want := cellText(key, "total", "secured_amount_fen"), yuan(c.Total.Values[1]); got != want {
			t.Errorf("%s: %q, want %s", key, got, want)
		}
		for _, r := range c.Rows {
			if got, want := cellText(key, r.Key, "secured_amount_fen"), yuan(r.Values[1]); got != want {
				t.Errorf("%s %s: %q, want %s", key, r.Label, got, want)
			}
		}
	}
	wl := d.Chart(dashboard.ChartWhitelist)
	if wl.Total.Values[4] == 0 {
		t.Error("the demo whitelist is empty on the dashboard")
	}
	for _, r := range append(wl.Rows, *wl.Total) {
		if got, want := cellText(dashboard.ChartWhitelist, r.Key, "total"), fmt.Sprint(r.Values[4]); got != want {
			t.Errorf("whitelist %s: %q entries, want %s", r.Label, got, want)
		}
	}
	// Every chart is drawn and has its table and XLSX link.
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("section.dash-chart figure svg").length`))
	if err != nil || n != len(d.Charts) {
		t.Errorf("%d charts drawn, want %d (%v)", n, len(d.Charts), err)
	}
	links, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("a.dash-export[href*='export.xlsx?chart=']").length`))
	if err != nil || links != len(d.Charts) {
		t.Errorf("%d XLSX links, want %d (%v)", links, len(d.Charts), err)
	}
}
