package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/problem"
)

// ProblemTypeBase prefixes a problem's code to make its type URI.
const ProblemTypeBase = "https://ipledge.example/problems/"

// maxJSONBody is the largest JSON request body.
const maxJSONBody = 1 << 20

// fail writes err as application/problem+json and aborts the chain. An
// error that is not a *problem.Error is logged and answered with a
// generic 500: never a stack trace or a SQL message.
func fail(c *gin.Context, err error) {
	p, ok := problem.As(err)
	if !ok && db.IsUnavailable(err) {
		logger(c).Warn("database unavailable", "err", err)
		p, ok = &problem.Error{Status: http.StatusServiceUnavailable, Code: "database_unavailable", Title: "Service Unavailable",
			Detail: "the database is unavailable; retry shortly", Headers: map[string]string{"Retry-After": "1"}}, true
	}
	if !ok {
		logger(c).Error("internal error", "err", err)
		p = &problem.Error{Status: http.StatusInternalServerError, Code: "internal", Title: "Internal Server Error",
			Detail: "an internal error occurred; the request id identifies it in the logs"}
	}
	writeProblem(c, p)
}

func writeProblem(c *gin.Context, p *problem.Error) {
	body := map[string]any{
		"type":   ProblemTypeBase + p.Code,
		"title":  p.Title,
		"status": p.Status,
		"detail": p.Detail,
		"code":   p.Code,
	}
	if rid := c.GetString(ctxRequestID); rid != "" {
		body["request_id"] = rid
	}
	if len(p.Fields) > 0 {
		body["errors"] = p.Fields
	}
	for k, v := range p.Extra {
		if _, taken := body[k]; !taken {
			body[k] = v
		}
	}
	for k, v := range p.Headers {
		c.Header(k, v)
	}
	b, _ := json.Marshal(body)
	c.Abort()
	c.Data(p.Status, "application/problem+json", b)
}

// decodeJSON reads the request body into v strictly: at most 1 MiB,
// unknown fields refused, exactly one JSON value.
func decodeJSON(c *gin.Context, v any) error {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBody)
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return jsonError(err)
		}
		return problem.BadRequest("malformed_json", "the body must hold exactly one JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var (
		mbe *http.MaxBytesError
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return problem.TooLarge("the JSON body is larger than %d bytes", maxJSONBody)
	case errors.Is(err, io.EOF):
		return problem.BadRequest("malformed_json", "the request body is empty; a JSON object is required")
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return problem.BadRequest("malformed_json", "the body is not valid JSON")
	case errors.As(err, &typ) && typ.Type == reflect.TypeFor[date.Date]():
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		return problem.Invalid(problem.Field(field, "invalid", field+" must be a date in the form YYYY-MM-DD"))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		return problem.Invalid(problem.Field(field, "wrong_type", fmt.Sprintf("%s must be a JSON %s", field, jsonKind(typ.Type.Kind().String()))))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return problem.Invalid(problem.Field(name, "unknown_field", "this field is not accepted here"))
	default:
		return problem.BadRequest("malformed_json", "the body is not valid JSON")
	}
}

func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"):
		return "integer"
	case strings.HasPrefix(k, "float"):
		return "number"
	case k == "slice":
		return "array"
	case k == "struct", k == "map":
		return "object"
	case k == "bool":
		return "boolean"
	}
	return k
}

// respond renders a service call's outcome: the error as problem+json,
// else v as JSON with status.
func respond[T any](c *gin.Context, status int, v T, err error) {
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(status, v)
}

// bind decodes the request's JSON body into a new B (see decodeJSON); on
// false the refusal has been sent.
func bind[B any](c *gin.Context) (B, bool) {
	var b B
	if err := decodeJSON(c, &b); err != nil {
		fail(c, err)
		return b, false
	}
	return b, true
}
