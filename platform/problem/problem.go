// Package problem defines the one typed application error that every layer
// returns and that the API renders as RFC 9457 application/problem+json.
//
// Domain code builds errors with the constructors below; it never decides a
// wire format. The api package maps an *Error to its JSON body and anything
// else to a generic 500 that leaks no internals.
package problem

import (
	"errors"
	"fmt"
	"net/http"
)

// FieldError names one invalid input field.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is an application error with a stable machine-readable code.
type Error struct {
	Status int
	Code   string
	Title  string
	Detail string
	Fields []FieldError
	// Extra carries additional members of the problem object (for example
	// the current state of an object in an invalid_state conflict).
	Extra map[string]any
	// Headers are set on the HTTP response (Retry-After on 429).
	Headers map[string]string
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return e.Code + ": " + e.Detail
	}
	return e.Code
}

// With returns a copy of e with an extra member set.
func (e *Error) With(key string, value any) *Error {
	c := *e
	c.Extra = make(map[string]any, len(e.Extra)+1)
	for k, v := range e.Extra {
		c.Extra[k] = v
	}
	c.Extra[key] = value
	return &c
}

// As reports whether err is (or wraps) an *Error and returns it.
func As(err error) (*Error, bool) {
	var p *Error
	if errors.As(err, &p) {
		return p, true
	}
	return nil, false
}

// HasCode reports whether err is an *Error with the given code.
func HasCode(err error, code string) bool {
	p, ok := As(err)
	return ok && p.Code == code
}

func newf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Title: http.StatusText(status), Detail: fmt.Sprintf(format, args...)}
}

// Invalid is a 400 for one or more invalid fields.
func Invalid(fields ...FieldError) *Error {
	e := &Error{Status: http.StatusBadRequest, Code: "validation_failed", Title: "Invalid request", Fields: fields}
	switch len(fields) {
	case 0:
		e.Detail = "the request is invalid"
	case 1:
		e.Detail = fields[0].Field + ": " + fields[0].Message
	default:
		e.Detail = fmt.Sprintf("%d fields are invalid", len(fields))
	}
	return e
}

// Field is shorthand for a FieldError.
func Field(field, code, message string) FieldError {
	return FieldError{Field: field, Code: code, Message: message}
}

// BadRequest is a 400 with its own code (malformed JSON, invalid_uscc …).
func BadRequest(code, format string, args ...any) *Error {
	return newf(http.StatusBadRequest, code, format, args...)
}

// Unauthorized is a 401.
func Unauthorized(code, format string, args ...any) *Error {
	return newf(http.StatusUnauthorized, code, format, args...)
}

// Forbidden is a 403: the caller's role may never do this.
func Forbidden(format string, args ...any) *Error {
	return newf(http.StatusForbidden, "forbidden", format, args...)
}

// NotFound is a 404; also used for another tenant's object so existence is
// not leaked.
func NotFound(what string) *Error {
	return newf(http.StatusNotFound, "not_found", "%s not found", what)
}

// Conflict is a 409 (wrong state, uniqueness).
func Conflict(code, format string, args ...any) *Error {
	return newf(http.StatusConflict, code, format, args...)
}

// InvalidState is the 409 for an illegal state transition; it names the
// current state.
func InvalidState(current, format string, args ...any) *Error {
	return newf(http.StatusConflict, "invalid_state", format, args...).With("current_state", current)
}

// Unprocessable is a 422: well-formed but refused by a business rule.
func Unprocessable(code, format string, args ...any) *Error {
	return newf(http.StatusUnprocessableEntity, code, format, args...)
}

// TooLarge is a 413.
func TooLarge(format string, args ...any) *Error {
	return newf(http.StatusRequestEntityTooLarge, "payload_too_large", format, args...)
}

// TooManyRequests is a 429 with Retry-After in whole seconds.
func TooManyRequests(retryAfterSeconds int, format string, args ...any) *Error {
	e := newf(http.StatusTooManyRequests, "rate_limited", format, args...)
	e.Headers = map[string]string{"Retry-After": fmt.Sprint(retryAfterSeconds)}
	return e
}

// Unavailable is a 503 (a dependency such as the database is down).
func Unavailable(code, format string, args ...any) *Error {
	return newf(http.StatusServiceUnavailable, code, format, args...)
}
