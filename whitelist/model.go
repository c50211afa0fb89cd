// Package whitelist keeps the IP pledge financing whitelist of quality
// private enterprises (知识产权质押融资"白名单"): the enterprises, their
// nominations, the batches the IP office puts out for public notice and
// publishes, each entry's lifecycle, the status banks check, and the
// change feed they mirror.
package whitelist

import (
	"time"

	"github.com/ipledge/ipledge/platform/date"
)

// Status is what a bank sees for an enterprise.
type Status string

// Statuses. Pending covers an open nomination, an entry under public
// notice and one published but not yet effective.
const (
	StatusActive    Status = "active"
	StatusSuspended Status = "suspended"
	StatusRevoked   Status = "revoked"
	StatusExpired   Status = "expired"
	StatusPending   Status = "pending"
	StatusNotListed Status = "not_listed"
)

// Source says where a nomination came from.
type Source string

// Sources. The bureau's nominations are priority.
const (
	SourceBureau   Source = "bureau"
	SourcePark     Source = "park"
	SourceIPOffice Source = "ip_office"
	SourceHighTech Source = "high_tech"
	SourceSRDI     Source = "srdi"
	SourceSelf     Source = "self"
)

// SRDI levels of the "specialised, refined, distinctive, innovative"
// (专精特新) recognition.
const (
	SRDINone       = ""
	SRDIProvincial = "provincial"
	SRDINational   = "national"
)

// Enterprise is a firm the whitelist knows.
type Enterprise struct {
	ID                    int64     `db:"id" json:"id"`
	USCC                  string    `db:"uscc" json:"uscc"`
	Name                  string    `db:"name" json:"name"`
	RegionCode            string    `db:"region_code" json:"region_code"`
	RegionName            string    `db:"-" json:"region_name"`
	Industry              string    `db:"industry" json:"industry"`
	IsSME                 bool      `db:"is_sme" json:"is_sme"`
	HighTechCertNo        string    `db:"hightech_cert_no" json:"hightech_cert_no"`
	HighTechValidUntil    date.Date `db:"hightech_valid_until" json:"hightech_valid_until"`
	SRDILevel             string    `db:"srdi_level" json:"srdi_level"`
	BureauDocNo           string    `db:"bureau_doc_no" json:"bureau_doc_no"`
	BureauRecognisedOn    date.Date `db:"bureau_recognised_on" json:"bureau_recognised_on"`
	ValidInventionPatents int       `db:"valid_invention_patents" json:"valid_invention_patents"`
	CreatedAt             time.Time `db:"created_at" json:"created_at"`
	UpdatedAt             time.Time `db:"updated_at" json:"updated_at"`
}

// Nomination state.
const (
	NominationPending  = "pending"
	NominationAccepted = "accepted"
	NominationRejected = "rejected"
)

// Nomination proposes an enterprise for the whitelist.
type Nomination struct {
	ID             int64      `db:"id" json:"id"`
	EnterpriseID   int64      `db:"enterprise_id" json:"enterprise_id"`
	USCC           string     `db:"uscc" json:"uscc"`
	EnterpriseName string     `db:"enterprise_name" json:"enterprise_name"`
	Source         Source     `db:"source" json:"source"`
	Priority       bool       `db:"priority" json:"priority"`
	Evidence       string     `db:"evidence" json:"evidence"`
	Status         string     `db:"status" json:"status"`
	Reason         string     `db:"reason" json:"reason"`
	OverrideReason string     `db:"override_reason" json:"override_reason"`
	NominatedBy    *int64     `db:"nominated_by" json:"-"`
	NominatedOrg   *int64     `db:"nominated_org" json:"nominated_org"`
	DecidedAt      *time.Time `db:"decided_at" json:"decided_at"`
	CreatedAt      time.Time  `db:"created_at" json:"created_at"`
}

// Batch state.
const (
	BatchDraft        = "draft"
	BatchPublicNotice = "public_notice"
	BatchPublished    = "published"
)

