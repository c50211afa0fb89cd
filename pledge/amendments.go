package pledge

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
)

// Amendment kinds: requests of their own on a registration, examined
// again by the IP office.
const (
	AmendChange      = "change"      // 变更登记
	AmendRelease     = "release"     // 注销登记
	AmendEnforcement = "enforcement" // 质权实现
)

// Amendment states.
const (
	AmendAwaitingConfirmation = "awaiting_confirmation"
	AmendSubmitted            = "submitted"
	AmendRegistered           = "registered"
	AmendRefused              = "refused"
	AmendWithdrawn            = "withdrawn"
)

// ChangeInput holds the particulars a change registration alters; nil
// leaves one as it is.
type ChangeInput struct {
	PledgorName      *string    `json:"pledgor_name,omitempty"`
	PledgorAddress   *string    `json:"pledgor_address,omitempty"`
	PledgeeName      *string    `json:"pledgee_name,omitempty"`
	PledgeeAddress   *string    `json:"pledgee_address,omitempty"`
	SecuredClaimKind *string    `json:"secured_claim_kind,omitempty"`
	SecuredAmountFen *int64     `json:"secured_amount_fen,omitempty"`
	Scope            *string    `json:"scope,omitempty"`
	DebtEnd          *date.Date `json:"debt_end,omitempty"`
}

// Release causes (注销的原因).
var releaseCauses = []string{"repaid", "waived", "contract_void"}

// ReleaseInput says why the pledge ends.
type ReleaseInput struct {
	Cause string `json:"cause"`
}

// Enforcement methods.
var enforcementMethods = []string{"transfer", "auction", "sale"}

// EnforcementInput records how the pledge was realised.
type EnforcementInput struct {
	Method      string    `json:"method"`
	ProceedsFen int64     `json:"proceeds_fen"`
	Transferee  string    `json:"transferee"`
	CompletedOn date.Date `json:"completed_on"`
}

// AmendmentInput files an amendment: the kind and its particulars.
type AmendmentInput struct {
	Kind        string            `json:"kind"`
	Change      *ChangeInput      `json:"change,omitempty"`
	Release     *ReleaseInput     `json:"release,omitempty"`
	Enforcement *EnforcementInput `json:"enforcement,omitempty"`
	Reason      string            `json:"reason"`
}

// Amendment is a change, release or enforcement request.
type Amendment struct {
	ID             int64             `db:"id" json:"id"`
	PledgeID       int64             `db:"pledge_id" json:"pledge_id"`
	Kind           string            `db:"kind" json:"kind"`
	State          string            `db:"state" json:"state"`
	FiledByOrgID   int64             `db:"filed_by_org" json:"filed_by_org_id"`
	Detail         string            `db:"detail" json:"-"`
	Change         *ChangeInput      `db:"-" json:"change,omitempty"`
	Release        *ReleaseInput     `db:"-" json:"release,omitempty"`
	Enforcement    *EnforcementInput `db:"-" json:"enforcement,omitempty"`
	Reason         string            `db:"reason" json:"reason"`
	SubmittedAt    *time.Time        `db:"submitted_at" json:"submitted_at"`
	Deadline       date.Date         `db:"deadline" json:"deadline"`
	Overdue        bool              `db:"-" json:"overdue"`
	DecidedAt      *time.Time        `db:"decided_at" json:"decided_at"`
	DecisionReason string            `db:"decision_reason" json:"decision_reason"`
	CreatedAt      time.Time         `db:"created_at" json:"created_at"`
}

func (m *Amendment) decode(today date.Date) error {
	in := AmendmentInput{}
	if err := json.Unmarshal([]byte(m.Detail), &in); err != nil {
		return fmt.Errorf("amendment %d detail: %w", m.ID, err)
	}
	m.Change, m.Release, m.Enforcement = in.Change, in.Release, in.Enforcement
	m.Overdue = m.State == AmendSubmitted && !m.Deadline.IsZero() && today.After(m.Deadline)
	m.CreatedAt = m.CreatedAt.UTC()
	return nil
}

