package pledge

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/account"
	"github.com/ipledge/ipledge/calendar"
	"github.com/ipledge/ipledge/notify"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/registry"
	"github.com/ipledge/ipledge/settings"
	"github.com/ipledge/ipledge/valuation"
	"github.com/ipledge/ipledge/whitelist"
)

// Setting keys.
const (
	KeyExaminationWorkingDays = "pledge.examination_working_days"
	KeyFeeDueAlertDays        = "pledge.fee_due_alert_days"
)

// SettingDefs are the pledge domain's business settings.
func SettingDefs() []settings.Def {
	return []settings.Def{
		{Key: KeyExaminationWorkingDays, Kind: settings.KindInt, Default: "5", Scope: settings.ScopePlatform, Min: "1", Max: "30",
			Description: "质押登记审查期限（工作日），自申请材料齐全之日起算"},
		{Key: KeyFeeDueAlertDays, Kind: settings.KindInt, Default: "30", Scope: settings.ScopePlatform, Min: "1", Max: "180",
			Description: "质押专利年费到期前提醒天数"},
	}
}

// Service is the pledge registration API.
type Service struct {
	db        *db.DB
	st        store
	audit     *audit.Log
	accounts  *account.Service
	registry  *registry.Service
	whitelist *whitelist.Service
	settings  *settings.Service
	calendar  *calendar.Service
	notify    *notify.Service
	// valuations, when set, lets the pledgee attach a valuation on
	// confirming and shows it on the pledge.
	valuations *valuation.Service
	now        func() time.Time
}

// Config wires a Service.
type Config struct {
	DB        *db.DB
	Audit     *audit.Log
	Accounts  *account.Service
	Registry  *registry.Service
	Whitelist *whitelist.Service
	Settings  *settings.Service
	Calendar  *calendar.Service
	Notify    *notify.Service
	// Valuations is optional.
	Valuations *valuation.Service
	Now        func() time.Time
}

// NewService returns the pledge service and registers it with the
// registry as the keeper of encumbrances (pledge in force, consents to
// transfers, risk alerts on legal status changes).
func NewService(c Config) *Service {
	if c.Now == nil {
		c.Now = time.Now
	}
	s := &Service{db: c.DB, st: store{c.DB}, audit: c.Audit, accounts: c.Accounts, registry: c.Registry,
		whitelist: c.Whitelist, settings: c.Settings, calendar: c.Calendar, notify: c.Notify, valuations: c.Valuations, now: c.Now}
	c.Registry.SetEncumbrances(encumbrances{s})
	return s
}

func (s *Service) nowUTC() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
func (s *Service) today() date.Date  { return date.Today(s.now) }

func actorID(a audit.Actor) *int64 {
	if a.UserID == 0 {
		return nil
	}
	return &a.UserID
}

func isIPOffice(a audit.Actor) bool { return a.Role == auth.RoleIPOffice || a.Role == "system" }

// Get returns a pledge with its assets. Visibility is the caller's check
// (Pledge.VisibleTo): the API answers 404 to other organisations.
func (s *Service) Get(ctx context.Context, id int64) (Pledge, error) {
	return s.load(ctx, s.db, id)
}

func (s *Service) load(ctx context.Context, q db.Queryer, id int64) (Pledge, error) {
	p, err := s.st.pledge(ctx, q, id)
	if db.IsNoRows(err) {
		return Pledge{}, problem.NotFound("pledge")
	}
	if err != nil {
		return Pledge{}, err
	}
	ps := []*Pledge{&p}
	return p, s.complete(ctx, q, ps)
}

