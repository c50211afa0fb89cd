package pledge

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/registry"
)

// Examination is what the examiner sees: every ground, computed.
type Examination struct {
	PledgeID int64     `json:"pledge_id"`
	State    State     `json:"state"`
	Deadline date.Date `json:"deadline"`
	Overdue  bool      `json:"overdue"`
	Grounds  []Ground  `json:"grounds"`
	// Blocking are the codes that stop registration now.
	Blocking []string `json:"blocking"`
	// Warnings apply but do not block (the forfeiture clause).
	Warnings       []string  `json:"warnings"`
	CanRegister    bool      `json:"can_register"`
	ExaminedOnDate date.Date `json:"examined_on"`
}

// GroundOther lets the examiner refuse for a reason no computed ground
// covers (for example, the uploaded contract does not match the request);
// the reason then says what it is.
const GroundOther = "other"

var groundCodes = []string{GroundPledgorNotPatentee, GroundPatentNotInForce, GroundNotGranted, GroundAnnualFeeUnpaid,
	GroundOwnershipDispute, GroundDebtBeyondPatentTerm, GroundContractIncomplete, GroundCoOwnerConsentMissing,
	GroundAlreadyPledged, GroundSameDayDualFiling, GroundInvalidationPending, GroundOther}

// facts reads what the registry says of the pledge's patents, in q.
func (s *Service) facts(ctx context.Context, q db.Queryer, p Pledge) ([]PatentFacts, error) {
	var out []PatentFacts
	for _, as := range p.Assets {
		if as.Kind != AssetPatent {
			continue
		}
		rec, err := s.registry.LookupIDTx(ctx, q, *as.PatentID)
		if err != nil {
			return nil, err
		}
		f := PatentFacts{Number: rec.ApplicationNumber, Status: rec.LegalStatus, Granted: !rec.GrantDate.IsZero(),
			Expiry: rec.ExpiryDate, FeePaidUntil: rec.FeePaidUntil, Patentees: len(rec.Patentees)}
		for _, h := range rec.Patentees {
			if h.OrgID != nil {
				f.PatenteeOrgIDs = append(f.PatenteeOrgIDs, *h.OrgID)
			}
		}
		other, err := s.st.inForceElsewhere(ctx, q, rec.ID, p.ID)
		if err != nil {
			return nil, err
		}
		f.PledgedInForce = other
		out = append(out, f)
	}
	return out, nil
}

func requestOf(p Pledge) Request {
	return Request{PledgorOrgID: p.PledgorOrgID, AllCoOwnersConsent: p.AllCoOwnersConsent, SpecialAgreement: p.SpecialAgreement,
		ConfirmedDualFiling: p.ConfirmedDualFiling, ConfirmedInvalidation: p.ConfirmedInvalidation, ForfeitureClause: p.ForfeitureClause,
		Contract: Contract{PledgorName: p.PledgorName, PledgorAddress: p.PledgorAddress, PledgeeName: p.PledgeeName,
			PledgeeAddress: p.PledgeeAddress, SecuredClaimKind: p.SecuredClaimKind, SecuredAmountFen: p.SecuredAmountFen,
			DebtStart: p.DebtStart, DebtEnd: p.DebtEnd, Scope: p.Scope, PatentsListed: len(p.Assets) > 0 && p.ContractNumber != ""}}
}

func (s *Service) examine(ctx context.Context, q db.Queryer, p Pledge) (Examination, error) {
	fs, err := s.facts(ctx, q, p)
	if err != nil {
		return Examination{}, err
	}
	today := s.today()
	gs := Examine(requestOf(p), fs, today)
	e := Examination{PledgeID: p.ID, State: p.State, Deadline: p.Deadline, Overdue: p.Overdue, Grounds: gs,
		Blocking: []string{}, Warnings: []string{}, ExaminedOnDate: today}
	for _, g := range gs {
		switch {
		case g.Blocks() && !slices.Contains(e.Blocking, g.Code):
			e.Blocking = append(e.Blocking, g.Code)
		case g.Applies && g.Kind == Warn:
			e.Warnings = append(e.Warnings, g.Code)
		}
	}
	e.CanRegister = p.State == StateSubmitted && len(e.Blocking) == 0
	return e, nil
}

