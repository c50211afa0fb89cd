// Package document checks uploaded evidence files (pledge documents,
// subsidy vouchers): PDF, JPG or PNG up to 20 MiB, the type sniffed from
// the content, with the declared type and the file name's extension
// agreeing with it, and the SHA-256 kept.
package document

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ipledge/ipledge/platform/problem"
)

// MaxBytes is the largest document: 20 MiB.
const MaxBytes = 20 << 20

// types are the content types accepted, by what the content is, with the
// extensions that go with each.
var types = map[string][]string{
	"application/pdf": {".pdf"},
	"image/jpeg":      {".jpg", ".jpeg"},
	"image/png":       {".png"},
}

// Accepted reports whether a content type is one a checked document can
// have.
func Accepted(contentType string) bool { _, ok := types[contentType]; return ok }

func unsupported(format string, args ...any) error {
	return &problem.Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_attachment_type",
		Title: http.StatusText(http.StatusUnsupportedMediaType), Detail: fmt.Sprintf(format, args...)}
}

// Checked is an accepted upload.
type Checked struct {
	Filename    string // the base name, without any path
	ContentType string // sniffed
	SHA256      string // hex
}

// Check validates an upload of one of kinds: 400 for a bad kind, name or
// an empty file, 413 above MaxBytes, 415 for content that is not PDF,
// JPG or PNG or that disagrees with its declared type or extension.
func Check(kinds []string, kind, filename, declared string, content []byte) (Checked, error) {
	var fe []problem.FieldError
	if !slices.Contains(kinds, kind) {
		fe = append(fe, problem.Field("kind", "invalid", "kind is one of "+strings.Join(kinds, ", ")))
	}
	filename = strings.TrimSpace(filepath.Base(strings.ReplaceAll(filename, "\\", "/")))
	if filename == "" || filename == "." || filename == "/" || len([]rune(filename)) > 200 {
		fe = append(fe, problem.Field("file", "invalid_name", "the file needs a name of at most 200 characters"))
	}
	if len(content) == 0 {
		fe = append(fe, problem.Field("file", "empty", "the file is empty"))
	}
	if len(fe) > 0 {
		return Checked{}, problem.Invalid(fe...)
	}
	if len(content) > MaxBytes {
		return Checked{}, problem.TooLarge("an attachment is at most 20 MiB")
	}
	sniffed := http.DetectContentType(content)
	exts, ok := types[sniffed]
	if !ok {
		return Checked{}, unsupported("attachments are PDF, JPG or PNG files; this content is %s", sniffed)
	}
	if d := strings.TrimSpace(strings.Split(declared, ";")[0]); d != "" && d != "application/octet-stream" && d != sniffed {
		return Checked{}, unsupported("the file is declared %s but its content is %s", d, sniffed)
	}
	if !slices.Contains(exts, strings.ToLower(filepath.Ext(filename))) {
		return Checked{}, unsupported("a %s file is named %s", sniffed, strings.Join(exts, " or "))
	}
	sum := sha256.Sum256(content)
	return Checked{Filename: filename, ContentType: sniffed, SHA256: hex.EncodeToString(sum[:])}, nil
}
