package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ipledge/ipledge/account"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/problem"
)

// The session cookies. Both are HttpOnly and SameSite=Lax; neither has a
// Max-Age beyond its token's, and the refresh cookie lives only as long as
// the browser session, so closing the browser on a shared office computer
// ends the session.
const (
	accessCookie  = "ipledge_access"
	refreshCookie = "ipledge_refresh"
)

// maxFormBytes bounds the login and logout forms.
const maxFormBytes = 16 << 10

// session is a signed-in browser's user, organisation and role.
type session struct {
	Principal auth.Principal
	User      account.User
	Org       account.Organisation
	Role      *roleInfo
}

// pageFunc is a page that needs a signed-in user.
type pageFunc func(w http.ResponseWriter, r *http.Request, sess *session)

// page wraps fn: a browser without a valid session goes to /login (and
// comes back here after logging in).
func (s *Server) page(fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _, err := s.authenticate(w, r)
		if errors.Is(err, errNoSession) {
			s.toLogin(w, r)
			return
		}
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		u, err := s.accounts.User(r.Context(), p.UserID)
		if problem.HasCode(err, "not_found") || (err == nil && !u.Active) {
			s.clearSession(w, r)
			s.toLogin(w, r)
			return
		}
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		org, err := s.accounts.Organisation(r.Context(), u.OrgID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		role := roles[p.Role]
		if role == nil {
			s.serverError(w, r, errors.New("web: unknown role "+strconv.Quote(p.Role)))
			return
		}
		fn(w, r, &session{Principal: p, User: u, Org: org, Role: role})
	})
}

var errNoSession = errors.New("no valid session")

// authenticate returns the browser's principal and the refresh token in
// effect. An invalid or expired access token is replaced by rotating the
// refresh token (and the new cookies are set). errNoSession means the
// browser must log in; any other error is the service's failure, and the
// cookies are kept.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (auth.Principal, string, error) {
	refresh := ""
	if c, err := r.Cookie(refreshCookie); err == nil {
		refresh = c.Value
	}
	if c, err := r.Cookie(accessCookie); err == nil && c.Value != "" {
		if p, err := s.accounts.Authenticate(c.Value); err == nil {
			return p, refresh, nil
		}
	}
	if refresh == "" {
		return auth.Principal{}, "", errNoSession
	}
	pair, err := s.refresher.do(refresh, func() (account.TokenPair, error) {
		// Requests waiting on this rotation share its result: finish it
		// even if this request goes away.
		return s.accounts.Refresh(context.WithoutCancel(r.Context()), s.actor(r, auth.Principal{}), refresh)
	})
	if err != nil {
		if p, ok := problem.As(err); ok && p.Status < 500 {
			logger(r).Info("web session refresh refused", "code", p.Code)
			s.clearSession(w, r)
			return auth.Principal{}, "", errNoSession
		}
		return auth.Principal{}, "", err
	}
	p, err := s.accounts.Authenticate(pair.AccessToken)
	if err != nil {
		// Revoked since (a logout within the grace period of a shared
		// rotation).
		s.clearSession(w, r)
		return auth.Principal{}, "", errNoSession
	}
	s.setSession(w, r, pair)
	return p, pair.RefreshToken, nil
}

func (s *Server) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secure || s.overTLS(r)}
}

func (s *Server) setSession(w http.ResponseWriter, r *http.Request, pair account.TokenPair) {
	http.SetCookie(w, s.cookie(r, accessCookie, pair.AccessToken, pair.ExpiresIn))
	http.SetCookie(w, s.cookie(r, refreshCookie, pair.RefreshToken, 0))
	w.Header().Set("Cache-Control", "no-store")
}

func (s *Server) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, s.cookie(r, accessCookie, "", -1))
	http.SetCookie(w, s.cookie(r, refreshCookie, "", -1))
}

// toLogin redirects to the login page, remembering where a GET was going.
func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext returns next when it is a path on this site, else "/": the
// login form must not become an open redirect.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	if u.Path == "/login" {
		return "/"
	}
	return next
}

// loginView is the login page's content.
type loginView struct {
	Username string
	Next     string
	Error    string
	Notice   string
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(accessCookie); err == nil && c.Value != "" {
		if _, err := s.accounts.Authenticate(c.Value); err == nil {
			http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
			return
		}
	}
	v := loginView{Next: safeNext(r.URL.Query().Get("next"))}
	if r.URL.Query().Has("logged_out") {
		v.Notice = "您已安全退出。"
	}
	s.render(w, r, nil, http.StatusOK, "login", "登录", "", v)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.render(w, r, nil, http.StatusBadRequest, "login", "登录", "", loginView{Next: "/", Error: "提交的内容无效，请重新填写。"})
		return
	}
	v := loginView{Username: strings.TrimSpace(r.PostForm.Get("username")), Next: safeNext(r.PostForm.Get("next"))}
	password := r.PostForm.Get("password")
	if v.Username == "" || password == "" {
		v.Error = "请输入用户名和密码。"
		s.render(w, r, nil, http.StatusBadRequest, "login", "登录", "", v)
		return
	}
	pair, err := s.accounts.Login(r.Context(), s.actor(r, auth.Principal{}), v.Username, password)
	if err != nil {
		p, ok := problem.As(err)
		switch {
		case ok && p.Status == http.StatusTooManyRequests:
			v.Error = "登录失败次数过多，请稍后再试。"
			if ra := p.Headers["Retry-After"]; ra != "" {
				w.Header().Set("Retry-After", ra)
				if n, err := strconv.Atoi(ra); err == nil && n > 0 {
					v.Error = "登录失败次数过多，请在 " + strconv.Itoa(n) + " 秒后再试。"
				}
			}
			s.render(w, r, nil, http.StatusTooManyRequests, "login", "登录", "", v)
		case ok && p.Status == http.StatusUnauthorized:
			v.Error = "用户名或密码错误。"
			s.render(w, r, nil, http.StatusOK, "login", "登录", "", v)
		default:
			s.serverError(w, r, err)
		}
		return
	}
	s.setSession(w, r, pair)
	http.Redirect(w, r, v.Next, http.StatusSeeOther)
}

// logout ends the session: the access token is revoked, and with it the
// refresh token's whole family. Without a valid session the cookies are
// simply cleared.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	p, refresh, err := s.authenticate(w, r)
	switch {
	case errors.Is(err, errNoSession):
	case err != nil:
		s.serverError(w, r, err)
		return
	default:
		if err := s.accounts.Logout(r.Context(), s.actor(r, p), p, refresh); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	s.clearSession(w, r)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, "/login?logged_out=1", http.StatusSeeOther)
}
