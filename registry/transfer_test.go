package registry_test

import (
	"context"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/dbtest"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/registry"
)

// stubPledges plays the pledge domain: a pledge in force on the patents in
// pledged (refusing their transfers unless consented), and a record of
// the legal status changes it was told of.
type stubPledges struct {
	mu        sync.Mutex
	pledged   map[int64]date.Date
	consented map[int64]bool
	changes   []statusChange
	// inTx is what a query in the hook's transaction saw of the patent's
	// status: the change is written before the hook runs.
	inTx []registry.Status
}

type statusChange struct {
	number   string
	from, to registry.Status
	actor    string
	expiry   date.Date
	holders  int
}

func (s *stubPledges) PledgeInForce(_ context.Context, id int64) (registry.Pledge, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if since, ok := s.pledged[id]; ok {
		return registry.Pledge{InForce: true, Since: since}, nil
	}
	return registry.Pledge{}, nil
}

func (s *stubPledges) CheckTransfer(_ context.Context, _ *sqlx.Tx, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.pledged[id]; ok && !s.consented[id] {
		return problem.Conflict("pledgee_consent_required", "the patent is pledged and the pledgee has not consented to its transfer")
	}
	return nil
}

func (s *stubPledges) LegalStatusChanged(ctx context.Context, tx *sqlx.Tx, a audit.Actor, p registry.Patent, from registry.Status) error {
	var st registry.Status
	if err := tx.GetContext(ctx, &st, tx.Rebind(`SELECT legal_status FROM patents WHERE id = ?`), p.ID); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.changes = append(s.changes, statusChange{p.ApplicationNumber, from, p.LegalStatus, a.Username, p.ExpiryDate, len(p.Patentees)})
	s.inTx = append(s.inTx, st)
	return nil
}

func transferTo(name string) registry.TransferInput {
	return registry.TransferInput{Patentees: []registry.Patentee{{Name: name}}, EffectiveDate: date.MustParse("2026-05-20"),
		RegistrationNumber: "ZL-BG-2026-0001", Reason: "专利权转让", Evidence: "转让合同"}
}

func count(t *testing.T, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.Get(&n, d.Rebind(query), args...); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTransferOfAPledgedPatentNeedsThePledgeesConsent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		p := f.register(t)
		stub := &stubPledges{pledged: map[int64]date.Date{p.ID: date.MustParse("2026-03-01")}, consented: map[int64]bool{}}
		f.svc.SetEncumbrances(stub)

		got, err := f.svc.Get(ctx, p.ApplicationNumber)
		if err != nil || !got.Pledge.InForce || got.Pledge.Since != date.MustParse("2026-03-01") {
			t.Fatalf("pledge shown %+v, %v", got.Pledge, err)
		}
		audits := count(t, d, `SELECT count(*) FROM audit_log WHERE action = 'patent.transfer'`)
		_, err = f.svc.RecordTransfer(ctx, ipoffice, p.ApplicationNumber, transferTo("朔州示范智能装备有限公司"))
		if pe := wantCode(t, err, "pledgee_consent_required"); pe.Status != 409 {
			t.Fatalf("status %d", pe.Status)
		}
		// Nothing stored: patentees, transfers, audit.
		got, _ = f.svc.Get(ctx, p.ApplicationNumber)
		if len(got.Patentees) != 1 || got.Patentees[0].Name != "太原示范新材料科技有限公司" {
			t.Fatalf("patentees after a refused transfer: %+v", got.Patentees)
		}
		if n := count(t, d, `SELECT count(*) FROM patent_transfers`); n != 0 {
			t.Fatalf("%d transfers stored", n)
		}
		if n := count(t, d, `SELECT count(*) FROM audit_log WHERE action = 'patent.transfer'`); n != audits {
			t.Fatal("a refused transfer was audited")
		}

		// With the pledgee's consent, the transfer goes through.
		stub.consented[p.ID] = true
		got, err = f.svc.RecordTransfer(ctx, ipoffice, p.ApplicationNumber, transferTo("朔州示范智能装备有限公司"))
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Patentees) != 1 || got.Patentees[0].OrgID == nil || *got.Patentees[0].OrgID != f.peer.OrgID {
			t.Fatalf("patentees %+v", got.Patentees)
		}
		ts, err := f.svc.Transfers(ctx, p.ApplicationNumber, page.Request{Limit: 10})
		if err != nil || len(ts.Items) != 1 {
			t.Fatalf("transfers %+v, %v", ts, err)
		}
		if tr := ts.Items[0]; tr.From[0].Name != "太原示范新材料科技有限公司" || tr.To[0].Name != "朔州示范智能装备有限公司" ||
			tr.EffectiveDate != date.MustParse("2026-05-20") || tr.RegistrationNumber != "ZL-BG-2026-0001" || tr.Actor != "ipoffice" {
			t.Fatalf("transfer %+v", tr)
		}
		if n := count(t, d, `SELECT count(*) FROM audit_log WHERE action = 'patent.transfer' AND object_id = ?`, p.ApplicationNumber); n != 1 {
			t.Fatalf("%d transfer audits", n)
		}
		// The former patentee no longer holds it; the new one does.
		if ok, _ := f.svc.IsPatentee(ctx, p.ID, f.owner.OrgID); ok {
			t.Fatal("the former patentee still holds the patent")
		}
		if ok, _ := f.svc.IsPatentee(ctx, p.ID, f.peer.OrgID); !ok {
			t.Fatal("the new patentee does not hold the patent")
		}
	})
}

