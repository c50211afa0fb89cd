package pledge

import (
	"time"

	"github.com/ipledge/ipledge/platform/date"
)

// State is a pledge registration's state.
type State string

// Pledge states. draft → awaiting_pledgee → submitted | declined;
// draft, awaiting_pledgee, submitted → withdrawn; submitted → registered |
// refused; registered → released | enforced | revoked.
const (
	StateDraft           State = "draft"
	StateAwaitingPledgee State = "awaiting_pledgee"
	StateSubmitted       State = "submitted"
	StateDeclined        State = "declined"
	StateWithdrawn       State = "withdrawn"
	StateRegistered      State = "registered"
	StateRefused         State = "refused"
	StateReleased        State = "released"
	StateEnforced        State = "enforced"
	StateRevoked         State = "revoked"
)

// States lists every pledge state.
var States = []State{StateDraft, StateAwaitingPledgee, StateSubmitted, StateDeclined, StateWithdrawn, StateRegistered,
	StateRefused, StateReleased, StateEnforced, StateRevoked}

// Asset kinds. Only patents are examined here; trademarks and copyrights
// are registered by their own registries and carry the number those issue.
const (
	AssetPatent    = "patent"
	AssetTrademark = "trademark"
	AssetCopyright = "copyright"
)

// Asset states.
const (
	AssetPending    = "pending"
	AssetRegistered = "registered"
)

// Registries that issue an asset's pledge registration number.
var registryOf = map[string]string{
	AssetPatent:    "cnipa_patent",
	AssetTrademark: "cnipa_trademark",
	AssetCopyright: "cpcc_copyright",
}

// Secured claim kinds (被担保债权的种类).
const (
	ClaimLoan             = "loan"              // 借款合同债权
	ClaimCreditLine       = "credit_line"       // 最高额授信项下债权
	ClaimCounterGuarantee = "counter_guarantee" // 反担保
	ClaimOther            = "other"
)

var claimKinds = []string{ClaimLoan, ClaimCreditLine, ClaimCounterGuarantee, ClaimOther}

// Who pays the annual fees during the pledge (an optional term).
var feePayers = []string{"pledgor", "pledgee", "unspecified"}

// Asset is one registration of a (packaged) pledge.
type Asset struct {
	ID       int64  `db:"id" json:"id"`
	PledgeID int64  `db:"pledge_id" json:"-"`
	Position int    `db:"position" json:"-"`
	Kind     string `db:"kind" json:"kind"`
	Registry string `db:"-" json:"registry"`
	PatentID *int64 `db:"patent_id" json:"-"`
	// Number is the patent's canonical application number, or the
	// trademark's or copyright's registration number in its registry.
	Number string `db:"number" json:"number"`
	Title  string `db:"title" json:"title"`
	// ShareBP is the asset's allocated share of the collateral value, in
	// basis points; the shares of a pledge sum to 10000.
	ShareBP            int       `db:"share_bp" json:"share_bp"`
	State              string    `db:"state" json:"state"`
	RegistrationNumber string    `db:"registration_number" json:"registration_number"`
	RegisteredOn       date.Date `db:"registered_on" json:"registered_on"`
}

