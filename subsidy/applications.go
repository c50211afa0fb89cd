package subsidy

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/loan"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/money"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/pledge"
	"github.com/ipledge/ipledge/whitelist"
)

// Application kinds: the interest of a period, or one fee invoice.
const KindInterest = "interest"

// Application states.
const (
	StateAutoApproved = "auto_approved"
	StateInReview     = "in_review"
	StateApproved     = "approved"
	StateRejected     = "rejected"
	StateReturned     = "returned"
	StatePublicNotice = "public_notice"
	StatePaid         = "paid"
	StateClawedBack   = "clawed_back"
)

// States lists the application states.
var States = []string{StateAutoApproved, StateInReview, StateApproved, StateRejected, StateReturned, StatePublicNotice,
	StatePaid, StateClawedBack}

// approvedStates are the states whose amounts a round allocates.
var approvedStates = []string{StateAutoApproved, StateApproved}

// enterpriseLockKey serialises one enterprise's submissions on
// PostgreSQL, so that neither two overlapping claims on a loan nor two
// claims against the same caps can both pass their checks (SQLite's
// immediate transactions already serialise every writer).
const enterpriseLockKey = 0x7375_6273_6964_0000

// Application is a subsidy application.
type Application struct {
	ID               int64      `db:"id" json:"id"`
	PolicyID         int64      `db:"policy_id" json:"policy_id"`
	LoanID           int64      `db:"loan_id" json:"loan_id"`
	PledgeID         int64      `db:"pledge_id" json:"pledge_id"`
	EnterpriseOrgID  int64      `db:"enterprise_org_id" json:"enterprise_org_id"`
	BankOrgID        int64      `db:"bank_org_id" json:"bank_org_id"`
	EnterpriseName   string     `db:"enterprise_name" json:"enterprise_name"`
	BankName         string     `db:"bank_name" json:"bank_name"`
	USCC             string     `db:"uscc" json:"uscc"`
	Region           string     `db:"region" json:"region"`
	PolicyYear       int        `db:"policy_year" json:"policy_year"`
	Kind             string     `db:"kind" json:"kind"`
	Start            date.Date  `db:"period_from" json:"start"`
	End              date.Date  `db:"period_to" json:"end"`
	InvoiceFen       int64      `db:"invoice_fen" json:"invoice_fen"`
	LoanPrincipalFen int64      `db:"loan_principal_fen" json:"loan_principal_fen"`
	State            string     `db:"state" json:"state"`
	AmountFen        int64      `db:"amount_fen" json:"amount_fen"`
	AllocatedFen     *int64     `db:"allocated_fen" json:"allocated_fen"`
	Computation      RawJSON    `db:"computation" json:"computation"`
	FlagsJSON        string     `db:"flags" json:"-"`
	Flags            []Reason   `db:"-" json:"flags"`
	Reason           string     `db:"reason" json:"reason"`
	PaidOn           date.Date  `db:"paid_on" json:"paid_on"`
	PaidFen          *int64     `db:"paid_fen" json:"paid_fen"`
	PaidReference    string     `db:"paid_reference" json:"paid_reference"`
	ClawbackFen      *int64     `db:"clawback_fen" json:"clawback_fen"`
	ClawbackReason   string     `db:"clawback_reason" json:"clawback_reason"`
	SubmittedAt      time.Time  `db:"submitted_at" json:"submitted_at"`
	DecidedAt        *time.Time `db:"decided_at" json:"decided_at"`
	UpdatedAt        time.Time  `db:"updated_at" json:"updated_at"`
}

// VisibleTo: the applicant, the lending bank and the IP office.
func (a Application) VisibleTo(orgID int64, ipOffice bool) bool {
	return ipOffice || orgID == a.EnterpriseOrgID || orgID == a.BankOrgID
}

func (a *Application) complete() {
	a.Flags = []Reason{}
	if a.FlagsJSON != "" {
		_ = json.Unmarshal([]byte(a.FlagsJSON), &a.Flags)
	}
	a.SubmittedAt, a.UpdatedAt = a.SubmittedAt.UTC(), a.UpdatedAt.UTC()
	if a.DecidedAt != nil {
		t := a.DecidedAt.UTC()
		a.DecidedAt = &t
	}
}

