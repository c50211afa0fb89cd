package subsidy

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/account"
	"github.com/ipledge/ipledge/calendar"
	"github.com/ipledge/ipledge/loan"
	"github.com/ipledge/ipledge/notify"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/pledge"
	"github.com/ipledge/ipledge/whitelist"
)

// Loans is what the service reads of the loan domain.
type Loans interface {
	Get(ctx context.Context, id int64) (loan.Loan, error)
	Payments(ctx context.Context, loanID int64) ([]loan.Payment, error)
}

// Service is the subsidy API: policies, applications, rounds, payment.
type Service struct {
	db        *db.DB
	st        store
	audit     *audit.Log
	accounts  *account.Service
	loans     Loans
	pledges   *pledge.Service
	whitelist *whitelist.Service
	calendar  *calendar.Service
	notify    *notify.Service
	now       func() time.Time
}

// Config wires a Service.
type Config struct {
	DB        *db.DB
	Audit     *audit.Log
	Accounts  *account.Service
	Loans     Loans
	Pledges   *pledge.Service
	Whitelist *whitelist.Service
	Calendar  *calendar.Service
	Notify    *notify.Service
	Now       func() time.Time
}

// NewService returns the subsidy service.
func NewService(c Config) *Service {
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Service{db: c.DB, st: store{c.DB}, audit: c.Audit, accounts: c.Accounts, loans: c.Loans, pledges: c.Pledges,
		whitelist: c.Whitelist, calendar: c.Calendar, notify: c.Notify, now: c.Now}
}

func (s *Service) nowUTC() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Today is the service's current day (Asia/Shanghai).
func (s *Service) Today() date.Date { return date.Today(s.now) }

// Policy states: proposed (awaiting its first approval, not open to
// applications), active, withdrawn.
const (
	PolicyProposed = "proposed"
	PolicyActive   = "active"
)

// Round states of a policy's annual call.
const (
	RoundOpen   = "open"
	RoundClosed = "closed"
)

