package settings_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/dbtest"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/settings"
)

const (
	keyDays = "test.review_days"
	keyRate = "test.pledge_rate"
	keyOpen = "test.open"
	keyFrom = "test.start_on"
)

func testDefs() []settings.Def {
	return append(settings.SettingDefs(),
		settings.Def{Key: keyDays, Kind: settings.KindInt, Default: "20", Scope: settings.ScopePlatform, Description: "审查时限（工作日）", Min: "1", Max: "60"},
		settings.Def{Key: keyRate, Kind: settings.KindPercent, Default: "3.45", Scope: settings.ScopeBank, Description: "质押贷款利率", Min: "0", Max: "24"},
		settings.Def{Key: keyOpen, Kind: settings.KindBool, Default: "true", Scope: settings.ScopePlatform, Description: "是否开放申报"},
		settings.Def{Key: keyFrom, Kind: settings.KindDate, Default: "2026-01-01", Scope: settings.ScopePlatform, Description: "起始日期"},
	)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func newAudit(t *testing.T, d *db.DB, now func() time.Time) *audit.Log {
	t.Helper()
	l, err := audit.New(d, audit.Keys{CurrentID: "t", ByID: map[string][]byte{"t": bytes.Repeat([]byte{7}, 32)}}, now)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// addUser inserts an organisation of kind and one user of it, returning
// an actor for that user.
func addUser(t *testing.T, d *db.DB, kind, name string) audit.Actor {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	var org, uid int64
	if err := d.GetContext(ctx, &org, d.Rebind(`INSERT INTO organisations (kind, name, created_at) VALUES (?, ?, ?) RETURNING id`), kind, name, now); err != nil {
		t.Fatal(err)
	}
	if err := d.GetContext(ctx, &uid, d.Rebind(`INSERT INTO users (org_id, username, display_name, password_hash, active, created_at, password_changed_at)
		VALUES (?, ?, ?, 'x', ?, ?, ?) RETURNING id`), org, name, name, true, now, now); err != nil {
		t.Fatal(err)
	}
	return audit.Actor{UserID: uid, Username: name, OrgID: org, Role: kind}
}

func auditCount(t *testing.T, d *db.DB, action string) int {
	t.Helper()
	var n int
	if err := d.Get(&n, d.Rebind(`SELECT COUNT(*) FROM audit_log WHERE action = ?`), action); err != nil {
		t.Fatal(err)
	}
	return n
}

func wantProblem(t *testing.T, err error, status int, field string) {
	t.Helper()
	p, ok := problem.As(err)
	if !ok || p.Status != status {
		t.Fatalf("got %v, want a %d problem", err, status)
	}
	if field != "" {
		for _, f := range p.Fields {
			if f.Field == field {
				return
			}
		}
		t.Fatalf("problem %v has no error for field %s", p, field)
	}
}

func TestDefValidation(t *testing.T) {
	ok := settings.Def{Key: "a.b", Kind: settings.KindInt, Default: "1", Scope: settings.ScopePlatform, Description: "说明"}
	cases := []struct {
		name string
		edit func(*settings.Def)
	}{
		{"bad key", func(d *settings.Def) { d.Key = "NoDots" }},
		{"bad kind", func(d *settings.Def) { d.Kind = "float" }},
		{"bad scope", func(d *settings.Def) { d.Scope = "org" }},
		{"no description", func(d *settings.Def) { d.Description = " " }},
		{"default not an int", func(d *settings.Def) { d.Default = "1.5" }},
		{"default below min", func(d *settings.Def) { d.Min = "2" }},
		{"bad bound", func(d *settings.Def) { d.Max = "ten" }},
		{"pattern on int", func(d *settings.Def) { d.Pattern = "[0-9]+" }},
		{"bounds on bool", func(d *settings.Def) { d.Kind, d.Default, d.Min = settings.KindBool, "true", "false" }},
		{"decimal default as float text", func(d *settings.Def) { d.Kind, d.Default = settings.KindDecimal, "1e3" }},
	}
	if _, err := settings.NewService(nil, nil, nil, ok); err != nil {
		t.Fatalf("valid def refused: %v", err)
	}
	for _, c := range cases {
		d := ok
		c.edit(&d)
		if _, err := settings.NewService(nil, nil, nil, d); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
	if _, err := settings.NewService(nil, nil, nil, ok, ok); err == nil {
		t.Error("duplicate key accepted")
	}
	if _, err := settings.NewService(nil, nil, nil, testDefs()...); err != nil {
		t.Fatalf("test defs: %v", err)
	}
}

func TestValuesValidatedExactly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := &clock{t: time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)}
		s, err := settings.NewService(d, newAudit(t, d, c.now), c.now, testDefs()...)
		if err != nil {
			t.Fatal(err)
		}
		ipo := addUser(t, d, "ip_office", "ipo")
		ctx := context.Background()
		cases := []struct {
			key, value string
			code       string // "" = accepted
		}{
			{keyDays, "30", ""},
			{keyDays, "0", "too_small"},
			{keyDays, "61", "too_large"},
			{keyDays, "030", "invalid"},
			{keyDays, "3.0", "invalid"},
			{keyDays, " 5", "invalid"},
			{keyDays, "99999999999999999999", "invalid"},
			{keyRate, "3.50", ""},
			{keyRate, "24", ""},
			{keyRate, "24.0000001", "too_large"},
			{keyRate, "-0.01", "too_small"},
			{keyRate, "3,45", "invalid"},
			{keyRate, "1e1", "invalid"},
			{keyRate, ".5", "invalid"},
			{keyRate, "NaN", "invalid"},
			{keyOpen, "false", ""},
			{keyOpen, "yes", "invalid"},
			{keyOpen, "FALSE", "invalid"},
			{keyFrom, "2026-02-28", ""},
			{keyFrom, "2026-02-29", "invalid"},
			{settings.KeyProvinceName, "河北省", ""},
			{settings.KeyProvinceName, "Hebei", "invalid"},
			{settings.KeyProvinceCode, "130000", ""},
			{settings.KeyProvinceCode, "130100", "invalid"},
			{settings.KeyProvinceCode, "13000", "invalid"},
		}
		for _, x := range cases {
			_, err := s.Set(ctx, ipo, x.key, x.value, date.Date{})
			if x.code == "" {
				if err != nil {
					t.Errorf("%s=%q refused: %v", x.key, x.value, err)
				}
				continue
			}
			p, ok := problem.As(err)
			if !ok || p.Status != 400 || len(p.Fields) != 1 || p.Fields[0].Field != "value" || p.Fields[0].Code != x.code {
				t.Errorf("%s=%q: got %v %+v, want 400 value %s", x.key, x.value, err, p, x.code)
			}
		}
		// Only the accepted changes were stored and audited.
		if n := auditCount(t, d, "setting.change"); n != 7 {
			t.Errorf("%d setting.change entries, want 7", n)
		}
		on := date.MustParse("2026-03-02")
		if v, err := s.Decimal(ctx, keyRate, 0, on); err != nil || v != "24" {
			t.Errorf("rate = %q, %v", v, err)
		}
		if v, err := s.Bool(ctx, keyOpen, 0, on); err != nil || v {
			t.Errorf("open = %v, %v", v, err)
		}
		if v, err := s.Date(ctx, keyFrom, 0, on); err != nil || v != date.MustParse("2026-02-28") {
			t.Errorf("start = %v, %v", v, err)
		}
		if v, err := s.String(ctx, settings.KeyProvinceCode, 0, on); err != nil || v != "130000" {
			t.Errorf("province code = %v, %v", v, err)
		}
	})
}

