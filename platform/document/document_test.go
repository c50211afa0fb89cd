package document

import (
	"net/http"
	"testing"

	"github.com/ipledge/ipledge/platform/problem"
)

// testKinds are the kinds the tests upload as.
var testKinds = []string{"contract", "other"}

func TestCheck(t *testing.T) {
	pdf := []byte("%PDF-1.7\n%%EOF\n")
	jpg := append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, make([]byte, 16)...)
	cases := []struct {
		name, kind, file, declared string
		content                    []byte
		status                     int
		wantType                   string
	}{
		{"pdf", "contract", "合同.pdf", "application/pdf", pdf, 0, "application/pdf"},
		{"jpeg as .jpg", "other", "scan.JPG", "", jpg, 0, "image/jpeg"},
		{"octet-stream declared", "other", "a.pdf", "application/octet-stream", pdf, 0, "application/pdf"},
		{"path stripped", "other", `C:\docs\a.pdf`, "", pdf, 0, "application/pdf"},
		{"html", "other", "a.pdf", "", []byte("<html><script>x</script>"), http.StatusUnsupportedMediaType, ""},
		{"declared png", "other", "a.pdf", "image/png", pdf, http.StatusUnsupportedMediaType, ""},
		{"wrong extension", "other", "a.exe", "", pdf, http.StatusUnsupportedMediaType, ""},
		{"unknown kind", "invoice", "a.pdf", "", pdf, http.StatusBadRequest, ""},
		{"no name", "other", "", "", pdf, http.StatusBadRequest, ""},
		{"empty", "other", "a.pdf", "", nil, http.StatusBadRequest, ""},
		{"too large", "other", "a.pdf", "", append(append([]byte{}, pdf...), make([]byte, MaxBytes)...), http.StatusRequestEntityTooLarge, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := Check(testKinds, c.kind, c.file, c.declared, c.content)
			ct := d.ContentType
			if c.status == 0 {
				if err != nil || ct != c.wantType {
					t.Fatalf("got %q, %v", ct, err)
				}
				return
			}
			p, ok := problem.As(err)
			if !ok || p.Status != c.status {
				t.Fatalf("got %v, want status %d", err, c.status)
			}
		})
	}
}

// FuzzCheckAttachment: any upload is either accepted as one of the three
// types with a safe base name, or refused with a problem; never a panic.
func FuzzCheck(f *testing.F) {
	f.Add("contract", "a.pdf", "application/pdf", []byte("%PDF-1.4"))
	f.Add("other", "../../etc/passwd.png", "", []byte("\x89PNG\r\n\x1a\n"))
	f.Fuzz(func(t *testing.T, kind, name, declared string, content []byte) {
		d, err := Check(testKinds, kind, name, declared, content)
		n, ct := d.Filename, d.ContentType
		if err != nil {
			if _, ok := problem.As(err); !ok {
				t.Fatalf("not a problem: %v", err)
			}
			return
		}
		if !Accepted(ct) {
			t.Fatalf("accepted type %q", ct)
		}
		for _, r := range n {
			if r == '/' || r == '\\' {
				t.Fatalf("name %q keeps a path", n)
			}
		}
	})
}