// Batch is a set of entries noticed and published together ("2026年第1批").
type Batch struct {
	ID          int64      `db:"id" json:"id"`
	Name        string     `db:"name" json:"name"`
	Status      string     `db:"status" json:"status"`
	NoticeStart date.Date  `db:"notice_start" json:"notice_start"`
	NoticeEnd   date.Date  `db:"notice_end" json:"notice_end"`
	EffectiveOn date.Date  `db:"effective_on" json:"effective_on"`
	ValidUntil  date.Date  `db:"valid_until" json:"valid_until"`
	CreatedAt   time.Time  `db:"created_at" json:"created_at"`
	PublishedAt *time.Time `db:"published_at" json:"published_at"`
	Entries     int        `db:"entries" json:"entries"`
}

// Entry state: what the IP office did to the entry. The status banks see
// is derived from it, the batch and the date (see DeriveStatus).
const (
	EntryListed    = "listed"
	EntryRemoved   = "removed" // an objection was upheld during public notice
	EntrySuspended = "suspended"
	EntryRevoked   = "revoked"
)

// Entry is an enterprise in a batch.
type Entry struct {
	ID             int64      `db:"id" json:"id"`
	BatchID        int64      `db:"batch_id" json:"batch_id"`
	BatchName      string     `db:"batch_name" json:"batch"`
	BatchStatus    string     `db:"batch_status" json:"batch_status"`
	EnterpriseID   int64      `db:"enterprise_id" json:"enterprise_id"`
	USCC           string     `db:"uscc" json:"uscc"`
	EnterpriseName string     `db:"enterprise_name" json:"enterprise_name"`
	NominationID   int64      `db:"nomination_id" json:"nomination_id"`
	State          string     `db:"state" json:"state"`
	Reason         string     `db:"reason" json:"reason"`
	ReviewFlag     bool       `db:"review_flag" json:"review_flag"`
	ReviewReason   string     `db:"review_reason" json:"review_reason"`
	ReviewRaisedAt *time.Time `db:"review_raised_at" json:"review_raised_at"`
	EffectiveOn    date.Date  `db:"effective_on" json:"effective_on"`
	ValidUntil     date.Date  `db:"valid_until" json:"valid_until"`
	CreatedAt      time.Time  `db:"created_at" json:"created_at"`
	Status         Status     `db:"-" json:"status"`
}

// HistoryEvent is one step in an enterprise's whitelist history.
type HistoryEvent struct {
	ID            int64     `db:"id" json:"id"`
	EntryID       *int64    `db:"entry_id" json:"entry_id"`
	Action        string    `db:"action" json:"action"`
	Reason        string    `db:"reason" json:"reason"`
	ActorUsername string    `db:"actor_username" json:"actor"`
	At            time.Time `db:"at" json:"at"`
}

// Objection is raised against an entry during public notice.
type Objection struct {
	ID         int64      `db:"id" json:"id"`
	EntryID    int64      `db:"entry_id" json:"entry_id"`
	Objector   string     `db:"objector" json:"objector"`
	Content    string     `db:"content" json:"content"`
	Status     string     `db:"status" json:"status"`
	Resolution string     `db:"resolution" json:"resolution"`
	RecordedAt time.Time  `db:"recorded_at" json:"recorded_at"`
	ResolvedAt *time.Time `db:"resolved_at" json:"resolved_at"`
}

// StatusResult answers a bank's status check.
type StatusResult struct {
	USCC        string    `json:"uscc"`
	Name        string    `json:"name"`
	Status      Status    `json:"status"`
	Batch       string    `json:"batch"`
	EffectiveOn date.Date `json:"effective_on"`
	ValidUntil  date.Date `json:"valid_until"`
	Reason      string    `json:"reason"`
}

// Change is one event of the change feed: the entry's full state at the
// event, so a mirror derives activation and expiry from the dates.
type Change struct {
	Seq          int64     `db:"seq" json:"seq"`
	EnterpriseID int64     `db:"enterprise_id" json:"-"`
	USCC         string    `db:"uscc" json:"uscc"`
	Name         string    `db:"name" json:"name"`
	Status       Status    `db:"status" json:"status"`
	Batch        string    `db:"batch" json:"batch"`
	EffectiveOn  date.Date `db:"effective_on" json:"effective_on"`
	ValidUntil   date.Date `db:"valid_until" json:"valid_until"`
	Reason       string    `db:"reason" json:"reason"`
	At           time.Time `db:"at" json:"at"`
}