// Pledge is a pledge registration request and, once registered, the
// registration.
type Pledge struct {
	ID                    int64     `db:"id" json:"id"`
	PledgorOrgID          int64     `db:"pledgor_org_id" json:"pledgor_org_id"`
	PledgeeOrgID          int64     `db:"pledgee_org_id" json:"pledgee_org_id"`
	State                 State     `db:"state" json:"state"`
	PledgorName           string    `db:"pledgor_name" json:"pledgor_name"`
	PledgorAddress        string    `db:"pledgor_address" json:"pledgor_address"`
	PledgeeName           string    `db:"pledgee_name" json:"pledgee_name"`
	PledgeeAddress        string    `db:"pledgee_address" json:"pledgee_address"`
	ContractNumber        string    `db:"contract_number" json:"contract_number"`
	ContractDate          date.Date `db:"contract_date" json:"contract_date"`
	SecuredClaimKind      string    `db:"secured_claim_kind" json:"secured_claim_kind"`
	SecuredAmountFen      int64     `db:"secured_amount_fen" json:"secured_amount_fen"`
	DebtStart             date.Date `db:"debt_start" json:"debt_start"`
	DebtEnd               date.Date `db:"debt_end" json:"debt_end"`
	Scope                 string    `db:"scope" json:"scope"`
	AnnualFeePayer        string    `db:"annual_fee_payer" json:"annual_fee_payer"`
	TransferAllowed       bool      `db:"transfer_allowed" json:"transfer_allowed"`
	LicensingAllowed      bool      `db:"licensing_allowed" json:"licensing_allowed"`
	ValuationID           *int64    `db:"valuation_id" json:"valuation_id"`
	ForfeitureClause      bool      `db:"forfeiture_clause" json:"forfeiture_clause"`
	AllCoOwnersConsent    bool      `db:"all_co_owners_consent" json:"all_co_owners_consent"`
	SpecialAgreement      bool      `db:"special_agreement" json:"special_agreement"`
	ConfirmedDualFiling   bool      `db:"confirmed_dual_filing" json:"confirmed_dual_filing"`
	ConfirmedInvalidation bool      `db:"confirmed_invalidation" json:"confirmed_invalidation"`
	// SubmittedAt is when the pledgee confirmed: the submission is then
	// complete and the examination deadline runs.
	SubmittedAt *time.Time `db:"submitted_at" json:"submitted_at"`
	Deadline    date.Date  `db:"deadline" json:"deadline"`
	// Overdue: still submitted after the deadline (computed on read).
	Overdue        bool       `db:"-" json:"overdue"`
	DecidedAt      *time.Time `db:"decided_at" json:"decided_at"`
	DecisionReason string     `db:"decision_reason" json:"decision_reason"`
	CitedGrounds   string     `db:"cited_grounds" json:"-"`
	RefusalGrounds []string   `db:"-" json:"refusal_grounds"`
	// Impaired: a pledged patent's legal status changed for the worse
	// while the pledge was in force.
	Impaired       bool    `db:"impaired" json:"collateral_impaired"`
	ImpairedReason string  `db:"impaired_reason" json:"impaired_reason"`
	Assets         []Asset `db:"-" json:"assets"`
	// Valuation is the attached valuation's outcome against the secured
	// amount (nil: none attached).
	Valuation *ValuationSummary `db:"-" json:"valuation"`
	CreatedAt time.Time         `db:"created_at" json:"created_at"`
	UpdatedAt time.Time         `db:"updated_at" json:"updated_at"`
}

// VisibleTo reports whether an organisation may see the pledge: its
// parties, and the IP office (all pledges).
func (p Pledge) VisibleTo(orgID int64, ipOffice bool) bool {
	return ipOffice || orgID == p.PledgorOrgID || orgID == p.PledgeeOrgID
}

// Event is one entry of a registration's history.
type Event struct {
	ID        int64     `db:"id" json:"id"`
	Action    string    `db:"action" json:"action"`
	FromState string    `db:"from_state" json:"from_state"`
	ToState   string    `db:"to_state" json:"to_state"`
	Detail    string    `db:"detail" json:"detail"`
	Actor     string    `db:"actor" json:"actor"`
	At        time.Time `db:"at" json:"at"`
}

// Alert kinds.
const (
	AlertCollateralImpaired = "collateral_impaired"
	AlertAnnualFeeDue       = "annual_fee_due"
)

// Alert is one entry of the risk alert feed.
type Alert struct {
	Seq          int64     `db:"seq" json:"seq"`
	PledgeID     int64     `db:"pledge_id" json:"pledge_id"`
	PledgorOrgID int64     `db:"pledgor_org_id" json:"pledgor_org_id"`
	PledgeeOrgID int64     `db:"pledgee_org_id" json:"pledgee_org_id"`
	ToPledgor    bool      `db:"to_pledgor" json:"-"`
	Kind         string    `db:"kind" json:"kind"`
	PatentNumber string    `db:"patent_number" json:"patent_number"`
	LegalStatus  string    `db:"legal_status" json:"legal_status"`
	DueOn        date.Date `db:"due_on" json:"due_on"`
	Detail       string    `db:"detail" json:"detail"`
	At           time.Time `db:"at" json:"at"`
}

// ValuationSummary is what the pledge shows of its valuation: the value,
// the recommended loan, and a flag when the secured amount exceeds it.
type ValuationSummary struct {
	ID                         int64 `json:"id"`
	TotalValueFen              int64 `json:"total_value_fen"`
	RecommendedLoanFen         int64 `json:"recommended_loan_fen"`
	SecuredAboveRecommendation bool  `json:"secured_above_recommendation"`
}
