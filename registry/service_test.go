package registry_test

import (
	"context"
	"testing"
	"time"

	"github.com/ipledge/ipledge/patent"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/dbtest"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/registry"
)

var ipoffice = audit.Actor{UserID: 1, Username: "ipoffice", OrgID: 1, Role: auth.RoleIPOffice}

type fixture struct {
	svc         *registry.Service
	db          *db.DB
	owner, peer audit.Actor
}

// newFixture makes a registry with two enterprises: the owner of the test
// patent and another firm.
func newFixture(t *testing.T, d *db.DB) fixture {
	t.Helper()
	now := func() time.Time { return date.MustParse("2026-06-01").Time().Add(9 * time.Hour) }
	log, err := audit.New(d, audit.Keys{CurrentID: "k", ByID: map[string][]byte{"k": make([]byte, 32)}}, now)
	if err != nil {
		t.Fatal(err)
	}
	org := func(name, code string) int64 {
		var id int64
		if err := d.Get(&id, d.Rebind(`INSERT INTO organisations (kind, name, uscc, created_at) VALUES ('enterprise', ?, ?, ?) RETURNING id`),
			name, code, now()); err != nil {
			t.Fatal(err)
		}
		return id
	}
	ownerOrg := org("太原示范新材料科技有限公司", "91140100MA0G3K8T2B")
	peerOrg := org("朔州示范智能装备有限公司", "91140600MA0H7L2N51")
	return fixture{
		svc:   registry.NewService(registry.Config{DB: d, Audit: log, Now: now}),
		db:    d,
		owner: audit.Actor{UserID: 0, Username: "ent-a", OrgID: ownerOrg, Role: auth.RoleEnterprise},
		peer:  audit.Actor{UserID: 0, Username: "ent-b", OrgID: peerOrg, Role: auth.RoleEnterprise},
	}
}

func (f fixture) register(t *testing.T) registry.Patent {
	t.Helper()
	claims := 8
	p, created, err := f.svc.Register(context.Background(), ipoffice, registry.PatentInput{
		ApplicationNumber: "CN202211359874.7", PublicationNumber: "CN115883397A", Title: "一种锂离子电池正极材料及其制备方法",
		IPCCodes: []string{"H01M4/36", "H01M10/0525"}, FilingDate: date.MustParse("2022-11-02"), GrantDate: date.MustParse("2024-03-05"),
		LegalStatus: registry.StatusValid, FeePaidUntil: date.MustParse("2026-11-01"), ClaimsCount: &claims,
		Patentees: []registry.Patentee{{Name: "太原示范新材料科技有限公司"}},
	})
	if err != nil || !created {
		t.Fatalf("register: created %v, %v", created, err)
	}
	return p
}

func wantCode(t *testing.T, err error, code string) *problem.Error {
	t.Helper()
	p, ok := problem.As(err)
	if !ok || p.Code != code {
		t.Fatalf("want %s, got %v", code, err)
	}
	return p
}

func TestRegisterAndLookUpByAnyWrittenForm(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p := f.register(t)
		// Invention filed 2022-11-02: 20 years, the last day the eve of the anniversary.
		if p.Type != patent.Invention || p.ExpiryDate != date.MustParse("2042-11-01") {
			t.Fatalf("type %s, expiry %s", p.Type, p.ExpiryDate)
		}
		if len(p.Patentees) != 1 || p.Patentees[0].OrgID == nil || *p.Patentees[0].OrgID != f.owner.OrgID {
			t.Fatalf("patentee not linked to its organisation by name: %+v", p.Patentees)
		}
		for _, form := range []string{"202211359874.7", "ZL202211359874.7", "ZL 2022 1 1359874.7", "CN202211359874.7", "202211359874"} {
			got, err := f.svc.Get(context.Background(), form)
			if err != nil || got.ID != p.ID {
				t.Fatalf("%q: %v", form, err)
			}
		}
		_, err := f.svc.Get(context.Background(), "202211359874.8")
		if wantCode(t, err, "invalid_patent_number").Extra["expected_check_digit"] != "7" {
			t.Fatal("the expected check digit is not named")
		}
		_, err = f.svc.Get(context.Background(), "202211359875")
		wantCode(t, err, "not_found")
		// Registering the same number again updates the record.
		_, created, err := f.svc.Register(context.Background(), ipoffice, registry.PatentInput{ApplicationNumber: "ZL202211359874.7",
			Title: "一种锂离子电池正极材料及其制备方法（更正）", FilingDate: date.MustParse("2022-11-02"), LegalStatus: registry.StatusValid,
			Patentees: []registry.Patentee{{Name: "太原示范新材料科技有限公司"}}})
		if err != nil || created {
			t.Fatalf("re-register: created %v, %v", created, err)
		}
		var n int
		_ = d.Get(&n, `SELECT count(*) FROM patents`)
		if n != 1 {
			t.Fatalf("%d patent rows", n)
		}
	})
}

func TestLegalStatusChangesKeepHistory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		p := f.register(t)
		_, err := f.svc.SetLegalStatus(ctx, ipoffice, p.ApplicationNumber, registry.StatusFeeGrace, "", "")
		wantCode(t, err, "validation_failed")
		got, err := f.svc.SetLegalStatus(ctx, ipoffice, p.ApplicationNumber, registry.StatusFeeGrace, "年费逾期未缴", "缴费记录")
		if err != nil || got.LegalStatus != registry.StatusFeeGrace {
			t.Fatalf("set: %v %s", err, got.LegalStatus)
		}
		_, err = f.svc.SetLegalStatus(ctx, ipoffice, p.ApplicationNumber, registry.StatusFeeGrace, "again", "")
		wantCode(t, err, "invalid_state")
		h, err := f.svc.History(ctx, p.ApplicationNumber, page.Request{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		last := h.Items[len(h.Items)-1]
		if last.From != string(registry.StatusValid) || last.To != registry.StatusFeeGrace {
			t.Fatalf("history %+v", h.Items)
		}
		var audits int
		_ = d.Get(&audits, d.Rebind(`SELECT count(*) FROM audit_log WHERE object_id = ? OR summary LIKE ?`), p.ApplicationNumber, "%fee_grace%")
		if audits == 0 {
			t.Fatal("the change was not audited")
		}
	})
}

func TestCorrectionsComeFromPatenteesAndNeedTheIPOffice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		p := f.register(t)
		// Another enterprise is not a patentee: the patent is not its to correct.
		_, err := f.svc.RequestCorrection(ctx, f.peer, p.ApplicationNumber, registry.StatusLapsed, "证据")
		wantCode(t, err, "not_found")
		c, err := f.svc.RequestCorrection(ctx, f.owner, p.ApplicationNumber, registry.StatusOwnershipDispute, "法院保全裁定书")
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := f.svc.Get(ctx, p.ApplicationNumber); got.LegalStatus != registry.StatusValid {
			t.Fatal("a correction changed the status before the IP office confirmed it")
		}
		if _, err := f.svc.ConfirmCorrection(ctx, ipoffice, c.ID, "经核实"); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.svc.Get(ctx, p.ApplicationNumber); got.LegalStatus != registry.StatusOwnershipDispute {
			t.Fatalf("after confirmation: %s", got.LegalStatus)
		}
		_, err = f.svc.RejectCorrection(ctx, ipoffice, c.ID, "重复处理")
		wantCode(t, err, "invalid_state")
	})
}
