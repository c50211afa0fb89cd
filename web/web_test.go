package web_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ipledge/ipledge/app"
	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/platform/config"
	"github.com/ipledge/ipledge/web"
)

const (
	accessCookie  = "ipledge_access"
	refreshCookie = "ipledge_refresh"
)

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so that each test sees every response.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: base, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}}
}

type page struct {
	Status int
	Header http.Header
	Body   string
	Res    *http.Response
}

func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return &page{Status: res.StatusCode, Header: res.Header, Body: string(body), Res: res}
}

func (b *browser) get(path string) *page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post sends a form; headers are name, value pairs.
func (b *browser) post(path string, form url.Values, headers ...string) *page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

func (b *browser) login(username, password string) *page {
	b.t.Helper()
	// What a browser sends for a form on the same page.
	return b.post("/login", url.Values{"username": {username}, "password": {password}},
		"Origin", b.base, "Sec-Fetch-Site", "same-origin")
}

func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func wantStatus(t *testing.T, p *page, want int) {
	t.Helper()
	if p.Status != want {
		t.Fatalf("status %d, want %d; body:\n%s", p.Status, want, p.Body)
	}
}

func wantRedirect(t *testing.T, p *page, location string) {
	t.Helper()
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != location {
		t.Fatalf("got %d Location %q, want 303 to %q", p.Status, p.Header.Get("Location"), location)
	}
}

func wantBody(t *testing.T, p *page, parts ...string) {
	t.Helper()
	for _, s := range parts {
		if !strings.Contains(p.Body, s) {
			t.Fatalf("page lacks %q:\n%s", s, p.Body)
		}
	}
}

func setCookie(t *testing.T, p *page, name string) *http.Cookie {
	t.Helper()
	for _, c := range p.Res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no Set-Cookie %s; headers %v", name, p.Header.Values("Set-Cookie"))
	return nil
}

func TestRootWithoutSessionRedirectsToLogin(t *testing.T) {
	env := apptest.New(t)
	b := newBrowser(t, env.Server.URL)
	wantRedirect(t, b.get("/"), "/login")
	wantRedirect(t, b.get("/loans?page=2"), "/login?next=%2Floans%3Fpage%3D2")

	p := b.get("/login")
	wantStatus(t, p, http.StatusOK)
	wantBody(t, p, web.PlatformName, "用户登录", `name="username"`, `name="password"`)
}

func TestLoginWrongPasswordShowsError(t *testing.T) {
	env := apptest.New(t)
	b := newBrowser(t, env.Server.URL)
	p := b.login("bank-a", "not-the-password")
	wantStatus(t, p, http.StatusOK)
	wantBody(t, p, "用户名或密码错误", `value="bank-a"`)
	if strings.Contains(p.Body, "not-the-password") {
		t.Fatal("the login page echoes the password")
	}
	if b.cookie(accessCookie) != nil || b.cookie(refreshCookie) != nil {
		t.Fatal("a failed login set a session cookie")
	}
	// An unknown user gets the same answer.
	wantBody(t, b.login("nobody", "whatever-password"), "用户名或密码错误")
	// Empty fields.
	p = b.login("", "")
	wantStatus(t, p, http.StatusBadRequest)
	wantBody(t, p, "请输入用户名和密码")
}

func TestLoginRateLimited(t *testing.T) {
	env := apptest.New(t, apptest.WithConfig(func(c *config.Config) { c.LoginLimitUsername = 2 }))
	b := newBrowser(t, env.Server.URL)
	var p *page
	for i := 0; i < 3; i++ {
		p = b.login("bank-a", "wrong-password")
	}
	wantStatus(t, p, http.StatusTooManyRequests)
	wantBody(t, p, "登录失败次数过多")
	if p.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}

