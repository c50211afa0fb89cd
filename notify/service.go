package notify

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
)

// Service posts and reads notifications.
type Service struct {
	db    *db.DB
	st    store
	audit *audit.Log
	now   func() time.Time
}

// NewService returns the notification service.
func NewService(d *db.DB, a *audit.Log, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, st: store{d}, audit: a, now: now}
}

func (s *Service) nowUTC() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

var kindRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)

// check validates a notification a domain is about to post. A bad one is
// a programming mistake, reported as a plain error (a 500), not as the
// caller's input error.
func check(n *Notification) error {
	n.Title, n.Body, n.Link = strings.TrimSpace(n.Title), strings.TrimSpace(n.Body), strings.TrimSpace(n.Link)
	switch {
	case len(n.Kind) > maxKindLen || !kindRE.MatchString(n.Kind):
		return fmt.Errorf("notify: kind %q must be a dotted lower-case code such as nomination.accepted", n.Kind)
	case n.Title == "":
		return fmt.Errorf("notify: %s: a title is required", n.Kind)
	case utf8.RuneCountInString(n.Title) > maxTitleLen || strings.ContainsAny(n.Title, "\r\n"):
		return fmt.Errorf("notify: %s: the title is one line of at most %d characters", n.Kind, maxTitleLen)
	case utf8.RuneCountInString(n.Body) > maxBodyLen:
		return fmt.Errorf("notify: %s: the body is longer than %d characters", n.Kind, maxBodyLen)
	case !utf8.ValidString(n.Title) || !utf8.ValidString(n.Body):
		return fmt.Errorf("notify: %s: invalid UTF-8", n.Kind)
	}
	if n.Link != "" {
		// A relative URL on this site only: "/x", never "//host" or
		// "https://…", so a link in an inbox cannot lead elsewhere.
		if len(n.Link) > maxLinkLen || !strings.HasPrefix(n.Link, "/") || strings.HasPrefix(n.Link, "//") ||
			strings.ContainsRune(n.Link, '\\') || strings.IndexFunc(n.Link, unicode.IsSpace) >= 0 ||
			strings.IndexFunc(n.Link, unicode.IsControl) >= 0 {
			return fmt.Errorf("notify: %s: link %q is not a relative URL starting with /", n.Kind, n.Link)
		}
	}
	return nil
}

// Post puts n into the inbox of each user, inside the caller's business
// transaction: it commits or rolls back with the change it announces.
// Duplicate user ids get one copy.
func (s *Service) Post(ctx context.Context, tx *sqlx.Tx, n Notification, userIDs ...int64) error {
	if err := check(&n); err != nil {
		return err
	}
	seen := make(map[int64]bool, len(userIDs))
	ids := make([]int64, 0, len(userIDs))
	for _, id := range userIDs {
		if id <= 0 {
			return fmt.Errorf("notify: %s: invalid user id %d", n.Kind, id)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	n.CreatedAt = s.nowUTC()
	if err := s.st.insert(ctx, tx, n, ids); err != nil {
		return fmt.Errorf("notify: post %s: %w", n.Kind, err)
	}
	return nil
}

// PostToOrg posts n to every active user of an organisation, inside the
// caller's transaction.
func (s *Service) PostToOrg(ctx context.Context, tx *sqlx.Tx, orgID int64, n Notification) error {
	ids, err := s.st.activeUsers(ctx, tx, orgID)
	if err != nil {
		return fmt.Errorf("notify: users of organisation %d: %w", orgID, err)
	}
	if len(ids) == 0 {
		// Still check n: a bad notification must fail in tests even
		// when the organisation has nobody to receive it.
		return check(&n)
	}
	return s.Post(ctx, tx, n, ids...)
}

// PostAlone posts n in a transaction of its own, for callers that change
// nothing else (demo seed, tools).
func (s *Service) PostAlone(ctx context.Context, n Notification, userIDs ...int64) error {
	return s.db.InTx(ctx, func(tx *sqlx.Tx) error { return s.Post(ctx, tx, n, userIDs...) })
}

// Feed returns a user's notifications oldest first, after the cursor
// r.After; next_cursor is always set, to poll from.
func (s *Service) Feed(ctx context.Context, userID int64, r page.Request) (page.Page[Notification], error) {
	ns, err := s.st.feed(ctx, userID, r)
	if err != nil {
		return page.Page[Notification]{}, fmt.Errorf("notify: feed: %w", err)
	}
	return page.Feed(r, ns, func(n Notification) int64 { return n.ID }), nil
}

// UnreadCount is the number of a user's unread notifications (the web
// shell's badge).
func (s *Service) UnreadCount(ctx context.Context, userID int64) (int, error) {
	n, err := s.st.unread(ctx, userID)
	if err != nil {
		return 0, fmt.Errorf("notify: unread count: %w", err)
	}
	return n, nil
}

// HasKind reports whether a user has a notification of kind (seeding
// uses it to skip what exists).
func (s *Service) HasKind(ctx context.Context, userID int64, kind string) (bool, error) {
	return s.st.hasKind(ctx, userID, kind)
}

// MarkRead marks one of the caller's notifications read. Another user's
// notification is a 404, as if it did not exist, and the attempt is
// audited. Marking a read notification again changes nothing.
func (s *Service) MarkRead(ctx context.Context, a audit.Actor, id int64) error {
	denied := false
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		n, err := s.st.get(ctx, tx, id)
		if db.IsNoRows(err) {
			return problem.NotFound("notification")
		}
		if err != nil {
			return err
		}
		if n.UserID != a.UserID {
			denied = true
			return s.audit.Append(ctx, tx, a, audit.Entry{Action: "authz.deny", ObjectType: "notification",
				ObjectID: fmt.Sprint(id), Outcome: audit.OutcomeDenied, Summary: map[string]any{"attempt": "notification.read"}})
		}
		changed, err := s.st.markRead(ctx, tx, id, s.nowUTC())
		if err != nil || !changed {
			return err
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "notification.read", ObjectType: "notification", ObjectID: fmt.Sprint(id)})
	})
	if err == nil && denied {
		return problem.NotFound("notification")
	}
	return err
}

// MarkAllRead marks all of the caller's notifications read and returns
// how many were unread.
func (s *Service) MarkAllRead(ctx context.Context, a audit.Actor) (int64, error) {
	var n int64
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if n, err = s.st.markAllRead(ctx, tx, a.UserID, s.nowUTC()); err != nil || n == 0 {
			return err
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "notification.read_all", ObjectType: "user",
			ObjectID: fmt.Sprint(a.UserID), Summary: map[string]any{"marked": n}})
	})
	return n, err
}
