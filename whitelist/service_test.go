package whitelist_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ipledge/ipledge/calendar"
	"github.com/ipledge/ipledge/notify"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/cache"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/dbtest"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/settings"
	"github.com/ipledge/ipledge/uscc"
	"github.com/ipledge/ipledge/whitelist"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) setDay(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = date.MustParse(s).Time().Add(10 * time.Hour)
}

type fixture struct {
	svc   *whitelist.Service
	db    *db.DB
	clock *clock
	cache cache.Cache
}

var (
	bureau   = audit.Actor{UserID: 3, Username: "bureau", OrgID: 3, Role: auth.RoleEconBureau}
	ipoffice = audit.Actor{UserID: 1, Username: "ipoffice", OrgID: 2, Role: auth.RoleIPOffice}
)

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	c := &clock{}
	c.setDay("2026-03-02") // a Monday
	log, err := audit.New(d, audit.Keys{CurrentID: "k", ByID: map[string][]byte{"k": make([]byte, 32)}}, c.now)
	if err != nil {
		t.Fatal(err)
	}
	set, err := settings.NewService(d, log, c.now, append(settings.SettingDefs(), whitelist.SettingDefs()...)...)
	if err != nil {
		t.Fatal(err)
	}
	cal := calendar.NewService(d, log, c.now)
	y := calendar.Official2026()
	if _, err := cal.SetYear(context.Background(), audit.System("test"), 2026, y.Entries, false); err != nil {
		t.Fatal(err)
	}
	mc := cache.NewMemory(1000, c.now)
	svc := whitelist.NewService(whitelist.Config{DB: d, Audit: log, Settings: set, Calendar: cal,
		Notify: notify.NewService(d, log, c.now), Cache: mc, Now: c.now})
	return &fixture{svc: svc, db: d, clock: c, cache: mc}
}

// code makes a valid USCC from a serial number.
func code(i int) string {
	first := fmt.Sprintf("91140100MA%07d", i)
	// Map digits only: all are in the alphabet.
	return first + string(uscc.CheckCharacter(first))
}

func (f *fixture) nominate(t *testing.T, c string, patents int) whitelist.Nomination {
	t.Helper()
	n, err := f.svc.Nominate(context.Background(), bureau, "", whitelist.NominationInput{
		USCC: c, Name: "企业" + c[10:], BureauDocNo: "晋民经认〔2026〕1号", ValidInventionPatents: patents})
	if err != nil {
		t.Fatalf("nominate %s: %v", c, err)
	}
	return n
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if !problem.HasCode(err, code) {
		t.Fatalf("want %s, got %v", code, err)
	}
}

