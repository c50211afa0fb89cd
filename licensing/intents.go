package licensing

import (
	"context"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/notify"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
)

var intentStates = []string{IntentOpen, IntentInTalks, IntentLicensed, IntentDeclined, IntentWithdrawn}

func live(state string) bool { return state == IntentOpen || state == IntentInTalks }

// IntentInput is an enterprise's interest in a listed patent.
type IntentInput struct {
	PatentNumber string `json:"patent_number"`
	Message      string `json:"message"`
}

// CreateIntent records an enterprise's interest in a listed patent and
// puts it in the TTO's inbox (a notification and GET /licensing/intents).
// A patent not listed is 422 not_listed; a live intent of the same
// enterprise on the patent is 409 intent_exists.
func (s *Service) CreateIntent(ctx context.Context, a audit.Actor, in IntentInput) (Intent, error) {
	if err := requireRole(a, auth.RoleEnterprise, "express licensing interest"); err != nil {
		return Intent{}, err
	}
	var fe []problem.FieldError
	msg := text(&fe, "message", in.Message, true, 4000)
	if in.PatentNumber == "" {
		fe = append(fe, problem.Field("patent_number", "required", "patent_number is required"))
	}
	if len(fe) > 0 {
		return Intent{}, problem.Invalid(fe...)
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		p, err := s.patent(ctx, tx, "patent_number", in.PatentNumber)
		if err != nil {
			return err
		}
		l, err := s.st.listingByPatent(ctx, tx, p.ID)
		if db.IsNoRows(err) {
			return problem.Unprocessable("not_listed", "%s is not in the transfer pool", p.ApplicationNumber)
		}
		if err != nil {
			return err
		}
		mine, err := s.st.intents(ctx, IntentFilter{OrgID: a.OrgID}, page.Request{Limit: page.MaxLimit * 10})
		if err != nil {
			return err
		}
		for _, x := range mine {
			if x.PatentID == p.ID && x.EnterpriseOrgID == a.OrgID && live(x.State) {
				return problem.Conflict("intent_exists", "your enterprise has an intent on %s already (intent %d)", p.ApplicationNumber, x.ID)
			}
		}
		now := s.nowUTC()
		it := Intent{PatentID: p.ID, EnterpriseOrgID: a.OrgID, TTOOrgID: l.OrgID, State: IntentOpen, Message: msg,
			CreatedAt: now, UpdatedAt: now}
		if err := s.st.insertIntent(ctx, tx, &it, actorID(a)); err != nil {
			return err
		}
		id = it.ID
		name, err := s.st.orgName(ctx, tx, a.OrgID)
		if err != nil {
			return err
		}
		if err := s.notify.PostToOrg(ctx, tx, l.OrgID, notify.Notification{Kind: "licensing.intent",
			Title: fmt.Sprintf("%s 对专利 %s 有许可意向", name, p.ApplicationNumber), Body: msg,
			Link: fmt.Sprintf("/licensing/intents/%d", it.ID)}); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "intent_create", "licensing_intent", it.ID, map[string]any{"patent": p.ApplicationNumber,
			"tto_org_id": l.OrgID, "after": IntentOpen})
	})
	if err != nil {
		return Intent{}, err
	}
	return s.GetIntent(ctx, a, id)
}

// IntentFilter selects the intents of one organisation (either side).
type IntentFilter struct {
	OrgID int64
	State string
}

// Intents pages the caller's intents by id: an enterprise's own, a
// TTO's inbox. Nobody sees another organisation's.
func (s *Service) Intents(ctx context.Context, a audit.Actor, state string, r page.Request) (page.Page[Intent], error) {
	if state != "" && !slices.Contains(intentStates, state) {
		return page.Page[Intent]{}, problem.Invalid(problem.Field("state", "invalid", "unknown state "+state))
	}
	is, err := s.st.intents(ctx, IntentFilter{OrgID: a.OrgID, State: state}, r)
	if err != nil {
		return page.Page[Intent]{}, err
	}
	for i := range is {
		is[i].Messages = []Message{}
		is[i].CreatedAt, is[i].UpdatedAt = is[i].CreatedAt.UTC(), is[i].UpdatedAt.UTC()
	}
	return page.Of(r, is, func(x Intent) int64 { return x.ID }), nil
}

// GetIntent returns an intent with its messages to its two parties
// (anyone else: 404).
func (s *Service) GetIntent(ctx context.Context, a audit.Actor, id int64) (Intent, error) {
	it, err := s.st.intent(ctx, s.db, id)
	if db.IsNoRows(err) || (err == nil && it.EnterpriseOrgID != a.OrgID && it.TTOOrgID != a.OrgID) {
		return Intent{}, problem.NotFound("intent")
	}
	if err != nil {
		return Intent{}, err
	}
	if it.Messages, err = s.st.messages(ctx, s.db, id); err != nil {
		return Intent{}, err
	}
	for i := range it.Messages {
		it.Messages[i].CreatedAt = it.Messages[i].CreatedAt.UTC()
	}
	it.CreatedAt, it.UpdatedAt = it.CreatedAt.UTC(), it.UpdatedAt.UTC()
	return it, nil
}