func (s *Service) validateAmendment(in *AmendmentInput, p Pledge) []problem.FieldError {
	var fe []problem.FieldError
	in.Reason = text(&fe, "reason", in.Reason, false, 2000)
	switch in.Kind {
	case AmendChange:
		in.Release, in.Enforcement = nil, nil
		c := in.Change
		if c == nil {
			return append(fe, problem.Field("change", "required", "a change lists the particulars it alters"))
		}
		for _, f := range []struct {
			name string
			v    **string
			max  int
		}{{"change.pledgor_name", &c.PledgorName, 200}, {"change.pledgor_address", &c.PledgorAddress, 200},
			{"change.pledgee_name", &c.PledgeeName, 200}, {"change.pledgee_address", &c.PledgeeAddress, 200},
			{"change.scope", &c.Scope, 1000}} {
			if *f.v != nil {
				v := text(&fe, f.name, **f.v, true, f.max)
				*f.v = &v
			}
		}
		if c.SecuredClaimKind != nil && !slices.Contains(claimKinds, *c.SecuredClaimKind) {
			fe = append(fe, problem.Field("change.secured_claim_kind", "invalid", "secured_claim_kind is one of "+strings.Join(claimKinds, ", ")))
		}
		if c.SecuredAmountFen != nil && (*c.SecuredAmountFen <= 0 || *c.SecuredAmountFen > maxAmountFen) {
			fe = append(fe, problem.Field("change.secured_amount_fen", "not_positive", "secured_amount_fen must be a positive number of fen up to ¥100 billion"))
		}
		if c.DebtEnd != nil && (c.DebtEnd.IsZero() || c.DebtEnd.Before(p.DebtStart)) {
			fe = append(fe, problem.Field("change.debt_end", "before_start", "debt_end is before the debt period's start "+p.DebtStart.String()))
		}
		if *c == (ChangeInput{}) {
			fe = append(fe, problem.Field("change", "empty", "a change alters at least one particular"))
		}
	case AmendRelease:
		in.Change, in.Enforcement = nil, nil
		if in.Release == nil || !slices.Contains(releaseCauses, in.Release.Cause) {
			fe = append(fe, problem.Field("release.cause", "invalid", "release.cause is one of "+strings.Join(releaseCauses, ", ")))
		}
	case AmendEnforcement:
		in.Change, in.Release = nil, nil
		e := in.Enforcement
		if e == nil {
			return append(fe, problem.Field("enforcement", "required", "an enforcement records its outcome"))
		}
		if !slices.Contains(enforcementMethods, e.Method) {
			fe = append(fe, problem.Field("enforcement.method", "invalid", "method is one of "+strings.Join(enforcementMethods, ", ")))
		}
		if e.ProceedsFen < 0 || e.ProceedsFen > maxAmountFen {
			fe = append(fe, problem.Field("enforcement.proceeds_fen", "out_of_range", "proceeds_fen is between 0 and ¥100 billion"))
		}
		e.Transferee = text(&fe, "enforcement.transferee", e.Transferee, true, 200)
		if e.CompletedOn.IsZero() {
			fe = append(fe, problem.Field("enforcement.completed_on", "required", "completed_on is required"))
		} else if e.CompletedOn.After(s.today()) {
			fe = append(fe, problem.Field("enforcement.completed_on", "in_future", "completed_on cannot be after today"))
		}
	default:
		fe = append(fe, problem.Field("kind", "invalid", "kind is change, release or enforcement"))
	}
	return fe
}

