package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/problem"
)

// errBadCredentials is the one answer for a wrong password and an unknown
// user alike.
func errBadCredentials() *problem.Error {
	return problem.Unauthorized("invalid_credentials", "the username or password is not correct")
}

func errBadRefresh() *problem.Error {
	return problem.Unauthorized("invalid_refresh_token", "the refresh token is not valid; log in again")
}

// Login checks a username and password and opens a session. Failed
// attempts are limited per username and per client address.
func (s *Service) Login(ctx context.Context, a audit.Actor, username, password string) (TokenPair, error) {
	wait, err := s.limiter.Check(ctx, username, a.ClientIP)
	if err != nil {
		return TokenPair{}, err
	}
	if wait > 0 {
		return TokenPair{}, problem.TooManyRequests(int(math.Ceil(wait.Seconds())), "too many failed login attempts; try again later")
	}
	u, err := s.st.userByName(ctx, s.db, username)
	if err != nil && !db.IsNoRows(err) {
		return TokenPair{}, err
	}
	// An unknown user is checked against a dummy hash: same cost, same answer.
	if !auth.VerifyPassword(u.PasswordHash, password) || !u.Active {
		if err := s.limiter.Failed(ctx, username, a.ClientIP); err != nil {
			return TokenPair{}, err
		}
		fa := a
		fa.Username = username
		_ = s.audit.AppendAlone(ctx, fa, audit.Entry{Action: "auth.login", ObjectType: "user", Outcome: audit.OutcomeFailed})
		return TokenPair{}, errBadCredentials()
	}
	a.UserID, a.Username, a.OrgID, a.Role = u.ID, u.Username, u.OrgID, u.Role
	var pair TokenPair
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		pair, err = s.openSession(ctx, tx, u, newFamily())
		if err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "auth.login", ObjectType: "user", ObjectID: fmt.Sprint(u.ID)})
	})
	return pair, err
}

// openSession stores a new refresh token in family and signs an access
// token.
func (s *Service) openSession(ctx context.Context, tx *sqlx.Tx, u User, family string) (TokenPair, error) {
	now := s.nowUTC()
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return TokenPair{}, err
	}
	refresh := base64.RawURLEncoding.EncodeToString(raw)
	err := s.st.insertRefresh(ctx, tx, refreshToken{FamilyID: family, UserID: u.ID, TokenHash: hashToken(refresh),
		CreatedAt: now, ExpiresAt: now.Add(s.refreshTTL)})
	if err != nil {
		return TokenPair{}, err
	}
	access, _, err := s.tokens.Issue(auth.Principal{UserID: u.ID, Username: u.Username, OrgID: u.OrgID, Role: u.Role})
	if err != nil {
		return TokenPair{}, err
	}
	return TokenPair{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer", ExpiresIn: int(s.tokens.TTL().Seconds())}, nil
}

// Refresh rotates a refresh token: the presented one dies and a new pair
// is issued. Presenting a token that was already rotated means it was
// copied, so the whole family is revoked.
func (s *Service) Refresh(ctx context.Context, a audit.Actor, token string) (TokenPair, error) {
	if token == "" {
		return TokenPair{}, problem.Invalid(problem.Field("refresh_token", "required", "refresh_token is required"))
	}
	var (
		pair  TokenPair
		reuse bool
	)
	now := s.nowUTC()
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		t, err := s.st.refreshByHash(ctx, tx, hashToken(token))
		if db.IsNoRows(err) {
			return errBadRefresh()
		}
		if err != nil {
			return err
		}
		u, err := s.st.user(ctx, tx, t.UserID)
		if err != nil {
			return err
		}
		a.UserID, a.Username, a.OrgID, a.Role = u.ID, u.Username, u.OrgID, u.Role
		if t.RevokedAt != nil || !u.Active || !now.Before(t.ExpiresAt) {
			return errBadRefresh()
		}
		fresh := t.UsedAt == nil
		if fresh {
			fresh, err = s.st.markUsed(ctx, tx, t.ID, now)
			if err != nil {
				return err
			}
		}
		if !fresh {
			reuse = true
			if err := s.st.revokeFamily(ctx, tx, t.FamilyID, now); err != nil {
				return err
			}
			return s.audit.Append(ctx, tx, a, audit.Entry{Action: "auth.refresh_reuse", ObjectType: "user",
				ObjectID: fmt.Sprint(u.ID), Outcome: audit.OutcomeDenied, Summary: map[string]any{"family_revoked": true}})
		}
		pair, err = s.openSession(ctx, tx, u, t.FamilyID)
		if err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "auth.refresh", ObjectType: "user", ObjectID: fmt.Sprint(u.ID)})
	})
	if err != nil {
		return TokenPair{}, err
	}
	if reuse {
		return TokenPair{}, errBadRefresh()
	}
	return pair, nil
}

// Logout revokes the caller's access token and, when given, the refresh
// token's whole family.
func (s *Service) Logout(ctx context.Context, a audit.Actor, p auth.Principal, refresh string) error {
	now := s.nowUTC()
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		if refresh != "" {
			t, err := s.st.refreshByHash(ctx, tx, hashToken(refresh))
			switch {
			case db.IsNoRows(err):
				// Nothing to revoke; the access token still is.
			case err != nil:
				return err
			case t.UserID == p.UserID:
				if err := s.st.revokeFamily(ctx, tx, t.FamilyID, now); err != nil {
					return err
				}
			}
		}
		if err := s.st.revokeAccess(ctx, tx, p.JTI, p.ExpiresAt); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "auth.logout", ObjectType: "user", ObjectID: fmt.Sprint(p.UserID)})
	})
	if err != nil {
		return err
	}
	s.revocations.Publish(ctx, auth.RevocationEvent{JTI: p.JTI, ExpiresAt: p.ExpiresAt})
	return nil
}

// Authenticate verifies a bearer token and checks that it is not revoked.
func (s *Service) Authenticate(token string) (auth.Principal, error) {
	p, err := s.tokens.Verify(token)
	if err != nil {
		return auth.Principal{}, err
	}
	if s.revocations.IsRevoked(p) {
		return auth.Principal{}, fmt.Errorf("%w: revoked", auth.ErrInvalidToken)
	}
	return p, nil
}

// IsInvalidToken reports whether err means the token must be refused.
func IsInvalidToken(err error) bool { return errors.Is(err, auth.ErrInvalidToken) }

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

func newFamily() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
