package subsidy

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/platform/tabular"
)

// AllocationLine is one approved application's share of the budget.
type AllocationLine struct {
	ApplicationID  int64     `json:"application_id"`
	EnterpriseName string    `json:"enterprise_name"`
	BankName       string    `json:"bank_name"`
	SubmittedAt    time.Time `json:"submitted_at"`
	AmountFen      int64     `json:"amount_fen"`
	AllocatedFen   int64     `json:"allocated_fen"`
}

// Allocation is what closing a round gives: in full when the approved
// amounts fit the budget, otherwise pro rata (largest remainders, ties
// to the earlier submission).
type Allocation struct {
	PolicyID          int64            `json:"policy_id"`
	BudgetFen         int64            `json:"budget_fen"`
	ApprovedTotalFen  int64            `json:"approved_total_fen"`
	AllocatedTotalFen int64            `json:"allocated_total_fen"`
	ProRata           bool             `json:"pro_rata"`
	InReview          int              `json:"in_review"` // applications still undecided: the round cannot close
	Lines             []AllocationLine `json:"lines"`
}

func (s *Service) allocation(ctx context.Context, q db.Queryer, pol PolicyRecord) (Allocation, []Application, error) {
	apps, err := s.st.byPolicy(ctx, q, pol.ID, approvedStates)
	if err != nil {
		return Allocation{}, nil, err
	}
	review, err := s.st.countByPolicy(ctx, q, pol.ID, StateInReview)
	if err != nil {
		return Allocation{}, nil, err
	}
	amounts := make([]int64, len(apps))
	al := Allocation{PolicyID: pol.ID, BudgetFen: pol.Policy.BudgetFen, InReview: review, Lines: []AllocationLine{}}
	for i, a := range apps {
		amounts[i] = a.AmountFen
		al.ApprovedTotalFen += a.AmountFen
	}
	budget := pol.Policy.BudgetFen
	if budget == 0 {
		budget = al.ApprovedTotalFen // no budget set: no limit
		al.BudgetFen = 0
	}
	parts := AllocateBudget(budget, amounts)
	al.ProRata = al.ApprovedTotalFen > budget
	for i, a := range apps {
		al.Lines = append(al.Lines, AllocationLine{ApplicationID: a.ID, EnterpriseName: a.EnterpriseName, BankName: a.BankName,
			SubmittedAt: a.SubmittedAt.UTC(), AmountFen: a.AmountFen, AllocatedFen: parts[i]})
		al.AllocatedTotalFen += parts[i]
	}
	return al, apps, nil
}

// PreviewAllocation shows what closing the round would allocate now.
func (s *Service) PreviewAllocation(ctx context.Context, policyID int64) (Allocation, error) {
	pol, err := s.GetPolicy(ctx, policyID)
	if err != nil {
		return Allocation{}, err
	}
	al, _, err := s.allocation(ctx, s.db, pol)
	return al, err
}

// closePayload is what closing a round carries to its approval.
type closePayload struct {
	NoticeWorkingDays int `json:"notice_working_days"`
}

// ProposeClose prepares closing a policy's round; a second IP office user
// approves it, which allocates the budget and starts the public notice
// of noticeDays working days (5 to 7 is usual; default 5).
func (s *Service) ProposeClose(ctx context.Context, a audit.Actor, policyID int64, noticeDays int) (Approval, error) {
	if !isIPOffice(a) {
		return Approval{}, problem.Forbidden("only the IP office closes a round")
	}
	if noticeDays == 0 {
		noticeDays = 5
	}
	if noticeDays < 1 || noticeDays > 30 {
		return Approval{}, problem.Invalid(problem.Field("notice_working_days", "out_of_range", "the public notice lasts 1 to 30 working days"))
	}
	payload, _ := json.Marshal(closePayload{noticeDays})
	var ap Approval
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		pol, err := s.closable(ctx, tx, policyID)
		if err != nil {
			return err
		}
		ap = Approval{Kind: ApproveRoundClose, PolicyID: pol.ID, Payload: payload}
		if err := s.prepare(ctx, tx, a, &ap); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "round.propose_close", "subsidy_policy", pol.ID, map[string]any{"approval_id": ap.ID,
			"notice_working_days": noticeDays})
	})
	return ap, err
}