// complete fills assets, refusal grounds and the overdue flag.
func (s *Service) complete(ctx context.Context, q db.Queryer, ps []*Pledge) error {
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	assets, err := s.st.assets(ctx, q, ids)
	if err != nil {
		return err
	}
	var valuationIDs []int64
	for _, p := range ps {
		if p.ValuationID != nil {
			valuationIDs = append(valuationIDs, *p.ValuationID)
		}
	}
	var valued map[int64]valuation.Summary
	if s.valuations != nil {
		if valued, err = s.valuations.Summaries(ctx, valuationIDs); err != nil {
			return err
		}
	}
	today := s.today()
	for _, p := range ps {
		p.Assets = assets[p.ID]
		for i := range p.Assets {
			p.Assets[i].Registry = registryOf[p.Assets[i].Kind]
		}
		p.RefusalGrounds = splitGrounds(p.CitedGrounds)
		p.Overdue = p.State == StateSubmitted && !p.Deadline.IsZero() && today.After(p.Deadline)
		p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
		if v, ok := valued[ptrValue(p.ValuationID)]; ok {
			p.Valuation = &ValuationSummary{ID: v.ID, TotalValueFen: v.TotalValueFen, RecommendedLoanFen: v.RecommendedLoanFen,
				SecuredAboveRecommendation: p.SecuredAmountFen > v.RecommendedLoanFen}
		}
	}
	return nil
}

// Filter selects pledges in a list.
type Filter struct {
	// OrgID limits the list to pledges the organisation is a party to
	// (0: all, for the IP office).
	OrgID int64
	State State
	// Queue orders submitted pledges by examination deadline (the IP
	// office's queue); otherwise the newest come first.
	Queue bool
}

// List returns pledges, paged.
func (s *Service) List(ctx context.Context, f Filter, r page.Request) (page.Page[Pledge], error) {
	if f.State != "" && !validState(f.State) {
		return page.Page[Pledge]{}, problem.Invalid(problem.Field("state", "unknown_state", fmt.Sprintf("unknown state %q", f.State)))
	}
	if f.Queue {
		f.State = StateSubmitted
	}
	ps, err := s.st.list(ctx, f, r)
	if err != nil {
		return page.Page[Pledge]{}, err
	}
	ptrs := make([]*Pledge, len(ps))
	for i := range ps {
		ptrs[i] = &ps[i]
	}
	if err := s.complete(ctx, s.db, ptrs); err != nil {
		return page.Page[Pledge]{}, err
	}
	key := func(p Pledge) int64 { return p.ID }
	if f.Queue {
		key = queueKey
	}
	return page.Of(r, ps, key), nil
}

// History returns a registration's events, oldest first.
func (s *Service) History(ctx context.Context, id int64, r page.Request) (page.Page[Event], error) {
	es, err := s.st.events(ctx, id, r)
	if err != nil {
		return page.Page[Event]{}, err
	}
	for i := range es {
		es[i].At = es[i].At.UTC()
	}
	return page.Of(r, es, func(e Event) int64 { return e.ID }), nil
}

func validState(st State) bool {
	for _, x := range States {
		if x == st {
			return true
		}
	}
	return false
}

// record writes a history event and the audit entry of a transition.
func (s *Service) record(ctx context.Context, tx *sqlx.Tx, a audit.Actor, p Pledge, action string, from, to State, detail map[string]any) error {
	if err := s.st.insertEvent(ctx, tx, p.ID, action, string(from), string(to), detail, actorID(a), actorName(a), s.nowUTC()); err != nil {
		return err
	}
	summary := map[string]any{"before": from, "after": to}
	for k, v := range detail {
		summary[k] = v
	}
	return s.audit.Append(ctx, tx, a, audit.Entry{Action: "pledge." + action, ObjectType: "pledge", ObjectID: fmt.Sprint(p.ID),
		Summary: summary})
}

func actorName(a audit.Actor) string {
	if a.Username != "" {
		return a.Username
	}
	return "system"
}

// ValuationVisibleTo tells whether an organisation is a party to a pledge
// a valuation is attached to (and may therefore read it).
func (s *Service) ValuationVisibleTo(ctx context.Context, valuationID, orgID int64) (bool, error) {
	return s.st.valuationParty(ctx, valuationID, orgID)
}

func ptrValue(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