// Examine computes the grounds of a pledge as the registry stands today.
func (s *Service) Examine(ctx context.Context, id int64) (Examination, error) {
	p, err := s.Get(ctx, id)
	if err != nil {
		return Examination{}, err
	}
	return s.examine(ctx, s.db, p)
}

// Register registers a submitted pledge (the IP office): each patent gets
// a registration number and the pledge is in force from today. It is
// refused while a blocking ground stands; a patent already in a pledge in
// force is 409 already_pledged — also when a concurrent registration of
// the same patent commits first, which the unique index
// pledge_assets_in_force detects — and the request stays submitted.
func (s *Service) Register(ctx context.Context, a audit.Actor, id int64) (Pledge, error) {
	p, err := s.act(ctx, a, id, partyIPOffice, func(tx *sqlx.Tx, p Pledge) error {
		if p.State != StateSubmitted {
			return invalidState(p.State, StateRegistered)
		}
		// Lock the patents, in id order: a racing registration of the
		// same patent, or a transfer of it, waits here and then sees this
		// one's outcome.
		var ids []int64
		for _, as := range p.Assets {
			if as.PatentID != nil {
				ids = append(ids, *as.PatentID)
			}
		}
		slices.Sort(ids)
		for _, id := range ids {
			if err := s.registry.LockTx(ctx, tx, id); err != nil {
				return err
			}
		}
		e, err := s.examine(ctx, tx, p)
		if err != nil {
			return err
		}
		if slices.Contains(e.Blocking, GroundAlreadyPledged) {
			return alreadyPledged()
		}
		if len(e.Blocking) > 0 {
			return problem.Conflict("registration_blocked", "registration is blocked by %s; refuse the request citing them",
				strings.Join(e.Blocking, ", ")).With("blocking", e.Blocking)
		}
		today := s.today()
		// The assets first: the unique index is where a racing
		// registration of the same patent waits and then fails, before
		// this transaction takes the serial or the audit lock.
		if err := s.st.setAssetStates(ctx, tx, p.ID, AssetRegistered, &today); err != nil {
			if db.IsUniqueViolation(err) {
				return alreadyPledged()
			}
			return err
		}
		if err := s.transition(ctx, tx, p, StateRegistered, map[string]any{"decided_at": s.nowUTC()}, StateSubmitted); err != nil {
			return err
		}
		numbers := map[string]string{}
		for _, as := range p.Assets {
			if as.Kind != AssetPatent {
				continue
			}
			serial, err := s.st.nextSerial(ctx, tx, today.Y)
			if err != nil {
				return err
			}
			no := fmt.Sprintf("%d990%06d", today.Y, serial)
			if err := s.st.setRegistrationNumber(ctx, tx, as.ID, no); err != nil {
				return err
			}
			numbers[as.Number] = no
		}
		if err := s.notifyParties(ctx, tx, p, "pledge.registered", "专利权质押已登记",
			"专利权质押登记申请（合同号 "+p.ContractNumber+"）已准予登记，质权自登记之日 "+today.String()+" 起设立。"); err != nil {
			return err
		}
		return s.record(ctx, tx, a, p, "register", p.State, StateRegistered, map[string]any{"registration_numbers": numbers,
			"warnings": e.Warnings})
	})
	return p, err
}

func alreadyPledged() error {
	return problem.Conflict(GroundAlreadyPledged, "a patent of this request is already in a pledge in force; refuse the request citing %s",
		GroundAlreadyPledged)
}

