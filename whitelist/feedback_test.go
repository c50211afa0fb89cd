package whitelist_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/dbtest"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/whitelist"
)

// bankActor inserts a bank organisation and returns an actor of it.
func bankActor(t *testing.T, d *db.DB, name string, userID int64) audit.Actor {
	t.Helper()
	var id int64
	if err := d.GetContext(context.Background(), &id, d.Rebind(`INSERT INTO organisations (kind, name, created_at) VALUES ('bank', ?, ?) RETURNING id`),
		name, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	return audit.Actor{UserID: userID, Username: name, OrgID: id, Role: auth.RoleBank}
}

func amount(n int64) *int64 { return &n }

func feedbackCount(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.GetContext(context.Background(), &n, `SELECT count(*) FROM whitelist_feedback`); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFeedbackRulesAndTotals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		bankA := bankActor(t, d, "甲银行", 10)
		bankB := bankActor(t, d, "乙银行", 11)
		listed, other := code(41), code(42)
		f.publish(t, listed, other)
		today := date.Of(f.clock.now())

		// Firms that are not, and never were, on a published list.
		nominated := code(43)
		f.nominate(t, nominated, 1)
		for _, c := range []string{code(44), nominated} {
			_, err := f.svc.RecordFeedback(ctx, bankA, c, whitelist.FeedbackInput{Kind: whitelist.FeedbackContacted, OccurredOn: today})
			wantCode(t, err, "not_listed")
		}
		_, err := f.svc.RecordFeedback(ctx, bankA, "123", whitelist.FeedbackInput{Kind: whitelist.FeedbackContacted, OccurredOn: today})
		wantCode(t, err, "invalid_uscc")
		_, err = f.svc.RecordFeedback(ctx, ipoffice, listed, whitelist.FeedbackInput{Kind: whitelist.FeedbackContacted, OccurredOn: today})
		wantCode(t, err, "forbidden")

		// Invalid inputs, each with its field error.
		for _, tc := range []struct {
			name  string
			in    whitelist.FeedbackInput
			field string
			code  string
		}{
			{"no kind", whitelist.FeedbackInput{OccurredOn: today}, "kind", "required"},
			{"bad kind", whitelist.FeedbackInput{Kind: "lunch", OccurredOn: today}, "kind", "invalid"},
			{"credit without amount", whitelist.FeedbackInput{Kind: whitelist.FeedbackCreditGranted, OccurredOn: today}, "amount_fen", "required"},
			{"credit zero", whitelist.FeedbackInput{Kind: whitelist.FeedbackCreditGranted, AmountFen: amount(0), OccurredOn: today}, "amount_fen", "not_positive"},
			{"credit negative", whitelist.FeedbackInput{Kind: whitelist.FeedbackCreditGranted, AmountFen: amount(-5), OccurredOn: today}, "amount_fen", "not_positive"},
			{"amount on contact", whitelist.FeedbackInput{Kind: whitelist.FeedbackContacted, AmountFen: amount(5), OccurredOn: today}, "amount_fen", "not_allowed"},
			{"declined without reason", whitelist.FeedbackInput{Kind: whitelist.FeedbackDeclined, Reason: " ", OccurredOn: today}, "reason", "required"},
			{"reason on contact", whitelist.FeedbackInput{Kind: whitelist.FeedbackContacted, Reason: "x", OccurredOn: today}, "reason", "not_allowed"},
			{"no date", whitelist.FeedbackInput{Kind: whitelist.FeedbackContacted}, "occurred_on", "required"},
			{"future", whitelist.FeedbackInput{Kind: whitelist.FeedbackContacted, OccurredOn: today.AddDays(1)}, "occurred_on", "in_future"},
		} {
			_, err := f.svc.RecordFeedback(ctx, bankA, listed, tc.in)
			p, ok := problem.As(err)
			if !ok || p.Code != "validation_failed" {
				t.Fatalf("%s: %v", tc.name, err)
			}
			found := false
			for _, fe := range p.Fields {
				found = found || (fe.Field == tc.field && fe.Code == tc.code)
			}
			if !found {
				t.Fatalf("%s: fields %+v, want %s %s", tc.name, p.Fields, tc.field, tc.code)
			}
		}
		if n := feedbackCount(t, d); n != 0 {
			t.Fatalf("%d rows stored from refused input", n)
		}

		record := func(a audit.Actor, c string, in whitelist.FeedbackInput) whitelist.Feedback {
			t.Helper()
			if in.OccurredOn.IsZero() {
				in.OccurredOn = today
			}
			fb, err := f.svc.RecordFeedback(ctx, a, c, in)
			if err != nil {
				t.Fatal(err)
			}
			return fb
		}
		fb := record(bankA, listed, whitelist.FeedbackInput{Kind: whitelist.FeedbackCreditGranted, AmountFen: amount(500_000_00), Note: " 首贷 "})
		if fb.BankOrgID != bankA.OrgID || fb.BankName != "甲银行" || fb.USCC != listed || fb.AmountFen != 500_000_00 || fb.Note != "首贷" || fb.OccurredOn != today {
			t.Fatalf("recorded %+v", fb)
		}
		record(bankA, listed, whitelist.FeedbackInput{Kind: whitelist.FeedbackContacted, OccurredOn: today.AddDays(-30)})
		record(bankA, other, whitelist.FeedbackInput{Kind: whitelist.FeedbackDeclined, Reason: "抵押物不足"})
		record(bankB, listed, whitelist.FeedbackInput{Kind: whitelist.FeedbackApplicationReceived})
		record(bankB, listed, whitelist.FeedbackInput{Kind: whitelist.FeedbackCreditGranted, AmountFen: amount(123_456_78)})
		record(bankB, other, whitelist.FeedbackInput{Kind: whitelist.FeedbackCreditGranted, AmountFen: amount(1)})

		// A revoked firm was on the list: feedback is still accepted.
		e, err := f.svc.Entries(ctx, page.Request{Limit: 10}, whitelist.EntryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range e.Items {
			if x.USCC == other {
				if _, err := f.svc.Revoke(ctx, ipoffice, x.ID, "虚假材料"); err != nil {
					t.Fatal(err)
				}
			}
		}
		record(bankB, other, whitelist.FeedbackInput{Kind: whitelist.FeedbackContacted})

		// Lists: per bank, per firm.
		all, err := f.svc.Feedback(ctx, whitelist.FeedbackFilter{}, page.Request{Limit: 100})
		if err != nil || len(all.Items) != 7 {
			t.Fatalf("all: %d %v", len(all.Items), err)
		}
		onlyB, err := f.svc.Feedback(ctx, whitelist.FeedbackFilter{BankOrgID: bankB.OrgID}, page.Request{Limit: 100})
		if err != nil || len(onlyB.Items) != 4 {
			t.Fatalf("bank B: %d %v", len(onlyB.Items), err)
		}
		for _, x := range onlyB.Items {
			if x.BankOrgID != bankB.OrgID {
				t.Fatalf("bank B sees %+v", x)
			}
		}
		bListed, err := f.svc.Feedback(ctx, whitelist.FeedbackFilter{BankOrgID: bankB.OrgID, USCC: listed}, page.Request{Limit: 100})
		if err != nil || len(bListed.Items) != 2 {
			t.Fatalf("bank B, listed: %d %v", len(bListed.Items), err)
		}

		// Totals reconcile with the line items, in every grouping.
		var want whitelist.FeedbackCounts
		wantBy := map[string]map[string]*whitelist.FeedbackCounts{"bank": {}, "enterprise": {}, "kind": {}}
		for _, x := range all.Items {
			keys := map[string]string{"bank": itoa64(x.BankOrgID), "enterprise": x.USCC, "kind": x.Kind}
			for by, k := range keys {
				if wantBy[by][k] == nil {
					wantBy[by][k] = &whitelist.FeedbackCounts{}
				}
				addCounts(wantBy[by][k], x)
			}
			addCounts(&want, x)
		}
		if want.CreditGrantedFen != 500_000_00+123_456_78+1 || want.Total != 7 {
			t.Fatalf("line items sum to %+v", want)
		}
		for _, by := range []string{"bank", "enterprise", "kind"} {
			tot, err := f.svc.FeedbackTotals(ctx, by)
			if err != nil {
				t.Fatal(err)
			}
			if tot.Overall != want {
				t.Fatalf("by %s: overall %+v, line items %+v", by, tot.Overall, want)
			}
			if len(tot.Groups) != len(wantBy[by]) {
				t.Fatalf("by %s: %d groups, want %d", by, len(tot.Groups), len(wantBy[by]))
			}
			var sum whitelist.FeedbackCounts
			for _, g := range tot.Groups {
				if w := wantBy[by][g.Key]; w == nil || *w != g.FeedbackCounts {
					t.Fatalf("by %s, group %s: %+v, want %+v", by, g.Key, g.FeedbackCounts, w)
				}
				sum.Contacted += g.Contacted
				sum.ApplicationReceived += g.ApplicationReceived
				sum.CreditGranted += g.CreditGranted
				sum.Declined += g.Declined
				sum.Total += g.Total
				sum.CreditGrantedFen += g.CreditGrantedFen
			}
			if sum != want {
				t.Fatalf("by %s: groups add up to %+v, want %+v", by, sum, want)
			}
		}
		tot, _ := f.svc.FeedbackTotals(ctx, "bank")
		if tot.Groups[0].Name != "甲银行" || tot.Groups[1].Name != "乙银行" {
			t.Fatalf("bank groups: %+v", tot.Groups)
		}
		_, err = f.svc.FeedbackTotals(ctx, "region")
		wantCode(t, err, "validation_failed")

		if got := auditActions(t, d, "whitelist.feedback"); len(got) != 7 {
			t.Fatalf("%d feedback audit entries, want 7", len(got))
		}
	})
}

func addCounts(c *whitelist.FeedbackCounts, x whitelist.Feedback) {
	switch x.Kind {
	case whitelist.FeedbackContacted:
		c.Contacted++
	case whitelist.FeedbackApplicationReceived:
		c.ApplicationReceived++
	case whitelist.FeedbackCreditGranted:
		c.CreditGranted++
		c.CreditGrantedFen += x.AmountFen
	case whitelist.FeedbackDeclined:
		c.Declined++
	}
	c.Total++
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