func TestTransferInputAndRoles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		p := f.register(t)
		_, err := f.svc.RecordTransfer(ctx, f.owner, p.ApplicationNumber, transferTo("朔州示范智能装备有限公司"))
		wantCode(t, err, "forbidden")
		_, err = f.svc.RecordTransfer(ctx, ipoffice, "202211359874.8", transferTo("x"))
		wantCode(t, err, "invalid_patent_number")
		_, err = f.svc.RecordTransfer(ctx, ipoffice, "202211359875", transferTo("x"))
		wantCode(t, err, "not_found")
		for name, change := range map[string]func(*registry.TransferInput){
			"no patentees":     func(in *registry.TransferInput) { in.Patentees = nil },
			"unnamed patentee": func(in *registry.TransferInput) { in.Patentees = []registry.Patentee{{Name: " "}} },
			"unchanged": func(in *registry.TransferInput) {
				in.Patentees = []registry.Patentee{{Name: "太原示范新材料科技有限公司"}}
			},
			"no date":            func(in *registry.TransferInput) { in.EffectiveDate = date.Date{} },
			"before filing":      func(in *registry.TransferInput) { in.EffectiveDate = date.MustParse("2022-11-01") },
			"in the future":      func(in *registry.TransferInput) { in.EffectiveDate = date.MustParse("2026-06-02") },
			"no registration no": func(in *registry.TransferInput) { in.RegistrationNumber = "" },
			"shares not 100%": func(in *registry.TransferInput) {
				a, b := 5000, 4000
				in.Patentees = []registry.Patentee{{Name: "甲", ShareBP: &a}, {Name: "乙", ShareBP: &b}}
			},
		} {
			in := transferTo("朔州示范智能装备有限公司")
			change(&in)
			_, err := f.svc.RecordTransfer(ctx, ipoffice, p.ApplicationNumber, in)
			if pe, ok := problem.As(err); !ok || pe.Code != "validation_failed" {
				t.Errorf("%s: %v", name, err)
			}
		}
		if n := count(t, d, `SELECT count(*) FROM patent_transfers`); n != 0 {
			t.Fatalf("bad input stored %d transfers", n)
		}
	})
}

func TestLegalStatusChangesTellThePledgeDomain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		p := f.register(t)
		stub := &stubPledges{}
		f.svc.SetEncumbrances(stub)
		if _, err := f.svc.SetLegalStatus(ctx, ipoffice, p.ApplicationNumber, registry.StatusFeeGrace, "年费逾期", ""); err != nil {
			t.Fatal(err)
		}
		c, err := f.svc.RequestCorrection(ctx, f.owner, p.ApplicationNumber, registry.StatusValid, "缴费收据")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ConfirmCorrection(ctx, ipoffice, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		// A rejected correction changes nothing and tells no one.
		c, _ = f.svc.RequestCorrection(ctx, f.owner, p.ApplicationNumber, registry.StatusLapsed, "错误")
		if _, err := f.svc.RejectCorrection(ctx, ipoffice, c.ID, "不属实"); err != nil {
			t.Fatal(err)
		}
		// Re-registering with another status is a change too.
		if _, _, err := f.svc.Register(ctx, ipoffice, registry.PatentInput{ApplicationNumber: p.ApplicationNumber, Title: p.Title,
			FilingDate: p.FilingDate, GrantDate: p.GrantDate, LegalStatus: registry.StatusInvalidationRequested,
			Patentees: []registry.Patentee{{Name: "太原示范新材料科技有限公司"}}}); err != nil {
			t.Fatal(err)
		}
		want := []struct{ from, to registry.Status }{
			{registry.StatusValid, registry.StatusFeeGrace}, {registry.StatusFeeGrace, registry.StatusValid},
			{registry.StatusValid, registry.StatusInvalidationRequested}}
		if len(stub.changes) != len(want) {
			t.Fatalf("changes %+v", stub.changes)
		}
		for i, w := range want {
			c := stub.changes[i]
			if c.from != w.from || c.to != w.to || c.number != p.ApplicationNumber || c.actor != "ipoffice" ||
				c.expiry != date.MustParse("2042-11-01") || c.holders != 1 || stub.inTx[i] != w.to {
				t.Errorf("change %d: %+v (status in the transaction %s), want %s → %s", i, c, stub.inTx[i], w.from, w.to)
			}
		}
	})
}

// A hook that fails undoes the change it was told of.
type failingHook struct{ *stubPledges }

func (*failingHook) LegalStatusChanged(context.Context, *sqlx.Tx, audit.Actor, registry.Patent, registry.Status) error {
	return problem.Conflict("hook_failed", "the pledge domain refused")
}

func TestAFailingLegalStatusHookRollsTheChangeBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		p := f.register(t)
		f.svc.SetEncumbrances(&failingHook{&stubPledges{}})
		_, err := f.svc.SetLegalStatus(ctx, ipoffice, p.ApplicationNumber, registry.StatusLapsed, "未缴年费", "")
		wantCode(t, err, "hook_failed")
		if got, _ := f.svc.Get(ctx, p.ApplicationNumber); got.LegalStatus != registry.StatusValid {
			t.Fatalf("status %s", got.LegalStatus)
		}
		if n := count(t, d, `SELECT count(*) FROM patent_legal_status_history WHERE patent_id = ?`, p.ID); n != 1 {
			t.Fatalf("%d history rows", n)
		}
		f.svc.SetEncumbrances(nil)
		if _, err := f.svc.SetLegalStatus(ctx, ipoffice, p.ApplicationNumber, registry.StatusLapsed, "未缴年费", ""); err != nil {
			t.Fatal(err)
		}
	})
}