// FileAmendment files a change, release or enforcement on a registered
// pledge. A change needs the other party's confirmation; a release filed
// by the pledgor needs the pledgee's; the pledgee's own release and its
// enforcement go straight to the IP office. One amendment at a time.
func (s *Service) FileAmendment(ctx context.Context, a audit.Actor, id int64, in AmendmentInput) (Amendment, error) {
	var m Amendment
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		p, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !p.VisibleTo(a.OrgID, isIPOffice(a)) {
			return problem.NotFound("pledge")
		}
		pledgee := a.OrgID == p.PledgeeOrgID
		if !pledgee && a.OrgID != p.PledgorOrgID {
			return problem.Forbidden("only the parties file a change, release or enforcement")
		}
		if fe := s.validateAmendment(&in, p); len(fe) > 0 {
			return problem.Invalid(fe...)
		}
		if in.Kind == AmendEnforcement && !pledgee {
			return problem.Forbidden("only the pledgee realises the pledge")
		}
		if p.State != StateRegistered {
			return problem.InvalidState(string(p.State), "a %s pledge cannot be amended; only a registered one", p.State)
		}
		if open, err := s.st.openAmendment(ctx, tx, p.ID); err != nil {
			return err
		} else if open {
			return problem.Conflict("amendment_open", "this pledge already has a change, release or enforcement under way")
		}
		state := AmendAwaitingConfirmation
		if pledgee && in.Kind != AmendChange {
			state = AmendSubmitted
		}
		detail, err := json.Marshal(in)
		if err != nil {
			return err
		}
		m = Amendment{PledgeID: p.ID, Kind: in.Kind, State: state, FiledByOrgID: a.OrgID, Detail: string(detail),
			Reason: in.Reason, CreatedAt: s.nowUTC()}
		if state == AmendSubmitted {
			if err := s.startDeadline(ctx, &m); err != nil {
				return err
			}
		}
		if err := s.st.insertAmendment(ctx, tx, &m); err != nil {
			return err
		}
		other := p.PledgorOrgID
		if !pledgee {
			other = p.PledgeeOrgID
		}
		if state == AmendAwaitingConfirmation {
			if err := s.notifyOrg(ctx, tx, other, "pledge.amendment_awaiting", "质押登记变更/注销待确认",
				"对方提交了质押登记（合同号 "+p.ContractNumber+"）的"+kindName[in.Kind]+"申请，请确认。", p.ID); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, a, p, "amendment_file", p.State, p.State, map[string]any{"amendment_id": m.ID, "kind": m.Kind,
			"state": m.State})
	})
	if err != nil {
		return Amendment{}, err
	}
	return s.Amendment(ctx, m.ID)
}

var kindName = map[string]string{AmendChange: "变更登记", AmendRelease: "注销登记", AmendEnforcement: "质权实现"}

func (s *Service) startDeadline(ctx context.Context, m *Amendment) error {
	today := s.today()
	n, err := s.settings.Int(ctx, KeyExaminationWorkingDays, 0, today)
	if err != nil {
		return err
	}
	d, err := s.calendar.AddWorkingDays(ctx, today, int(n))
	if err != nil {
		return err
	}
	now := s.nowUTC()
	m.SubmittedAt, m.Deadline = &now, d
	return nil
}

// Amendment returns one amendment. Visibility follows its pledge.
func (s *Service) Amendment(ctx context.Context, id int64) (Amendment, error) {
	m, err := s.st.amendment(ctx, s.db, id)
	if db.IsNoRows(err) {
		return Amendment{}, problem.NotFound("amendment")
	}
	if err != nil {
		return Amendment{}, err
	}
	return m, m.decode(s.today())
}

// AmendmentFilter selects amendments.
type AmendmentFilter struct {
	PledgeID int64
	State    string
	// OrgID limits to pledges the organisation is a party to (0: all).
	OrgID int64
}

// Amendments lists amendments, paged; submitted ones by deadline when
// filtered by state submitted (the IP office's queue).
func (s *Service) Amendments(ctx context.Context, f AmendmentFilter, r page.Request) (page.Page[Amendment], error) {
	if f.State != "" && !slices.Contains([]string{AmendAwaitingConfirmation, AmendSubmitted, AmendRegistered, AmendRefused, AmendWithdrawn}, f.State) {
		return page.Page[Amendment]{}, problem.Invalid(problem.Field("state", "unknown_state", fmt.Sprintf("unknown state %q", f.State)))
	}
	ms, err := s.st.amendments(ctx, f, r)
	if err != nil {
		return page.Page[Amendment]{}, err
	}
	today := s.today()
	for i := range ms {
		if err := ms[i].decode(today); err != nil {
			return page.Page[Amendment]{}, err
		}
	}
	return page.Of(r, ms, func(m Amendment) int64 { return m.ID }), nil
}

// amendmentFor loads an amendment and its pledge for an actor who may see
// the pledge.
func (s *Service) amendmentFor(ctx context.Context, tx *sqlx.Tx, a audit.Actor, id int64) (Amendment, Pledge, error) {
	m, err := s.st.amendment(ctx, tx, id)
	if db.IsNoRows(err) {
		return m, Pledge{}, problem.NotFound("amendment")
	}
	if err != nil {
		return m, Pledge{}, err
	}
	if err := m.decode(s.today()); err != nil {
		return m, Pledge{}, err
	}
	p, err := s.load(ctx, tx, m.PledgeID)
	if err != nil {
		return m, p, err
	}
	if !p.VisibleTo(a.OrgID, isIPOffice(a)) {
		return m, p, problem.NotFound("amendment")
	}
	return m, p, nil
}

