package subsidy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/problem"
)

// MaxAttachmentBytes is the largest evidence file: 20 MiB, as for pledges.
const MaxAttachmentBytes = 20 << 20

// AttachmentKinds are the evidence an application carries.
var AttachmentKinds = []string{"loan_contract", "pledge_contract", "registration_notice", "interest_voucher",
	"bank_statement", "fee_invoice", "other"}

var attachmentTypes = map[string][]string{
	"application/pdf": {".pdf"},
	"image/jpeg":      {".jpg", ".jpeg"},
	"image/png":       {".png"},
}

// Attachment is an evidence file of an application.
type Attachment struct {
	ID              int64     `db:"id" json:"id"`
	ApplicationID   int64     `db:"application_id" json:"application_id"`
	Kind            string    `db:"kind" json:"kind"`
	Filename        string    `db:"filename" json:"filename"`
	ContentType     string    `db:"content_type" json:"content_type"`
	SizeBytes       int64     `db:"size_bytes" json:"size_bytes"`
	SHA256          string    `db:"sha256" json:"sha256"`
	UploadedByOrgID int64     `db:"uploaded_by_org" json:"uploaded_by_org_id"`
	CreatedAt       time.Time `db:"created_at" json:"created_at"`
	Content         []byte    `db:"content" json:"-"`
}

func unsupportedType(format string, args ...any) error {
	return &problem.Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_attachment_type",
		Title: http.StatusText(http.StatusUnsupportedMediaType), Detail: fmt.Sprintf(format, args...)}
}

// checkAttachment validates an upload as pledge documents are checked:
// kind, name, size, and a content type sniffed from the content that the
// declared type and the extension must agree with.
func checkAttachment(kind, filename, declared string, content []byte) (string, string, error) {
	var fe []problem.FieldError
	if !slices.Contains(AttachmentKinds, kind) {
		fe = append(fe, problem.Field("kind", "invalid", "kind is one of "+strings.Join(AttachmentKinds, ", ")))
	}
	filename = strings.TrimSpace(filepath.Base(strings.ReplaceAll(filename, "\\", "/")))
	if filename == "" || filename == "." || filename == "/" || len([]rune(filename)) > 200 {
		fe = append(fe, problem.Field("file", "invalid_name", "the file needs a name of at most 200 characters"))
	}
	if len(content) == 0 {
		fe = append(fe, problem.Field("file", "empty", "the file is empty"))
	}
	if len(fe) > 0 {
		return "", "", problem.Invalid(fe...)
	}
	if len(content) > MaxAttachmentBytes {
		return "", "", problem.TooLarge("an attachment is at most 20 MiB")
	}
	sniffed := http.DetectContentType(content)
	exts, ok := attachmentTypes[sniffed]
	if !ok {
		return "", "", unsupportedType("attachments are PDF, JPG or PNG files; this content is %s", sniffed)
	}
	if d := strings.TrimSpace(strings.Split(declared, ";")[0]); d != "" && d != "application/octet-stream" && d != sniffed {
		return "", "", unsupportedType("the file is declared %s but its content is %s", d, sniffed)
	}
	if !slices.Contains(exts, strings.ToLower(filepath.Ext(filename))) {
		return "", "", unsupportedType("a %s file is named %s", sniffed, strings.Join(exts, " or "))
	}
	return filename, sniffed, nil
}

// AddAttachment stores an evidence file of an application, uploaded by
// the applicant, its bank or the IP office (visibility is the caller's
// check).
func (s *Service) AddAttachment(ctx context.Context, a audit.Actor, appID int64, kind, filename, declaredType string, content []byte) (Attachment, error) {
	filename, ctype, err := checkAttachment(kind, filename, declaredType, content)
	if err != nil {
		return Attachment{}, err
	}
	sum := sha256.Sum256(content)
	at := Attachment{ApplicationID: appID, Kind: kind, Filename: filename, ContentType: ctype, SizeBytes: int64(len(content)),
		SHA256: hex.EncodeToString(sum[:]), UploadedByOrgID: a.OrgID, CreatedAt: s.nowUTC(), Content: content}
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := s.lockApplication(ctx, tx, appID); err != nil {
			return err
		}
		if err := s.st.insertAttachment(ctx, tx, &at, actorID(a)); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "attachment", "subsidy_application", appID, map[string]any{"attachment_id": at.ID,
			"kind": kind, "filename": filename, "sha256": at.SHA256, "size_bytes": at.SizeBytes})
	})
	at.Content = nil
	return at, err
}

// Attachments lists an application's evidence (without content).
func (s *Service) Attachments(ctx context.Context, appID int64) ([]Attachment, error) {
	as, err := s.st.attachments(ctx, appID)
	for i := range as {
		as[i].CreatedAt = as[i].CreatedAt.UTC()
	}
	return as, err
}

// Attachment returns one evidence file with its content.
func (s *Service) Attachment(ctx context.Context, appID, id int64) (Attachment, error) {
	at, err := s.st.attachment(ctx, appID, id)
	if db.IsNoRows(err) {
		return at, problem.NotFound("attachment")
	}
	at.CreatedAt = at.CreatedAt.UTC()
	return at, err
}
