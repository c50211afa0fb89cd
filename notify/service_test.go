package notify_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/notify"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/dbtest"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
)

func newService(t *testing.T, d *db.DB) *notify.Service {
	t.Helper()
	now := func() time.Time { return time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC) }
	l, err := audit.New(d, audit.Keys{CurrentID: "t", ByID: map[string][]byte{"t": bytes.Repeat([]byte{7}, 32)}}, now)
	if err != nil {
		t.Fatal(err)
	}
	return notify.NewService(d, l, now)
}

func addOrg(t *testing.T, d *db.DB, name string) int64 {
	t.Helper()
	var id int64
	if err := d.GetContext(context.Background(), &id, d.Rebind(`INSERT INTO organisations (kind, name, created_at) VALUES ('bank', ?, ?) RETURNING id`),
		name, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	return id
}

func addUser(t *testing.T, d *db.DB, org int64, name string, active bool) audit.Actor {
	t.Helper()
	var id int64
	now := time.Now().UTC()
	if err := d.GetContext(context.Background(), &id, d.Rebind(`INSERT INTO users (org_id, username, display_name, password_hash, active, created_at, password_changed_at)
		VALUES (?, ?, ?, 'x', ?, ?, ?) RETURNING id`), org, name, name, active, now, now); err != nil {
		t.Fatal(err)
	}
	return audit.Actor{UserID: id, Username: name, OrgID: org, Role: "bank"}
}

func msg(kind, title string) notify.Notification {
	return notify.Notification{Kind: kind, Title: title, Body: "正文", Link: "/pledges/1"}
}

func TestPostInsideTheBusinessTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		org := addOrg(t, d, "甲银行")
		a := addUser(t, d, org, "a1", true)
		b := addUser(t, d, org, "a2", true)
		addUser(t, d, org, "gone", false)
		other := addUser(t, d, addOrg(t, d, "乙银行"), "b1", true)

		// A rolled-back business change leaves no notification.
		boom := errors.New("business rule failed")
		err := d.InTx(ctx, func(tx *sqlx.Tx) error {
			if err := s.Post(ctx, tx, msg("pledge.refused", "质押登记被驳回"), a.UserID); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if n, _ := s.UnreadCount(ctx, a.UserID); n != 0 {
			t.Fatalf("rolled back notification visible: %d", n)
		}

		// PostToOrg reaches the active users of that organisation only.
		err = d.InTx(ctx, func(tx *sqlx.Tx) error {
			if err := s.PostToOrg(ctx, tx, org, msg("pledge.accepted", "质押登记已受理")); err != nil {
				return err
			}
			return s.Post(ctx, tx, msg("pledge.registered", "质押登记已办结"), a.UserID, a.UserID)
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range []struct {
			who  audit.Actor
			want int
		}{{a, 2}, {b, 1}, {other, 0}} {
			if n, err := s.UnreadCount(ctx, x.who.UserID); err != nil || n != x.want {
				t.Errorf("%s unread = %d, %v; want %d", x.who.Username, n, err, x.want)
			}
		}

		// Malformed notifications are refused.
		empty := addOrg(t, d, "空银行")
		for _, n := range []notify.Notification{
			{Kind: "Bad Kind", Title: "x"},
			{Kind: "a.b", Title: ""},
			{Kind: "a.b", Title: "x", Link: "https://evil.example/"},
			{Kind: "a.b", Title: "x", Link: "//evil.example/"},
			{Kind: "a.b", Title: "two\nlines"},
		} {
			if err := s.PostAlone(ctx, n, a.UserID); err == nil {
				t.Errorf("%+v accepted", n)
			}
			if err := d.InTx(ctx, func(tx *sqlx.Tx) error { return s.PostToOrg(ctx, tx, empty, n) }); err == nil {
				t.Errorf("%+v accepted for an empty organisation", n)
			}
		}
	})
}

func TestFeedAndRead(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		org := addOrg(t, d, "甲银行")
		a := addUser(t, d, org, "a1", true)
		b := addUser(t, d, org, "a2", true)
		for _, title := range []string{"一", "二", "三"} {
			if err := s.PostAlone(ctx, msg("test.n", title), a.UserID); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.PostAlone(ctx, msg("test.n", "别人的"), b.UserID); err != nil {
			t.Fatal(err)
		}

		p, err := s.Feed(ctx, a.UserID, page.Request{Limit: 2})
		if err != nil || len(p.Items) != 2 || p.Items[0].Title != "一" || p.Items[1].Title != "二" || p.NextCursor == "" {
			t.Fatalf("page 1: %+v %v", p, err)
		}
		after, _ := page.Decode(p.NextCursor)
		p, err = s.Feed(ctx, a.UserID, page.Request{After: after, Limit: 2})
		if err != nil || len(p.Items) != 1 || p.Items[0].Title != "三" || p.Items[0].ReadAt != nil || p.Items[0].Link != "/pledges/1" {
			t.Fatalf("page 2: %+v %v", p, err)
		}
		last := p.Items[0].ID
		p, _ = s.Feed(ctx, a.UserID, page.Request{After: last, Limit: 2})
		if len(p.Items) != 0 || p.NextCursor != page.Encode(last) {
			t.Fatalf("caught up: %+v", p)
		}

		// Reading one's own; again is a no-op; another user's is a 404.
		if err := s.MarkRead(ctx, a, last); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkRead(ctx, a, last); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.UnreadCount(ctx, a.UserID); n != 2 {
			t.Errorf("unread after one read: %d", n)
		}
		if err := s.MarkRead(ctx, b, last); !problem.HasCode(err, "not_found") {
			t.Errorf("another user's notification: %v", err)
		}
		if err := s.MarkRead(ctx, a, 999999); !problem.HasCode(err, "not_found") {
			t.Errorf("missing notification: %v", err)
		}
		var denied, reads int
		_ = d.Get(&denied, d.Rebind(`SELECT COUNT(*) FROM audit_log WHERE action = ? AND outcome = ?`), "authz.deny", audit.OutcomeDenied)
		_ = d.Get(&reads, d.Rebind(`SELECT COUNT(*) FROM audit_log WHERE action = ?`), "notification.read")
		if denied != 1 || reads != 1 {
			t.Errorf("audit: %d denials, %d reads", denied, reads)
		}

		n, err := s.MarkAllRead(ctx, a)
		if err != nil || n != 2 {
			t.Fatalf("mark all: %d %v", n, err)
		}
		if n, _ := s.UnreadCount(ctx, a.UserID); n != 0 {
			t.Errorf("unread after all read: %d", n)
		}
		if n, _ := s.UnreadCount(ctx, b.UserID); n != 1 {
			t.Errorf("b's unread touched: %d", n)
		}
		if n, err := s.MarkAllRead(ctx, a); err != nil || n != 0 {
			t.Errorf("mark all again: %d %v", n, err)
		}
		if ok, err := s.HasKind(ctx, a.UserID, "test.n"); err != nil || !ok {
			t.Errorf("HasKind: %v %v", ok, err)
		}
		if ok, _ := s.HasKind(ctx, a.UserID, "test.other"); ok {
			t.Error("HasKind of an absent kind")
		}
	})
}