func (s *Service) moveAmendment(ctx context.Context, tx *sqlx.Tx, m *Amendment, to string, from ...string) error {
	if !slices.Contains(from, m.State) {
		return problem.InvalidState(m.State, "a %s %s cannot become %s", m.State, m.Kind, to)
	}
	n, err := s.st.setAmendment(ctx, tx, m, to)
	if err != nil {
		return err
	}
	if n == 0 {
		cur, err := s.st.amendment(ctx, tx, m.ID)
		if err != nil {
			return err
		}
		return problem.InvalidState(cur.State, "a %s %s cannot become %s", cur.State, m.Kind, to)
	}
	m.State = to
	return nil
}

// ConfirmAmendment is the other party's confirmation: the amendment goes
// to the IP office.
func (s *Service) ConfirmAmendment(ctx context.Context, a audit.Actor, id int64) (Amendment, error) {
	return s.amend(ctx, a, id, func(tx *sqlx.Tx, m *Amendment, p Pledge) error {
		if a.OrgID == m.FiledByOrgID || (a.OrgID != p.PledgorOrgID && a.OrgID != p.PledgeeOrgID) {
			return problem.Forbidden("the other party confirms")
		}
		if err := s.startDeadline(ctx, m); err != nil {
			return err
		}
		if err := s.moveAmendment(ctx, tx, m, AmendSubmitted, AmendAwaitingConfirmation); err != nil {
			return err
		}
		return s.record(ctx, tx, a, p, "amendment_confirm", p.State, p.State, map[string]any{"amendment_id": m.ID, "kind": m.Kind})
	})
}

// WithdrawAmendment withdraws an amendment not yet decided (its filer).
func (s *Service) WithdrawAmendment(ctx context.Context, a audit.Actor, id int64) (Amendment, error) {
	return s.amend(ctx, a, id, func(tx *sqlx.Tx, m *Amendment, p Pledge) error {
		if a.OrgID != m.FiledByOrgID {
			return problem.Forbidden("only the party that filed it withdraws it")
		}
		if err := s.moveAmendment(ctx, tx, m, AmendWithdrawn, AmendAwaitingConfirmation, AmendSubmitted); err != nil {
			return err
		}
		return s.record(ctx, tx, a, p, "amendment_withdraw", p.State, p.State, map[string]any{"amendment_id": m.ID, "kind": m.Kind})
	})
}

// RefuseAmendment refuses a submitted amendment with a reason (the IP
// office); the registration stays as it was.
func (s *Service) RefuseAmendment(ctx context.Context, a audit.Actor, id int64, reason string) (Amendment, error) {
	reason = strings.TrimSpace(reason)
	if err := requireReason(reason); err != nil {
		return Amendment{}, err
	}
	return s.amend(ctx, a, id, func(tx *sqlx.Tx, m *Amendment, p Pledge) error {
		if !isIPOffice(a) {
			return problem.Forbidden("only the IP office examines")
		}
		m.DecisionReason = reason
		if err := s.moveAmendment(ctx, tx, m, AmendRefused, AmendSubmitted); err != nil {
			return err
		}
		if err := s.notifyParties(ctx, tx, p, "pledge.amendment_refused", "质押"+kindName[m.Kind]+"未予登记", reason); err != nil {
			return err
		}
		return s.record(ctx, tx, a, p, "amendment_refuse", p.State, p.State, map[string]any{"amendment_id": m.ID, "kind": m.Kind,
			"reason": reason})
	})
}

