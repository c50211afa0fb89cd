package pledge

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/problem"
)

// Parties a transition belongs to.
type party int

const (
	partyPledgor party = iota
	partyPledgee
	partyIPOffice
)

var partyNames = map[party]string{partyPledgor: "the pledgor", partyPledgee: "the pledgee", partyIPOffice: "the IP office"}

// forParty loads a pledge for a transition by one party. Another
// organisation, which may not see the pledge, gets 404; a party acting
// out of its role gets 403.
func (s *Service) forParty(ctx context.Context, tx *sqlx.Tx, a audit.Actor, id int64, who party) (Pledge, error) {
	p, err := s.load(ctx, tx, id)
	if err != nil {
		return Pledge{}, err
	}
	if !p.VisibleTo(a.OrgID, isIPOffice(a)) {
		return Pledge{}, problem.NotFound("pledge")
	}
	ok := false
	switch who {
	case partyPledgor:
		ok = a.OrgID == p.PledgorOrgID
	case partyPledgee:
		ok = a.OrgID == p.PledgeeOrgID
	case partyIPOffice:
		ok = isIPOffice(a)
	}
	if !ok {
		return Pledge{}, problem.Forbidden("only %s may do this", partyNames[who])
	}
	return p, nil
}

// transition moves a pledge from one of the states in from to the state
// to, with a conditional update: of two concurrent transitions only one
// sees the state it expects, the other gets 409 invalid_state.
func (s *Service) transition(ctx context.Context, tx *sqlx.Tx, p Pledge, to State, set map[string]any, from ...State) error {
	allowed := false
	for _, f := range from {
		allowed = allowed || p.State == f
	}
	if !allowed {
		return invalidState(p.State, to)
	}
	n, err := s.st.setState(ctx, tx, p.ID, p.State, to, set, s.nowUTC())
	if err != nil {
		return err
	}
	if n == 0 {
		cur, err := s.st.pledge(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		return invalidState(cur.State, to)
	}
	return nil
}

func invalidState(cur, to State) error {
	return problem.InvalidState(string(cur), "a %s pledge cannot become %s", cur, to)
}

// File sends a draft to the pledgee for confirmation (the pledgor).
func (s *Service) File(ctx context.Context, a audit.Actor, id int64) (Pledge, error) {
	return s.act(ctx, a, id, partyPledgor, func(tx *sqlx.Tx, p Pledge) error {
		if err := s.transition(ctx, tx, p, StateAwaitingPledgee, nil, StateDraft); err != nil {
			return err
		}
		if err := s.notifyOrg(ctx, tx, p.PledgeeOrgID, "pledge.awaiting_pledgee", "质押登记申请待确认",
			p.PledgorName+"提交了专利权质押登记申请（合同号 "+p.ContractNumber+"），请确认或退回。", p.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, a, p, "file", p.State, StateAwaitingPledgee, nil)
	})
}

// Confirm is the pledgee's joint application: the request is complete
// and goes to the IP office, whose examination deadline starts today.
func (s *Service) Confirm(ctx context.Context, a audit.Actor, id int64) (Pledge, error) {
	return s.ConfirmWithValuation(ctx, a, id, nil)
}

// ConfirmWithValuation confirms and attaches a platform valuation: one
// made by the pledgee or the pledgor, covering exactly the pledge's
// patents.
func (s *Service) ConfirmWithValuation(ctx context.Context, a audit.Actor, id int64, valuationID *int64) (Pledge, error) {
	return s.act(ctx, a, id, partyPledgee, func(tx *sqlx.Tx, p Pledge) error {
		if valuationID != nil {
			if err := s.checkValuation(ctx, p, *valuationID); err != nil {
				return err
			}
			if err := s.st.setValuation(ctx, tx, p.ID, *valuationID); err != nil {
				return err
			}
		}
		today := s.today()
		n, err := s.settings.Int(ctx, KeyExaminationWorkingDays, 0, today)
		if err != nil {
			return err
		}
		deadline, err := s.calendar.AddWorkingDays(ctx, today, int(n))
		if err != nil {
			return err
		}
		now := s.nowUTC()
		if err := s.transition(ctx, tx, p, StateSubmitted, map[string]any{"submitted_at": now, "deadline": deadline}, StateAwaitingPledgee); err != nil {
			return err
		}
		if err := s.notifyOrg(ctx, tx, p.PledgorOrgID, "pledge.submitted", "质权人已确认质押登记申请",
			p.PledgeeName+"已确认质押登记申请（合同号 "+p.ContractNumber+"），已提交知识产权局审查，审查期限至 "+deadline.String()+"。", p.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, a, p, "confirm", p.State, StateSubmitted, map[string]any{"deadline": deadline.String()})
	})
}

// Decline is the pledgee's refusal to apply jointly, with a reason.
func (s *Service) Decline(ctx context.Context, a audit.Actor, id int64, reason string) (Pledge, error) {
	reason = strings.TrimSpace(reason)
	if err := requireReason(reason); err != nil {
		return Pledge{}, err
	}
	return s.act(ctx, a, id, partyPledgee, func(tx *sqlx.Tx, p Pledge) error {
		if err := s.transition(ctx, tx, p, StateDeclined, map[string]any{"decision_reason": reason, "decided_at": s.nowUTC()}, StateAwaitingPledgee); err != nil {
			return err
		}
		if err := s.setAssets(ctx, tx, p.ID, "declined"); err != nil {
			return err
		}
		if err := s.notifyOrg(ctx, tx, p.PledgorOrgID, "pledge.declined", "质权人退回了质押登记申请",
			p.PledgeeName+"退回了质押登记申请（合同号 "+p.ContractNumber+"）："+reason, p.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, a, p, "decline", p.State, StateDeclined, map[string]any{"reason": reason})
	})
}

// Withdraw is the pledgor's withdrawal of a request not yet decided.
func (s *Service) Withdraw(ctx context.Context, a audit.Actor, id int64, reason string) (Pledge, error) {
	reason = strings.TrimSpace(reason)
	return s.act(ctx, a, id, partyPledgor, func(tx *sqlx.Tx, p Pledge) error {
		if err := s.transition(ctx, tx, p, StateWithdrawn, map[string]any{"decision_reason": reason, "decided_at": s.nowUTC()},
			StateDraft, StateAwaitingPledgee, StateSubmitted); err != nil {
			return err
		}
		if err := s.setAssets(ctx, tx, p.ID, "withdrawn"); err != nil {
			return err
		}
		return s.record(ctx, tx, a, p, "withdraw", p.State, StateWithdrawn, map[string]any{"reason": reason})
	})
}

// act runs a transition of one party in a transaction and returns the
// pledge as it then is.
func (s *Service) act(ctx context.Context, a audit.Actor, id int64, who party, fn func(tx *sqlx.Tx, p Pledge) error) (Pledge, error) {
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		p, err := s.forParty(ctx, tx, a, id, who)
		if err != nil {
			return err
		}
		return fn(tx, p)
	})
	if err != nil {
		return Pledge{}, err
	}
	return s.Get(ctx, id)
}

