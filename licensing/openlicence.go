package licensing

import (
	"context"
	"fmt"
	"math/big"
	"slices"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/notify"
	"github.com/ipledge/ipledge/patent"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/money"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/pledge"
	"github.com/ipledge/ipledge/registry"
)

// The usual caps of open licence royalties (implementing rules 2024):
// beyond them a declaration states a justification.
const (
	CapLumpSumFen = 2_000_000_000 // ¥20 million
)

var (
	capNetSales = money.MustRate("20")
	capProfit   = money.MustRate("40")
)

// OpenLicenceInput declares an open licence.
type OpenLicenceInput struct {
	PatentNumber     string `json:"patent_number"`
	Mode             string `json:"mode"`
	LumpSumFen       *int64 `json:"lump_sum_fen"`
	DownPaymentFen   *int64 `json:"down_payment_fen"`
	RoyaltyBase      string `json:"royalty_base"`
	RoyaltyRate      string `json:"royalty_rate"`
	PaymentSchedule  string `json:"payment_schedule"`
	TermYears        int    `json:"term_years"`
	EvaluationReport string `json:"evaluation_report"`
	Justification    string `json:"justification"`
}

// checkTerms validates the royalty terms; beyond caps tells whether they
// exceed the usual caps.
func checkTerms(in OpenLicenceInput) (o OpenLicence, beyond []string, fe []problem.FieldError) {
	o = OpenLicence{Mode: in.Mode, LumpSumFen: in.LumpSumFen, DownPaymentFen: in.DownPaymentFen, RoyaltyBase: in.RoyaltyBase,
		PaymentSchedule: in.PaymentSchedule, TermYears: in.TermYears}
	field := func(name, code, msg string) { fe = append(fe, problem.Field(name, code, msg)) }
	amount := func(name string, v *int64, want bool) {
		switch {
		case want && v == nil:
			field(name, "required", name+" is required for mode "+in.Mode)
		case !want && v != nil:
			field(name, "not_allowed", name+" is not part of mode "+in.Mode)
		case v != nil && *v <= 0:
			field(name, "out_of_range", name+" must be positive")
		case v != nil && *v > CapLumpSumFen:
			beyond = append(beyond, fmt.Sprintf("%s above ¥20,000,000", name))
		}
	}
	running := in.Mode == ModeRunningRoyalty || in.Mode == ModeDownPaymentRunning
	switch in.Mode {
	case ModeLumpSum, ModeRunningRoyalty, ModeDownPaymentRunning:
		amount("lump_sum_fen", in.LumpSumFen, in.Mode == ModeLumpSum)
		amount("down_payment_fen", in.DownPaymentFen, in.Mode == ModeDownPaymentRunning)
	default:
		field("mode", "invalid", "mode is one of lump_sum, running_royalty, down_payment_running")
	}
	switch {
	case running && in.RoyaltyBase != BaseNetSales && in.RoyaltyBase != BaseProfit:
		field("royalty_base", "invalid", "royalty_base is net_sales or profit")
	case !running && in.RoyaltyBase != "":
		field("royalty_base", "not_allowed", "a lump sum has no royalty base")
	}
	switch {
	case running && in.RoyaltyRate == "":
		field("royalty_rate", "required", "royalty_rate (a percentage such as 3.5) is required")
	case !running && in.RoyaltyRate != "":
		field("royalty_rate", "not_allowed", "a lump sum has no royalty rate")
	case running:
		r, err := money.ParseRate("royalty_rate", in.RoyaltyRate)
		if err != nil {
			pe, _ := problem.As(err)
			fe = append(fe, pe.Fields...)
			break
		}
		o.RoyaltyRate = r.String()
		switch {
		case r.IsZero() || r.Cmp(money.MustRate("100")) > 0:
			field("royalty_rate", "out_of_range", "royalty_rate is above 0 and at most 100 (percent)")
		case in.RoyaltyBase == BaseNetSales && r.Cmp(capNetSales) > 0:
			beyond = append(beyond, "royalty above 20% of net sales")
		case in.RoyaltyBase == BaseProfit && r.Cmp(capProfit) > 0:
			beyond = append(beyond, "royalty above 40% of profit")
		}
	}
	schedules := []string{ScheduleOnce, ScheduleAnnual}
	if running {
		schedules = []string{ScheduleAnnual, ScheduleQuarterly}
	}
	if !slices.Contains(schedules, in.PaymentSchedule) {
		field("payment_schedule", "invalid", fmt.Sprintf("payment_schedule for mode %s is one of %v", in.Mode, schedules))
	}
	if in.TermYears < 1 || in.TermYears > 20 {
		field("term_years", "out_of_range", "term_years is from 1 to 20")
	}
	o.EvaluationReport = text(&fe, "evaluation_report", in.EvaluationReport, false, 200)
	o.Justification = text(&fe, "justification", in.Justification, false, 4000)
	return o, beyond, fe
}

