package loan

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/account"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/money"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/pledge"
	"github.com/ipledge/ipledge/settings"
	"github.com/ipledge/ipledge/whitelist"
)

// Setting keys.
const (
	KeyOverdueDays    = "loan.overdue_days"
	KeyReviewFlagDays = "loan.review_flag_days"
)

// SettingDefs are the loan domain's business settings.
func SettingDefs() []settings.Def {
	return []settings.Def{
		{Key: KeyOverdueDays, Kind: settings.KindInt, Default: "30", Scope: settings.ScopePlatform, Min: "1", Max: "365",
			Description: "贷款逾期认定天数：应还款项逾期超过该天数即视为逾期"},
		{Key: KeyReviewFlagDays, Kind: settings.KindInt, Default: "90", Scope: settings.ScopePlatform, Min: "1", Max: "3650",
			Description: "贷款逾期达到该天数时，对借款企业的白名单条目发起复核"},
	}
}

// loanLockKey serialises loan creation on PostgreSQL, so that the
// principal outstanding on a pledge is read and extended by one
// transaction at a time (SQLite takes the write lock at BEGIN).
const loanLockKey = 0x6970_6c65_6467_06

// maxPrincipalFen is ¥100 billion, as for pledges.
const maxPrincipalFen = 10_000_000_000_000

// Service records loans secured by registered pledges, their payments and
// their state.
type Service struct {
	db        *db.DB
	st        store
	audit     *audit.Log
	accounts  *account.Service
	pledges   *pledge.Service
	whitelist *whitelist.Service
	settings  *settings.Service
	now       func() time.Time
}

// Config wires a Service.
type Config struct {
	DB        *db.DB
	Audit     *audit.Log
	Accounts  *account.Service
	Pledges   *pledge.Service
	Whitelist *whitelist.Service
	Settings  *settings.Service
	Now       func() time.Time
}

// NewService returns the loan service.
func NewService(c Config) *Service {
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Service{db: c.DB, st: store{c.DB}, audit: c.Audit, accounts: c.Accounts, pledges: c.Pledges,
		whitelist: c.Whitelist, settings: c.Settings, now: c.Now}
}

func (s *Service) nowUTC() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
func (s *Service) today() date.Date  { return date.Today(s.now) }

// Get returns a loan. Visibility is the caller's check (Loan.VisibleTo):
// the API answers 404 to other organisations.
func (s *Service) Get(ctx context.Context, id int64) (Loan, error) { return s.load(ctx, s.db, id) }

func (s *Service) load(ctx context.Context, q db.Queryer, id int64) (Loan, error) {
	l, err := s.st.loan(ctx, q, id)
	if db.IsNoRows(err) {
		return Loan{}, problem.NotFound("loan")
	}
	if err != nil {
		return Loan{}, err
	}
	return l, l.complete()
}

// Filter selects loans in a list; zero fields select all.
type Filter struct {
	BankOrgID       int64
	EnterpriseOrgID int64
	PledgeID        int64
	State           string
}

// List returns loans, newest first, paged.
func (s *Service) List(ctx context.Context, f Filter, r page.Request) (page.Page[Loan], error) {
	if f.State != "" && !slices.Contains(States, f.State) {
		return page.Page[Loan]{}, problem.Invalid(problem.Field("state", "unknown_state", fmt.Sprintf("unknown state %q", f.State)))
	}
	ls, err := s.st.list(ctx, f, r)
	if err != nil {
		return page.Page[Loan]{}, err
	}
	for i := range ls {
		if err := ls[i].complete(); err != nil {
			return page.Page[Loan]{}, err
		}
	}
	return page.Of(r, ls, func(l Loan) int64 { return l.ID }), nil
}

// ListForEnterprise returns an enterprise's loans, newest first.
func (s *Service) ListForEnterprise(ctx context.Context, enterpriseOrgID int64, r page.Request) (page.Page[Loan], error) {
	return s.List(ctx, Filter{EnterpriseOrgID: enterpriseOrgID}, r)
}