func status(t *testing.T, f *fixture, c string) whitelist.StatusResult {
	t.Helper()
	r, err := f.svc.Status(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestLifecycleFromNominationToExpiry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		c := code(1)
		if s := status(t, f, c); s.Status != whitelist.StatusNotListed {
			t.Fatalf("unknown firm: %s", s.Status)
		}
		n := f.nominate(t, c, 2)
		if !n.Priority || n.Source != whitelist.SourceBureau {
			t.Fatalf("bureau nomination not priority: %+v", n)
		}
		if s := status(t, f, c); s.Status != whitelist.StatusPending {
			t.Fatalf("after nomination: %s (a cached not_listed must have been dropped)", s.Status)
		}
		_, err := f.svc.Nominate(ctx, bureau, "", whitelist.NominationInput{USCC: c, Name: "x", BureauDocNo: "1"})
		wantCode(t, err, "nomination_open")

		b, err := f.svc.CreateBatch(ctx, ipoffice, "2026年第1批")
		if err != nil {
			t.Fatal(err)
		}
		e, err := f.svc.Accept(ctx, ipoffice, n.ID, b.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Accept(ctx, ipoffice, n.ID, b.ID, "")
		wantCode(t, err, "invalid_state")
		_, err = f.svc.Publish(ctx, ipoffice, b.ID, date.Date{}, date.Date{})
		wantCode(t, err, "invalid_state") // not noticed yet

		// Public notice: 5 working days from Monday 2026-03-02 end on Friday 03-06.
		b, err = f.svc.StartNotice(ctx, ipoffice, b.ID, date.Date{})
		if err != nil {
			t.Fatal(err)
		}
		if b.NoticeEnd != date.MustParse("2026-03-06") {
			t.Fatalf("notice ends %s", b.NoticeEnd)
		}
		if s := status(t, f, c); s.Status != whitelist.StatusPending || s.Batch != "2026年第1批" {
			t.Fatalf("under notice: %+v", s)
		}
		_, err = f.svc.Publish(ctx, ipoffice, b.ID, date.Date{}, date.Date{})
		wantCode(t, err, "notice_not_over")

		f.clock.setDay("2026-03-09")
		b, err = f.svc.Publish(ctx, ipoffice, b.ID, date.MustParse("2026-03-10"), date.Date{})
		if err != nil {
			t.Fatal(err)
		}
		if b.ValidUntil != date.MustParse("2027-03-09") {
			t.Fatalf("valid until %s, want one year less a day", b.ValidUntil)
		}
		if s := status(t, f, c); s.Status != whitelist.StatusPending {
			t.Fatalf("published, not yet effective: %s", s.Status)
		}
		f.clock.setDay("2026-03-10")
		if s := status(t, f, c); s.Status != whitelist.StatusActive || s.EffectiveOn != date.MustParse("2026-03-10") {
			t.Fatalf("effective day (a cached pending must not outlive its boundary): %+v", s)
		}

		_, err = f.svc.Suspend(ctx, ipoffice, e.ID, "")
		wantCode(t, err, "validation_failed")
		if _, err := f.svc.Suspend(ctx, ipoffice, e.ID, "失信被执行人名单"); err != nil {
			t.Fatal(err)
		}
		if s := status(t, f, c); s.Status != whitelist.StatusSuspended || s.Reason != "失信被执行人名单" {
			t.Fatalf("suspended: %+v", s)
		}
		_, err = f.svc.Suspend(ctx, ipoffice, e.ID, "again")
		wantCode(t, err, "invalid_state")
		if _, err := f.svc.Reinstate(ctx, ipoffice, e.ID, "已移出名单"); err != nil {
			t.Fatal(err)
		}
		if s := status(t, f, c); s.Status != whitelist.StatusActive {
			t.Fatalf("reinstated: %s", s.Status)
		}
		f.clock.setDay("2027-03-09")
		if s := status(t, f, c); s.Status != whitelist.StatusActive {
			t.Fatalf("last valid day: %s", s.Status)
		}
		f.clock.setDay("2027-03-10")
		if s := status(t, f, c); s.Status != whitelist.StatusExpired {
			t.Fatalf("after validity: %s", s.Status)
		}
		// History keeps every step with its actor and reason.
		h, err := f.svc.History(ctx, c, page.Request{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, ev := range h.Items {
			actions = append(actions, ev.Action)
		}
		want := []string{"nominated", "accepted", "public_notice", "published", "suspended", "reinstated"}
		if fmt.Sprint(actions) != fmt.Sprint(want) {
			t.Fatalf("history %v, want %v", actions, want)
		}
		// The audit chain holds and verifies.
		log, _ := audit.New(d, audit.Keys{CurrentID: "k", ByID: map[string][]byte{"k": make([]byte, 32)}}, nil)
		if v, err := log.Verify(ctx); err != nil || !v.OK {
			t.Fatalf("audit chain: %+v %v", v, err)
		}
	})
}

func TestRevokedFirmComesBackOnlyThroughANewBatch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		c := code(2)
		e := f.publish(t, c)
		if _, err := f.svc.Revoke(ctx, ipoffice, e.ID, "骗取贴息"); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Reinstate(ctx, ipoffice, e.ID, "x")
		wantCode(t, err, "invalid_state")
		f.nominate(t, c, 1)
		if s := status(t, f, c); s.Status != whitelist.StatusRevoked {
			t.Fatalf("a new nomination changed a revoked status: %s", s.Status)
		}
	})
}