// DeclareOpenLicence declares an open licence of one of the caller's
// university's patents with its royalty terms. Input errors are 400;
// refusals name their rule: 409 not_granted, not_valid,
// annual_fee_unpaid, procedures_suspended, exclusive_licence_in_force,
// pledgee_consent_required, open_licence_exists; 422 not_patentee,
// evaluation_report_required (utility models and designs),
// justification_required (terms beyond the usual caps). The patent is
// listed if it was not.
func (s *Service) DeclareOpenLicence(ctx context.Context, a audit.Actor, in OpenLicenceInput) (OpenLicence, error) {
	if err := requireRole(a, auth.RoleUniversity, "declare open licences"); err != nil {
		return OpenLicence{}, err
	}
	o, beyond, fe := checkTerms(in)
	var num patent.Number
	if in.PatentNumber == "" {
		fe = append(fe, problem.Field("patent_number", "required", "patent_number is required"))
	} else if n, err := registry.ParseNumber("patent_number", in.PatentNumber); err != nil {
		pe, ok := problem.As(err)
		if !ok {
			return OpenLicence{}, err
		}
		fe = append(fe, pe.Fields...)
	} else {
		num = n
	}
	if len(fe) > 0 {
		return OpenLicence{}, problem.Invalid(fe...)
	}
	if len(beyond) > 0 && o.Justification == "" {
		return OpenLicence{}, problem.Unprocessable("justification_required",
			"terms beyond the usual caps (%v) need a stated justification", beyond).With("beyond_caps", beyond)
	}
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		p, err := s.patent(ctx, tx, "patent_number", num.String())
		if err != nil {
			return err
		}
		if !holds(p, a.OrgID) {
			return problem.Unprocessable("not_patentee", "%s is not a patent of your university", p.ApplicationNumber)
		}
		if err := s.registry.LockTx(ctx, tx, p.ID); err != nil {
			return err
		}
		if err := s.openable(ctx, tx, p); err != nil {
			return err
		}
		if p.Type != patent.Invention && p.Type != patent.PCTInvention && o.EvaluationReport == "" {
			return problem.Unprocessable("evaluation_report_required",
				"a utility model or design needs a patent evaluation report (专利权评价报告) referenced in evaluation_report")
		}
		if ok, err := s.pledges.ConsentGiven(ctx, tx, p.ID, pledge.ConsentOpenLicence, true); err != nil {
			return err
		} else if !ok {
			return problem.Conflict("pledgee_consent_required",
				"the patent is in a pledge in force: an open licence is declared only with the pledgee's recorded consent")
		}
		o.PatentID, o.OrgID, o.State, o.DeclaredAt = p.ID, a.OrgID, "active", s.nowUTC()
		if err := s.st.insertOpenLicence(ctx, tx, &o, actorID(a)); err != nil {
			if db.IsUniqueViolation(err) {
				return problem.Conflict("open_licence_exists", "an open licence stands for %s already", p.ApplicationNumber)
			}
			return err
		}
		if listed, err := s.st.isListed(ctx, tx, p.ID); err != nil {
			return err
		} else if !listed {
			if _, err := s.listTx(ctx, tx, a, p, "", ""); err != nil {
				return err
			}
		}
		if err := s.refresh(ctx, tx, p.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "open_licence_declare", "licensing_open_licence", o.ID, map[string]any{
			"patent": p.ApplicationNumber, "mode": o.Mode, "lump_sum_fen": o.LumpSumFen, "down_payment_fen": o.DownPaymentFen,
			"royalty_base": o.RoyaltyBase, "royalty_rate": o.RoyaltyRate, "payment_schedule": o.PaymentSchedule,
			"term_years": o.TermYears, "beyond_caps": beyond, "justification": o.Justification})
	})
	if err != nil {
		return OpenLicence{}, err
	}
	return s.GetOpenLicence(ctx, o.ID)
}