func (s *Service) closable(ctx context.Context, tx *sqlx.Tx, policyID int64) (PolicyRecord, error) {
	pol, err := s.st.policy(ctx, tx, policyID, true)
	if db.IsNoRows(err) {
		return pol, problem.NotFound("subsidy policy")
	}
	if err != nil {
		return pol, err
	}
	if pol.State != PolicyActive || pol.RoundState != RoundOpen {
		return pol, problem.Conflict("round_closed", "the round is not open")
	}
	n, err := s.st.countByPolicy(ctx, tx, pol.ID, StateInReview)
	if err != nil {
		return pol, err
	}
	if n > 0 {
		return pol, problem.Conflict("reviews_pending", "%d applications are still in review", n)
	}
	return pol, nil
}

func (s *Service) applyRoundClose(ctx context.Context, tx *sqlx.Tx, a audit.Actor, ap Approval) error {
	pol, err := s.closable(ctx, tx, ap.PolicyID)
	if err != nil {
		return err
	}
	var pl closePayload
	if err := json.Unmarshal(ap.Payload, &pl); err != nil {
		return err
	}
	al, apps, err := s.allocation(ctx, tx, pol)
	if err != nil {
		return err
	}
	today := s.Today()
	until, err := s.calendar.AddWorkingDays(ctx, today, pl.NoticeWorkingDays)
	if err != nil {
		return err
	}
	now := s.nowUTC()
	pol.RoundState, pol.ClosedAt, pol.NoticeFrom, pol.NoticeUntil, pol.UpdatedAt = RoundClosed, &now, today, until, now
	if err := s.st.updatePolicy(ctx, tx, pol); err != nil {
		return err
	}
	for i, app := range apps {
		part := al.Lines[i].AllocatedFen
		before := app.State
		app.State, app.AllocatedFen, app.UpdatedAt = StatePublicNotice, &part, now
		if err := s.st.updateApplication(ctx, tx, app); err != nil {
			return err
		}
		if err := s.record(ctx, tx, a, "application.public_notice", "subsidy_application", app.ID, map[string]any{
			"before": before, "after": StatePublicNotice, "amount_fen": app.AmountFen, "allocated_fen": part}); err != nil {
			return err
		}
		if err := s.notifyEnterprise(ctx, tx, app, "贴息拟资助名单公示", fmt.Sprintf("贴息申请（编号 %d）拟资助 %s 元，公示期至 %s。",
			app.ID, yuan(part), until)); err != nil {
			return err
		}
	}
	return s.record(ctx, tx, a, "round.close", "subsidy_policy", pol.ID, map[string]any{"budget_fen": al.BudgetFen,
		"approved_total_fen": al.ApprovedTotalFen, "allocated_total_fen": al.AllocatedTotalFen, "pro_rata": al.ProRata,
		"notice_from": today, "notice_until": until, "prepared_by": ap.PreparedName})
}

// NoticeHeaders are the columns of the public notice export.
var NoticeHeaders = []string{"申请编号", "企业名称", "统一社会信用代码", "贷款银行", "类别", "核定金额（元）", "拟资助金额（元）", "状态"}

var kindNames = map[string]string{KindInterest: "贷款贴息", string(ValuationFee): "评估费补贴", string(GuaranteeFee): "担保费补贴", string(InsuranceFee): "保险费补贴"}

// Notice returns the policy with the applications of its public notice
// (and those noticed, paid or clawed back since).
func (s *Service) Notice(ctx context.Context, policyID int64) (PolicyRecord, []Application, error) {
	pol, err := s.GetPolicy(ctx, policyID)
	if err != nil {
		return pol, nil, err
	}
	if pol.RoundState != RoundClosed {
		return pol, nil, problem.Conflict("round_open", "the round is not closed: nothing is on public notice yet")
	}
	apps, err := s.st.byPolicy(ctx, s.db, pol.ID, []string{StatePublicNotice, StatePaid, StateClawedBack})
	for i := range apps {
		apps[i].complete()
	}
	return pol, apps, err
}