// publish takes one firm through a whole batch and returns its entry,
// effective on the fixture's day after publication.
func (f *fixture) publish(t *testing.T, codes ...string) whitelist.Entry {
	t.Helper()
	ctx := context.Background()
	b, err := f.svc.CreateBatch(ctx, ipoffice, "批次"+codes[0])
	if err != nil {
		t.Fatal(err)
	}
	var e whitelist.Entry
	for _, c := range codes {
		n := f.nominate(t, c, 1)
		if e, err = f.svc.Accept(ctx, ipoffice, n.ID, b.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.StartNotice(ctx, ipoffice, b.ID, date.Date{}); err != nil {
		t.Fatal(err)
	}
	f.clock.setDay(date.Of(f.clock.now()).AddDays(14).String())
	if _, err := f.svc.Publish(ctx, ipoffice, b.ID, date.Of(f.clock.now()), date.Date{}); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEligibilityAndOverride(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		n := f.nominate(t, code(3), 0) // no valid invention patent
		b, _ := f.svc.CreateBatch(ctx, ipoffice, "2026年第2批")
		_, err := f.svc.Accept(ctx, ipoffice, n.ID, b.ID, "")
		wantCode(t, err, "not_eligible")
		p, _ := problem.As(err)
		if fmt.Sprint(p.Extra["failed_checks"]) != "[valid_invention_patents]" {
			t.Fatalf("failed checks %v", p.Extra["failed_checks"])
		}
		if _, err := f.svc.Accept(ctx, ipoffice, n.ID, b.ID, "拥有有效商标及软件著作权，经审核同意"); err != nil {
			t.Fatalf("override: %v", err)
		}
		// An active firm is not eligible again.
		e := f.publish(t, code(4))
		_ = e
		n2 := f.nominate(t, code(4), 1)
		b3, _ := f.svc.CreateBatch(ctx, ipoffice, "2026年第3批")
		_, err = f.svc.Accept(ctx, ipoffice, n2.ID, b3.ID, "override does not lift this")
		wantCode(t, err, "not_eligible")
	})
}

func TestObjectionUpheldTakesTheEntryOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		c1, c2 := code(5), code(6)
		b, _ := f.svc.CreateBatch(ctx, ipoffice, "2026年第4批")
		var entries []whitelist.Entry
		for _, c := range []string{c1, c2} {
			n := f.nominate(t, c, 1)
			e, err := f.svc.Accept(ctx, ipoffice, n.ID, b.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			entries = append(entries, e)
		}
		_, err := f.svc.RecordObjection(ctx, ipoffice, entries[0].ID, "某公民", "存在严重失信")
		wantCode(t, err, "invalid_state") // not under notice yet
		if _, err := f.svc.StartNotice(ctx, ipoffice, b.ID, date.Date{}); err != nil {
			t.Fatal(err)
		}
		o, err := f.svc.RecordObjection(ctx, ipoffice, entries[0].ID, "某公民", "存在严重失信")
		if err != nil {
			t.Fatal(err)
		}
		f.clock.setDay("2026-03-20")
		_, err = f.svc.Publish(ctx, ipoffice, b.ID, date.Date{}, date.Date{})
		wantCode(t, err, "objections_open")
		if _, err := f.svc.ResolveObjection(ctx, ipoffice, o.ID, true, "经核实，企业列入失信名单"); err != nil {
			t.Fatal(err)
		}
		if s := status(t, f, c1); s.Status != whitelist.StatusNotListed || s.Reason != "经核实，企业列入失信名单" {
			t.Fatalf("upheld objection: %+v", s)
		}
		if _, err := f.svc.Publish(ctx, ipoffice, b.ID, date.Date{}, date.Date{}); err != nil {
			t.Fatal(err)
		}
		if s := status(t, f, c2); s.Status != whitelist.StatusActive {
			t.Fatalf("other entry: %s", s.Status)
		}
		if s := status(t, f, c1); s.Status != whitelist.StatusNotListed {
			t.Fatalf("removed entry after publish: %s", s.Status)
		}
	})
}

func TestCheckManyKeepsOrderAndSlotsErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		c := code(7)
		f.publish(t, c)
		bad := c[:17] + "0"
		if c[17] == '0' {
			bad = c[:17] + "1"
		}
		res, err := f.svc.CheckMany(context.Background(), []string{c, "short", bad, code(8), " " + toLower(c) + " "})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"active", "error:length", "error:check_character", "not_listed", "active"}
		for i, r := range res {
			got := string(r.Status)
			if r.Error != nil {
				got = "error:" + r.Error.Reason
			}
			if got != want[i] {
				t.Errorf("slot %d: %s, want %s", i, got, want[i])
			}
		}
	})
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