// openable refuses a patent whose state bars an open licence.
func (s *Service) openable(ctx context.Context, tx *sqlx.Tx, p registry.Patent) error {
	today := s.today()
	switch {
	case p.GrantDate.IsZero() || p.LegalStatus == registry.StatusPending:
		return problem.Conflict("not_granted", "%s is not granted: an open licence is declared after grant", p.ApplicationNumber)
	case p.LegalStatus == registry.StatusOwnershipDispute:
		return problem.Conflict("procedures_suspended",
			"%s is under an ownership dispute, suspended procedures or preservation", p.ApplicationNumber)
	case p.LegalStatus == registry.StatusFeeGrace || (p.LegalStatus == registry.StatusValid && !p.FeePaidUntil.IsZero() &&
		p.FeePaidUntil.Before(today)):
		return problem.Conflict("annual_fee_unpaid", "the annual fee of %s is unpaid", p.ApplicationNumber)
	case p.LegalStatus != registry.StatusValid:
		return problem.Conflict("not_valid", "%s is not valid (%s)", p.ApplicationNumber, p.LegalStatus)
	}
	if _, err := s.st.activeOpenLicence(ctx, tx, p.ID); err == nil {
		return problem.Conflict("open_licence_exists", "an open licence stands for %s already", p.ApplicationNumber)
	} else if !db.IsNoRows(err) {
		return err
	}
	events, err := s.st.events(ctx, tx, p.ID)
	if err != nil {
		return err
	}
	for _, e := range events {
		if (e.LicenceKind == LicenceExclusive || e.LicenceKind == LicenceSole) && (e.EndOn.IsZero() || !e.EndOn.Before(today)) {
			return problem.Conflict("exclusive_licence_in_force",
				"%s is under an exclusive or sole licence (licence %d): no open licence while it is in force", p.ApplicationNumber, e.ID)
		}
	}
	return nil
}

// GetOpenLicence returns a declaration (public).
func (s *Service) GetOpenLicence(ctx context.Context, id int64) (OpenLicence, error) {
	o, err := s.st.openLicence(ctx, s.db, id)
	if db.IsNoRows(err) {
		return OpenLicence{}, problem.NotFound("open licence")
	}
	return utcOpen(o), err
}

func utcOpen(o OpenLicence) OpenLicence {
	o.DeclaredAt = o.DeclaredAt.UTC()
	if o.WithdrawnAt != nil {
		t := o.WithdrawnAt.UTC()
		o.WithdrawnAt = &t
	}
	return o
}

// OpenLicenceFilter selects declarations.
type OpenLicenceFilter struct {
	OrgID int64
	State string // "", active or withdrawn
}

// OpenLicences pages declarations by id.
func (s *Service) OpenLicences(ctx context.Context, f OpenLicenceFilter, r page.Request) (page.Page[OpenLicence], error) {
	if f.State != "" && f.State != "active" && f.State != "withdrawn" {
		return page.Page[OpenLicence]{}, problem.Invalid(problem.Field("state", "invalid", "state is active or withdrawn"))
	}
	os, err := s.st.openLicences(ctx, f, r)
	if err != nil {
		return page.Page[OpenLicence]{}, err
	}
	for i := range os {
		os[i] = utcOpen(os[i])
	}
	return page.Of(r, os, func(o OpenLicence) int64 { return o.ID }), nil
}