// NoticeRows are the notice's rows for tabular.WriteCSV / WriteXLSX.
func NoticeRows(apps []Application) tabular.RowSource {
	rows := make([][]any, 0, len(apps))
	for _, a := range apps {
		var alloc int64
		if a.AllocatedFen != nil {
			alloc = *a.AllocatedFen
		}
		rows = append(rows, []any{fmt.Sprint(a.ID), a.EnterpriseName, a.USCC, a.BankName, kindNames[a.Kind], yuan(a.AmountFen), yuan(alloc), a.State})
	}
	return tabular.Rows(rows)
}

// Objection is an objection raised during the public notice.
type Objection struct {
	ID            int64      `db:"id" json:"id"`
	ApplicationID int64      `db:"application_id" json:"application_id"`
	Objector      string     `db:"objector" json:"objector"`
	Text          string     `db:"text" json:"text"`
	State         string     `db:"state" json:"state"` // open, upheld, dismissed
	Resolution    string     `db:"resolution" json:"resolution"`
	CreatedAt     time.Time  `db:"created_at" json:"created_at"`
	ResolvedAt    *time.Time `db:"resolved_at" json:"resolved_at"`
}

// RecordObjection records an objection received against an application
// on public notice, within the notice period.
func (s *Service) RecordObjection(ctx context.Context, a audit.Actor, appID int64, objector, text string) (Objection, error) {
	if !isIPOffice(a) {
		return Objection{}, problem.Forbidden("only the IP office records objections")
	}
	var fs []problem.FieldError
	if strings.TrimSpace(objector) == "" {
		fs = append(fs, problem.Field("objector", "required", "who objects"))
	}
	if strings.TrimSpace(text) == "" {
		fs = append(fs, problem.Field("text", "required", "what the objection says"))
	}
	if len(fs) > 0 {
		return Objection{}, problem.Invalid(fs...)
	}
	o := Objection{ApplicationID: appID, Objector: objector, Text: text, State: "open", CreatedAt: s.nowUTC()}
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		app, err := s.lockApplication(ctx, tx, appID)
		if err != nil {
			return err
		}
		if app.State != StatePublicNotice {
			return problem.InvalidState(app.State, "objections are raised during the public notice")
		}
		pol, err := s.st.policy(ctx, tx, app.PolicyID, false)
		if err != nil {
			return err
		}
		if s.Today().After(pol.NoticeUntil) {
			return problem.Conflict("notice_period_over", "the public notice ended on %s", pol.NoticeUntil)
		}
		if err := s.st.insertObjection(ctx, tx, &o, actorID(a)); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "objection.record", "subsidy_application", appID, map[string]any{"objection_id": o.ID,
			"objector": objector})
	})
	return o, err
}

// Objections lists an application's objections.
func (s *Service) Objections(ctx context.Context, appID int64) ([]Objection, error) {
	return s.st.objections(ctx, appID)
}

