package settings

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
)

// Service reads and changes settings. Its registry of Defs is fixed when
// it is built.
type Service struct {
	db    *db.DB
	st    store
	audit *audit.Log
	now   func() time.Time
	defs  map[string]*def
	keys  []string // sorted
}

// lockKey serialises changes on PostgreSQL (an advisory lock id).
const lockKey = 0x6970_6c65_6467_21

// NewService returns the settings service for the given Defs (typically
// SettingDefs() of this package and of every domain). A Def that is
// malformed or declared twice is an error: it is a programming mistake
// that must stop the start.
func NewService(d *db.DB, a *audit.Log, now func() time.Time, defs ...Def) (*Service, error) {
	if now == nil {
		now = time.Now
	}
	s := &Service{db: d, st: store{d}, audit: a, now: now, defs: make(map[string]*def, len(defs))}
	for _, x := range defs {
		c, err := compile(x)
		if err != nil {
			return nil, err
		}
		if _, dup := s.defs[x.Key]; dup {
			return nil, fmt.Errorf("settings: %s is declared twice", x.Key)
		}
		s.defs[x.Key] = c
		s.keys = append(s.keys, x.Key)
	}
	sort.Strings(s.keys)
	return s, nil
}

// Defs returns the registered Defs, ordered by key.
func (s *Service) Defs() []Def {
	out := make([]Def, len(s.keys))
	for i, k := range s.keys {
		out[i] = s.defs[k].Def
	}
	return out
}

// Lookup returns the Def of key.
func (s *Service) Lookup(key string) (Def, bool) {
	d, ok := s.defs[key]
	if !ok {
		return Def{}, false
	}
	return d.Def, true
}

func (s *Service) today() date.Date { return date.Today(s.now) }

// raw returns the text of key's value in force on a day for orgID (0 for
// the platform; ignored for platform-scoped keys), checked to be of one
// of the kinds.
func (s *Service) raw(ctx context.Context, key string, orgID int64, on date.Date, kinds ...Kind) (string, *def, error) {
	d, ok := s.defs[key]
	if !ok {
		return "", nil, fmt.Errorf("settings: %s is not a registered setting", key)
	}
	kindOK := false
	for _, k := range kinds {
		kindOK = kindOK || d.Kind == k
	}
	if !kindOK {
		return "", nil, fmt.Errorf("settings: %s is a %s setting, not %s", key, d.Kind, kinds[0])
	}
	if on.IsZero() {
		return "", nil, fmt.Errorf("settings: %s read without a date", key)
	}
	if d.Scope == ScopePlatform {
		orgID = 0
	}
	r, err := s.st.inForce(ctx, s.db, key, orgID, on)
	switch {
	case db.IsNoRows(err):
		return d.Default, d, nil
	case err != nil:
		return "", nil, fmt.Errorf("settings: read %s: %w", key, err)
	}
	return r.Value, d, nil
}

// Int returns an int setting in force on a day for orgID (a bank's
// organisation for its own value of a bank-scoped key, else 0).
func (s *Service) Int(ctx context.Context, key string, orgID int64, on date.Date) (int64, error) {
	v, _, err := s.raw(ctx, key, orgID, on, KindInt)
	if err != nil {
		return 0, err
	}
	n, verr := parseInt(v)
	if verr != nil {
		return 0, fmt.Errorf("settings: stored %s %q: %s", key, v, verr.msg)
	}
	return n, nil
}

// Decimal returns a decimal or percent setting as its exact decimal text
// ("3.45"), validated; parse it exactly (math/big or a fixed-point
// type), never as a float.
func (s *Service) Decimal(ctx context.Context, key string, orgID int64, on date.Date) (string, error) {
	v, _, err := s.raw(ctx, key, orgID, on, KindDecimal, KindPercent)
	if err != nil {
		return "", err
	}
	if _, verr := parseDecimal(v); verr != nil {
		return "", fmt.Errorf("settings: stored %s %q: %s", key, v, verr.msg)
	}
	return v, nil
}