// PolicyRecord is a stored policy with its round.
type PolicyRecord struct {
	ID          int64      `json:"id"`
	State       string     `json:"state"`
	RoundState  string     `json:"round_state"`
	ClosedAt    *time.Time `json:"closed_at"`
	NoticeFrom  date.Date  `json:"notice_from"`
	NoticeUntil date.Date  `json:"notice_until"`
	Policy      Policy     `json:"policy"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Approval kinds: what four eyes guard.
const (
	ApprovePolicyChange = "policy_change"
	ApproveRoundClose   = "round_close"
	ApprovePayment      = "payment"
)

// Approval is an action one IP office user prepared and a second must
// approve.
type Approval struct {
	ID            int64      `db:"id" json:"id"`
	Kind          string     `db:"kind" json:"kind"`
	PolicyID      int64      `db:"policy_id" json:"policy_id"`
	ApplicationID *int64     `db:"application_id" json:"application_id"`
	Payload       RawJSON    `db:"payload" json:"payload"`
	State         string     `db:"state" json:"state"`
	PreparedBy    int64      `db:"prepared_by" json:"prepared_by"`
	PreparedName  string     `db:"prepared_name" json:"prepared_by_name"`
	DecidedBy     *int64     `db:"decided_by" json:"decided_by"`
	DecidedName   string     `db:"decided_name" json:"decided_by_name"`
	Reason        string     `db:"reason" json:"reason"`
	CreatedAt     time.Time  `db:"created_at" json:"created_at"`
	DecidedAt     *time.Time `db:"decided_at" json:"decided_at"`
}

func isIPOffice(a audit.Actor) bool { return a.Role == auth.RoleIPOffice || a.Role == "system" }

func forbidden(code, format string, args ...any) error {
	return &problem.Error{Status: http.StatusForbidden, Code: code, Title: http.StatusText(http.StatusForbidden),
		Detail: fmt.Sprintf(format, args...)}
}

func actorID(a audit.Actor) *int64 {
	if a.UserID == 0 {
		return nil
	}
	return &a.UserID
}

func actorName(a audit.Actor) string {
	if a.Username != "" {
		return a.Username
	}
	return "system"
}

// record audits a state change.
func (s *Service) record(ctx context.Context, tx *sqlx.Tx, a audit.Actor, action, objectType string, id int64, summary map[string]any) error {
	return s.audit.Append(ctx, tx, a, audit.Entry{Action: "subsidy." + action, ObjectType: objectType, ObjectID: fmt.Sprint(id), Summary: summary})
}

// notifyEnterprise tells the applicant about its application.
func (s *Service) notifyEnterprise(ctx context.Context, tx *sqlx.Tx, app Application, title, body string) error {
	return s.notify.PostToOrg(ctx, tx, app.EnterpriseOrgID, notify.Notification{Kind: "subsidy." + app.State, Title: title, Body: body,
		Link: fmt.Sprintf("/subsidies/%d", app.ID)})
}

// LPRs returns the stored LPR table, oldest first.
func (s *Service) LPRs(ctx context.Context) (LPRTable, error) {
	return s.st.lprs(ctx, s.db)
}

// Policies lists the policies, newest first.
func (s *Service) Policies(ctx context.Context) ([]PolicyRecord, error) {
	return s.st.policies(ctx, s.db)
}

// GetPolicy returns one policy.
func (s *Service) GetPolicy(ctx context.Context, id int64) (PolicyRecord, error) {
	p, err := s.st.policy(ctx, s.db, id, false)
	if db.IsNoRows(err) {
		return p, problem.NotFound("subsidy policy")
	}
	return p, err
}

// ProposePolicy prepares a new policy (id 0) or a change of one: it is
// stored as a pending approval that a second IP office user approves. A
// new policy exists as "proposed" until then and takes no applications.
func (s *Service) ProposePolicy(ctx context.Context, a audit.Actor, id int64, p Policy) (Approval, error) {
	if !isIPOffice(a) {
		return Approval{}, problem.Forbidden("only the IP office configures subsidy policies")
	}
	if p.DayCount == "" {
		p.DayCount = Act360
	}
	if p.LPRRule == "" {
		p.LPRRule = LPRAtContract
	}
	if p.LPRTenor == "" {
		p.LPRTenor = OneYear
	}
	if p.Basis == ActualInterest && p.RateCap.Kind == "" {
		p.RateCap.Kind = CapNone
	}
	if err := p.Validate(); err != nil {
		return Approval{}, err
	}
	payload, err := json.Marshal(p)
	if err != nil {
		return Approval{}, err
	}
	var ap Approval
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		now := s.nowUTC()
		if id == 0 {
			rec := PolicyRecord{State: PolicyProposed, RoundState: RoundOpen, Policy: p, CreatedAt: now, UpdatedAt: now}
			if err := s.st.insertPolicy(ctx, tx, &rec); err != nil {
				return err
			}
			id = rec.ID
		} else {
			cur, err := s.st.policy(ctx, tx, id, true)
			if db.IsNoRows(err) {
				return problem.NotFound("subsidy policy")
			}
			if err != nil {
				return err
			}
			if cur.RoundState != RoundOpen {
				return problem.Conflict("round_closed", "the policy's round is closed; it can no longer change")
			}
		}
		ap = Approval{Kind: ApprovePolicyChange, PolicyID: id, Payload: payload}
		if err := s.prepare(ctx, tx, a, &ap); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "policy.propose", "subsidy_policy", id, map[string]any{"approval_id": ap.ID, "policy": p})
	})
	return ap, err
}

// prepare stores a pending approval; one per object at a time.
func (s *Service) prepare(ctx context.Context, tx *sqlx.Tx, a audit.Actor, ap *Approval) error {
	ap.State, ap.PreparedBy, ap.PreparedName, ap.CreatedAt = "pending", a.UserID, actorName(a), s.nowUTC()
	err := s.st.insertApproval(ctx, tx, ap)
	if db.IsUniqueViolation(err) {
		return problem.Conflict("approval_pending", "a %s is already awaiting approval", ap.Kind)
	}
	return err
}

// Approvals lists approvals, pending first then the newest.
func (s *Service) Approvals(ctx context.Context, state string) ([]Approval, error) {
	switch state {
	case "", "pending", "approved", "rejected":
	default:
		return nil, problem.Invalid(problem.Field("state", "invalid", "state is pending, approved or rejected"))
	}
	return s.st.approvals(ctx, state)
}

// Approve carries out what another IP office user prepared. The one who
// prepared it cannot approve it (403 four_eyes_same_user).
func (s *Service) Approve(ctx context.Context, a audit.Actor, id int64) (Approval, error) {
	if !isIPOffice(a) {
		return Approval{}, problem.Forbidden("only the IP office approves")
	}
	var ap Approval
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		ap, err = s.pendingApproval(ctx, tx, id)
		if err != nil {
			return err
		}
		if ap.PreparedBy == a.UserID {
			return forbidden("four_eyes_same_user", "a second IP office user must approve what %s prepared", ap.PreparedName)
		}
		switch ap.Kind {
		case ApprovePolicyChange:
			err = s.applyPolicyChange(ctx, tx, a, ap)
		case ApproveRoundClose:
			err = s.applyRoundClose(ctx, tx, a, ap)
		case ApprovePayment:
			err = s.applyPayment(ctx, tx, a, ap)
		}
		if err != nil {
			return err
		}
		return s.decide(ctx, tx, a, &ap, "approved", "")
	})
	return ap, err
}

// RejectApproval discards a prepared action with a reason.
func (s *Service) RejectApproval(ctx context.Context, a audit.Actor, id int64, reason string) (Approval, error) {
	if !isIPOffice(a) {
		return Approval{}, problem.Forbidden("only the IP office decides")
	}
	if reason == "" {
		return Approval{}, problem.Invalid(problem.Field("reason", "required", "give a reason"))
	}
	var ap Approval
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if ap, err = s.pendingApproval(ctx, tx, id); err != nil {
			return err
		}
		return s.decide(ctx, tx, a, &ap, "rejected", reason)
	})
	return ap, err
}

func (s *Service) pendingApproval(ctx context.Context, tx *sqlx.Tx, id int64) (Approval, error) {
	ap, err := s.st.approval(ctx, tx, id)
	if db.IsNoRows(err) {
		return ap, problem.NotFound("approval")
	}
	if err != nil {
		return ap, err
	}
	if ap.State != "pending" {
		return ap, problem.InvalidState(ap.State, "the approval is %s already", ap.State)
	}
	return ap, nil
}

func (s *Service) decide(ctx context.Context, tx *sqlx.Tx, a audit.Actor, ap *Approval, state, reason string) error {
	now := s.nowUTC()
	ap.State, ap.DecidedBy, ap.DecidedName, ap.Reason, ap.DecidedAt = state, actorID(a), actorName(a), reason, &now
	if err := s.st.decideApproval(ctx, tx, *ap); err != nil {
		return err
	}
	return s.record(ctx, tx, a, "approval."+state, "subsidy_approval", ap.ID, map[string]any{"kind": ap.Kind,
		"policy_id": ap.PolicyID, "application_id": ap.ApplicationID, "prepared_by": ap.PreparedName, "reason": reason})
}

func (s *Service) applyPolicyChange(ctx context.Context, tx *sqlx.Tx, a audit.Actor, ap Approval) error {
	cur, err := s.st.policy(ctx, tx, ap.PolicyID, true)
	if err != nil {
		return err
	}
	if cur.RoundState != RoundOpen {
		return problem.Conflict("round_closed", "the policy's round is closed; it can no longer change")
	}
	var p Policy
	if err := json.Unmarshal(ap.Payload, &p); err != nil {
		return err
	}
	before := cur.Policy
	cur.Policy, cur.State, cur.UpdatedAt = p, PolicyActive, s.nowUTC()
	if err := s.st.updatePolicy(ctx, tx, cur); err != nil {
		return err
	}
	return s.record(ctx, tx, a, "policy.change", "subsidy_policy", cur.ID, map[string]any{"before": before, "after": p,
		"prepared_by": ap.PreparedName})
}