// RegisterAmendment registers a submitted amendment (the IP office): a
// change alters the registration (a deadline extended past a patent's
// expiry is refused: debt_beyond_patent_term), a release ends the
// pledge, an enforcement records its outcome and ends it.
func (s *Service) RegisterAmendment(ctx context.Context, a audit.Actor, id int64) (Amendment, error) {
	return s.amend(ctx, a, id, func(tx *sqlx.Tx, m *Amendment, p Pledge) error {
		if !isIPOffice(a) {
			return problem.Forbidden("only the IP office examines")
		}
		if m.State != AmendSubmitted {
			return problem.InvalidState(m.State, "a %s %s cannot be registered", m.State, m.Kind)
		}
		if p.State != StateRegistered {
			return problem.InvalidState(string(p.State), "the pledge is %s", p.State)
		}
		now := s.nowUTC()
		m.DecidedAt = &now
		switch m.Kind {
		case AmendChange:
			before, after, err := s.applyChange(ctx, tx, p, *m.Change)
			if err != nil {
				return err
			}
			if err := s.moveAmendment(ctx, tx, m, AmendRegistered, AmendSubmitted); err != nil {
				return err
			}
			if err := s.notifyParties(ctx, tx, p, "pledge.changed", "质押变更已登记", "质押登记（合同号 "+p.ContractNumber+"）的变更已登记。"); err != nil {
				return err
			}
			return s.record(ctx, tx, a, p, "change", p.State, p.State, map[string]any{"amendment_id": m.ID, "before": before, "after": after})
		default:
			to, action := StateReleased, "release"
			if m.Kind == AmendEnforcement {
				to, action = StateEnforced, "enforce"
			}
			if err := s.moveAmendment(ctx, tx, m, AmendRegistered, AmendSubmitted); err != nil {
				return err
			}
			if err := s.transition(ctx, tx, p, to, nil, StateRegistered); err != nil {
				return err
			}
			if err := s.setAssets(ctx, tx, p.ID, string(to)); err != nil {
				return err
			}
			if err := s.notifyParties(ctx, tx, p, "pledge."+string(to), "质押"+kindName[m.Kind]+"已登记",
				"质押登记（合同号 "+p.ContractNumber+"）的"+kindName[m.Kind]+"已登记。"); err != nil {
				return err
			}
			return s.record(ctx, tx, a, p, action, p.State, to, map[string]any{"amendment_id": m.ID, "release": m.Release,
				"enforcement": m.Enforcement})
		}
	})
}

// applyChange writes a change's particulars after checking the extended
// deadline against every pledged patent's expiry.
func (s *Service) applyChange(ctx context.Context, tx *sqlx.Tx, p Pledge, c ChangeInput) (map[string]any, map[string]any, error) {
	before, after := map[string]any{}, map[string]any{}
	if c.DebtEnd != nil {
		fs, err := s.facts(ctx, tx, p)
		if err != nil {
			return nil, nil, err
		}
		for _, f := range fs {
			if !f.Expiry.IsZero() && c.DebtEnd.After(f.Expiry) {
				return nil, nil, problem.Conflict("registration_blocked", "the extended deadline %s is after patent %s expires on %s",
					c.DebtEnd, f.Number, f.Expiry).With("blocking", []string{GroundDebtBeyondPatentTerm})
			}
		}
		before["debt_end"], after["debt_end"] = p.DebtEnd.String(), c.DebtEnd.String()
		p.DebtEnd = *c.DebtEnd
	}
	set := func(name string, cur *string, v *string) {
		if v != nil {
			before[name], after[name] = *cur, *v
			*cur = *v
		}
	}
	set("pledgor_name", &p.PledgorName, c.PledgorName)
	set("pledgor_address", &p.PledgorAddress, c.PledgorAddress)
	set("pledgee_name", &p.PledgeeName, c.PledgeeName)
	set("pledgee_address", &p.PledgeeAddress, c.PledgeeAddress)
	set("secured_claim_kind", &p.SecuredClaimKind, c.SecuredClaimKind)
	set("scope", &p.Scope, c.Scope)
	if c.SecuredAmountFen != nil {
		before["secured_amount_fen"], after["secured_amount_fen"] = p.SecuredAmountFen, *c.SecuredAmountFen
		p.SecuredAmountFen = *c.SecuredAmountFen
	}
	p.UpdatedAt = s.nowUTC()
	return before, after, s.st.updateContent(ctx, tx, &p)
}

func (s *Service) amend(ctx context.Context, a audit.Actor, id int64, fn func(tx *sqlx.Tx, m *Amendment, p Pledge) error) (Amendment, error) {
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		m, p, err := s.amendmentFor(ctx, tx, a, id)
		if err != nil {
			return err
		}
		return fn(tx, &m, p)
	})
	if err != nil {
		return Amendment{}, err
	}
	return s.Amendment(ctx, id)
}
