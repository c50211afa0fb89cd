// Package registry keeps the patent registry: the records of patents
// (numbers, type, title, claims, IPC codes, dates, patentees, legal
// status, fees, citations), each legal status change as history and
// audit, and the corrections patentees ask the IP office for. Numbers,
// types and terms come from package patent.
package registry

import (
	"time"

	"github.com/ipledge/ipledge/patent"
	"github.com/ipledge/ipledge/platform/date"
)

// Status is a patent's legal status.
type Status string

// Legal statuses.
const (
	StatusPending               Status = "pending" // filed, not granted
	StatusValid                 Status = "valid"
	StatusFeeGrace              Status = "fee_grace" // annual fee overdue, in the 6-month grace period
	StatusLapsed                Status = "lapsed"
	StatusExpired               Status = "expired"
	StatusInvalidated           Status = "invalidated"
	StatusInvalidationRequested Status = "invalidation_requested"
	StatusOwnershipDispute      Status = "ownership_dispute" // procedures suspended or court preservation
)

// Statuses lists every legal status.
var Statuses = []Status{StatusPending, StatusValid, StatusFeeGrace, StatusLapsed, StatusExpired, StatusInvalidated,
	StatusInvalidationRequested, StatusOwnershipDispute}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if x == s {
			return true
		}
	}
	return false
}

// Patentee is one holder of a patent: a platform organisation (an
// enterprise or a university) or just a name.
type Patentee struct {
	Name    string `db:"name" json:"name"`
	OrgID   *int64 `db:"org_id" json:"org_id"`
	ShareBP *int   `db:"share_bp" json:"share_bp"`
}

// Pledge is what the public gazette shows of a pledge on a patent:
// whether one is in force and since when, without parties or amounts.
type Pledge struct {
	InForce bool      `json:"in_force"`
	Since   date.Date `json:"since"`
}

// Patent is a registry record.
type Patent struct {
	ID                int64       `db:"id" json:"id"`
	ApplicationNumber string      `db:"application_number" json:"application_number"`
	PublicationNumber string      `db:"publication_number" json:"publication_number"`
	GrantNumber       string      `db:"grant_number" json:"grant_number"`
	Type              patent.Type `db:"type" json:"type"`
	Title             string      `db:"title" json:"title"`
	Abstract          string      `db:"abstract" json:"abstract"`
	MainClaim         string      `db:"main_claim" json:"main_claim"`
	IPC               string      `db:"ipc_codes" json:"-"`
	IPCCodes          []string    `db:"-" json:"ipc_codes"`
	FilingDate        date.Date   `db:"filing_date" json:"filing_date"`
	GrantDate         date.Date   `db:"grant_date" json:"grant_date"`
	ExpiryDate        date.Date   `db:"-" json:"expiry_date"`
	LegalStatus       Status      `db:"legal_status" json:"legal_status"`
	FeePaidUntil      date.Date   `db:"fee_paid_until" json:"fee_paid_until"`
	ClaimsCount       *int        `db:"claims_count" json:"claims_count"`
	ForwardCitations  *int        `db:"forward_citations" json:"forward_citations"`
	FamilySize        *int        `db:"family_size" json:"family_size"`
	GovernmentFunded  bool        `db:"government_funded" json:"government_funded"`
	Patentees         []Patentee  `db:"-" json:"patentees"`
	Pledge            Pledge      `db:"-" json:"pledge"`
	CreatedAt         time.Time   `db:"created_at" json:"created_at"`
	UpdatedAt         time.Time   `db:"updated_at" json:"updated_at"`
}

// HistoryEvent is one legal status change.
type HistoryEvent struct {
	ID       int64     `db:"id" json:"id"`
	From     string    `db:"from_status" json:"from"`
	To       Status    `db:"to_status" json:"to"`
	Reason   string    `db:"reason" json:"reason"`
	Evidence string    `db:"evidence" json:"evidence"`
	Actor    string    `db:"actor" json:"actor"`
	At       time.Time `db:"at" json:"at"`
}

// Correction states.
const (
	CorrectionPending   = "pending"
	CorrectionConfirmed = "confirmed"
	CorrectionRejected  = "rejected"
)

// Correction is a patentee's request that the IP office correct a legal
// status.
type Correction struct {
	ID                int64      `db:"id" json:"id"`
	PatentID          int64      `db:"patent_id" json:"patent_id"`
	ApplicationNumber string     `db:"application_number" json:"application_number"`
	RequestedByOrg    int64      `db:"requested_by_org" json:"requested_by_org"`
	CurrentStatus     Status     `db:"legal_status" json:"current_status"`
	ProposedStatus    Status     `db:"proposed_status" json:"proposed_status"`
	Evidence          string     `db:"evidence" json:"evidence"`
	State             string     `db:"state" json:"state"`
	Reason            string     `db:"reason" json:"reason"`
	CreatedAt         time.Time  `db:"created_at" json:"created_at"`
	DecidedAt         *time.Time `db:"decided_at" json:"decided_at"`
}

// Transfer is one recorded transfer of a patent: the patentees before and
// after, when it took effect and the registration the IP office gave it.
type Transfer struct {
	ID                 int64      `db:"id" json:"id"`
	From               []Patentee `db:"-" json:"from"`
	To                 []Patentee `db:"-" json:"to"`
	FromJSON           string     `db:"from_patentees" json:"-"`
	ToJSON             string     `db:"to_patentees" json:"-"`
	EffectiveDate      date.Date  `db:"effective_date" json:"effective_date"`
	RegistrationNumber string     `db:"registration_number" json:"registration_number"`
	Reason             string     `db:"reason" json:"reason"`
	Evidence           string     `db:"evidence" json:"evidence"`
	Actor              string     `db:"actor" json:"actor"`
	At                 time.Time  `db:"at" json:"at"`
}
