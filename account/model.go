// Package account owns organisations, their users and their sessions:
// who may log in, with which role, and the refresh tokens that keep a
// session going.
package account

import (
	"time"

	"github.com/ipledge/ipledge/platform/auth"
)

// OrgKind is the kind of an organisation; it decides its users' role.
type OrgKind string

// Organisation kinds. KindPlatform is the operator of the platform itself;
// its users are administrators.
const (
	KindPlatform   OrgKind = "platform"
	KindIPOffice   OrgKind = "ip_office"
	KindEconBureau OrgKind = "econ_bureau"
	KindBank       OrgKind = "bank"
	KindEnterprise OrgKind = "enterprise"
	KindUniversity OrgKind = "university"
)

// Kinds lists every organisation kind.
var Kinds = []OrgKind{KindPlatform, KindIPOffice, KindEconBureau, KindBank, KindEnterprise, KindUniversity}

// Valid reports whether k is a known kind.
func (k OrgKind) Valid() bool {
	for _, x := range Kinds {
		if k == x {
			return true
		}
	}
	return false
}

// Role is the role of the kind's users.
func (k OrgKind) Role() string {
	if k == KindPlatform {
		return auth.RoleAdmin
	}
	return string(k)
}

// Organisation is a tenant of the platform.
type Organisation struct {
	ID        int64     `db:"id" json:"id"`
	Kind      OrgKind   `db:"kind" json:"kind"`
	Name      string    `db:"name" json:"name"`
	USCC      *string   `db:"uscc" json:"uscc"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

// User is a person who logs in for an organisation.
type User struct {
	ID            int64      `db:"id" json:"id"`
	OrgID         int64      `db:"org_id" json:"org_id"`
	OrgKind       OrgKind    `db:"org_kind" json:"-"`
	Username      string     `db:"username" json:"username"`
	DisplayName   string     `db:"display_name" json:"display_name"`
	Role          string     `db:"-" json:"role"`
	Active        bool       `db:"active" json:"active"`
	CreatedAt     time.Time  `db:"created_at" json:"created_at"`
	DeactivatedAt *time.Time `db:"deactivated_at" json:"deactivated_at"`
	PasswordHash  string     `db:"password_hash" json:"-"`
	PasswordAt    time.Time  `db:"password_changed_at" json:"-"`
}

// NewOrganisation is the input to create an organisation.
type NewOrganisation struct {
	Kind OrgKind `json:"kind"`
	Name string  `json:"name"`
	USCC string  `json:"uscc"`
}

// NewUser is the input to create a user.
type NewUser struct {
	OrgID       int64  `json:"org_id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Password    string `json:"password"`
}

// TokenPair is what login and refresh return.
type TokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
}