// Bool returns a bool setting.
func (s *Service) Bool(ctx context.Context, key string, orgID int64, on date.Date) (bool, error) {
	v, _, err := s.raw(ctx, key, orgID, on, KindBool)
	if err != nil {
		return false, err
	}
	b, verr := parseBool(v)
	if verr != nil {
		return false, fmt.Errorf("settings: stored %s %q: %s", key, v, verr.msg)
	}
	return b, nil
}

// String returns a string setting.
func (s *Service) String(ctx context.Context, key string, orgID int64, on date.Date) (string, error) {
	v, _, err := s.raw(ctx, key, orgID, on, KindString)
	return v, err
}

// Date returns a date setting.
func (s *Service) Date(ctx context.Context, key string, orgID int64, on date.Date) (date.Date, error) {
	v, _, err := s.raw(ctx, key, orgID, on, KindDate)
	if err != nil {
		return date.Date{}, err
	}
	t, verr := parseDate(v)
	if verr != nil {
		return date.Date{}, fmt.Errorf("settings: stored %s %q: %s", key, v, verr.msg)
	}
	return t, nil
}

// viewerOrg is the organisation whose own bank-scoped values a caller
// sees: a bank's own, nobody else's.
func viewerOrg(a audit.Actor) int64 {
	if a.Role == auth.RoleBank {
		return a.OrgID
	}
	return 0
}

// List returns every setting as the caller sees it today: platform values
// for everyone, and for a bank its own values of bank-scoped keys.
func (s *Service) List(ctx context.Context, a audit.Actor) ([]View, error) {
	org := viewerOrg(a)
	rows, err := s.st.visible(ctx, org, "")
	if err != nil {
		return nil, fmt.Errorf("settings: list: %w", err)
	}
	byKey := map[string][]Row{}
	for _, r := range rows {
		byKey[r.Key] = append(byKey[r.Key], r)
	}
	today := s.today()
	out := make([]View, 0, len(s.keys))
	for _, k := range s.keys {
		out = append(out, s.view(s.defs[k], byKey[k], org, today))
	}
	return out, nil
}

// view resolves a key's rows (ordered by org_id, effective_on, id) into
// what a viewer of org sees on a day.
func (s *Service) view(d *def, rows []Row, org int64, today date.Date) View {
	v := View{Key: d.Key, Kind: d.Kind, Scope: d.Scope, Description: d.Description, Value: d.Default,
		Default: d.Default, Source: SourceDefault, Min: d.Min, Max: d.Max, Scheduled: []Scheduled{}}
	if d.Scope == ScopePlatform {
		org = 0
	}
	var platform, own *Row
	for i := range rows {
		r := &rows[i]
		if r.OrgID != 0 && r.OrgID != org {
			continue
		}
		if r.EffectiveOn.After(today) {
			v.Scheduled = append(v.Scheduled, Scheduled{Value: r.Value, EffectiveOn: r.EffectiveOn, OrgID: r.OrgID})
			continue
		}
		if r.OrgID == 0 {
			platform = r // rows come in effect order: the last one wins
		} else {
			own = r
		}
	}
	switch {
	case own != nil:
		v.Value, v.EffectiveOn, v.Source, v.OrgID = own.Value, own.EffectiveOn, SourceBank, own.OrgID
	case platform != nil:
		v.Value, v.EffectiveOn, v.Source = platform.Value, platform.EffectiveOn, SourcePlatform
	}
	sort.SliceStable(v.Scheduled, func(i, j int) bool { return v.Scheduled[i].EffectiveOn.Before(v.Scheduled[j].EffectiveOn) })
	return v
}