// ApplicationInput is an enterprise's application: the interest of one
// loan over one period (start, end, both included), or one fee invoice.
type ApplicationInput struct {
	PolicyID   int64     `json:"policy_id"`
	LoanID     int64     `json:"loan_id"`
	Kind       string    `json:"kind"` // interest (default), valuation, guarantee, insurance
	Start      date.Date `json:"start"`
	End        date.Date `json:"end"`
	InvoiceFen int64     `json:"invoice_fen"`
}

func (in *ApplicationInput) check() error {
	var fs []problem.FieldError
	if in.Kind == "" {
		in.Kind = KindInterest
	}
	if in.PolicyID <= 0 {
		fs = append(fs, problem.Field("policy_id", "required", "choose a policy"))
	}
	if in.LoanID <= 0 {
		fs = append(fs, problem.Field("loan_id", "required", "choose a loan"))
	}
	switch FeeKind(in.Kind) {
	case ValuationFee, GuaranteeFee, InsuranceFee:
		if in.InvoiceFen <= 0 {
			fs = append(fs, problem.Field("invoice_fen", "not_positive", "the fee invoice must be at least 1 fen"))
		}
		if !in.Start.IsZero() || !in.End.IsZero() {
			fs = append(fs, problem.Field("start", "not_allowed", "a fee subsidy has no period"))
		}
	case KindInterest:
		if in.Start.IsZero() {
			fs = append(fs, problem.Field("start", "required", "the period needs a start"))
		}
		if in.End.IsZero() {
			fs = append(fs, problem.Field("end", "required", "the period needs an end"))
		}
		if !in.Start.IsZero() && !in.End.IsZero() && in.End.Before(in.Start) {
			fs = append(fs, problem.Field("end", "before_start", "the period ends before it starts"))
		}
		if in.InvoiceFen != 0 {
			fs = append(fs, problem.Field("invoice_fen", "not_allowed", "an interest subsidy has no invoice"))
		}
	default:
		fs = append(fs, problem.Field("kind", "invalid", "kind is interest, valuation, guarantee or insurance"))
	}
	if len(fs) > 0 {
		return problem.Invalid(fs...)
	}
	return nil
}

// facts are what an application's checks and computation read from the
// other domains, gathered before the transaction.
type facts struct {
	loan     loan.Loan
	payments []Payment
	pledge   pledge.Pledge
	elig     Facts
	risk     RiskFacts
	sub      Loan
	uscc     string
	entName  string
	bankName string
	// regionCode is the enterprise's; InRegion is set once the policy is known.
	regionCode string
}

func ipShare(bp int) money.Rate {
	return money.MustRate(strconv.Itoa(bp/100) + "." + fmt.Sprintf("%02d", bp%100))
}

// pledgeWasRegistered: registered, or released or enforced after it
// was (a repaid loan's pledge is released before the subsidy is paid).
func pledgeWasRegistered(p pledge.Pledge) bool {
	switch p.State {
	case pledge.StateRegistered, pledge.StateReleased, pledge.StateEnforced:
		return true
	}
	return false
}

