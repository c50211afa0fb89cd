package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"net/http"
	"strconv"
	"strings"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageNames are the templates/<name>.html pages; each defines "content"
// and is shown inside the "app" layout (signed in) or the "bare" one.
var pageNames = []string{"login", "home", "todo", "message",
	"wl_lookup", "wl_changes", "wl_nominate", "wl_nominations", "wl_review", "wl_batches", "wl_batch",
	"wl_entries", "wl_enterprise", "wl_mine",
	"pl_patents", "pl_applications", "pl_new", "pl_detail", "pl_pending", "pl_bank", "pl_risks", "pl_review", "pl_amendments", "dashboard",
	"va_list", "va_new", "va_detail",
	"li_search", "li_patent", "li_listings", "li_dormant", "li_open", "li_intents", "li_intent", "li_needs", "li_need", "li_licence",
	"ln_list", "ln_new", "ln_detail",
	"sb_apps", "sb_apply", "sb_detail", "sb_office", "sb_policy_form", "sb_policy", "sb_notice", "sb_review", "sb_approvals", "sb_payments", "sb_reports"}

// views are the parsed pages and the static files' version stamps.
type views struct {
	pages    map[string]*template.Template
	versions map[string]string // static file name → short content hash
}

func loadViews() (*views, error) {
	v := &views{pages: map[string]*template.Template{}, versions: map[string]string{}}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	err = fs.WalkDir(static, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static, path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		v.versions[path] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{"asset": v.asset, "statusLabel": statusLabel, "statusClass": statusClass,
		"stateLabel": stateLabel, "stateClass": stateClass, "actionLabel": actionLabel, "sourceLabel": sourceLabel,
		"srdiLabel": srdiLabel, "checkLabel": checkLabel, "showDate": showDate, "showTime": showTime,
		"errFor": errFor, "fieldErr": fieldErr, "formValue": formValue, "historyReason": historyReason}
	maps.Copy(funcs, pledgeFuncs)
	maps.Copy(funcs, valuationFuncs)
	maps.Copy(funcs, licensingFuncs)
	maps.Copy(funcs, loanFuncs)
	maps.Copy(funcs, subsidyFuncs)
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", "templates/pl_partials.html", "templates/sb_partials.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		v.pages[name] = t
	}
	return v, nil
}

// asset is the URL of a static file, stamped with its content hash so
// that it can be cached for good.
func (v *views) asset(name string) string {
	ver, ok := v.versions[name]
	if !ok {
		panic("web: no static file " + strconv.Quote(name))
	}
	return "/static/" + name + "?v=" + ver
}

// static serves the embedded static files; a stamped URL is cached for a
// year, anything else is revalidated.
func (s *Server) static() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		if _, ok := s.views.versions[name]; !ok {
			s.notFound(w, r)
			return
		}
		if r.URL.Query().Get("v") == s.views.versions[name] {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		files.ServeHTTP(w, r)
	})
}

// viewer is the signed-in user as the layout shows them.
type viewer struct {
	Name     string
	Username string
	Org      string
	Role     string
	RoleName string
}

// pageData is what every template gets.
type pageData struct {
	Platform string
	Title    string
	User     *viewer   // nil: not signed in, the "bare" layout
	Nav      []navItem // the role's navigation
	Active   string    // the navigation path to highlight
	Unread   int       // unread notifications; shown when > 0
	Flash    string    // the message of the form that redirected here
	Content  any
}

// render executes a page into a buffer first, so that a template error
// becomes an error page rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, sess *session, status int, name, title, active string, content any) {
	d := pageData{Platform: PlatformName, Title: title, Active: active, Content: content}
	layout := "bare"
	if sess != nil {
		layout = "app"
		d.User = &viewer{Name: sess.User.DisplayName, Username: sess.User.Username, Org: sess.Org.Name,
			Role: sess.Role.Key, RoleName: sess.Role.Name}
		d.Nav = sess.Role.Nav
		d.Unread = s.unread(r, sess)
		if r.Method == http.MethodGet {
			d.Flash = s.takeFlash(w, r)
		}
	}
	var buf bytes.Buffer
	if err := s.views.pages[name].ExecuteTemplate(&buf, layout, d); err != nil {
		logger(r).Error("web template failed", "page", name, "err", err)
		http.Error(w, "系统繁忙，请稍后再试。", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// unread counts the user's unread notifications: 0 (no count shown)
// without a counter; a failure is logged and shows no count rather than
// failing the page.
func (s *Server) unread(r *http.Request, sess *session) int {
	if s.notify == nil {
		return 0
	}
	n, err := s.notify.UnreadCount(r.Context(), sess.User.ID)
	if err != nil {
		logger(r).Warn("unread notification count failed", "err", err)
		return 0
	}
	return n
}
