package account

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/uscc"
)

// Service is the account domain's API.
type Service struct {
	db          *db.DB
	st          store
	audit       *audit.Log
	tokens      *auth.Tokens
	revocations *auth.Revocations
	limiter     *auth.LoginLimiter
	refreshTTL  time.Duration
	now         func() time.Time
}

// Config wires a Service.
type Config struct {
	DB          *db.DB
	Audit       *audit.Log
	Tokens      *auth.Tokens
	Revocations *auth.Revocations
	Limiter     *auth.LoginLimiter
	RefreshTTL  time.Duration
	Now         func() time.Time
}

// NewService returns the account service.
func NewService(c Config) *Service {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.RefreshTTL <= 0 {
		c.RefreshTTL = 30 * 24 * time.Hour
	}
	return &Service{db: c.DB, st: store{c.DB}, audit: c.Audit, tokens: c.Tokens, revocations: c.Revocations,
		limiter: c.Limiter, refreshTTL: c.RefreshTTL, now: c.Now}
}

func (s *Service) nowUTC() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,62}[a-z0-9]$`)

func validName(field, v string, max int) *problem.FieldError {
	n := utf8.RuneCountInString(strings.TrimSpace(v))
	if n == 0 {
		f := problem.Field(field, "required", field+" is required")
		return &f
	}
	if n > max {
		f := problem.Field(field, "too_long", fmt.Sprintf("%s is longer than %d characters", field, max))
		return &f
	}
	return nil
}

// CreateOrganisation creates an organisation. An enterprise carries its
// unified social credit code; no other kind does.
func (s *Service) CreateOrganisation(ctx context.Context, a audit.Actor, in NewOrganisation) (Organisation, error) {
	var fe []problem.FieldError
	if !in.Kind.Valid() {
		fe = append(fe, problem.Field("kind", "invalid", "kind must be one of platform, ip_office, econ_bureau, bank, enterprise, university"))
	}
	if f := validName("name", in.Name, 200); f != nil {
		fe = append(fe, *f)
	}
	o := Organisation{Kind: in.Kind, Name: strings.TrimSpace(in.Name), CreatedAt: s.nowUTC()}
	switch {
	case in.Kind == KindEnterprise:
		code, err := uscc.Validate(in.USCC)
		if err != nil {
			var ue *uscc.Error
			errors.As(err, &ue)
			return Organisation{}, InvalidUSCC("uscc", ue)
		}
		o.USCC = &code
	case strings.TrimSpace(in.USCC) != "":
		fe = append(fe, problem.Field("uscc", "not_allowed", "only an enterprise carries a unified social credit code"))
	}
	if len(fe) > 0 {
		return Organisation{}, problem.Invalid(fe...)
	}
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.st.insertOrg(ctx, tx, &o); err != nil {
			if db.IsUniqueViolation(err) {
				return problem.Conflict("duplicate", "an organisation with this name or code exists already")
			}
			return err
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "organisation.create", ObjectType: "organisation",
			ObjectID: fmt.Sprint(o.ID), Summary: map[string]any{"kind": o.Kind, "name": o.Name, "uscc": o.USCC}})
	})
	return o, err
}

// InvalidUSCC is the 400 invalid_uscc for a field.
func InvalidUSCC(field string, e *uscc.Error) *problem.Error {
	p := problem.BadRequest("invalid_uscc", "%s: %s", field, e.Detail)
	p.Fields = []problem.FieldError{{Field: field, Code: e.Reason, Message: e.Detail}}
	return p
}

// Organisation returns one organisation.
func (s *Service) Organisation(ctx context.Context, id int64) (Organisation, error) {
	o, err := s.st.org(ctx, s.db, id)
	if db.IsNoRows(err) {
		return o, problem.NotFound("organisation")
	}
	return o, err
}

// OrganisationByName returns the organisation with that exact name.
func (s *Service) OrganisationByName(ctx context.Context, name string) (Organisation, error) {
	o, err := s.st.orgByName(ctx, s.db, name)
	if db.IsNoRows(err) {
		return o, problem.NotFound("organisation")
	}
	return o, err
}

// Organisations lists organisations, optionally of one kind.
func (s *Service) Organisations(ctx context.Context, r page.Request, kind OrgKind) (page.Page[Organisation], error) {
	if kind != "" && !kind.Valid() {
		return page.Page[Organisation]{}, problem.Invalid(problem.Field("kind", "invalid", "unknown organisation kind"))
	}
	os, err := s.st.orgs(ctx, r, kind)
	if err != nil {
		return page.Page[Organisation]{}, err
	}
	return page.Of(r, os, func(o Organisation) int64 { return o.ID }), nil
}

func validPassword(field, pw string) *problem.FieldError {
	if utf8.RuneCountInString(pw) < auth.MinPasswordLength {
		f := problem.Field(field, "too_short", fmt.Sprintf("a password has at least %d characters", auth.MinPasswordLength))
		return &f
	}
	if len(pw) > 1024 {
		f := problem.Field(field, "too_long", "a password has at most 1024 bytes")
		return &f
	}
	return nil
}

// CreateUser creates a user in an organisation.
func (s *Service) CreateUser(ctx context.Context, a audit.Actor, in NewUser) (User, error) {
	var fe []problem.FieldError
	in.Username = strings.TrimSpace(in.Username)
	if !usernameRE.MatchString(in.Username) {
		fe = append(fe, problem.Field("username", "invalid", "a username is 3 to 64 lower-case letters, digits, '.', '_' or '-'"))
	}
	if f := validName("display_name", in.DisplayName, 100); f != nil {
		fe = append(fe, *f)
	}
	if f := validPassword("password", in.Password); f != nil {
		fe = append(fe, *f)
	}
	if in.OrgID <= 0 {
		fe = append(fe, problem.Field("org_id", "required", "org_id is required"))
	}
	if len(fe) > 0 {
		return User{}, problem.Invalid(fe...)
	}
	org, err := s.st.org(ctx, s.db, in.OrgID)
	if db.IsNoRows(err) {
		return User{}, problem.Invalid(problem.Field("org_id", "unknown", "no organisation has this id"))
	}
	if err != nil {
		return User{}, err
	}
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		return User{}, err
	}
	u := User{OrgID: org.ID, OrgKind: org.Kind, Role: org.Kind.Role(), Username: in.Username,
		DisplayName: strings.TrimSpace(in.DisplayName), Active: true, CreatedAt: s.nowUTC(), PasswordHash: hash}
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.st.insertUser(ctx, tx, &u); err != nil {
			if db.IsUniqueViolation(err) {
				return problem.Conflict("duplicate", "the username %q is taken", u.Username)
			}
			return err
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "user.create", ObjectType: "user", ObjectID: fmt.Sprint(u.ID),
			Summary: map[string]any{"username": u.Username, "org_id": u.OrgID, "role": u.Role}})
	})
	return u, err
}

// User returns one user.
func (s *Service) User(ctx context.Context, id int64) (User, error) {
	u, err := s.st.user(ctx, s.db, id)
	if db.IsNoRows(err) {
		return u, problem.NotFound("user")
	}
	return u, err
}

// Users lists users, optionally of one organisation.
func (s *Service) Users(ctx context.Context, r page.Request, orgID int64) (page.Page[User], error) {
	us, err := s.st.users(ctx, r, orgID)
	if err != nil {
		return page.Page[User]{}, err
	}
	return page.Of(r, us, func(u User) int64 { return u.ID }), nil
}

// DeactivateUser deactivates a user: their refresh tokens die and every
// access token they hold is refused from the moment this returns.
func (s *Service) DeactivateUser(ctx context.Context, a audit.Actor, id int64) (User, error) {
	now := s.nowUTC()
	var u User
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		u, err = s.st.user(ctx, tx, id)
		if db.IsNoRows(err) {
			return problem.NotFound("user")
		}
		if err != nil {
			return err
		}
		if !u.Active {
			return problem.InvalidState("inactive", "the user is deactivated already")
		}
		if _, err := s.st.deactivateUser(ctx, tx, id, now); err != nil {
			return err
		}
		if err := s.st.revokeUserRefresh(ctx, tx, id, now); err != nil {
			return err
		}
		u.Active, u.DeactivatedAt = false, &now
		s.db.AfterCommit(tx, func() { s.revocations.Publish(context.WithoutCancel(ctx), userRevocation(id)) })
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "user.deactivate", ObjectType: "user", ObjectID: fmt.Sprint(id),
			Summary: map[string]any{"before": map[string]any{"active": true}, "after": map[string]any{"active": false}}})
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// userRevocation refuses every token a deactivated user holds or will be
// issued.
func userRevocation(id int64) auth.RevocationEvent {
	return auth.RevocationEvent{UserID: id, Before: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// ChangePassword changes the caller's own password (the old one is
// required) and revokes all their refresh tokens.
func (s *Service) ChangePassword(ctx context.Context, a audit.Actor, oldPassword, newPassword string) error {
	if f := validPassword("new_password", newPassword); f != nil {
		return problem.Invalid(*f)
	}
	u, err := s.st.user(ctx, s.db, a.UserID)
	if err != nil {
		return err
	}
	if !auth.VerifyPassword(u.PasswordHash, oldPassword) {
		return problem.Unprocessable("wrong_password", "the old password is not correct")
	}
	hash, err := auth.HashPassword(newPassword)
	if err != nil {
		return err
	}
	now := s.nowUTC()
	return s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.st.setPassword(ctx, tx, u.ID, hash, now); err != nil {
			return err
		}
		if err := s.st.revokeUserRefresh(ctx, tx, u.ID, now); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "user.password_change", ObjectType: "user", ObjectID: fmt.Sprint(u.ID)})
	})
}

// LoadRevocations returns the durable revocation set: revoked access
// tokens not yet expired, and deactivated users.
func (s *Service) LoadRevocations(ctx context.Context) ([]auth.RevocationEvent, error) {
	toks, err := s.st.revokedAccess(ctx, s.nowUTC())
	if err != nil {
		return nil, err
	}
	ids, err := s.st.inactiveUserIDs(ctx)
	if err != nil {
		return nil, err
	}
	evs := make([]auth.RevocationEvent, 0, len(toks)+len(ids))
	for _, t := range toks {
		evs = append(evs, auth.RevocationEvent{JTI: t.TokenHash, ExpiresAt: t.ExpiresAt})
	}
	for _, id := range ids {
		evs = append(evs, userRevocation(id))
	}
	return evs, nil
}

// UserByUsername returns the user with that username.
func (s *Service) UserByUsername(ctx context.Context, username string) (User, error) {
	u, err := s.st.userByName(ctx, s.db, username)
	if db.IsNoRows(err) {
		return u, problem.NotFound("user")
	}
	return u, err
}

// Meta reads a platform marker (for example that the demo data was seeded).
func (s *Service) Meta(ctx context.Context, key string) (string, bool, error) {
	v, err := s.st.meta(ctx, key)
	if db.IsNoRows(err) {
		return "", false, nil
	}
	return v, err == nil, err
}

// SetMeta writes a platform marker.
func (s *Service) SetMeta(ctx context.Context, key, value string) error {
	return s.db.InTx(ctx, func(tx *sqlx.Tx) error { return s.st.setMeta(ctx, tx, key, value) })
}