// Each role's home page, after logging in through the form.
func TestLoginEachRoleShowsItsHome(t *testing.T) {
	env := apptest.New(t)
	cases := []struct {
		username, heading string
		nav               []string
	}{
		{"ipoffice", "知识产权局工作台", []string{"白名单审核", "质押登记审查", "贴息管理", "数据看板", "审计日志", "系统设置"}},
		{"bureau", "民营经济发展局工作台", []string{"企业推荐", "推荐进度"}},
		{"bank-a", "银行工作台", []string{"白名单查询", "待确认质押", "质押登记", "贷款", "风险提示"}},
		{"ent-a", "企业工作台", []string{"我的白名单状态", "我的专利", "质押申请", "贴息申请", "技术需求"}},
		{"tto-a", "技术转移工作台", []string{"专利清单", "沉睡专利", "开放许可", "许可意向"}},
		{"admin", "平台管理工作台", []string{"机构管理", "用户管理", "审计日志"}},
	}
	headings := map[string]bool{}
	for _, c := range cases {
		headings[c.heading] = true
	}
	for _, c := range cases {
		t.Run(c.username, func(t *testing.T) {
			var acct app.DemoAccount
			for _, a := range app.DemoAccounts {
				if a.Username == c.username {
					acct = a
				}
			}
			b := newBrowser(t, env.Server.URL)
			wantRedirect(t, b.login(c.username, app.DemoPassword), "/")
			p := b.get("/")
			wantStatus(t, p, http.StatusOK)
			wantBody(t, p, "<h1>"+c.heading+"</h1>", acct.DisplayName, acct.Org, web.PlatformName, `action="/logout"`)
			for _, n := range c.nav {
				wantBody(t, p, ">"+n+"</a>")
			}
			for h := range headings {
				if h != c.heading && strings.Contains(p.Body, h) {
					t.Fatalf("%s sees another role's heading %q", c.username, h)
				}
			}
			// A logged-in browser asking for the login page goes home.
			wantRedirect(t, b.get("/login"), "/")
		})
	}
}

func TestNavigationPlaceholders(t *testing.T) {
	env := apptest.New(t)
	b := newBrowser(t, env.Server.URL)
	wantRedirect(t, b.login("ipoffice", app.DemoPassword), "/")

	p := b.get("/settings")
	wantStatus(t, p, http.StatusOK)
	wantBody(t, p, "建设中", "<h1>系统设置</h1>", `class="active" aria-current="page">系统设置</a>`)

	wantBody(t, b.get("/notifications"), "建设中", "消息通知")

	// Another role's page.
	p = b.get("/pledges/pending")
	wantStatus(t, p, http.StatusForbidden)
	wantBody(t, p, "无权访问")

	p = b.get("/no/such/page")
	wantStatus(t, p, http.StatusNotFound)
	wantBody(t, p, "页面不存在")
}

func TestLoginRedirectsToNext(t *testing.T) {
	env := apptest.New(t)
	b := newBrowser(t, env.Server.URL)
	p := b.post("/login", url.Values{"username": {"bank-a"}, "password": {app.DemoPassword}, "next": {"/loans"}})
	wantRedirect(t, p, "/loans")

	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		b := newBrowser(t, env.Server.URL)
		p := b.post("/login", url.Values{"username": {"bank-a"}, "password": {app.DemoPassword}, "next": {next}})
		wantRedirect(t, p, "/")
	}
}

func TestLogoutEndsTheSession(t *testing.T) {
	env := apptest.New(t)
	b := newBrowser(t, env.Server.URL)
	login := b.login("ent-a", app.DemoPassword)
	wantRedirect(t, login, "/")
	access := setCookie(t, login, accessCookie).Value
	refresh := setCookie(t, login, refreshCookie).Value
	wantStatus(t, b.get("/"), http.StatusOK)

	p := b.post("/logout", nil, "Origin", b.base, "Sec-Fetch-Site", "same-origin")
	wantRedirect(t, p, "/login?logged_out=1")
	for _, name := range []string{accessCookie, refreshCookie} {
		if c := setCookie(t, p, name); c.MaxAge >= 0 || c.Value != "" {
			t.Fatalf("logout did not clear %s: %+v", name, c)
		}
	}
	if b.cookie(accessCookie) != nil || b.cookie(refreshCookie) != nil {
		t.Fatal("the jar still holds session cookies")
	}
	wantRedirect(t, b.get("/"), "/login")
	wantBody(t, b.get("/login?logged_out=1"), "您已安全退出")

	// The old tokens are dead on the server too, not just forgotten.
	if _, err := env.App.Accounts.Authenticate(access); err == nil {
		t.Fatal("the access token still authenticates after logout")
	}
	replay := newBrowser(t, env.Server.URL)
	u, _ := url.Parse(env.Server.URL)
	replay.c.Jar.SetCookies(u, []*http.Cookie{{Name: accessCookie, Value: access}, {Name: refreshCookie, Value: refresh}})
	wantRedirect(t, replay.get("/"), "/login")

	// Logging out without a session just clears the cookies.
	wantRedirect(t, newBrowser(t, env.Server.URL).post("/logout", nil), "/login?logged_out=1")
}