// ResolveObjection closes an objection: upheld takes the application off
// the notice (rejected, with the resolution as reason); dismissed keeps it.
func (s *Service) ResolveObjection(ctx context.Context, a audit.Actor, id int64, upheld bool, resolution string) (Objection, error) {
	if !isIPOffice(a) {
		return Objection{}, problem.Forbidden("only the IP office resolves objections")
	}
	if strings.TrimSpace(resolution) == "" {
		return Objection{}, problem.Invalid(problem.Field("resolution", "required", "say how it was resolved"))
	}
	var o Objection
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		o, err = s.st.objection(ctx, tx, id)
		if db.IsNoRows(err) {
			return problem.NotFound("objection")
		}
		if err != nil {
			return err
		}
		if o.State != "open" {
			return problem.InvalidState(o.State, "the objection is resolved already")
		}
		now := s.nowUTC()
		o.State, o.Resolution, o.ResolvedAt = "dismissed", resolution, &now
		if upheld {
			o.State = "upheld"
			app, err := s.lockApplication(ctx, tx, o.ApplicationID)
			if err != nil {
				return err
			}
			if app.State != StatePublicNotice {
				return problem.InvalidState(app.State, "the application is no longer on public notice")
			}
			app.State, app.Reason, app.DecidedAt, app.UpdatedAt = StateRejected, resolution, &now, now
			if err := s.st.updateApplication(ctx, tx, app); err != nil {
				return err
			}
			if err := s.record(ctx, tx, a, "application.rejected", "subsidy_application", app.ID, map[string]any{
				"before": StatePublicNotice, "after": StateRejected, "reason": resolution, "objection_id": o.ID}); err != nil {
				return err
			}
			if err := s.notifyEnterprise(ctx, tx, app, "贴息申请因公示异议未通过", "异议成立："+resolution); err != nil {
				return err
			}
		}
		if err := s.st.resolveObjection(ctx, tx, o); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "objection.resolve", "subsidy_application", o.ApplicationID, map[string]any{
			"objection_id": o.ID, "state": o.State, "resolution": resolution})
	})
	return o, err
}

// PaymentInput is a subsidy payment as recorded.
type PaymentInput struct {
	PaidOn    date.Date `json:"paid_on"`
	AmountFen int64     `json:"amount_fen"`
	Reference string    `json:"reference"`
}

func (in PaymentInput) check(today date.Date) error {
	var fs []problem.FieldError
	if in.PaidOn.IsZero() {
		fs = append(fs, problem.Field("paid_on", "required", "the payment date"))
	} else if in.PaidOn.After(today) {
		fs = append(fs, problem.Field("paid_on", "in_future", "a payment cannot be dated in the future"))
	}
	if in.AmountFen <= 0 {
		fs = append(fs, problem.Field("amount_fen", "not_positive", "at least 1 fen"))
	}
	if strings.TrimSpace(in.Reference) == "" {
		fs = append(fs, problem.Field("reference", "required", "the payment reference"))
	}
	if len(fs) > 0 {
		return problem.Invalid(fs...)
	}
	return nil
}

// payable checks that an application may be paid: on public notice, the
// notice over, no objection open, the amount within the allocation.
func (s *Service) payable(ctx context.Context, tx *sqlx.Tx, app Application, in PaymentInput) error {
	if app.State != StatePublicNotice {
		return problem.InvalidState(app.State, "only an application past its public notice is paid")
	}
	pol, err := s.st.policy(ctx, tx, app.PolicyID, false)
	if err != nil {
		return err
	}
	if !s.Today().After(pol.NoticeUntil) {
		return problem.Conflict("notice_period_running", "the public notice runs until %s", pol.NoticeUntil)
	}
	open, err := s.st.openObjections(ctx, tx, app.ID)
	if err != nil {
		return err
	}
	if open > 0 {
		return problem.Conflict("objection_open", "an objection is still open")
	}
	if app.AllocatedFen == nil || in.AmountFen > *app.AllocatedFen {
		return problem.Unprocessable("amount_above_allocation", "the payment is above the allocated amount")
	}
	return nil
}

// ProposePayment prepares recording a payment; a second IP office user
// approves it.
func (s *Service) ProposePayment(ctx context.Context, a audit.Actor, appID int64, in PaymentInput) (Approval, error) {
	if !isIPOffice(a) {
		return Approval{}, problem.Forbidden("only the IP office records payments")
	}
	if err := in.check(s.Today()); err != nil {
		return Approval{}, err
	}
	payload, _ := json.Marshal(in)
	var ap Approval
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		app, err := s.lockApplication(ctx, tx, appID)
		if err != nil {
			return err
		}
		if err := s.payable(ctx, tx, app, in); err != nil {
			return err
		}
		ap = Approval{Kind: ApprovePayment, PolicyID: app.PolicyID, ApplicationID: &app.ID, Payload: payload}
		if err := s.prepare(ctx, tx, a, &ap); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "payment.propose", "subsidy_application", app.ID, map[string]any{"approval_id": ap.ID,
			"amount_fen": in.AmountFen, "paid_on": in.PaidOn, "reference": in.Reference})
	})
	return ap, err
}

