// Package licensing keeps the transfer pool of university patents: the
// TTO's listings with its assessment of each patent's prospects, what
// happened to each patent (licences, transfers, own implementation;
// pledges come from the pledge domain), which patents are dormant and
// their screening score, enterprises' feedback, open licence
// declarations with the licences taken under them and their payments,
// and licensing intents between enterprises and TTOs.
//
// The licensing_status table is this package's contract with search and
// matchmaking: one row per listed patent, rewritten in the transaction
// of every change that affects it and by RefreshAll (daily, since
// dormancy depends on the date).
package licensing

import (
	"time"

	"github.com/ipledge/ipledge/platform/date"
)

// Prospect is the TTO's own assessment of a patent's transfer prospects.
type Prospect string

// Prospects.
const (
	ProspectNone Prospect = "none"
	ProspectFair Prospect = "fair"
	ProspectGood Prospect = "good"
)

// Event kinds.
const (
	EventLicence           = "licence"
	EventTransfer          = "transfer"
	EventOwnImplementation = "own_implementation"
)

// Licence kinds.
const (
	LicenceExclusive = "exclusive"
	LicenceSole      = "sole"
	LicenceOrdinary  = "ordinary"
	LicenceOpen      = "open"
)

// Feedback kinds.
const (
	FeedbackInterest    = "interest"
	FeedbackPriceView   = "price_view"
	FeedbackNotRelevant = "not_relevant"
)

// Status is the dormancy and screening status of a listed patent (a row
// of licensing_status).
type Status struct {
	PatentID       int64     `db:"patent_id" json:"-"`
	Dormant        bool      `db:"dormant" json:"dormant"`
	OpenLicence    bool      `db:"open_licence" json:"open_licence"`
	ScreeningScore int       `db:"screening_score" json:"screening_score"`
	Reason         string    `db:"dormancy_reason" json:"reason"`
	Codes          string    `db:"reason_codes" json:"-"`
	ReasonCodes    []string  `db:"-" json:"reason_codes"`
	LastActivityOn date.Date `db:"last_activity_on" json:"last_activity_on"`
	UpdatedAt      time.Time `db:"updated_at" json:"updated_at"`
}

// FeedbackCounts are the enterprise feedback on a listing, by kind.
type FeedbackCounts struct {
	Interest    int `db:"interest" json:"interest"`
	PriceView   int `db:"price_view" json:"price_view"`
	NotRelevant int `db:"not_relevant" json:"not_relevant"`
}

// Total is the number of feedback entries.
func (f FeedbackCounts) Total() int { return f.Interest + f.PriceView + f.NotRelevant }

// Listing is a patent in the transfer pool.
type Listing struct {
	ID                int64          `db:"id" json:"id"`
	PatentID          int64          `db:"patent_id" json:"patent_id"`
	OrgID             int64          `db:"org_id" json:"org_id"`
	ApplicationNumber string         `db:"application_number" json:"application_number"`
	Title             string         `db:"title" json:"title"`
	PatentType        string         `db:"type" json:"patent_type"`
	GrantDate         date.Date      `db:"grant_date" json:"grant_date"`
	LegalStatus       string         `db:"legal_status" json:"legal_status"`
	Prospect          Prospect       `db:"prospect" json:"prospect"`
	ProspectNote      string         `db:"prospect_note" json:"prospect_note"`
	AssessedOn        date.Date      `db:"assessed_on" json:"assessed_on"`
	Feedback          FeedbackCounts `db:"-" json:"feedback"`
	Status            Status         `db:"-" json:"status"`
	Events            []Event        `db:"-" json:"events,omitempty"`
	OpenLicence       *OpenLicence   `db:"-" json:"open_licence"`
	CreatedAt         time.Time      `db:"created_at" json:"created_at"`
	UpdatedAt         time.Time      `db:"updated_at" json:"updated_at"`
}

// Event is something that happened to a patent: a licence, a transfer or
// the university's own implementation.
type Event struct {
	ID            int64     `db:"id" json:"id"`
	PatentID      int64     `db:"patent_id" json:"-"`
	Kind          string    `db:"kind" json:"kind"`
	LicenceKind   string    `db:"licence_kind" json:"licence_kind"`
	Counterparty  string    `db:"counterparty" json:"counterparty"`
	LicenseeOrgID *int64    `db:"licensee_org_id" json:"licensee_org_id"`
	EffectiveOn   date.Date `db:"effective_on" json:"effective_on"`
	EndOn         date.Date `db:"end_on" json:"end_on"`
	OpenLicenceID *int64    `db:"open_licence_id" json:"open_licence_id"`
	IntentID      *int64    `db:"intent_id" json:"intent_id"`
	Note          string    `db:"note" json:"note"`
	CreatedAt     time.Time `db:"created_at" json:"created_at"`
}

