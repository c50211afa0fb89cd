package whitelist_test

import (
	"context"
	"testing"
	"time"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/dbtest"
	"github.com/ipledge/ipledge/whitelist"
)

// TestStatusOn derives past statuses from the entries and their history:
// before listing, during, after expiry, suspended then reinstated, and
// revoked, each change counting from the day (Asia/Shanghai) it was
// recorded.
func TestStatusOn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		susp, rev, never := code(40), code(41), code(42)
		// Nominated 2026-03-02, noticed, published 2026-03-16 effective
		// that day, valid to 2027-03-15.
		es := f.publish(t, susp)
		// Then the second firm: published 2026-03-30, valid to 2027-03-29.
		er := f.publish(t, rev)
		if es.ID == 0 || er.ID == 0 {
			t.Fatal("no entries")
		}
		// Suspended at 23:30 UTC on 2026-05-10, which is 07:30 on 05-11 in
		// Shanghai: the suspension counts from 05-11.
		f.clock.mu.Lock()
		f.clock.t = time.Date(2026, 5, 10, 23, 30, 0, 0, time.UTC)
		f.clock.mu.Unlock()
		if _, err := f.svc.Suspend(ctx, ipoffice, es.ID, "核查中"); err != nil {
			t.Fatal(err)
		}
		f.clock.setDay("2026-06-01")
		if _, err := f.svc.Reinstate(ctx, ipoffice, es.ID, "核查完毕"); err != nil {
			t.Fatal(err)
		}
		f.clock.setDay("2026-07-01")
		if _, err := f.svc.Revoke(ctx, ipoffice, er.ID, "骗取贴息"); err != nil {
			t.Fatal(err)
		}
		// A revoked firm nominated again stays revoked.
		f.nominate(t, rev, 1)

		cases := []struct {
			name, code, on string
			want           whitelist.Status
		}{
			{"unknown firm", never, "2026-06-01", whitelist.StatusNotListed},
			{"before its nomination", susp, "2026-03-01", whitelist.StatusNotListed},
			{"under public notice", susp, "2026-03-10", whitelist.StatusPending},
			{"effective (and published) day", susp, "2026-03-16", whitelist.StatusActive},
			{"the UTC day of the suspension", susp, "2026-05-10", whitelist.StatusActive},
			{"the Shanghai day of the suspension", susp, "2026-05-11", whitelist.StatusSuspended},
			{"while suspended", susp, "2026-05-31", whitelist.StatusSuspended},
			{"the day of the reinstatement", susp, "2026-06-01", whitelist.StatusActive},
			{"last valid day", susp, "2027-03-15", whitelist.StatusActive},
			{"after expiry", susp, "2027-03-16", whitelist.StatusExpired},
			{"listed only later", rev, "2026-03-20", whitelist.StatusPending},
			{"active before the revocation", rev, "2026-06-30", whitelist.StatusActive},
			{"the day of the revocation", rev, "2026-07-01", whitelist.StatusRevoked},
			{"revocation outranks expiry", rev, "2028-01-01", whitelist.StatusRevoked},
		}
		for _, c := range cases {
			r, err := f.svc.StatusOn(ctx, c.code, date.MustParse(c.on))
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != c.want {
				t.Errorf("%s (%s): got %s, want %s", c.name, c.on, r.Status, c.want)
			}
		}
		// Today's answer agrees with the status check.
		for _, c := range []string{susp, rev} {
			r, err := f.svc.StatusOn(ctx, c, date.Of(f.clock.now()))
			if err != nil {
				t.Fatal(err)
			}
			if s := status(t, f, c); r.Status != s.Status || r.Batch != s.Batch || r.EffectiveOn != s.EffectiveOn {
				t.Errorf("%s today: StatusOn %+v, Status %+v", c, r, s)
			}
		}
	})
}

// TestStatusOnRevokedThenListedAgain: a revoked firm comes back only
// through a new entry, from the day that one is in force.
func TestStatusOnRevokedThenListedAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		c := code(43)
		e := f.publish(t, c) // active from 2026-03-16
		f.clock.setDay("2026-04-06")
		if _, err := f.svc.Revoke(ctx, ipoffice, e.ID, "失信"); err != nil {
			t.Fatal(err)
		}
		f.clock.setDay("2026-05-04")
		// Nominated again 05-04, noticed, published and effective 05-18.
		n := f.nominate(t, c, 1)
		b, err := f.svc.CreateBatch(ctx, ipoffice, "重新列入")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Accept(ctx, ipoffice, n.ID, b.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.StartNotice(ctx, ipoffice, b.ID, date.Date{}); err != nil {
			t.Fatal(err)
		}
		f.clock.setDay("2026-05-18")
		if _, err := f.svc.Publish(ctx, ipoffice, b.ID, date.MustParse("2026-05-18"), date.Date{}); err != nil {
			t.Fatal(err)
		}
		for on, want := range map[string]whitelist.Status{
			"2026-04-05": whitelist.StatusActive,
			"2026-04-06": whitelist.StatusRevoked,
			"2026-05-03": whitelist.StatusRevoked,
			"2026-05-04": whitelist.StatusPending, // the new entry under notice
			"2026-05-18": whitelist.StatusActive,
		} {
			r, err := f.svc.StatusOn(ctx, c, date.MustParse(on))
			if err != nil || r.Status != want {
				t.Errorf("%s: got %+v %v, want %s", on, r, err, want)
			}
		}
	})
}