func (s *Service) gather(ctx context.Context, a audit.Actor, loanID int64) (facts, error) {
	var f facts
	ln, err := s.loans.Get(ctx, loanID)
	if err != nil {
		return f, err
	}
	if ln.EnterpriseOrgID != a.OrgID {
		return f, problem.NotFound("loan")
	}
	f.loan = ln
	pays, err := s.loans.Payments(ctx, loanID)
	if err != nil {
		return f, err
	}
	for _, p := range pays {
		f.payments = append(f.payments, Payment{Date: p.PaidOn, PrincipalFen: p.PrincipalFen, InterestFen: p.InterestFen})
	}
	f.pledge, err = s.pledges.Get(ctx, ln.PledgeID)
	if err != nil {
		return f, err
	}
	ent, err := s.accounts.Organisation(ctx, ln.EnterpriseOrgID)
	if err != nil {
		return f, err
	}
	bank, err := s.accounts.Organisation(ctx, ln.BankOrgID)
	if err != nil {
		return f, err
	}
	f.entName, f.bankName = ent.Name, bank.Name
	if ent.USCC != nil {
		f.uscc = *ent.USCC
	}
	// The boost and the "whitelist only" switch look at the status the
	// firm had when the loan started; the risk flag at today's.
	activeAtStart, activeNow, sme, region := false, false, false, ""
	if f.uscc != "" {
		st, err := s.whitelist.Status(ctx, f.uscc)
		if err != nil {
			return f, err
		}
		activeNow = st.Status == whitelist.StatusActive
		then, err := s.whitelist.StatusOn(ctx, f.uscc, ln.Start)
		if err != nil {
			return f, err
		}
		activeAtStart = then.Status == whitelist.StatusActive
		if e, err := s.whitelist.Enterprise(ctx, f.uscc); err == nil {
			sme, region = e.IsSME, e.RegionCode
		} else if !problem.HasCode(err, "not_found") {
			return f, err
		}
	}
	var registeredOn date.Date
	for _, as := range f.pledge.Assets {
		if !as.RegisteredOn.IsZero() && (registeredOn.IsZero() || as.RegisteredOn.Before(registeredOn)) {
			registeredOn = as.RegisteredOn
		}
	}
	first, err := s.st.firstPledge(ctx, f.pledge.ID)
	if err != nil {
		return f, err
	}
	share := ipShare(ln.IPCollateralShareBP)
	f.regionCode = region
	f.elig = Facts{SME: sme, BorrowerIsPatentee: f.pledge.PledgorOrgID == ln.EnterpriseOrgID,
		PledgeRegistered: pledgeWasRegistered(f.pledge), PledgeRegisteredOn: registeredOn, DisbursedOn: ln.Start,
		FirstPledge: first, RepaidOnTime: ln.State != "overdue" && ln.State != "defaulted" && ln.DaysOverdue == 0,
		Settled: ln.State == "settled", WhitelistActive: activeAtStart, IPShare: share}
	f.risk = RiskFacts{LoanOverdue: ln.State == "overdue", LoanDefaulted: ln.State == "defaulted", WhitelistActive: activeNow,
		PledgeOpenAlert: f.pledge.Impaired}
	f.sub = Loan{PrincipalFen: ln.PrincipalFen, AnnualRate: ln.AnnualRate, ContractDate: ln.ContractDate, Start: ln.Start,
		Maturity: ln.Maturity, IPShare: share, WhitelistActive: activeAtStart}
	return f, nil
}

// inRegion reports whether an enterprise's region code lies in the
// policy's region ("140000" holds "140105").
func inRegion(policyRegion, code string) bool {
	p := strings.TrimRight(policyRegion, "0")
	for len(p)%2 == 1 {
		p += "0"
	}
	return code != "" && strings.HasPrefix(code, p)
}

// Apply submits an application. Everything the rules refuse is a 422
// with a stable code and nothing is stored; otherwise the application is
// auto_approved, or in_review with its risk flags.
func (s *Service) Apply(ctx context.Context, a audit.Actor, in ApplicationInput) (Application, error) {
	if a.Role != auth.RoleEnterprise {
		return Application{}, problem.Forbidden("only an enterprise applies for a subsidy")
	}
	if err := in.check(); err != nil {
		return Application{}, err
	}
	pol, err := s.GetPolicy(ctx, in.PolicyID)
	if problem.HasCode(err, "not_found") {
		return Application{}, problem.Unprocessable("policy_not_found", "no such subsidy policy")
	}
	if err != nil {
		return Application{}, err
	}
	f, err := s.gather(ctx, a, in.LoanID)
	if err != nil {
		return Application{}, err
	}
	app := Application{PolicyID: pol.ID, LoanID: f.loan.ID, PledgeID: f.pledge.ID, EnterpriseOrgID: f.loan.EnterpriseOrgID,
		BankOrgID: f.loan.BankOrgID, EnterpriseName: f.entName, BankName: f.bankName, USCC: f.uscc, Region: pol.Policy.Region,
		PolicyYear: pol.Policy.Year, Kind: in.Kind, Start: in.Start, End: in.End, InvoiceFen: in.InvoiceFen,
		LoanPrincipalFen: f.loan.PrincipalFen}
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.evaluate(ctx, tx, pol, f, &app); err != nil {
			return err
		}
		now := s.nowUTC()
		app.SubmittedAt, app.UpdatedAt = now, now
		if err := s.st.insertApplication(ctx, tx, &app); err != nil {
			if db.IsUniqueViolation(err) {
				return problem.Unprocessable("fee_already_claimed", "this fee of the loan is already claimed")
			}
			return err
		}
		return s.afterEvaluation(ctx, tx, a, app, "submit", "")
	})
	app.complete()
	return app, err
}