// History pages through the stored changes of a key that the caller may
// see (the platform's, and a bank's own), oldest first.
func (s *Service) History(ctx context.Context, a audit.Actor, key string, r page.Request) (page.Page[Row], error) {
	d, ok := s.defs[key]
	if !ok {
		return page.Page[Row]{}, problem.NotFound("setting")
	}
	org := viewerOrg(a)
	if d.Scope == ScopePlatform {
		org = 0
	}
	rows, err := s.st.history(ctx, key, org, r)
	if err != nil {
		return page.Page[Row]{}, fmt.Errorf("settings: history %s: %w", key, err)
	}
	return page.Of(r, rows, func(x Row) int64 { return x.ID }), nil
}

// Set changes a setting from effectiveOn on (the zero date: today). The
// IP office sets platform-wide values, including the platform-wide value
// of a bank-scoped key; a bank sets its own value of a bank-scoped key;
// any other caller is refused. A change cannot take effect in the past:
// values already applied stay as they were.
func (s *Service) Set(ctx context.Context, a audit.Actor, key, value string, effectiveOn date.Date) (View, error) {
	d, ok := s.defs[key]
	if !ok {
		return View{}, problem.NotFound("setting")
	}
	var org int64
	switch {
	case a.Role == auth.RoleIPOffice:
		org = 0
	case a.Role == auth.RoleBank && d.Scope == ScopeBank:
		org = a.OrgID
	case a.Role == auth.RoleBank:
		return View{}, problem.Forbidden("%s is a platform-wide setting; only the IP office changes it", key)
	default:
		return View{}, problem.Forbidden("the role %s may not change settings", a.Role)
	}
	if a.Role == auth.RoleBank && org <= 0 {
		return View{}, errors.New("settings: a bank caller without an organisation")
	}
	today := s.today()
	if effectiveOn.IsZero() {
		effectiveOn = today
	}
	var fe []problem.FieldError
	stored, verr := d.check(value)
	if verr != nil {
		fe = append(fe, problem.Field("value", verr.code, verr.msg))
	}
	if effectiveOn.Before(today) {
		fe = append(fe, problem.Field("effective_on", "in_past",
			fmt.Sprintf("a change takes effect today (%s) or later; values already applied are not rewritten", today)))
	}
	if len(fe) > 0 {
		return View{}, problem.Invalid(fe...)
	}
	row := Row{Key: key, OrgID: org, Value: stored, EffectiveOn: effectiveOn,
		CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	if a.UserID != 0 {
		row.CreatedBy = &a.UserID
	}
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		// Serialise changes so that "before" in the audit entry is the
		// value this change really replaced (PostgreSQL; SQLite
		// serialises writers).
		if err := db.Lock(ctx, tx, lockKey); err != nil {
			return err
		}
		before := map[string]any{"value": d.Default, "source": SourceDefault}
		prev, err := s.st.inForce(ctx, tx, key, org, effectiveOn)
		switch {
		case err == nil:
			src := SourcePlatform
			if prev.OrgID != 0 {
				src = SourceBank
			}
			before = map[string]any{"value": prev.Value, "source": src, "effective_on": prev.EffectiveOn}
		case !db.IsNoRows(err):
			return err
		}
		if err := s.st.insert(ctx, tx, &row); err != nil {
			return err
		}
		objectID := key
		if org != 0 {
			objectID = fmt.Sprintf("%s@%d", key, org)
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "setting.change", ObjectType: "setting", ObjectID: objectID,
			Summary: map[string]any{"key": key, "org_id": org, "effective_on": effectiveOn,
				"before": before, "after": map[string]any{"value": stored, "effective_on": effectiveOn}}})
	})
	if err != nil {
		return View{}, err
	}
	return s.viewOf(ctx, d, org)
}

// viewOf is one key's View for a viewer of org.
func (s *Service) viewOf(ctx context.Context, d *def, org int64) (View, error) {
	rows, err := s.st.visible(ctx, org, d.Key)
	if err != nil {
		return View{}, err
	}
	return s.view(d, rows, org, s.today()), nil
}
