package whitelist_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/dbtest"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/uscc"
	"github.com/ipledge/ipledge/whitelist"
)

// pilotCode makes a code in the style of Fujian's early pilot codes
// (9135…M000…) whose check character is wrong.
func pilotCode(i int) string {
	first := "91350100M000" + strings.Repeat("0", 4) + string("0123456789"[i%10])
	want := uscc.CheckCharacter(first)
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	wrong := alphabet[(strings.IndexByte(alphabet, want)+1)%len(alphabet)]
	return first + string(wrong)
}

// auditActions returns the audit log's (action, object_id) pairs.
func auditActions(t *testing.T, d *db.DB, action string) []string {
	t.Helper()
	var ids []string
	if err := d.SelectContext(context.Background(), &ids, d.Rebind(`SELECT object_id FROM audit_log WHERE action = ? ORDER BY seq`), action); err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestUSCCExceptionList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		c := pilotCode(1)
		if _, err := uscc.Validate(c); err == nil {
			t.Fatalf("%s passes the check; the test needs one that does not", c)
		}
		_, err := f.svc.ValidateUSCC(ctx, "uscc", c)
		wantCode(t, err, "invalid_uscc")
		_, err = f.svc.Nominate(ctx, bureau, "", whitelist.NominationInput{USCC: c, Name: "福建试点企业", BureauDocNo: "文号"})
		wantCode(t, err, "invalid_uscc")

		// What may not go on the list.
		_, err = f.svc.AddException(ctx, ipoffice, code(1), "valid")
		wantCode(t, err, "not_needed")
		_, err = f.svc.AddException(ctx, ipoffice, c[:17], "too short")
		wantCode(t, err, "invalid_uscc")
		_, err = f.svc.AddException(ctx, ipoffice, c[:16]+"I"+c[17:], "letter I")
		wantCode(t, err, "invalid_uscc")
		_, err = f.svc.AddException(ctx, ipoffice, c, "  ")
		wantCode(t, err, "validation_failed")

		x, err := f.svc.AddException(ctx, ipoffice, " "+strings.ToLower(c)+" ", "2015年试点期间赋码，校验位不符，经核实有效")
		if err != nil {
			t.Fatal(err)
		}
		if x.USCC != c || x.CreatedBy == nil || *x.CreatedBy != ipoffice.UserID {
			t.Fatalf("added %+v", x)
		}
		_, err = f.svc.AddException(ctx, ipoffice, c, "again")
		wantCode(t, err, "duplicate")

		// The code now passes, and a nomination and a status check work.
		if got, err := f.svc.ValidateUSCC(ctx, "uscc", strings.ToLower(c)); err != nil || got != c {
			t.Fatalf("ValidateUSCC after adding: %q %v", got, err)
		}
		n, err := f.svc.Nominate(ctx, bureau, "", whitelist.NominationInput{USCC: c, Name: "福建试点企业", BureauDocNo: "文号", ValidInventionPatents: 1})
		if err != nil {
			t.Fatal(err)
		}
		checks, err := f.svc.Eligibility(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if !checks[0].Passed || !strings.Contains(checks[0].Message, "例外") {
			t.Fatalf("uscc check: %+v", checks[0])
		}
		if s := status(t, f, c); s.Status != whitelist.StatusPending {
			t.Fatalf("status: %+v", s)
		}
		res, err := f.svc.CheckMany(ctx, []string{c})
		if err != nil || res[0].Error != nil || res[0].Status != whitelist.StatusPending {
			t.Fatalf("check many: %+v %v", res, err)
		}

		p, err := f.svc.Exceptions(ctx, page.Request{Limit: 10})
		if err != nil || len(p.Items) != 1 || p.Items[0].USCC != c || p.NextCursor != "" {
			t.Fatalf("list: %+v %v", p, err)
		}

		// Removing it makes it fail again.
		_, err = f.svc.RemoveException(ctx, ipoffice, c, "")
		wantCode(t, err, "validation_failed")
		_, err = f.svc.RemoveException(ctx, ipoffice, pilotCode(2), "not listed")
		wantCode(t, err, "not_found")
		if _, err := f.svc.RemoveException(ctx, ipoffice, strings.ToLower(c), "核实为错误赋码"); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.ValidateUSCC(ctx, "uscc", c)
		wantCode(t, err, "invalid_uscc")
		res, err = f.svc.CheckMany(ctx, []string{c})
		if err != nil || res[0].Error == nil || res[0].Error.Reason != uscc.ReasonCheck {
			t.Fatalf("check many after removal: %+v %v", res, err)
		}
		_, err = f.svc.RemoveException(ctx, ipoffice, c, "twice")
		wantCode(t, err, "not_found")

		if got := auditActions(t, d, "uscc_exception.add"); len(got) != 1 || got[0] != c {
			t.Fatalf("add audit: %v", got)
		}
		if got := auditActions(t, d, "uscc_exception.remove"); len(got) != 1 || got[0] != c {
			t.Fatalf("remove audit: %v", got)
		}
	})
}

func TestUSCCExceptionsPaginate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		for i := range 5 {
			if _, err := f.svc.AddException(ctx, ipoffice, pilotCode(i), "试点"); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		r := page.Request{Limit: 2}
		for pages := 0; ; pages++ {
			p, err := f.svc.Exceptions(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range p.Items {
				got = append(got, x.USCC)
			}
			if p.NextCursor == "" {
				break
			}
			if pages > 5 {
				t.Fatal("pagination does not end")
			}
			if r, err = page.Parse("2", p.NextCursor); err != nil {
				t.Fatal(err)
			}
		}
		if len(got) != 5 {
			t.Fatalf("walked %v", got)
		}
		for i := range got[1:] {
			if got[i] >= got[i+1] {
				t.Fatalf("not in order: %v", got)
			}
		}
	})
}