func (s *Service) applyPayment(ctx context.Context, tx *sqlx.Tx, a audit.Actor, ap Approval) error {
	var in PaymentInput
	if err := json.Unmarshal(ap.Payload, &in); err != nil {
		return err
	}
	app, err := s.lockApplication(ctx, tx, *ap.ApplicationID)
	if err != nil {
		return err
	}
	if err := s.payable(ctx, tx, app, in); err != nil {
		return err
	}
	now := s.nowUTC()
	app.State, app.PaidOn, app.PaidFen, app.PaidReference, app.UpdatedAt = StatePaid, in.PaidOn, &in.AmountFen, in.Reference, now
	if err := s.st.updateApplication(ctx, tx, app); err != nil {
		return err
	}
	if err := s.record(ctx, tx, a, "application.paid", "subsidy_application", app.ID, map[string]any{"before": StatePublicNotice,
		"after": StatePaid, "amount_fen": in.AmountFen, "paid_on": in.PaidOn, "reference": in.Reference, "prepared_by": ap.PreparedName}); err != nil {
		return err
	}
	return s.notifyEnterprise(ctx, tx, app, "贴息资金已拨付", fmt.Sprintf("贴息申请（编号 %d）已于 %s 拨付 %s 元。", app.ID, in.PaidOn, yuan(in.AmountFen)))
}

// ClawbackInput claws back a paid subsidy found fraudulent.
type ClawbackInput struct {
	AmountFen int64  `json:"amount_fen"`
	Reason    string `json:"reason"`
}

// Clawback records a clawback and flags the enterprise's whitelist
// entry for review in the same transaction.
func (s *Service) Clawback(ctx context.Context, a audit.Actor, appID int64, in ClawbackInput) (Application, error) {
	if !isIPOffice(a) {
		return Application{}, problem.Forbidden("only the IP office claws back")
	}
	var fs []problem.FieldError
	if in.AmountFen <= 0 {
		fs = append(fs, problem.Field("amount_fen", "not_positive", "at least 1 fen"))
	}
	if strings.TrimSpace(in.Reason) == "" {
		fs = append(fs, problem.Field("reason", "required", "why the subsidy is clawed back"))
	}
	if len(fs) > 0 {
		return Application{}, problem.Invalid(fs...)
	}
	var app Application
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if app, err = s.lockApplication(ctx, tx, appID); err != nil {
			return err
		}
		if app.State != StatePaid {
			return problem.InvalidState(app.State, "only a paid subsidy is clawed back")
		}
		if in.AmountFen > *app.PaidFen {
			return problem.Unprocessable("amount_above_paid", "the clawback is above the amount paid")
		}
		now := s.nowUTC()
		app.State, app.ClawbackFen, app.ClawbackReason, app.UpdatedAt = StateClawedBack, &in.AmountFen, in.Reason, now
		if err := s.st.updateApplication(ctx, tx, app); err != nil {
			return err
		}
		if err := s.record(ctx, tx, a, "application.clawed_back", "subsidy_application", app.ID, map[string]any{"before": StatePaid,
			"after": StateClawedBack, "amount_fen": in.AmountFen, "reason": in.Reason}); err != nil {
			return err
		}
		if app.USCC != "" {
			if err := s.whitelist.RaiseReviewFlag(ctx, tx, a, app.USCC, "贴息资金被追回："+in.Reason); err != nil {
				return err
			}
		}
		return s.notifyEnterprise(ctx, tx, app, "贴息资金追回", fmt.Sprintf("贴息申请（编号 %d）追回 %s 元。理由：%s", app.ID, yuan(in.AmountFen), in.Reason))
	})
	app.complete()
	return app, err
}
