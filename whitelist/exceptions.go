package whitelist

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/uscc"
)

// Exception is a code on the IP office's USCC exception list: a real,
// legal code (typically from the early pilot period, such as some of
// Fujian's 9135…M000… codes) whose check character does not match GB
// 32100-2015. ValidateUSCC lets exactly these codes pass despite the
// check; every other code with a wrong check character is refused.
type Exception struct {
	USCC      string    `db:"uscc" json:"uscc"`
	Reason    string    `db:"reason" json:"reason"`
	CreatedBy *int64    `db:"created_by" json:"created_by"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

// validateExceptionCode normalises a code proposed for the exception list:
// 18 characters of the alphabet whose only fault is the check character.
// A code that passes the check needs no exception (422 not_needed).
func validateExceptionCode(raw string) (string, error) {
	code, err := uscc.Validate(raw)
	if err == nil {
		return code, problem.Unprocessable("not_needed", "%s passes the check character; it needs no exception", code)
	}
	var ue *uscc.Error
	if errors.As(err, &ue) && ue.Reason == uscc.ReasonCheck {
		return code, nil
	}
	p := problem.BadRequest("invalid_uscc", "uscc: %s", err.Error())
	if ue != nil {
		p.Fields = []problem.FieldError{{Field: "uscc", Code: ue.Reason, Message: ue.Detail}}
	}
	return code, p
}

func exceptionReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", problem.Invalid(problem.Field("reason", "required", "a reason is required"))
	}
	if f := tooLong("reason", reason, 1000); f != nil {
		return "", problem.Invalid(*f)
	}
	return reason, nil
}

// AddException puts a code on the exception list (audited). Only the check
// character may be wrong: a code of another length or with a character
// outside the alphabet is 400 invalid_uscc, a code that passes the check
// 422 not_needed, and a code listed already 409 duplicate.
func (s *Service) AddException(ctx context.Context, a audit.Actor, code, reason string) (Exception, error) {
	code, err := validateExceptionCode(code)
	if err != nil {
		return Exception{}, err
	}
	if reason, err = exceptionReason(reason); err != nil {
		return Exception{}, err
	}
	x := Exception{USCC: code, Reason: reason, CreatedAt: s.nowUTC()}
	if a.UserID != 0 {
		x.CreatedBy = &a.UserID
	}
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.st.insertException(ctx, tx, x); err != nil {
			if db.IsUniqueViolation(err) {
				return problem.Conflict("duplicate", "%s is on the exception list already", code)
			}
			return err
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "uscc_exception.add", ObjectType: "uscc_exception", ObjectID: code,
			Summary: map[string]any{"uscc": code, "reason": reason, "check_character": string(uscc.CheckCharacter(code[:17]))}})
	})
	if err != nil {
		return Exception{}, err
	}
	return x, nil
}

// RemoveException takes a code off the exception list (audited, with the
// reason it was listed for): from then on the code fails validation again
// wherever it is used. A code not on the list is 404. The row is deleted;
// the audit log keeps its history.
func (s *Service) RemoveException(ctx context.Context, a audit.Actor, code, reason string) (Exception, error) {
	code = uscc.Normalize(code)
	reason, err := exceptionReason(reason)
	if err != nil {
		return Exception{}, err
	}
	var x Exception
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		x, err = s.st.deleteException(ctx, tx, code)
		if db.IsNoRows(err) {
			return problem.NotFound("USCC exception")
		}
		if err != nil {
			return err
		}
		// A status cached while the code was valid is dropped, so nobody
		// is served a status for a code that no longer validates.
		s.statusCache.drop(ctx, code)
		s.db.AfterCommit(tx, func() { s.statusCache.drop(context.WithoutCancel(ctx), code) })
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "uscc_exception.remove", ObjectType: "uscc_exception", ObjectID: code,
			Summary: map[string]any{"uscc": code, "reason": reason, "listed_reason": x.Reason}})
	})
	if err != nil {
		return Exception{}, err
	}
	return x, nil
}

// Exceptions lists the exception list by code. The list is short; the
// cursor is a position in it.
func (s *Service) Exceptions(ctx context.Context, r page.Request) (page.Page[Exception], error) {
	xs, err := s.st.exceptions(ctx, r)
	if err != nil {
		return page.Page[Exception]{}, err
	}
	p := page.Page[Exception]{Items: xs}
	if len(xs) > r.Limit {
		p.Items = xs[:r.Limit]
		p.NextCursor = page.Encode(r.After + int64(r.Limit))
	}
	if p.Items == nil {
		p.Items = []Exception{}
	}
	for i := range p.Items {
		p.Items[i].CreatedAt = p.Items[i].CreatedAt.UTC()
	}
	return p, nil
}