// WithdrawOpenLicence withdraws a standing declaration (a reason is
// required). Licences already taken stay valid.
func (s *Service) WithdrawOpenLicence(ctx context.Context, a audit.Actor, id int64, reason string) (OpenLicence, error) {
	if err := requireRole(a, auth.RoleUniversity, "withdraw open licences"); err != nil {
		return OpenLicence{}, err
	}
	var fe []problem.FieldError
	reason = text(&fe, "reason", reason, true, 2000)
	if len(fe) > 0 {
		return OpenLicence{}, problem.Invalid(fe...)
	}
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		o, err := s.st.openLicence(ctx, tx, id)
		if db.IsNoRows(err) || (err == nil && o.OrgID != a.OrgID) {
			return problem.NotFound("open licence")
		}
		if err != nil {
			return err
		}
		if o.State != "active" {
			return problem.InvalidState(o.State, "the open licence is %s already", o.State)
		}
		if err := s.st.withdrawOpenLicence(ctx, tx, id, reason, s.nowUTC()); err != nil {
			return err
		}
		if err := s.refresh(ctx, tx, o.PatentID); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "open_licence_withdraw", "licensing_open_licence", id, map[string]any{
			"patent": o.ApplicationNumber, "reason": reason})
	})
	if err != nil {
		return OpenLicence{}, err
	}
	return s.GetOpenLicence(ctx, id)
}

// AcceptanceInput is an enterprise's written acceptance of an open
// licence's terms.
type AcceptanceInput struct {
	AcceptTerms bool   `json:"accept_terms"`
	Signatory   string `json:"signatory"`
}

// AcceptOpenLicence takes an open licence: the caller's enterprise
// accepts its terms in writing (accept_terms true, the signatory named)
// and an ordinary licence of kind open is recorded at once, from today
// for the declared term (not beyond the patent's expiry), with its
// payments due as the terms say. 409 invalid_state when the declaration
// was withdrawn, 409 already_licensed when the enterprise holds a licence
// under it in force.
func (s *Service) AcceptOpenLicence(ctx context.Context, a audit.Actor, id int64, in AcceptanceInput) (Licence, error) {
	if err := requireRole(a, auth.RoleEnterprise, "take open licences"); err != nil {
		return Licence{}, err
	}
	var fe []problem.FieldError
	if !in.AcceptTerms {
		fe = append(fe, problem.Field("accept_terms", "required", "the terms are accepted in writing: accept_terms must be true"))
	}
	signatory := text(&fe, "signatory", in.Signatory, true, 100)
	if len(fe) > 0 {
		return Licence{}, problem.Invalid(fe...)
	}
	today := s.today()
	dueDays, err := s.settings.Int(ctx, KeyPaymentDueDays, 0, today)
	if err != nil {
		return Licence{}, err
	}
	var licenceID int64
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		o, err := s.st.openLicence(ctx, tx, id)
		if db.IsNoRows(err) {
			return problem.NotFound("open licence")
		}
		if err != nil {
			return err
		}
		if err := s.registry.LockTx(ctx, tx, o.PatentID); err != nil {
			return err
		}
		if o.State != "active" {
			return problem.InvalidState(o.State, "the open licence was withdrawn")
		}
		p, err := s.registry.LookupIDTx(ctx, tx, o.PatentID)
		if err != nil {
			return err
		}
		events, err := s.st.events(ctx, tx, o.PatentID)
		if err != nil {
			return err
		}
		for _, e := range events {
			if e.OpenLicenceID != nil && *e.OpenLicenceID == o.ID && e.LicenseeOrgID != nil && *e.LicenseeOrgID == a.OrgID && e.InForce(today) {
				return problem.Conflict("already_licensed", "your enterprise holds a licence under this open licence (licence %d)", e.ID)
			}
		}
		name, err := s.st.orgName(ctx, tx, a.OrgID)
		if err != nil {
			return err
		}
		end := today.AddYears(o.TermYears).AddDays(-1)
		if exp := p.ExpiryDate; !exp.IsZero() && exp.Before(end) {
			end = exp
		}
		e := Event{PatentID: o.PatentID, Kind: EventLicence, LicenceKind: LicenceOpen, Counterparty: name, LicenseeOrgID: &a.OrgID,
			EffectiveOn: today, EndOn: end, OpenLicenceID: &o.ID, Note: "开放许可书面接受，签署人：" + signatory, CreatedAt: s.nowUTC()}
		if err := s.st.insertEvent(ctx, tx, &e, actorID(a)); err != nil {
			return err
		}
		licenceID = e.ID
		for i, pay := range schedule(o, today, end, int(dueDays)) {
			pay.LicenceID, pay.Position = e.ID, i+1
			if err := s.st.insertPayment(ctx, tx, &pay); err != nil {
				return err
			}
		}
		if err := s.refresh(ctx, tx, o.PatentID); err != nil {
			return err
		}
		if err := s.notify.PostToOrg(ctx, tx, o.OrgID, notify.Notification{Kind: "licensing.open_licence_taken",
			Title: fmt.Sprintf("%s 实施了专利 %s 的开放许可", name, o.ApplicationNumber), Body: "许可已登记，请按约定确认收款。",
			Link: fmt.Sprintf("/licensing/licences/%d", e.ID)}); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "open_licence_accept", "licensing_licence", e.ID, map[string]any{"open_licence_id": o.ID,
			"patent": o.ApplicationNumber, "signatory": signatory, "effective_on": today, "end_on": end})
	})
	if err != nil {
		return Licence{}, err
	}
	return s.licence(ctx, licenceID)
}

