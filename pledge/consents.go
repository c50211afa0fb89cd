package pledge

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/patent"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/registry"
)

// Consent kinds: what the pledgee agrees to while the pledge is in force.
const (
	ConsentTransfer    = "transfer"
	ConsentLicence     = "licence"
	ConsentOpenLicence = "open_licence"
)

var consentKinds = []string{ConsentTransfer, ConsentLicence, ConsentOpenLicence}

// Consent is the pledgee's recorded consent to a transfer or licence of
// a pledged patent (patent law: during the pledge, transfer or licensing
// needs the pledgee's consent).
type Consent struct {
	ID           int64      `db:"id" json:"id"`
	PledgeID     int64      `db:"pledge_id" json:"pledge_id"`
	PatentNumber string     `db:"number" json:"patent_number"`
	Kind         string     `db:"kind" json:"kind"`
	Counterparty string     `db:"counterparty" json:"counterparty"`
	Note         string     `db:"note" json:"note"`
	UsedAt       *time.Time `db:"used_at" json:"used_at"`
	CreatedAt    time.Time  `db:"created_at" json:"created_at"`
}

// ConsentInput records a consent.
type ConsentInput struct {
	PatentNumber string `json:"patent_number"`
	Kind         string `json:"kind"`
	Counterparty string `json:"counterparty"`
	Note         string `json:"note"`
}

// RecordConsent records the pledgee's consent for a patent of a pledge
// in force.
func (s *Service) RecordConsent(ctx context.Context, a audit.Actor, id int64, in ConsentInput) (Consent, error) {
	var fe []problem.FieldError
	if !slices.Contains(consentKinds, in.Kind) {
		fe = append(fe, problem.Field("kind", "invalid", "kind is one of "+strings.Join(consentKinds, ", ")))
	}
	counterparty := text(&fe, "counterparty", in.Counterparty, true, 200)
	note := text(&fe, "note", in.Note, false, 2000)
	n, err := patent.Parse("patent_number", in.PatentNumber)
	if err != nil {
		pe, ok := problem.As(err)
		if !ok {
			return Consent{}, err
		}
		fe = append(fe, pe.Fields...)
	}
	if len(fe) > 0 {
		return Consent{}, problem.Invalid(fe...)
	}
	var c Consent
	_, err = s.act(ctx, a, id, partyPledgee, func(tx *sqlx.Tx, p Pledge) error {
		if p.State != StateRegistered {
			return problem.InvalidState(string(p.State), "consent is recorded on a pledge in force; this one is %s", p.State)
		}
		var patentID *int64
		for _, as := range p.Assets {
			if as.Kind == AssetPatent && as.Number == n.String() {
				patentID = as.PatentID
			}
		}
		if patentID == nil {
			return problem.Invalid(problem.Field("patent_number", "not_in_pledge", n.String()+" is not a patent of this pledge"))
		}
		c = Consent{PledgeID: p.ID, PatentNumber: n.String(), Kind: in.Kind, Counterparty: counterparty, Note: note,
			CreatedAt: s.nowUTC()}
		if err := s.st.insertConsent(ctx, tx, &c, *patentID, actorID(a)); err != nil {
			return err
		}
		return s.record(ctx, tx, a, p, "consent", p.State, p.State, map[string]any{"patent": c.PatentNumber, "kind": c.Kind,
			"counterparty": c.Counterparty, "consent_id": c.ID})
	})
	return c, err
}

// Consents lists a pledge's recorded consents.
func (s *Service) Consents(ctx context.Context, id int64) ([]Consent, error) {
	cs, err := s.st.consents(ctx, id)
	for i := range cs {
		cs[i].CreatedAt = cs[i].CreatedAt.UTC()
	}
	return cs, err
}

// ConsentGiven tells, in q, whether a patent is free of pledges in force
// or its pledgee has recorded an unused consent of that kind. The
// licensing domain asks it before recording a licence or an open licence
// declaration; use consumes the consent.
func (s *Service) ConsentGiven(ctx context.Context, tx *sqlx.Tx, patentID int64, kind string, use bool) (bool, error) {
	pl, err := s.st.pledgeInForceOn(ctx, tx, patentID)
	if db.IsNoRows(err) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	cid, err := s.st.unusedConsent(ctx, tx, pl.ID, patentID, kind)
	if db.IsNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if use {
		return true, s.st.useConsent(ctx, tx, cid, s.nowUTC())
	}
	return true, nil
}

// encumbrances is the pledge domain as the registry sees it.
type encumbrances struct{ s *Service }

func (e encumbrances) PledgeInForce(ctx context.Context, patentID int64) (registry.Pledge, error) {
	since, err := e.s.st.inForceSince(ctx, patentID)
	if db.IsNoRows(err) {
		return registry.Pledge{}, nil
	}
	if err != nil {
		return registry.Pledge{}, err
	}
	return registry.Pledge{InForce: true, Since: since}, nil
}

func (e encumbrances) CheckTransfer(ctx context.Context, tx *sqlx.Tx, patentID int64) error {
	ok, err := e.s.ConsentGiven(ctx, tx, patentID, ConsentTransfer, true)
	if err != nil {
		return err
	}
	if !ok {
		return problem.Conflict("pledgee_consent_required",
			"the patent is in a pledge in force: a transfer is recorded only with the pledgee's recorded consent")
	}
	return nil
}

func (e encumbrances) LegalStatusChanged(ctx context.Context, tx *sqlx.Tx, a audit.Actor, p registry.Patent, from registry.Status) error {
	return e.s.legalStatusChanged(ctx, tx, a, p, from)
}

var _ = fmt.Sprint
