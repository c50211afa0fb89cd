package pledge

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/document"
	"github.com/ipledge/ipledge/platform/problem"
)

// MaxAttachmentBytes is the largest attachment: 20 MiB.
const MaxAttachmentBytes = document.MaxBytes

// Attachment kinds.
var attachmentKinds = []string{"contract", "valuation_report", "change_agreement", "other"}

// Attachment is a document of a pledge: the pledge contract, a valuation
// report, evidence. The content is kept with its SHA-256.
type Attachment struct {
	ID              int64     `db:"id" json:"id"`
	PledgeID        int64     `db:"pledge_id" json:"pledge_id"`
	Kind            string    `db:"kind" json:"kind"`
	Filename        string    `db:"filename" json:"filename"`
	ContentType     string    `db:"content_type" json:"content_type"`
	SizeBytes       int64     `db:"size_bytes" json:"size_bytes"`
	SHA256          string    `db:"sha256" json:"sha256"`
	UploadedByOrgID int64     `db:"uploaded_by_org" json:"uploaded_by_org_id"`
	CreatedAt       time.Time `db:"created_at" json:"created_at"`
	Content         []byte    `db:"content" json:"-"`
}

// AddAttachment stores a document of a pledge, uploaded by a party or
// the IP office.
func (s *Service) AddAttachment(ctx context.Context, a audit.Actor, id int64, kind, filename, declaredType string, content []byte) (Attachment, error) {
	doc, err := document.Check(attachmentKinds, kind, filename, declaredType, content)
	if err != nil {
		return Attachment{}, err
	}
	at := Attachment{PledgeID: id, Kind: kind, Filename: doc.Filename, ContentType: doc.ContentType, SizeBytes: int64(len(content)),
		SHA256: doc.SHA256, UploadedByOrgID: a.OrgID, CreatedAt: s.nowUTC(), Content: content}
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		p, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !p.VisibleTo(a.OrgID, isIPOffice(a)) {
			return problem.NotFound("pledge")
		}
		if err := s.st.insertAttachment(ctx, tx, &at, actorID(a)); err != nil {
			return err
		}
		return s.record(ctx, tx, a, p, "attachment", p.State, p.State, map[string]any{"attachment_id": at.ID, "kind": kind,
			"filename": doc.Filename, "sha256": at.SHA256, "size_bytes": at.SizeBytes})
	})
	at.Content = nil
	return at, err
}

// Attachments lists a pledge's documents (without content).
func (s *Service) Attachments(ctx context.Context, pledgeID int64) ([]Attachment, error) {
	as, err := s.st.attachments(ctx, pledgeID)
	for i := range as {
		as[i].CreatedAt = as[i].CreatedAt.UTC()
	}
	return as, err
}

// Attachment returns one document with its content.
func (s *Service) Attachment(ctx context.Context, pledgeID, id int64) (Attachment, error) {
	at, err := s.st.attachment(ctx, pledgeID, id)
	if db.IsNoRows(err) {
		return at, problem.NotFound("attachment")
	}
	at.CreatedAt = at.CreatedAt.UTC()
	return at, err
}
