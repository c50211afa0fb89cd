package licensing

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/account"
	"github.com/ipledge/ipledge/notify"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/pledge"
	"github.com/ipledge/ipledge/registry"
	"github.com/ipledge/ipledge/settings"
)

// Setting keys.
const (
	KeyDormantYears       = "licensing.dormant_years"
	KeyDormantYearsFunded = "licensing.dormant_years_funded"
	KeyAbandonAfterDays   = "licensing.abandon_after_days"
	KeyPaymentDueDays     = "licensing.payment_due_days"
)

// SettingDefs are the licensing domain's business settings.
func SettingDefs() []settings.Def {
	return []settings.Def{
		{Key: KeyDormantYears, Kind: settings.KindInt, Default: "3", Scope: settings.ScopePlatform, Min: "1", Max: "20",
			Description: "沉睡专利认定年限：授权满且近该年数内无许可、转让、质押或自行实施记录"},
		{Key: KeyDormantYearsFunded, Kind: settings.KindInt, Default: "5", Scope: settings.ScopePlatform, Min: "1", Max: "20",
			Description: "政府资助项目专利的沉睡认定年限"},
		{Key: KeyAbandonAfterDays, Kind: settings.KindInt, Default: "365", Scope: settings.ScopePlatform, Min: "1", Max: "3650",
			Description: "评为“无转化前景”且无企业反馈满该天数的专利，列入放弃建议报告"},
		{Key: KeyPaymentDueDays, Kind: settings.KindInt, Default: "30", Scope: settings.ScopePlatform, Min: "1", Max: "365",
			Description: "开放许可实施后，一次性费用或入门费的付款期限（天）"},
	}
}

// Service is the licensing API.
type Service struct {
	db       *db.DB
	st       store
	audit    *audit.Log
	accounts *account.Service
	registry *registry.Service
	pledges  *pledge.Service
	settings *settings.Service
	notify   *notify.Service
	now      func() time.Time
}

// Config wires a Service.
type Config struct {
	DB       *db.DB
	Audit    *audit.Log
	Accounts *account.Service
	Registry *registry.Service
	Pledges  *pledge.Service
	Settings *settings.Service
	Notify   *notify.Service
	Now      func() time.Time
}

// NewService returns the licensing service.
func NewService(c Config) *Service {
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Service{db: c.DB, st: store{c.DB}, audit: c.Audit, accounts: c.Accounts, registry: c.Registry, pledges: c.Pledges,
		settings: c.Settings, notify: c.Notify, now: c.Now}
}

func (s *Service) nowUTC() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
func (s *Service) today() date.Date  { return date.Today(s.now) }

func actorID(a audit.Actor) *int64 {
	if a.UserID == 0 {
		return nil
	}
	return &a.UserID
}

// record writes the audit entry of a change.
func (s *Service) record(ctx context.Context, tx *sqlx.Tx, a audit.Actor, action, objectType string, id int64, summary map[string]any) error {
	return s.audit.Append(ctx, tx, a, audit.Entry{Action: "licensing." + action, ObjectType: objectType,
		ObjectID: fmt.Sprint(id), Summary: summary})
}

func requireRole(a audit.Actor, role, what string) error {
	if a.Role != role && a.Role != "system" {
		return problem.Forbidden("only %s users may %s", role, what)
	}
	return nil
}

// text trims a text field and checks it is present (when required) and
// not longer than max characters.
func text(fe *[]problem.FieldError, field, v string, required bool, max int) string {
	v = strings.TrimSpace(v)
	switch {
	case required && v == "":
		*fe = append(*fe, problem.Field(field, "required", field+" is required"))
	case utf8.RuneCountInString(v) > max:
		*fe = append(*fe, problem.Field(field, "too_long", fmt.Sprintf("%s is longer than %d characters", field, max)))
	}
	return v
}

// patent resolves an application number (400 invalid_patent_number, 404
// when the registry does not hold it).
func (s *Service) patent(ctx context.Context, q db.Queryer, field, number string) (registry.Patent, error) {
	if strings.TrimSpace(number) == "" {
		return registry.Patent{}, problem.Invalid(problem.Field(field, "required", field+" is required"))
	}
	n, err := registry.ParseNumber(field, number)
	if err != nil {
		return registry.Patent{}, err
	}
	p, err := s.registry.LookupTx(ctx, q, n.String())
	if db.IsNoRows(err) {
		return registry.Patent{}, problem.NotFound("patent")
	}
	return p, err
}

// holds reports whether the organisation is a patentee of p.
func holds(p registry.Patent, orgID int64) bool {
	for _, h := range p.Patentees {
		if h.OrgID != nil && *h.OrgID == orgID {
			return true
		}
	}
	return false
}

// Status returns a listed patent's dormancy and screening status (404
// for a patent that is not listed).
func (s *Service) Status(ctx context.Context, patentID int64) (Status, error) {
	st, err := s.st.status(ctx, s.db, patentID)
	if db.IsNoRows(err) {
		return Status{}, problem.NotFound("listing")
	}
	return st, err
}

// RefreshAll recomputes every listed patent's status, each in a
// transaction of its own; it returns how many it refreshed. app.Run calls
// it daily, since dormancy depends on the date.
func (s *Service) RefreshAll(ctx context.Context) (int, error) {
	ids, err := s.st.listedPatents(ctx)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := s.db.InTx(ctx, func(tx *sqlx.Tx) error { return s.refresh(ctx, tx, id) }); err != nil {
			return 0, fmt.Errorf("licensing: refresh patent %d: %w", id, err)
		}
	}
	return len(ids), nil
}

// refresh rewrites a listed patent's status in tx (nothing for a patent
// that is not listed).
func (s *Service) refresh(ctx context.Context, tx *sqlx.Tx, patentID int64) error {
	listed, err := s.st.isListed(ctx, tx, patentID)
	if err != nil || !listed {
		return err
	}
	st, err := s.compute(ctx, tx, patentID)
	if err != nil {
		return err
	}
	st.UpdatedAt = s.nowUTC()
	return s.st.putStatus(ctx, tx, st)
}