// An expired access token is rotated with the refresh cookie.
func TestExpiredAccessTokenIsRefreshed(t *testing.T) {
	env := apptest.New(t)
	b := newBrowser(t, env.Server.URL)
	login := b.login("bank-a", app.DemoPassword)
	oldAccess := setCookie(t, login, accessCookie).Value
	oldRefresh := setCookie(t, login, refreshCookie).Value

	env.Clock.Advance(env.Config.AccessTokenTTL + time.Minute)
	// The browser would drop the expired cookie itself; send it anyway.
	u, _ := url.Parse(env.Server.URL)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: accessCookie, Value: oldAccess, Path: "/"}})
	if _, err := env.App.Accounts.Authenticate(oldAccess); err == nil {
		t.Fatal("the access token should have expired")
	}
	p := b.get("/")
	wantStatus(t, p, http.StatusOK)
	wantBody(t, p, "银行工作台")
	if a := setCookie(t, p, accessCookie).Value; a == oldAccess || a == "" {
		t.Fatal("no new access token")
	}
	if r := setCookie(t, p, refreshCookie).Value; r == oldRefresh || r == "" {
		t.Fatal("the refresh token was not rotated")
	}
	wantStatus(t, b.get("/loans"), http.StatusOK)

	// A garbage access cookie and no refresh cookie: log in again.
	g := newBrowser(t, env.Server.URL)
	g.c.Jar.SetCookies(u, []*http.Cookie{{Name: accessCookie, Value: "garbage"}})
	wantRedirect(t, g.get("/"), "/login")
}

