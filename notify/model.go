// Package notify is the per-user inbox. Domains post notifications inside
// their own business transaction, so a notification exists exactly when
// the change it announces was committed; users read them as a feed and
// mark them read.
package notify

import "time"

// Notification is one message in a user's inbox.
type Notification struct {
	ID     int64 `db:"id" json:"id"`
	UserID int64 `db:"user_id" json:"-"`
	// Kind is a stable machine-readable code such as
	// "nomination.accepted"; clients may branch on it.
	Kind  string `db:"kind" json:"kind"`
	Title string `db:"title" json:"title"` // Chinese, one line
	Body  string `db:"body" json:"body"`
	// Link is an optional relative URL of the object concerned
	// ("/pledges/12").
	Link      string     `db:"link" json:"link"`
	CreatedAt time.Time  `db:"created_at" json:"created_at"`
	ReadAt    *time.Time `db:"read_at" json:"read_at"`
}

// Limits of a notification's text.
const (
	maxKindLen  = 64
	maxTitleLen = 200
	maxBodyLen  = 4000
	maxLinkLen  = 500
)

// KindWelcome is the notification a new demo user finds in the inbox.
const KindWelcome = "platform.welcome"