// Payments returns a loan's recorded payments, oldest first.
func (s *Service) Payments(ctx context.Context, loanID int64) ([]Payment, error) {
	if _, err := s.Get(ctx, loanID); err != nil {
		return nil, err
	}
	return s.st.payments(ctx, s.db, loanID)
}

// Schedule returns a loan's repayment schedule, generated from its terms.
func (s *Service) Schedule(ctx context.Context, loanID int64) ([]Instalment, error) {
	l, err := s.Get(ctx, loanID)
	if err != nil {
		return nil, err
	}
	return Schedule(l.Terms())
}

// History returns a loan's events, oldest first.
func (s *Service) History(ctx context.Context, loanID int64, r page.Request) (page.Page[Event], error) {
	es, err := s.st.events(ctx, loanID, r)
	if err != nil {
		return page.Page[Event]{}, err
	}
	for i := range es {
		es[i].At = es[i].At.UTC()
	}
	return page.Of(r, es, func(e Event) int64 { return e.ID }), nil
}

// Input is what the bank records. AnnualRate is a decimal percentage in
// a JSON string ("3.45", at most 4 decimals). IPCollateralShareBP is the
// IP share of the collateral in basis points, 0–10000; absent means
// 10000 (a pure IP pledge loan).
type Input struct {
	PledgeID            int64     `json:"pledge_id"`
	ContractNumber      string    `json:"contract_number"`
	ContractDate        date.Date `json:"contract_date"`
	PrincipalFen        int64     `json:"principal_fen"`
	AnnualRate          string    `json:"annual_rate"`
	Start               date.Date `json:"start_date"`
	Maturity            date.Date `json:"maturity_date"`
	Method              Method    `json:"repayment_method"`
	IPCollateralShareBP *int      `json:"ip_collateral_share_bp"`
}

// Create records a loan of the pledgee bank against a registered pledge.
// Every problem is reported at once as field errors; bad input stores
// nothing.
func (s *Service) Create(ctx context.Context, a audit.Actor, in Input) (Loan, error) {
	if a.Role != auth.RoleBank {
		return Loan{}, problem.Forbidden("only the pledgee bank records a loan")
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := db.Lock(ctx, tx, loanLockKey); err != nil {
			return err
		}
		l, err := s.build(ctx, tx, a, in)
		if err != nil {
			return err
		}
		now := s.nowUTC()
		l.State, l.CreatedAt, l.UpdatedAt = StatePerforming, now, now
		if err := s.st.insertLoan(ctx, tx, &l); err != nil {
			return err
		}
		id = l.ID
		return s.record(ctx, tx, a, l, "create", "", StatePerforming, map[string]any{"pledge_id": l.PledgeID,
			"contract_number": l.ContractNumber, "principal_fen": l.PrincipalFen, "annual_rate": l.AnnualRate.String(),
			"start_date": l.Start.String(), "maturity_date": l.Maturity.String(), "repayment_method": l.Method,
			"ip_collateral_share_bp": l.IPCollateralShareBP})
	})
	if err != nil {
		return Loan{}, err
	}
	return s.Get(ctx, id)
}