func (s *Service) setAssets(ctx context.Context, tx *sqlx.Tx, pledgeID int64, state string) error {
	return s.st.setAssetStates(ctx, tx, pledgeID, state, nil)
}

func requireReason(reason string) error {
	if reason == "" {
		return problem.Invalid(problem.Field("reason", "required", "a reason is required"))
	}
	if len([]rune(reason)) > 2000 {
		return problem.Invalid(problem.Field("reason", "too_long", "reason is longer than 2000 characters"))
	}
	return nil
}

var _ = db.IsNoRows

func (s *Service) checkValuation(ctx context.Context, p Pledge, id int64) error {
	bad := func(code, msg string) error { return problem.Invalid(problem.Field("valuation_id", code, msg)) }
	if s.valuations == nil {
		return bad("unknown_valuation", "valuations are not available")
	}
	v, err := s.valuations.Get(ctx, id)
	if problem.HasCode(err, "not_found") {
		return bad("unknown_valuation", "no valuation "+strconv.FormatInt(id, 10))
	}
	if err != nil {
		return err
	}
	if v.CreatedByOrgID != p.PledgeeOrgID && v.CreatedByOrgID != p.PledgorOrgID {
		return bad("unknown_valuation", "no valuation "+strconv.FormatInt(id, 10))
	}
	var want []string
	for _, as := range p.Assets {
		if as.Kind == AssetPatent {
			want = append(want, as.Number)
		}
	}
	got := v.PatentNumbers()
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		return bad("valuation_mismatch", "the valuation covers "+strings.Join(got, ", ")+", the pledge "+strings.Join(want, ", "))
	}
	return nil
}