// schedule lays out the payments of a licence taken from o on start:
// a lump sum or down payment due within dueDays (a lump sum paid yearly
// is split exactly into one instalment per year of the term, due on each
// anniversary), and a running royalty due at the end of each period
// (year or quarter) of the term, its amount reported with the payment.
func schedule(o OpenLicence, start, end date.Date, dueDays int) []Payment {
	var ps []Payment
	fixed := func(kind string, fen int64, due date.Date) {
		v := fen
		ps = append(ps, Payment{Kind: kind, DueOn: due, AmountFen: &v})
	}
	switch o.Mode {
	case ModeLumpSum:
		if o.PaymentSchedule == ScheduleAnnual && o.TermYears > 1 {
			weights := make([]int64, o.TermYears)
			for i := range weights {
				weights[i] = 1
			}
			for i, part := range money.AllocateLargestRemainder(*o.LumpSumFen, weights) {
				fixed("lump_sum", part, start.AddYears(i).AddDays(dueDays))
			}
		} else {
			fixed("lump_sum", *o.LumpSumFen, start.AddDays(dueDays))
		}
		return ps
	case ModeDownPaymentRunning:
		fixed("down_payment", *o.DownPaymentFen, start.AddDays(dueDays))
	}
	months := 12
	if o.PaymentSchedule == ScheduleQuarterly {
		months = 3
	}
	for k := 1; ; k++ {
		due := start.AddMonthsClamped(k * months)
		if due.After(end.AddDays(1)) {
			due = end.AddDays(1)
		}
		ps = append(ps, Payment{Kind: "royalty", DueOn: due})
		if !due.Before(end.AddDays(1)) {
			break
		}
	}
	return ps
}

// licence loads a licence with its payments.
func (s *Service) licence(ctx context.Context, id int64) (Licence, error) {
	e, err := s.st.event(ctx, s.db, id)
	if db.IsNoRows(err) || (err == nil && e.Kind != EventLicence) {
		return Licence{}, problem.NotFound("licence")
	}
	if err != nil {
		return Licence{}, err
	}
	p, err := s.registry.LookupIDTx(ctx, s.db, e.PatentID)
	if err != nil {
		return Licence{}, err
	}
	e.CreatedAt = e.CreatedAt.UTC()
	l := Licence{Event: e, ApplicationNumber: p.ApplicationNumber}
	for _, h := range p.Patentees {
		if h.OrgID != nil {
			l.LicensorOrgID = *h.OrgID
			break
		}
	}
	if l.Payments, err = s.st.payments(ctx, s.db, id); err != nil {
		return Licence{}, err
	}
	for i := range l.Payments {
		if t := l.Payments[i].ConfirmedAt; t != nil {
			u := t.UTC()
			l.Payments[i].ConfirmedAt = &u
		}
	}
	return l, nil
}