func (s *Service) build(ctx context.Context, tx *sqlx.Tx, a audit.Actor, in Input) (Loan, error) {
	var fe []problem.FieldError
	l := Loan{PledgeID: in.PledgeID, BankOrgID: a.OrgID, ContractDate: in.ContractDate, PrincipalFen: in.PrincipalFen,
		Start: in.Start, Maturity: in.Maturity, Method: in.Method, IPCollateralShareBP: FullIPShareBP}
	l.ContractNumber = strings.TrimSpace(in.ContractNumber)
	switch {
	case l.ContractNumber == "":
		fe = append(fe, problem.Field("contract_number", "required", "contract_number is required"))
	case utf8.RuneCountInString(l.ContractNumber) > 100:
		fe = append(fe, problem.Field("contract_number", "too_long", "contract_number is longer than 100 characters"))
	default:
		taken, err := s.st.contractTaken(ctx, tx, a.OrgID, l.ContractNumber)
		if err != nil {
			return l, err
		}
		if taken {
			fe = append(fe, problem.Field("contract_number", "duplicate", "this bank has already recorded a loan with this contract number"))
		}
	}
	if in.ContractDate.IsZero() {
		fe = append(fe, problem.Field("contract_date", "required", "contract_date is required"))
	} else if in.ContractDate.After(s.today()) {
		fe = append(fe, problem.Field("contract_date", "in_future", "the loan contract cannot be dated after today"))
	} else if !in.Start.IsZero() && in.ContractDate.After(in.Start) {
		fe = append(fe, problem.Field("contract_date", "after_start", "the loan contract is dated after the loan's start"))
	}
	if strings.TrimSpace(in.AnnualRate) == "" {
		fe = append(fe, problem.Field("annual_rate", "required", `annual_rate is required, a decimal percentage in a string such as "3.45"`))
	} else if r, err := money.ParseRate("annual_rate", in.AnnualRate); err != nil {
		p, _ := problem.As(err)
		fe = append(fe, p.Fields...)
	} else {
		l.AnnualRate = r
	}
	if in.IPCollateralShareBP != nil {
		l.IPCollateralShareBP = *in.IPCollateralShareBP
		if l.IPCollateralShareBP < 0 || l.IPCollateralShareBP > FullIPShareBP {
			fe = append(fe, problem.Field("ip_collateral_share_bp", "out_of_range", "ip_collateral_share_bp is from 0 to 10000 basis points"))
		}
	}
	if err := l.Terms().Validate(); err != nil {
		p, ok := problem.As(err)
		if !ok {
			return l, err
		}
		fe = append(fe, p.Fields...)
	}
	if l.PrincipalFen > maxPrincipalFen {
		fe = append(fe, problem.Field("principal_fen", "too_large", "principal_fen is above ¥100 billion"))
	}
	pfe, err := s.checkPledge(ctx, tx, a, &l)
	if err != nil {
		return l, err
	}
	fe = append(fe, pfe...)
	if len(fe) > 0 {
		return l, problem.Invalid(fe...)
	}
	return l, nil
}

// checkPledge checks the loan against its pledge: registered, the
// caller's bank its pledgee, the loan within the debt period and the
// secured amount.
func (s *Service) checkPledge(ctx context.Context, tx *sqlx.Tx, a audit.Actor, l *Loan) ([]problem.FieldError, error) {
	if l.PledgeID <= 0 {
		return []problem.FieldError{problem.Field("pledge_id", "required", "pledge_id (a registered pledge of your bank) is required")}, nil
	}
	p, err := s.pledges.Get(ctx, l.PledgeID)
	if problem.HasCode(err, "not_found") || (err == nil && p.PledgeeOrgID != a.OrgID) {
		// Another bank's pledge is reported like a missing one: its
		// existence is not this bank's business.
		return []problem.FieldError{problem.Field("pledge_id", "unknown_pledge", fmt.Sprintf("pledge %d is not a pledge of your bank", l.PledgeID))}, nil
	}
	if err != nil {
		return nil, err
	}
	l.EnterpriseOrgID, l.BankName, l.EnterpriseName = p.PledgorOrgID, p.PledgeeName, p.PledgorName
	if p.State != pledge.StateRegistered {
		return []problem.FieldError{problem.Field("pledge_id", "not_registered", fmt.Sprintf("the pledge is %s; a loan is recorded against a registered pledge", p.State))}, nil
	}
	var fe []problem.FieldError
	if !l.Maturity.IsZero() && l.Maturity.After(p.DebtEnd) {
		fe = append(fe, problem.Field("maturity_date", "after_debt_end",
			fmt.Sprintf("the loan matures after the pledge's debt period ends (%s)", p.DebtEnd)))
	}
	if l.PrincipalFen > 0 {
		used, err := s.st.outstandingOnPledge(ctx, tx, p.ID)
		if err != nil {
			return nil, err
		}
		if l.PrincipalFen > p.SecuredAmountFen-used {
			fe = append(fe, problem.Field("principal_fen", "above_secured_amount",
				fmt.Sprintf("the principal is above the pledge's secured amount (%d fen, of which %d fen are owed on other loans)",
					p.SecuredAmountFen, used)))
		}
	}
	return fe, nil
}

