package subsidy

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/document"
	"github.com/ipledge/ipledge/platform/problem"
)

// MaxAttachmentBytes is the largest evidence file: 20 MiB, as for pledges.
const MaxAttachmentBytes = document.MaxBytes

// AttachmentKinds are the evidence an application carries.
var AttachmentKinds = []string{"loan_contract", "pledge_contract", "registration_notice", "interest_voucher",
	"bank_statement", "fee_invoice", "other"}

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

// AddAttachment stores an evidence file of an application, uploaded by
// the applicant, its bank or the IP office (visibility is the caller's
// check).
func (s *Service) AddAttachment(ctx context.Context, a audit.Actor, appID int64, kind, filename, declaredType string, content []byte) (Attachment, error) {
	doc, err := document.Check(AttachmentKinds, kind, filename, declaredType, content)
	if err != nil {
		return Attachment{}, err
	}
	at := Attachment{ApplicationID: appID, Kind: kind, Filename: doc.Filename, ContentType: doc.ContentType, SizeBytes: int64(len(content)),
		SHA256: doc.SHA256, UploadedByOrgID: a.OrgID, CreatedAt: s.nowUTC(), Content: content}
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := s.lockApplication(ctx, tx, appID); err != nil {
			return err
		}
		if err := s.st.insertAttachment(ctx, tx, &at, actorID(a)); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "attachment", "subsidy_application", appID, map[string]any{"attachment_id": at.ID,
			"kind": kind, "filename": doc.Filename, "sha256": at.SHA256, "size_bytes": at.SizeBytes})
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