func TestCrossOriginPostIsRefused(t *testing.T) {
	env := apptest.New(t)
	b := newBrowser(t, env.Server.URL)
	form := url.Values{"username": {"bank-a"}, "password": {app.DemoPassword}}
	p := b.post("/login", form, "Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site")
	wantStatus(t, p, http.StatusForbidden)
	wantBody(t, p, "请求被拒绝")
	if b.cookie(accessCookie) != nil {
		t.Fatal("a cross-site login set a session cookie")
	}
	// Without Sec-Fetch-Site, a foreign Origin is refused as well.
	wantStatus(t, b.post("/login", form, "Origin", "http://evil.example"), http.StatusForbidden)

	// A cross-site logout does not end the session.
	wantRedirect(t, b.login("bank-a", app.DemoPassword), "/")
	wantStatus(t, b.post("/logout", nil, "Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
	wantStatus(t, b.get("/"), http.StatusOK)
}

func TestSessionCookieAttributes(t *testing.T) {
	env := apptest.New(t)
	p := newBrowser(t, env.Server.URL).login("bank-a", app.DemoPassword)
	for _, name := range []string{accessCookie, refreshCookie} {
		c := setCookie(t, p, name)
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Value == "" {
			t.Fatalf("%s: %+v; want HttpOnly, SameSite=Lax, Path=/", name, c)
		}
		if c.Secure {
			t.Fatalf("%s is Secure over plain HTTP", name)
		}
	}
	if c := setCookie(t, p, accessCookie); c.MaxAge <= 0 || c.MaxAge > int(env.Config.AccessTokenTTL.Seconds()) {
		t.Fatalf("access cookie Max-Age %d, want the token's lifetime", c.MaxAge)
	}
	if c := setCookie(t, p, refreshCookie); c.MaxAge != 0 {
		t.Fatalf("refresh cookie Max-Age %d, want a browser-session cookie", c.MaxAge)
	}

	// An untrusted client cannot claim HTTPS; a trusted proxy can.
	h, err := web.New(web.Deps{Log: env.App.Log, Accounts: env.App.Accounts, TrustedProxies: []string{"10.0.0.0/8"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		remote string
		secure bool
	}{{"192.0.2.7:4000", false}, {"10.1.2.3:4000", true}} {
		req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader("username=bank-a&password="+app.DemoPassword))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-Proto", "https")
		req.RemoteAddr = tc.remote
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		for _, c := range rec.Result().Cookies() {
			if c.Secure != tc.secure {
				t.Fatalf("from %s with X-Forwarded-Proto https: %s Secure=%v, want %v", tc.remote, c.Name, c.Secure, tc.secure)
			}
		}
	}

	// Deps.Secure always marks them.
	h, err = web.New(web.Deps{Log: env.App.Log, Accounts: env.App.Accounts, Secure: true})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader("username=bank-a&password="+app.DemoPassword))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if cs := rec.Result().Cookies(); len(cs) != 2 || !cs[0].Secure || !cs[1].Secure {
		t.Fatalf("with Deps.Secure: %v", rec.Header().Values("Set-Cookie"))
	}
}

func TestSecurityHeadersAndStatic(t *testing.T) {
	env := apptest.New(t)
	b := newBrowser(t, env.Server.URL)
	p := b.get("/login")
	want := map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "same-origin",
		"X-Frame-Options":        "DENY",
		"Cache-Control":          "no-store",
		"Content-Type":           "text/html; charset=utf-8",
	}
	for k, v := range want {
		if got := p.Header.Get(k); got != v {
			t.Fatalf("%s: %q, want %q", k, got, v)
		}
	}
	csp := p.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe") {
		t.Fatalf("Content-Security-Policy %q", csp)
	}
	if strings.Contains(p.Body, "http://") || strings.Contains(p.Body, "https://") {
		t.Fatalf("the page refers to another site:\n%s", p.Body)
	}

	css := regexp.MustCompile(`href="(/static/style\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(p.Body)
	if css == nil {
		t.Fatalf("no stylesheet link:\n%s", p.Body)
	}
	s := b.get(css[1])
	wantStatus(t, s, http.StatusOK)
	if ct := s.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Fatalf("stylesheet Content-Type %q", ct)
	}
	if !strings.Contains(s.Header.Get("Cache-Control"), "immutable") || s.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("stylesheet headers %v", s.Header)
	}
	wantBody(t, s, ".status-active", ".status-revoked")
	wantStatus(t, b.get("/static/"), http.StatusNotFound)
	wantStatus(t, b.get("/static/nothing.css"), http.StatusNotFound)

	// The API is still the API.
	api := b.get("/api/v1/me")
	if api.Status != http.StatusUnauthorized || !strings.Contains(api.Header.Get("Content-Type"), "problem+json") {
		t.Fatalf("/api/v1/me without a token: %d %s", api.Status, api.Header.Get("Content-Type"))
	}
}

type fakeUnread struct {
	n   int
	err error
}

func (f fakeUnread) UnreadCount(context.Context, int64) (int, error) { return f.n, f.err }

func TestUnreadCountInHeader(t *testing.T) {
	env := apptest.New(t)
	count := regexp.MustCompile(`<span class="count"[^>]*>(\d+)</span>`)
	for _, tc := range []struct {
		name   string
		notify web.UnreadCounter
		want   string
	}{
		{"three", fakeUnread{n: 3}, "3"},
		{"none", fakeUnread{n: 0}, ""},
		{"failing", fakeUnread{err: errors.New("down")}, ""},
		{"nil", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := web.New(web.Deps{Log: env.App.Log, Accounts: env.App.Accounts, Notify: tc.notify})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			b := newBrowser(t, srv.URL)
			wantRedirect(t, b.login("bank-b", app.DemoPassword), "/")
			p := b.get("/")
			wantStatus(t, p, http.StatusOK)
			wantBody(t, p, "消息", "孙客户经理")
			got := ""
			if m := count.FindStringSubmatch(p.Body); m != nil {
				got = m[1]
			}
			if got != tc.want {
				t.Fatalf("unread count %q, want %q", got, tc.want)
			}
		})
	}
}

// Several requests that find the access token expired at once (tabs
// opened together) share one rotation instead of tripping the refresh
// token's reuse detection.
func TestConcurrentRefreshKeepsTheSession(t *testing.T) {
	env := apptest.New(t)
	login := newBrowser(t, env.Server.URL).login("ent-b", app.DemoPassword)
	access := setCookie(t, login, accessCookie).Value
	refresh := setCookie(t, login, refreshCookie).Value
	env.Clock.Advance(env.Config.AccessTokenTTL + time.Minute)

	const n = 6
	results := make(chan *http.Response, n)
	for i := 0; i < n; i++ {
		go func() {
			req, _ := http.NewRequest(http.MethodGet, env.Server.URL+"/", nil)
			req.AddCookie(&http.Cookie{Name: accessCookie, Value: access})
			req.AddCookie(&http.Cookie{Name: refreshCookie, Value: refresh})
			c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			res, err := c.Do(req)
			if err != nil {
				t.Error(err)
				results <- nil
				return
			}
			res.Body.Close()
			results <- res
		}()
	}
	var newRefresh string
	for i := 0; i < n; i++ {
		res := <-results
		if res == nil {
			continue
		}
		if res.StatusCode != http.StatusOK {
			t.Fatalf("concurrent request %d: status %d (Location %q)", i, res.StatusCode, res.Header.Get("Location"))
		}
		for _, c := range res.Cookies() {
			if c.Name == refreshCookie {
				newRefresh = c.Value
			}
		}
	}
	// The rotated session still works.
	b := newBrowser(t, env.Server.URL)
	u, _ := url.Parse(env.Server.URL)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: refreshCookie, Value: newRefresh}})
	wantBody(t, b.get("/"), "企业工作台", "吴经理")
}