// PaymentInput is a payment the bank records.
type PaymentInput struct {
	PaidOn       date.Date `json:"paid_on"`
	PrincipalFen int64     `json:"principal_fen"`
	InterestFen  int64     `json:"interest_fen"`
}

// RecordPayment records what the borrower paid (the loan's bank); the
// loan's state follows: settled when the principal is repaid, performing
// or overdue as the schedule and payments say.
func (s *Service) RecordPayment(ctx context.Context, a audit.Actor, loanID int64, in PaymentInput) (Payment, error) {
	var pay Payment
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		l, err := s.forBank(ctx, tx, a, loanID)
		if err != nil {
			return err
		}
		if l.State == StateSettled {
			return problem.InvalidState(l.State, "the loan is settled; no payment can be recorded")
		}
		var fe []problem.FieldError
		today := s.today()
		switch {
		case in.PaidOn.IsZero():
			fe = append(fe, problem.Field("paid_on", "required", "paid_on is required"))
		case in.PaidOn.After(today):
			fe = append(fe, problem.Field("paid_on", "in_future", "a payment cannot be dated after today"))
		case in.PaidOn.Before(l.Start):
			fe = append(fe, problem.Field("paid_on", "before_start", "a payment cannot be dated before the loan's start"))
		}
		if in.PrincipalFen < 0 {
			fe = append(fe, problem.Field("principal_fen", "negative", "principal_fen cannot be negative"))
		} else if in.PrincipalFen > l.OutstandingFen {
			fe = append(fe, problem.Field("principal_fen", "above_outstanding",
				fmt.Sprintf("the principal paid is above the %d fen outstanding", l.OutstandingFen)))
		}
		if in.InterestFen < 0 {
			fe = append(fe, problem.Field("interest_fen", "negative", "interest_fen cannot be negative"))
		} else if in.InterestFen > maxPrincipalFen {
			fe = append(fe, problem.Field("interest_fen", "too_large", "interest_fen is above ¥100 billion"))
		}
		if in.PrincipalFen == 0 && in.InterestFen == 0 {
			fe = append(fe, problem.Field("principal_fen", "nothing_paid", "a payment pays principal, interest or both"))
		}
		if len(fe) > 0 {
			return problem.Invalid(fe...)
		}
		now := s.nowUTC()
		pay = Payment{LoanID: l.ID, PaidOn: in.PaidOn, PrincipalFen: in.PrincipalFen, InterestFen: in.InterestFen, CreatedAt: now}
		if err := s.st.insertPayment(ctx, tx, &pay, actorID(a)); err != nil {
			return err
		}
		if err := s.record(ctx, tx, a, l, "payment", l.State, l.State, map[string]any{"payment_id": pay.ID,
			"paid_on": pay.PaidOn.String(), "principal_fen": pay.PrincipalFen, "interest_fen": pay.InterestFen}); err != nil {
			return err
		}
		_, err = s.refresh(ctx, tx, a, l, today, false)
		return err
	})
	return pay, err
}

