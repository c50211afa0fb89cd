package web

import (
	"encoding/base64"
	"net/http"
	"unicode/utf8"
)

// flashCookie carries the one-line message a form's redirect shows on the
// next page (POST-redirect-GET). It is short-lived and read once.
const flashCookie = "ipledge_flash"

// maxFlashBytes bounds a flash message.
const maxFlashBytes = 600

// redirectFlash redirects to target (a path on this site) with a message
// for the next page.
func (s *Server) redirectFlash(w http.ResponseWriter, r *http.Request, target, msg string) {
	if len(msg) > maxFlashBytes {
		msg = msg[:maxFlashBytes]
		for !utf8.ValidString(msg) {
			msg = msg[:len(msg)-1]
		}
	}
	http.SetCookie(w, s.cookie(r, flashCookie, base64.RawURLEncoding.EncodeToString([]byte(msg)), 60))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// takeFlash returns the pending flash message, if any, and clears it.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return ""
	}
	http.SetCookie(w, s.cookie(r, flashCookie, "", -1))
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(b) > maxFlashBytes || !utf8.Valid(b) {
		return ""
	}
	return string(b)
}
