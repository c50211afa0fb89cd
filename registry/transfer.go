package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/patent"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
)

// TransferInput is a transfer of a patent as the IP office records it.
type TransferInput struct {
	// Patentees are the new patentees, replacing the held ones (checked
	// as when registering).
	Patentees []Patentee `json:"patentees"`
	// EffectiveDate is the day the transfer took effect (not before the
	// filing date, not after today).
	EffectiveDate date.Date `json:"effective_date"`
	// RegistrationNumber is the number the IP office gave the transfer's
	// registration (著录项目变更).
	RegistrationNumber string `json:"registration_number"`
	// Reason and Evidence are free text (the kind of transfer — sale,
	// merger, inheritance, a court ruling, a realised pledge — and what
	// proves it).
	Reason   string `json:"reason"`
	Evidence string `json:"evidence"`
}

// RecordTransfer records a transfer of a patent to new patentees (IP
// office only): 404 for a number the registry does not hold; 400
// validation_failed for bad input or patentees that do not change; 409
// pledgee_consent_required (from the pledge domain) when a pledge is in
// force on the patent and its pledgee has not consented. The patentees are
// replaced and the transfer is history (Transfers) and audit
// (patent.transfer), all in one transaction; a refusal stores nothing.
func (s *Service) RecordTransfer(ctx context.Context, a audit.Actor, number string, in TransferInput) (Patent, error) {
	if err := requireIPOffice(a); err != nil {
		return Patent{}, err
	}
	n, err := patent.Parse("number", number)
	if err != nil {
		return Patent{}, err
	}
	t := Transfer{EffectiveDate: in.EffectiveDate, RegistrationNumber: strings.TrimSpace(in.RegistrationNumber),
		Reason: strings.TrimSpace(in.Reason), Evidence: strings.TrimSpace(in.Evidence), Actor: actorName(a)}
	var id int64
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		p, err := s.st.patentByNumber(ctx, tx, n.String())
		if db.IsNoRows(err) {
			return problem.NotFound("patent")
		}
		if err != nil {
			return err
		}
		id = p.ID
		if err := s.fill(ctx, tx, []*Patent{&p}); err != nil {
			return err
		}
		to, fe, err := s.checkPatentees(ctx, tx, in.Patentees)
		if err != nil {
			return err
		}
		switch {
		case t.EffectiveDate.IsZero():
			fe = append(fe, problem.Field("effective_date", "required", "the date the transfer took effect is required"))
		case t.EffectiveDate.Before(p.FilingDate):
			fe = append(fe, problem.Field("effective_date", "before_filing", "a transfer cannot take effect before the filing date"))
		case t.EffectiveDate.After(date.Today(s.now)):
			fe = append(fe, problem.Field("effective_date", "future", "a transfer is recorded once it has taken effect"))
		}
		if t.RegistrationNumber == "" {
			fe = append(fe, problem.Field("registration_number", "required", "the transfer's registration number is required"))
		}
		tooLong(&fe, "registration_number", t.RegistrationNumber, 100)
		tooLong(&fe, "reason", t.Reason, 2000)
		tooLong(&fe, "evidence", t.Evidence, 4000)
		if len(fe) == 0 && samePatentees(p.Patentees, to) {
			fe = append(fe, problem.Field("patentees", "unchanged", "the patent is held by these patentees already"))
		}
		if len(fe) > 0 {
			return problem.Invalid(fe...)
		}
		now := s.nowUTC()
		// The row lock first, then the pledge domain's check: a pledge
		// registered concurrently waits for the transfer, or the transfer
		// for it.
		if err := s.st.touchPatent(ctx, tx, p.ID, now); err != nil {
			return err
		}
		if err := s.encumbrances().CheckTransfer(ctx, tx, p.ID); err != nil {
			return err
		}
		if err := s.st.replacePatentees(ctx, tx, p.ID, to); err != nil {
			return err
		}
		t.From, t.To, t.At = p.Patentees, to, now
		if t.FromJSON, err = patenteesJSON(t.From); err != nil {
			return err
		}
		if t.ToJSON, err = patenteesJSON(t.To); err != nil {
			return err
		}
		if err := s.st.insertTransfer(ctx, tx, p.ID, &t, actorID(a)); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "patent.transfer", ObjectType: "patent", ObjectID: p.ApplicationNumber,
			Summary: map[string]any{"transfer": t.ID, "from": patenteeNames(t.From), "to": patenteeNames(t.To),
				"effective_date": t.EffectiveDate, "registration_number": t.RegistrationNumber, "reason": t.Reason}})
	})
	if err != nil {
		return Patent{}, err
	}
	return s.byID(ctx, id)
}

// Transfers pages a patent's recorded transfers, oldest first.
func (s *Service) Transfers(ctx context.Context, number string, r page.Request) (page.Page[Transfer], error) {
	p, err := s.Get(ctx, number)
	if err != nil {
		return page.Page[Transfer]{}, err
	}
	ts, err := s.st.transfers(ctx, p.ID, r)
	if err != nil {
		return page.Page[Transfer]{}, err
	}
	for i := range ts {
		if err := json.Unmarshal([]byte(ts[i].FromJSON), &ts[i].From); err != nil {
			return page.Page[Transfer]{}, fmt.Errorf("transfer %d: %w", ts[i].ID, err)
		}
		if err := json.Unmarshal([]byte(ts[i].ToJSON), &ts[i].To); err != nil {
			return page.Page[Transfer]{}, fmt.Errorf("transfer %d: %w", ts[i].ID, err)
		}
	}
	return page.Of(r, ts, func(t Transfer) int64 { return t.ID }), nil
}

func patenteesJSON(ps []Patentee) (string, error) {
	if ps == nil {
		ps = []Patentee{}
	}
	b, err := json.Marshal(ps)
	return string(b), err
}

func patenteeNames(ps []Patentee) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

// samePatentees reports whether two lists name the same holders with the
// same shares, in the same order.
func samePatentees(a, b []Patentee) bool {
	return slices.EqualFunc(a, b, func(x, y Patentee) bool {
		return x.Name == y.Name && eqPtr(x.OrgID, y.OrgID) && eqPtr(x.ShareBP, y.ShareBP)
	})
}

func eqPtr[T comparable](a, b *T) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}