// actIntent runs fn on a live intent the caller's organisation is a
// party to, in a transaction, then saves the intent, notifies the other
// side and audits the move.
func (s *Service) actIntent(ctx context.Context, a audit.Actor, id int64, action string, fn func(tx *sqlx.Tx, it *Intent) (string, error)) (Intent, error) {
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		it, err := s.st.intent(ctx, tx, id)
		if db.IsNoRows(err) || (err == nil && it.EnterpriseOrgID != a.OrgID && it.TTOOrgID != a.OrgID) {
			return problem.NotFound("intent")
		}
		if err != nil {
			return err
		}
		if !live(it.State) {
			return problem.InvalidState(it.State, "the intent is %s", it.State)
		}
		from := it.State
		note, err := fn(tx, &it)
		if err != nil {
			return err
		}
		it.UpdatedAt = s.nowUTC()
		if err := s.st.setIntent(ctx, tx, it); err != nil {
			return err
		}
		other := it.TTOOrgID
		if a.OrgID == it.TTOOrgID {
			other = it.EnterpriseOrgID
		}
		if err := s.notify.PostToOrg(ctx, tx, other, notify.Notification{Kind: "licensing.intent_" + action,
			Title: fmt.Sprintf("专利 %s 的许可意向：%s", it.ApplicationNumber, intentWords[it.State]), Body: note,
			Link: fmt.Sprintf("/licensing/intents/%d", it.ID)}); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "intent_"+action, "licensing_intent", it.ID, map[string]any{"before": from, "after": it.State})
	})
	if err != nil {
		return Intent{}, err
	}
	return s.GetIntent(ctx, a, id)
}

var intentWords = map[string]string{IntentOpen: "待回复", IntentInTalks: "洽谈中", IntentLicensed: "已许可", IntentDeclined: "已谢绝",
	IntentWithdrawn: "已撤回"}

// MessageInput is a message or a reason.
type MessageInput struct {
	Message string `json:"message"`
}

// Reply adds a message to a live intent; the TTO's first reply moves it
// from open to in_talks.
func (s *Service) Reply(ctx context.Context, a audit.Actor, id int64, in MessageInput) (Intent, error) {
	var fe []problem.FieldError
	body := text(&fe, "message", in.Message, true, 4000)
	if len(fe) > 0 {
		return Intent{}, problem.Invalid(fe...)
	}
	return s.actIntent(ctx, a, id, "reply", func(tx *sqlx.Tx, it *Intent) (string, error) {
		if a.OrgID == it.TTOOrgID && it.State == IntentOpen {
			it.State = IntentInTalks
		}
		m := Message{IntentID: it.ID, FromOrgID: a.OrgID, Body: body, CreatedAt: s.nowUTC()}
		return body, s.st.insertMessage(ctx, tx, &m, actorID(a))
	})
}

// Decline closes a live intent for the TTO, with a reason.
func (s *Service) Decline(ctx context.Context, a audit.Actor, id int64, in MessageInput) (Intent, error) {
	return s.closeIntent(ctx, a, id, in, auth.RoleUniversity, IntentDeclined, "decline")
}

// Withdraw closes a live intent for the enterprise, with a reason.
func (s *Service) Withdraw(ctx context.Context, a audit.Actor, id int64, in MessageInput) (Intent, error) {
	return s.closeIntent(ctx, a, id, in, auth.RoleEnterprise, IntentWithdrawn, "withdraw")
}

func (s *Service) closeIntent(ctx context.Context, a audit.Actor, id int64, in MessageInput, role, to, action string) (Intent, error) {
	if err := requireRole(a, role, action+" intents"); err != nil {
		return Intent{}, err
	}
	var fe []problem.FieldError
	reason := text(&fe, "message", in.Message, true, 2000)
	if len(fe) > 0 {
		return Intent{}, problem.Invalid(fe...)
	}
	return s.actIntent(ctx, a, id, action, func(tx *sqlx.Tx, it *Intent) (string, error) {
		it.State, it.Reason = to, reason
		return reason, nil
	})
}

// MarkLicensed records, for the TTO, the licence the talks ended in
// (the rules of a recorded licence apply: see RecordEvent) and closes the
// intent as licensed.
func (s *Service) MarkLicensed(ctx context.Context, a audit.Actor, id int64, in EventInput) (Intent, error) {
	if err := requireRole(a, auth.RoleUniversity, "record licences"); err != nil {
		return Intent{}, err
	}
	in.Kind = EventLicence
	placeholder := in.Counterparty == ""
	if placeholder {
		in.Counterparty = "-" // filled with the enterprise's name below
	}
	e, fe := checkEvent(in)
	if len(fe) > 0 {
		return Intent{}, problem.Invalid(fe...)
	}
	return s.actIntent(ctx, a, id, "licensed", func(tx *sqlx.Tx, it *Intent) (string, error) {
		if a.OrgID != it.TTOOrgID {
			return "", problem.NotFound("intent")
		}
		if err := s.registry.LockTx(ctx, tx, it.PatentID); err != nil {
			return "", err
		}
		name, err := s.st.orgName(ctx, tx, it.EnterpriseOrgID)
		if err != nil {
			return "", err
		}
		if placeholder {
			e.Counterparty = name
		}
		e.PatentID, e.LicenseeOrgID, e.IntentID = it.PatentID, &it.EnterpriseOrgID, &it.ID
		if err := s.recordLicence(ctx, tx, a, &e); err != nil {
			return "", err
		}
		it.State, it.LicenceID = IntentLicensed, &e.ID
		return fmt.Sprintf("许可已登记（%s，自 %s 起）", e.LicenceKind, e.EffectiveOn), nil
	})
}