func TestEffectiveDatesAndBankOverrides(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// 2026-03-01 23:30 in Shanghai is still 15:30 UTC.
		c := &clock{t: time.Date(2026, 3, 1, 15, 30, 0, 0, time.UTC)}
		s, err := settings.NewService(d, newAudit(t, d, c.now), c.now, testDefs()...)
		if err != nil {
			t.Fatal(err)
		}
		ipo := addUser(t, d, "ip_office", "ipo")
		bankA := addUser(t, d, "bank", "bank-a")
		bankB := addUser(t, d, "bank", "bank-b")
		ent := addUser(t, d, "university", "tto")
		day := date.MustParse

		// Defaults before any row.
		if n, err := s.Int(ctx, keyDays, 0, day("2026-03-01")); err != nil || n != 20 {
			t.Fatalf("default days = %d, %v", n, err)
		}
		if v, err := s.String(ctx, settings.KeyProvinceName, 0, day("2026-03-01")); err != nil || v != "山西省" {
			t.Fatalf("province = %q, %v", v, err)
		}

		// A change today and one scheduled for April.
		if _, err := s.Set(ctx, ipo, keyDays, "25", date.Date{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Set(ctx, ipo, keyDays, "15", day("2026-04-01")); err != nil {
			t.Fatal(err)
		}
		for _, x := range []struct {
			on   string
			want int64
		}{{"2026-02-28", 20}, {"2026-03-01", 25}, {"2026-03-31", 25}, {"2026-04-01", 15}, {"2027-01-01", 15}} {
			if n, err := s.Int(ctx, keyDays, 0, day(x.on)); err != nil || n != x.want {
				t.Errorf("days on %s = %d, %v; want %d", x.on, n, err, x.want)
			}
		}
		// A second change for the same day wins over the first.
		if _, err := s.Set(ctx, ipo, keyDays, "16", day("2026-04-01")); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.Int(ctx, keyDays, 0, day("2026-04-01")); n != 16 {
			t.Errorf("same-day change: %d", n)
		}

		// Bank-scoped: platform value, bank A's override, bank B inherits.
		if _, err := s.Set(ctx, ipo, keyRate, "4.00", date.Date{}); err != nil {
			t.Fatal(err)
		}
		v, err := s.Set(ctx, bankA, keyRate, "3.15", date.Date{})
		if err != nil {
			t.Fatal(err)
		}
		if v.Value != "3.15" || v.Source != settings.SourceBank || v.OrgID != bankA.OrgID || v.EffectiveOn != day("2026-03-01") {
			t.Errorf("bank A's view after Set: %+v", v)
		}
		for _, x := range []struct {
			org  int64
			want string
		}{{bankA.OrgID, "3.15"}, {bankB.OrgID, "4.00"}, {0, "4.00"}} {
			if r, err := s.Decimal(ctx, keyRate, x.org, day("2026-03-01")); err != nil || r != x.want {
				t.Errorf("rate for org %d = %q, %v; want %s", x.org, r, err, x.want)
			}
			if r, _ := s.Decimal(ctx, keyRate, x.org, day("2026-02-28")); r != "3.45" {
				t.Errorf("rate for org %d before the changes = %q", x.org, r)
			}
		}
		// A platform-scoped key ignores the org id.
		if n, _ := s.Int(ctx, keyDays, bankA.OrgID, day("2026-03-01")); n != 25 {
			t.Errorf("platform key read with a bank id: %d", n)
		}

		// Who may change what.
		_, err = s.Set(ctx, bankA, keyDays, "30", date.Date{})
		wantProblem(t, err, 403, "")
		_, err = s.Set(ctx, ent, keyRate, "3.00", date.Date{})
		wantProblem(t, err, 403, "")
		_, err = s.Set(ctx, ipo, "test.nope", "1", date.Date{})
		wantProblem(t, err, 404, "")
		_, err = s.Set(ctx, ipo, keyDays, "30", day("2026-02-28"))
		wantProblem(t, err, 400, "effective_on")

		// Getters refuse misuse.
		if _, err := s.Int(ctx, keyRate, 0, day("2026-03-01")); err == nil {
			t.Error("Int of a percent setting")
		}
		if _, err := s.Int(ctx, "test.nope", 0, day("2026-03-01")); err == nil {
			t.Error("Int of an unknown key")
		}
		if _, err := s.Int(ctx, keyDays, 0, date.Date{}); err == nil {
			t.Error("Int without a date")
		}

		// Lists: each bank sees its own value, nobody sees another bank's.
		find := func(vs []settings.View, key string) settings.View {
			for _, v := range vs {
				if v.Key == key {
					return v
				}
			}
			t.Fatalf("%s not listed", key)
			return settings.View{}
		}
		for _, x := range []struct {
			who    audit.Actor
			value  string
			source string
		}{{bankA, "3.15", "bank"}, {bankB, "4.00", "platform"}, {ent, "4.00", "platform"}, {ipo, "4.00", "platform"}} {
			vs, err := s.List(ctx, x.who)
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) != len(testDefs()) {
				t.Errorf("%s sees %d settings", x.who.Username, len(vs))
			}
			r := find(vs, keyRate)
			if r.Value != x.value || r.Source != x.source || r.Default != "3.45" || r.Min != "0" || r.Max != "24" {
				t.Errorf("%s sees rate %+v", x.who.Username, r)
			}
			dd := find(vs, keyDays)
			if dd.Value != "25" || len(dd.Scheduled) != 2 || dd.Scheduled[0].EffectiveOn != day("2026-04-01") {
				t.Errorf("%s sees days %+v", x.who.Username, dd)
			}
			if p := find(vs, settings.KeyProvinceName); p.Source != "default" || !p.EffectiveOn.IsZero() || p.Value != "山西省" {
				t.Errorf("province %+v", p)
			}
		}
		hist := func(a audit.Actor) []settings.Row {
			p, err := s.History(ctx, a, keyRate, page.Request{Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			return p.Items
		}
		if h := hist(bankA); len(h) != 2 || h[1].OrgID != bankA.OrgID || h[1].CreatedBy == nil || *h[1].CreatedBy != bankA.UserID {
			t.Errorf("bank A's history %+v", h)
		}
		if h := hist(bankB); len(h) != 1 || h[0].OrgID != 0 {
			t.Errorf("bank B's history %+v", h)
		}
		if _, err := s.History(ctx, ipo, "test.nope", page.Request{Limit: 5}); !problem.HasCode(err, "not_found") {
			t.Errorf("history of unknown key: %v", err)
		}
		p, err := s.History(ctx, ipo, keyDays, page.Request{Limit: 2})
		if err != nil || len(p.Items) != 2 || p.NextCursor == "" {
			t.Fatalf("history page 1: %+v %v", p, err)
		}
		after, _ := page.Decode(p.NextCursor)
		p, err = s.History(ctx, ipo, keyDays, page.Request{After: after, Limit: 2})
		if err != nil || len(p.Items) != 1 || p.NextCursor != "" || p.Items[0].Value != "16" {
			t.Fatalf("history page 2: %+v %v", p, err)
		}

		// Every change is audited with before and after.
		if n := auditCount(t, d, "setting.change"); n != 5 {
			t.Errorf("%d setting.change entries, want 5", n)
		}
		var sum string
		if err := d.Get(&sum, d.Rebind(`SELECT summary FROM audit_log WHERE action = ? AND object_id = ?`),
			"setting.change", keyRate+"@"+strconv.FormatInt(bankA.OrgID, 10)); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(sum, `"before":{"effective_on":"2026-03-01","source":"platform","value":"4.00"}`) ||
			!strings.Contains(sum, `"after":{"effective_on":"2026-03-01","value":"3.15"}`) {
			t.Errorf("audit summary %s", sum)
		}
	})
}