// evaluate runs every check and the computation in the caller's
// transaction, under the enterprise's lock; it sets the amount, the
// computation, the flags and the state.
func (s *Service) evaluate(ctx context.Context, tx *sqlx.Tx, pol PolicyRecord, f facts, app *Application) error {
	if pol.State != PolicyActive || pol.RoundState != RoundOpen {
		return problem.Unprocessable("policy_not_open", "the policy does not take applications")
	}
	p := pol.Policy
	if err := db.Lock(ctx, tx, enterpriseLockKey+app.EnterpriseOrgID); err != nil {
		return err
	}
	today := s.Today()
	if !f.elig.PledgeRegistered {
		return problem.Unprocessable("loan_not_pledged", "the loan is not secured by a registered pledge")
	}
	f.elig.InRegion = inRegion(p.Region, f.regionCode)
	var computation any
	var amount int64
	if app.Kind == KindInterest {
		claimed, err := s.st.claimedPeriods(ctx, tx, app.LoanID, app.ID)
		if err != nil {
			return err
		}
		if err := CheckPeriod(p, f.sub, Period{app.Start, app.End}, f.payments, claimed, today); err != nil {
			return err
		}
		if rs := Eligible(p, f.elig); len(rs) > 0 {
			return problem.Unprocessable("not_eligible", "%s", rs[0].Message).With("reasons", rs)
		}
		lpr, err := s.st.lprs(ctx, tx)
		if err != nil {
			return err
		}
		prior, err := s.st.prior(ctx, tx, app.EnterpriseOrgID, p.Region, app.ID)
		if err != nil {
			return err
		}
		r, err := Compute(p, lpr, f.sub, Period{app.Start, app.End}, f.payments, prior)
		if err != nil {
			return err
		}
		computation, amount = r, r.SubsidyFen
	} else {
		if (!p.WindowStart.IsZero() && today.Before(p.WindowStart)) || (!p.WindowEnd.IsZero() && today.After(p.WindowEnd)) {
			return problem.Unprocessable("outside_application_window", "applications are accepted from %s to %s", p.WindowStart, p.WindowEnd)
		}
		if rs := Eligible(p, f.elig); len(rs) > 0 {
			return problem.Unprocessable("not_eligible", "%s", rs[0].Message).With("reasons", rs)
		}
		r, err := ComputeFee(p, FeeKind(app.Kind), f.loan.PrincipalFen, app.InvoiceFen)
		if err != nil {
			return err
		}
		computation, amount = r, r.SubsidyFen
	}
	js, err := json.Marshal(computation)
	if err != nil {
		return err
	}
	flags := ReviewFlags(p, amount, f.risk)
	if flags == nil {
		flags = []Reason{}
	}
	fl, _ := json.Marshal(flags)
	app.Computation, app.AmountFen, app.FlagsJSON, app.Flags = js, amount, string(fl), flags
	app.State = StateAutoApproved
	if len(flags) > 0 {
		app.State = StateInReview
	}
	return nil
}

func (s *Service) afterEvaluation(ctx context.Context, tx *sqlx.Tx, a audit.Actor, app Application, action, from string) error {
	if err := s.record(ctx, tx, a, "application."+action, "subsidy_application", app.ID, map[string]any{"before": from,
		"after": app.State, "amount_fen": app.AmountFen, "flags": app.Flags, "loan_id": app.LoanID, "kind": app.Kind,
		"start": app.Start, "end": app.End}); err != nil {
		return err
	}
	title := "贴息申请已自动通过"
	body := fmt.Sprintf("您的贴息申请（编号 %d）核定金额 %s 元，已通过自动审核。", app.ID, yuan(app.AmountFen))
	if app.State == StateInReview {
		title = "贴息申请进入人工审核"
		body = fmt.Sprintf("您的贴息申请（编号 %d）核定金额 %s 元，因存在风险提示进入人工审核。", app.ID, yuan(app.AmountFen))
	}
	return s.notifyEnterprise(ctx, tx, app, title, body)
}

func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

// GetApplication returns one application; visibility is the caller's
// check (Application.VisibleTo).
func (s *Service) GetApplication(ctx context.Context, id int64) (Application, error) {
	app, err := s.st.application(ctx, s.db, id, false)
	if db.IsNoRows(err) {
		return app, problem.NotFound("subsidy application")
	}
	app.complete()
	return app, err
}

// ApplicationFilter selects applications.
type ApplicationFilter struct {
	OrgID    int64 // the applicant's or the bank's; 0 = all (IP office)
	PolicyID int64
	State    string
}