// InForce reports whether a licence covers the day.
func (e Event) InForce(on date.Date) bool {
	return e.Kind == EventLicence && !e.EffectiveOn.After(on) && (e.EndOn.IsZero() || !e.EndOn.Before(on))
}

// Open licence modes and royalty bases.
const (
	ModeLumpSum            = "lump_sum"
	ModeRunningRoyalty     = "running_royalty"
	ModeDownPaymentRunning = "down_payment_running"

	BaseNetSales = "net_sales"
	BaseProfit   = "profit"

	ScheduleOnce      = "once"
	ScheduleAnnual    = "annual"
	ScheduleQuarterly = "quarterly"
)

// OpenLicence is an open licence declaration.
type OpenLicence struct {
	ID                int64      `db:"id" json:"id"`
	PatentID          int64      `db:"patent_id" json:"-"`
	ApplicationNumber string     `db:"application_number" json:"application_number"`
	Title             string     `db:"title" json:"title"`
	OrgID             int64      `db:"org_id" json:"org_id"`
	State             string     `db:"state" json:"state"`
	Mode              string     `db:"mode" json:"mode"`
	LumpSumFen        *int64     `db:"lump_sum_fen" json:"lump_sum_fen"`
	DownPaymentFen    *int64     `db:"down_payment_fen" json:"down_payment_fen"`
	RoyaltyBase       string     `db:"royalty_base" json:"royalty_base"`
	RoyaltyRate       string     `db:"royalty_rate" json:"royalty_rate"`
	PaymentSchedule   string     `db:"payment_schedule" json:"payment_schedule"`
	TermYears         int        `db:"term_years" json:"term_years"`
	EvaluationReport  string     `db:"evaluation_report" json:"evaluation_report"`
	Justification     string     `db:"justification" json:"justification"`
	DeclaredAt        time.Time  `db:"declared_at" json:"declared_at"`
	WithdrawnAt       *time.Time `db:"withdrawn_at" json:"withdrawn_at"`
	WithdrawReason    string     `db:"withdraw_reason" json:"withdraw_reason"`
}

// Payment is one payment due under a licence.
type Payment struct {
	ID          int64      `db:"id" json:"id"`
	LicenceID   int64      `db:"licence_id" json:"-"`
	Position    int        `db:"position" json:"position"`
	Kind        string     `db:"kind" json:"kind"`
	DueOn       date.Date  `db:"due_on" json:"due_on"`
	AmountFen   *int64     `db:"amount_fen" json:"amount_fen"`
	PaidFen     *int64     `db:"paid_fen" json:"paid_fen"`
	PaidOn      date.Date  `db:"paid_on" json:"paid_on"`
	ConfirmedAt *time.Time `db:"confirmed_at" json:"confirmed_at"`
}

// Licence is a recorded licence with its payments and parties.
type Licence struct {
	Event
	ApplicationNumber string    `json:"application_number"`
	LicensorOrgID     int64     `json:"licensor_org_id"`
	Payments          []Payment `json:"payments"`
}

// Intent states.
const (
	IntentOpen      = "open"
	IntentInTalks   = "in_talks"
	IntentLicensed  = "licensed"
	IntentDeclined  = "declined"
	IntentWithdrawn = "withdrawn"
)

// Intent is an enterprise's interest in licensing a patent.
type Intent struct {
	ID                int64     `db:"id" json:"id"`
	PatentID          int64     `db:"patent_id" json:"-"`
	ApplicationNumber string    `db:"application_number" json:"application_number"`
	Title             string    `db:"title" json:"title"`
	EnterpriseOrgID   int64     `db:"enterprise_org_id" json:"enterprise_org_id"`
	TTOOrgID          int64     `db:"tto_org_id" json:"tto_org_id"`
	State             string    `db:"state" json:"state"`
	Message           string    `db:"message" json:"message"`
	LicenceID         *int64    `db:"licence_id" json:"licence_id"`
	Reason            string    `db:"reason" json:"reason"`
	Messages          []Message `db:"-" json:"messages"`
	CreatedAt         time.Time `db:"created_at" json:"created_at"`
	UpdatedAt         time.Time `db:"updated_at" json:"updated_at"`
}

// Message is one message of the talks on an intent.
type Message struct {
	ID        int64     `db:"id" json:"id"`
	IntentID  int64     `db:"intent_id" json:"-"`
	FromOrgID int64     `db:"from_org_id" json:"from_org_id"`
	Body      string    `db:"body" json:"body"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}