// 1,000 changes polled in pages of 37, with writes landing between polls,
// arrive exactly once and in order.
func TestChangeFeedDeliversEveryChangeOnceInOrder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		const total = 1000
		var (
			wg     sync.WaitGroup
			writes = make(chan int, total)
		)
		for i := 0; i < total; i++ {
			writes <- i
		}
		close(writes)
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range writes {
					if _, err := f.svc.Nominate(ctx, bureau, "", whitelist.NominationInput{
						USCC: code(1000 + i), Name: "企业", BureauDocNo: "1"}); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		seen := map[string]int{}
		var last int64
		r := page.Request{Limit: 37}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		finished := false
		for len(seen) < total {
			p, err := f.svc.Changes(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range p.Items {
				if c.Seq <= last {
					t.Fatalf("seq %d after %d", c.Seq, last)
				}
				last = c.Seq
				seen[c.USCC]++
			}
			r.After, _ = page.Decode(p.NextCursor)
			if len(p.Items) == 0 {
				if finished {
					break
				}
				select {
				case <-done:
					finished = true
				case <-time.After(5 * time.Millisecond):
				}
			}
		}
		if len(seen) != total {
			t.Fatalf("saw %d of %d changes", len(seen), total)
		}
		for c, n := range seen {
			if n != 1 {
				t.Fatalf("%s delivered %d times", c, n)
			}
		}
	})
}

// A later nomination that does not carry the recognition evidence keeps
// what an earlier one recorded.
func TestLaterNominationKeepsEarlierEvidence(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		c := code(9)
		n, err := f.svc.Nominate(ctx, bureau, "", whitelist.NominationInput{USCC: c, Name: "甲公司", BureauDocNo: "晋民经认〔2026〕9号",
			BureauRecognisedOn: date.MustParse("2026-01-15"), HighTechCertNo: "GR202614000001", Industry: "新材料"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Reject(ctx, ipoffice, n.ID, "材料不全"); err != nil {
			t.Fatal(err)
		}
		self := audit.Actor{UserID: 9, Username: "ent", OrgID: 9, Role: auth.RoleEnterprise}
		if _, err := f.svc.Nominate(ctx, self, c, whitelist.NominationInput{USCC: c, Name: "甲公司", ValidInventionPatents: 2}); err != nil {
			t.Fatal(err)
		}
		e, err := f.svc.Enterprise(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if e.BureauDocNo != "晋民经认〔2026〕9号" || e.BureauRecognisedOn != date.MustParse("2026-01-15") ||
			e.HighTechCertNo != "GR202614000001" || e.Industry != "新材料" || e.ValidInventionPatents != 2 {
			t.Fatalf("evidence lost or not updated: %+v", e)
		}
	})
}

// Two IP office users publishing one batch at once: one publishes, the
// other is told the batch is published, and the feed records it once.
func TestConcurrentPublishPublishesOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		b, _ := f.svc.CreateBatch(ctx, ipoffice, "并发发布批")
		n := f.nominate(t, code(10), 1)
		if _, err := f.svc.Accept(ctx, ipoffice, n.ID, b.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.StartNotice(ctx, ipoffice, b.ID, date.Date{}); err != nil {
			t.Fatal(err)
		}
		f.clock.setDay("2026-03-20")
		errs := make([]error, 4)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, errs[i] = f.svc.Publish(ctx, ipoffice, b.ID, date.Date{}, date.Date{})
			}(i)
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case problem.HasCode(err, "invalid_state"):
			default:
				t.Fatalf("unexpected: %v", err)
			}
		}
		var published int
		_ = d.Get(&published, d.Rebind(`SELECT count(*) FROM whitelist_entry_history WHERE action = ?`), "published")
		if ok != 1 || published != 1 {
			t.Fatalf("%d publishes succeeded, %d published history lines", ok, published)
		}
	})
}