// Refuse refuses a submitted pledge citing grounds (codes of the refusal
// table, or "other") and a reason. A cited ground must apply: the refusal
// notice states the grounds the request actually meets.
func (s *Service) Refuse(ctx context.Context, a audit.Actor, id int64, grounds []string, reason string) (Pledge, error) {
	reason = strings.TrimSpace(reason)
	var fe []problem.FieldError
	if len(grounds) == 0 {
		fe = append(fe, problem.Field("grounds", "required", "cite at least one ground"))
	}
	for i, g := range grounds {
		if !slices.Contains(groundCodes, g) {
			fe = append(fe, problem.Field(fmt.Sprintf("grounds[%d]", i), "unknown_ground", fmt.Sprintf("%q is not a refusal ground", g)))
		}
	}
	if err := requireReason(reason); err != nil {
		p, _ := problem.As(err)
		fe = append(fe, p.Fields...)
	}
	if len(fe) > 0 {
		return Pledge{}, problem.Invalid(fe...)
	}
	return s.act(ctx, a, id, partyIPOffice, func(tx *sqlx.Tx, p Pledge) error {
		if p.State != StateSubmitted {
			return invalidState(p.State, StateRefused)
		}
		e, err := s.examine(ctx, tx, p)
		if err != nil {
			return err
		}
		for _, g := range grounds {
			if g != GroundOther && !applies(e.Grounds, g) {
				return problem.Conflict("ground_not_applicable", "ground %s does not apply to this request", g).With("ground", g)
			}
		}
		if err := s.transition(ctx, tx, p, StateRefused, map[string]any{"decided_at": s.nowUTC(), "decision_reason": reason,
			"cited_grounds": strings.Join(grounds, ",")}, StateSubmitted); err != nil {
			return err
		}
		if err := s.setAssets(ctx, tx, p.ID, "refused"); err != nil {
			return err
		}
		if err := s.notifyParties(ctx, tx, p, "pledge.refused", "专利权质押登记未予登记",
			"专利权质押登记申请（合同号 "+p.ContractNumber+"）不予登记："+reason); err != nil {
			return err
		}
		return s.record(ctx, tx, a, p, "refuse", p.State, StateRefused, map[string]any{"grounds": grounds, "reason": reason})
	})
}

func applies(gs []Ground, code string) bool {
	for _, g := range gs {
		if g.Code == code && g.Applies {
			return true
		}
	}
	return false
}

// Revoke revokes a wrongful registration (the IP office, with a reason).
// The patents are free again.
func (s *Service) Revoke(ctx context.Context, a audit.Actor, id int64, reason string) (Pledge, error) {
	reason = strings.TrimSpace(reason)
	if err := requireReason(reason); err != nil {
		return Pledge{}, err
	}
	return s.act(ctx, a, id, partyIPOffice, func(tx *sqlx.Tx, p Pledge) error {
		if err := s.transition(ctx, tx, p, StateRevoked, map[string]any{"decision_reason": reason}, StateRegistered); err != nil {
			return err
		}
		if err := s.setAssets(ctx, tx, p.ID, "revoked"); err != nil {
			return err
		}
		if err := s.notifyParties(ctx, tx, p, "pledge.revoked", "专利权质押登记已撤销",
			"专利权质押登记（合同号 "+p.ContractNumber+"）因登记错误已被撤销："+reason); err != nil {
			return err
		}
		return s.record(ctx, tx, a, p, "revoke", p.State, StateRevoked, map[string]any{"reason": reason})
	})
}

// RecordExternalRegistration enters the pledge registration number a
// trademark's or copyright's own registry issued (the IP office, once
// the pledge is submitted or registered).
func (s *Service) RecordExternalRegistration(ctx context.Context, a audit.Actor, id, assetID int64, number string, on date.Date) (Pledge, error) {
	number = strings.TrimSpace(number)
	var fe []problem.FieldError
	if number == "" || len([]rune(number)) > 50 {
		fe = append(fe, problem.Field("registration_number", "required", "registration_number (at most 50 characters) is required"))
	}
	if on.IsZero() {
		fe = append(fe, problem.Field("registered_on", "required", "registered_on is required"))
	} else if on.After(s.today()) {
		fe = append(fe, problem.Field("registered_on", "in_future", "registered_on cannot be after today"))
	}
	if len(fe) > 0 {
		return Pledge{}, problem.Invalid(fe...)
	}
	return s.act(ctx, a, id, partyIPOffice, func(tx *sqlx.Tx, p Pledge) error {
		var as *Asset
		for i := range p.Assets {
			if p.Assets[i].ID == assetID {
				as = &p.Assets[i]
			}
		}
		if as == nil {
			return problem.NotFound("asset")
		}
		if as.Kind == AssetPatent {
			return problem.Conflict("examined_here", "a patent's pledge is registered by examination here, not entered")
		}
		if p.State != StateSubmitted && p.State != StateRegistered {
			return invalidState(p.State, StateRegistered)
		}
		if err := s.st.setExternalRegistration(ctx, tx, as.ID, number, on); err != nil {
			return err
		}
		return s.record(ctx, tx, a, p, "external_registration", p.State, p.State, map[string]any{"asset": as.Number,
			"kind": as.Kind, "registration_number": number})
	})
}

var _ = registry.StatusValid