// GetLicence returns a licence to its parties: the patentee's TTO and the
// licensee (anyone else: 404).
func (s *Service) GetLicence(ctx context.Context, a audit.Actor, id int64) (Licence, error) {
	l, err := s.licence(ctx, id)
	if err != nil {
		return Licence{}, err
	}
	if ok, err := s.licenceParty(ctx, a, l); err != nil || !ok {
		if err == nil {
			err = problem.NotFound("licence")
		}
		return Licence{}, err
	}
	return l, nil
}

func (s *Service) licenceParty(ctx context.Context, a audit.Actor, l Licence) (bool, error) {
	if l.LicenseeOrgID != nil && *l.LicenseeOrgID == a.OrgID {
		return true, nil
	}
	return s.registry.IsPatentee(ctx, l.PatentID, a.OrgID)
}

// PaymentInput confirms a payment received.
type PaymentInput struct {
	PaidFen int64     `json:"paid_fen"`
	PaidOn  date.Date `json:"paid_on"`
}

// ConfirmPayment records, for the licensor's TTO, that a payment was
// received (a fixed amount must be paid in full: 422 amount_mismatch; a
// royalty's amount is the one received). A confirmed payment is 409
// invalid_state.
func (s *Service) ConfirmPayment(ctx context.Context, a audit.Actor, licenceID, paymentID int64, in PaymentInput) (Licence, error) {
	if err := requireRole(a, auth.RoleUniversity, "confirm licence payments"); err != nil {
		return Licence{}, err
	}
	var fe []problem.FieldError
	if in.PaidFen <= 0 {
		fe = append(fe, problem.Field("paid_fen", "out_of_range", "paid_fen must be positive"))
	}
	if in.PaidOn.IsZero() {
		fe = append(fe, problem.Field("paid_on", "required", "paid_on is required"))
	} else if in.PaidOn.After(s.today()) {
		fe = append(fe, problem.Field("paid_on", "in_future", "paid_on cannot be in the future"))
	}
	if len(fe) > 0 {
		return Licence{}, problem.Invalid(fe...)
	}
	l, err := s.licence(ctx, licenceID)
	if err != nil {
		return Licence{}, err
	}
	if held, err := s.registry.IsPatentee(ctx, l.PatentID, a.OrgID); err != nil {
		return Licence{}, err
	} else if !held {
		return Licence{}, problem.NotFound("licence")
	}
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		p, err := s.st.payment(ctx, tx, paymentID)
		if db.IsNoRows(err) || (err == nil && p.LicenceID != licenceID) {
			return problem.NotFound("payment")
		}
		if err != nil {
			return err
		}
		if p.ConfirmedAt != nil {
			return problem.InvalidState("confirmed", "the payment was confirmed already")
		}
		if p.AmountFen != nil && *p.AmountFen != in.PaidFen {
			return problem.Unprocessable("amount_mismatch", "the payment due is %s fen, not %d",
				new(big.Int).SetInt64(*p.AmountFen).String(), in.PaidFen)
		}
		if err := s.st.confirmPayment(ctx, tx, paymentID, in.PaidFen, in.PaidOn, actorID(a), s.nowUTC()); err != nil {
			return err
		}
		if l.LicenseeOrgID != nil {
			if err := s.notify.PostToOrg(ctx, tx, *l.LicenseeOrgID, notify.Notification{Kind: "licensing.payment_confirmed",
				Title: fmt.Sprintf("专利 %s 许可费已确认收款", l.ApplicationNumber), Body: fmt.Sprintf("第 %d 期，%d 分", p.Position, in.PaidFen),
				Link: fmt.Sprintf("/licensing/licences/%d", licenceID)}); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, a, "payment_confirm", "licensing_licence", licenceID, map[string]any{"payment_id": paymentID,
			"paid_fen": in.PaidFen, "paid_on": in.PaidOn})
	})
	if err != nil {
		return Licence{}, err
	}
	return s.licence(ctx, licenceID)
}