// Default is the bank's declaration that the loan is in default, with a
// reason; the bank may then apply to enforce the pledge.
func (s *Service) Default(ctx context.Context, a audit.Actor, loanID int64, reason string) (Loan, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return Loan{}, problem.Invalid(problem.Field("reason", "required", "a reason is required"))
	case utf8.RuneCountInString(reason) > 2000:
		return Loan{}, problem.Invalid(problem.Field("reason", "too_long", "reason is longer than 2000 characters"))
	}
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		l, err := s.forBank(ctx, tx, a, loanID)
		if err != nil {
			return err
		}
		if !l.Open() {
			return problem.InvalidState(l.State, "a %s loan cannot be declared in default", l.State)
		}
		from := l.State
		now := s.nowUTC()
		l.State, l.DefaultReason, l.DefaultedAt = StateDefaulted, reason, &now
		if err := s.write(ctx, tx, l, from); err != nil {
			return err
		}
		return s.record(ctx, tx, a, l, "default", from, StateDefaulted, map[string]any{"reason": reason,
			"days_overdue": l.DaysOverdue, "outstanding_principal_fen": l.OutstandingFen})
	})
	if err != nil {
		return Loan{}, err
	}
	return s.Get(ctx, loanID)
}

// ScanOverdue refreshes the state of every running loan as of today:
// overdue when a scheduled payment is more than loan.overdue_days late,
// performing again once the payments catch up, and at loan.review_flag_days
// the enterprise's whitelist entry is flagged for review (once per loan).
// The app runs it periodically; it returns how many loans changed state.
func (s *Service) ScanOverdue(ctx context.Context) (int, error) {
	ids, err := s.st.openIDs(ctx)
	if err != nil {
		return 0, err
	}
	today, n := s.today(), 0
	sys := audit.System("loan-overdue-scan")
	for _, id := range ids {
		err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
			if err := s.lock(ctx, tx, id); err != nil {
				return err
			}
			l, err := s.load(ctx, tx, id)
			if err != nil {
				return err
			}
			changed, err := s.refresh(ctx, tx, sys, l, today, true)
			if changed {
				n++
			}
			return err
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// refresh recomputes a loan's figures and state from its schedule and
// payments and writes them; it reports whether the state changed.
//
// A payment can only make a loan less late, so after a payment (scan
// false) the state may improve (cured, settled) but never turn overdue,
// and no review flag is raised: a bank entering a loan's past payments
// one by one passes through states that were never real. Lateness is the
// overdue scan's business.
func (s *Service) refresh(ctx context.Context, tx *sqlx.Tx, a audit.Actor, l Loan, today date.Date, scan bool) (bool, error) {
	sched, err := Schedule(l.Terms())
	if err != nil {
		return false, err
	}
	pays, err := s.st.payments(ctx, tx, l.ID)
	if err != nil {
		return false, err
	}
	from, before := l.State, l
	l.PaidPrincipalFen, l.PaidInterestFen = 0, 0
	var last date.Date
	for _, p := range pays {
		l.PaidPrincipalFen += p.PrincipalFen
		l.PaidInterestFen += p.InterestFen
		if p.PaidOn.After(last) {
			last = p.PaidOn
		}
	}
	l.OutstandingFen = l.PrincipalFen - l.PaidPrincipalFen
	st := StatusOn(sched, pays, today)
	l.DaysOverdue = st.DaysLate
	if l.Open() {
		overdueDays, err := s.settings.Int(ctx, KeyOverdueDays, 0, today)
		if err != nil {
			return false, err
		}
		switch {
		case st.Repaid:
			l.State, l.SettledOn = StateSettled, last
		case int64(st.DaysLate) > overdueDays && (scan || from == StateOverdue):
			l.State = StateOverdue
		default:
			l.State = StatePerforming
		}
		flagDays, err := s.settings.Int(ctx, KeyReviewFlagDays, 0, today)
		if err != nil {
			return false, err
		}
		if scan && l.ReviewFlaggedAt == nil && !st.Repaid && int64(st.DaysLate) >= flagDays {
			if err := s.flagEnterprise(ctx, tx, a, &l); err != nil {
				return false, err
			}
		}
	}
	if l.State == from && l.DaysOverdue == before.DaysOverdue && l.PaidPrincipalFen == before.PaidPrincipalFen &&
		l.PaidInterestFen == before.PaidInterestFen && l.ReviewFlaggedAt == before.ReviewFlaggedAt {
		return false, nil // nothing to write
	}
	if err := s.write(ctx, tx, l, from); err != nil {
		return false, err
	}
	if l.State == from {
		return false, nil
	}
	action := map[string]string{StateOverdue: "overdue", StatePerforming: "cured", StateSettled: "settle"}[l.State]
	detail := map[string]any{"days_overdue": l.DaysOverdue, "outstanding_principal_fen": l.OutstandingFen}
	if l.State == StateSettled {
		detail["settled_on"] = l.SettledOn.String()
	}
	return true, s.record(ctx, tx, a, l, action, from, l.State, detail)
}

// flagEnterprise raises the whitelist review flag of the loan's
// enterprise and remembers it on the loan.
func (s *Service) flagEnterprise(ctx context.Context, tx *sqlx.Tx, a audit.Actor, l *Loan) error {
	org, err := s.accounts.Organisation(ctx, l.EnterpriseOrgID)
	if err != nil {
		return err
	}
	reason := fmt.Sprintf("质押贷款（合同号 %s，%s）逾期 %d 天", l.ContractNumber, l.BankName, l.DaysOverdue)
	if org.USCC != nil {
		if err := s.whitelist.RaiseReviewFlag(ctx, tx, a, *org.USCC, reason); err != nil {
			return err
		}
	}
	now := s.nowUTC()
	l.ReviewFlaggedAt = &now
	return s.record(ctx, tx, a, *l, "review_flag", l.State, l.State, map[string]any{"reason": reason, "days_overdue": l.DaysOverdue})
}

func (s *Service) write(ctx context.Context, tx *sqlx.Tx, l Loan, from string) error {
	n, err := s.st.update(ctx, tx, l, from, s.nowUTC())
	if err != nil {
		return err
	}
	if n == 0 {
		cur, err := s.st.loan(ctx, tx, l.ID)
		if err != nil {
			return err
		}
		return problem.InvalidState(cur.State, "the loan changed meanwhile; it is now %s", cur.State)
	}
	return nil
}

// lock takes the loan's row lock for the transaction (a no-op update), so
// that payments and scans of one loan follow each other.
func (s *Service) lock(ctx context.Context, tx *sqlx.Tx, id int64) error {
	_, err := tx.ExecContext(ctx, s.st.q(`UPDATE loans SET id = id WHERE id = ?`), id)
	return err
}

// forBank loads and locks a loan for an action of its bank: another
// organisation, which may not see it, gets 404; its enterprise or the IP
// office 403.
func (s *Service) forBank(ctx context.Context, tx *sqlx.Tx, a audit.Actor, id int64) (Loan, error) {
	if err := s.lock(ctx, tx, id); err != nil {
		return Loan{}, err
	}
	l, err := s.load(ctx, tx, id)
	if err != nil {
		return Loan{}, err
	}
	if !l.VisibleTo(a.OrgID, a.Role == auth.RoleIPOffice || a.Role == "system") {
		return Loan{}, problem.NotFound("loan")
	}
	if a.OrgID != l.BankOrgID || a.Role != auth.RoleBank {
		return Loan{}, problem.Forbidden("only the lending bank may do this")
	}
	return l, nil
}

// record writes a history event and the audit entry of a change.
func (s *Service) record(ctx context.Context, tx *sqlx.Tx, a audit.Actor, l Loan, action, from, to string, detail map[string]any) error {
	if err := s.st.insertEvent(ctx, tx, l.ID, action, from, to, detail, actorID(a), actorName(a), s.nowUTC()); err != nil {
		return err
	}
	summary := map[string]any{"before": from, "after": to}
	for k, v := range detail {
		summary[k] = v
	}
	return s.audit.Append(ctx, tx, a, audit.Entry{Action: "loan." + action, ObjectType: "loan", ObjectID: fmt.Sprint(l.ID),
		Summary: summary})
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