// Applications lists applications, newest first.
func (s *Service) Applications(ctx context.Context, f ApplicationFilter, r page.Request) (page.Page[Application], error) {
	if f.State != "" && !slices.Contains(States, f.State) {
		return page.Page[Application]{}, problem.Invalid(problem.Field("state", "unknown_state", "unknown state "+strconv.Quote(f.State)))
	}
	as, err := s.st.applications(ctx, f, r)
	if err != nil {
		return page.Page[Application]{}, err
	}
	for i := range as {
		as[i].complete()
	}
	return page.Of(r, as, func(a Application) int64 { return a.ID }), nil
}

// Review decides an application in review: approve (in_review →
// approved), reject (in_review, auto_approved or approved → rejected,
// which frees its period) or return it for correction (→ returned).
// Every decision carries a reason (issue 6: "the IP office approves or
// rejects with a reason"; the API's ReasonRequest requires one).
func (s *Service) Review(ctx context.Context, a audit.Actor, id int64, decision, reason string) (Application, error) {
	if !isIPOffice(a) {
		return Application{}, problem.Forbidden("only the IP office reviews applications")
	}
	from := map[string][]string{
		StateApproved: {StateInReview},
		StateRejected: {StateInReview, StateAutoApproved, StateApproved},
		StateReturned: {StateInReview, StateAutoApproved},
	}[decision]
	if strings.TrimSpace(reason) == "" {
		return Application{}, problem.Invalid(problem.Field("reason", "required", "give the enterprise a reason"))
	}
	var app Application
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		app, err = s.lockApplication(ctx, tx, id)
		if err != nil {
			return err
		}
		if !slices.Contains(from, app.State) {
			return problem.InvalidState(app.State, "an application %s cannot be %s", app.State, decision)
		}
		pol, err := s.st.policy(ctx, tx, app.PolicyID, true)
		if err != nil {
			return err
		}
		if pol.RoundState != RoundOpen {
			return problem.Conflict("round_closed", "the round is closed")
		}
		before := app.State
		now := s.nowUTC()
		app.State, app.Reason, app.DecidedAt, app.UpdatedAt = decision, reason, &now, now
		if err := s.st.updateApplication(ctx, tx, app); err != nil {
			return err
		}
		if err := s.record(ctx, tx, a, "application."+decision, "subsidy_application", app.ID,
			map[string]any{"before": before, "after": decision, "reason": reason}); err != nil {
			return err
		}
		title := map[string]string{StateApproved: "贴息申请已审核通过", StateRejected: "贴息申请未通过", StateReturned: "贴息申请被退回补正"}[decision]
		body := fmt.Sprintf("贴息申请（编号 %d）：%s", app.ID, title)
		if reason != "" {
			body += "。理由：" + reason
		}
		return s.notifyEnterprise(ctx, tx, app, title, body)
	})
	app.complete()
	return app, err
}

func (s *Service) lockApplication(ctx context.Context, tx *sqlx.Tx, id int64) (Application, error) {
	app, err := s.st.application(ctx, tx, id, true)
	if db.IsNoRows(err) {
		return app, problem.NotFound("subsidy application")
	}
	app.complete()
	return app, err
}

// Resubmit sends a returned application again: every check and the
// computation run anew on the loan's current records.
func (s *Service) Resubmit(ctx context.Context, a audit.Actor, id int64) (Application, error) {
	app, err := s.GetApplication(ctx, id)
	if err != nil {
		return app, err
	}
	if app.EnterpriseOrgID != a.OrgID || a.Role != auth.RoleEnterprise {
		return app, problem.NotFound("subsidy application")
	}
	pol, err := s.GetPolicy(ctx, app.PolicyID)
	if err != nil {
		return app, err
	}
	f, err := s.gather(ctx, a, app.LoanID)
	if err != nil {
		return app, err
	}
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		cur, err := s.lockApplication(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.State != StateReturned {
			return problem.InvalidState(cur.State, "only a returned application is resubmitted")
		}
		app = cur
		if err := s.evaluate(ctx, tx, pol, f, &app); err != nil {
			return err
		}
		app.Reason, app.DecidedAt, app.UpdatedAt = "", nil, s.nowUTC()
		if err := s.st.updateApplication(ctx, tx, app); err != nil {
			return err
		}
		return s.afterEvaluation(ctx, tx, a, app, "resubmit", StateReturned)
	})
	app.complete()
	return app, err
}
