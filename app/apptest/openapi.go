package apptest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/ipledge/ipledge/api"
)

// The OpenAPI document (api/openapi.yaml) is checked against real
// traffic: every request Env.Do sends under /api/v1 and the response it
// gets are validated against the document, and a mismatch fails the test.
//
// Requests a test sends malformed on purpose are not held against the
// document:
//   - 400, 413 and 415: the server refused the request itself, so only the
//     response (a problem) is validated;
//   - 401, 403 and 404: the server refused before it read the body or
//     looked at the object (no or a bad token, the wrong role, no such
//     object), so neither the body nor the path parameters are validated
//     (the authorization tests send /calendar/999999999, and /users/abc is
//     a 404);
//   - a method and path the document does not have (unknown routes,
//     405s, routes a test adds to its own engine) is not validated at all;
//     api's route test makes sure every served route is documented.

var (
	openAPIOnce   sync.Once
	openAPIRouter routers.Router
	openAPIErr    error
)

func loadOpenAPIRouter() (routers.Router, error) {
	openAPIOnce.Do(func() {
		// Uploaded and downloaded spreadsheets are opaque files to the
		// document (type string, format binary): no decoder parses them.
		// kin-openapi's own text/csv decoder would parse a CSV and fail on
		// a GB18030 or ragged one the API is meant to receive.
		openapi3filter.RegisterBodyDecoder("text/csv", openapi3filter.FileBodyDecoder)
		openapi3filter.RegisterBodyDecoder(api.XLSXType, openapi3filter.FileBodyDecoder)
		doc, err := api.LoadOpenAPI()
		if err != nil {
			openAPIErr = err
			return
		}
		openAPIRouter, openAPIErr = gorillamux.NewRouter(doc)
	})
	return openAPIRouter, openAPIErr
}

// checkOpenAPI validates one exchange: req as sent (its body is read again
// through GetBody) and the response's status, header and body.
func checkOpenAPI(t testing.TB, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	if !strings.HasPrefix(req.URL.Path, API+"/") {
		return
	}
	if err := validateExchange(req, status, header, body); err != nil {
		shown := body
		if len(shown) > 2000 {
			shown = append(shown[:2000:2000], "…"...)
		}
		t.Errorf("OpenAPI: %s %s → %d does not match api/openapi.yaml:\n%v\nresponse body: %s",
			req.Method, req.URL.RequestURI(), status, err, shown)
	}
}

func validateExchange(req *http.Request, status int, header http.Header, body []byte) error {
	router, err := loadOpenAPIRouter()
	if err != nil {
		return err
	}
	// A copy of the request as sent, with its body readable again.
	r := req.Clone(context.Background())
	r.Body = http.NoBody
	bodyKnown := req.Body == nil || req.Body == http.NoBody
	if req.GetBody != nil {
		b, err := req.GetBody()
		if err != nil {
			return fmt.Errorf("read the request body again: %w", err)
		}
		r.Body = b
		bodyKnown = true
	}
	route, pathParams, err := router.FindRoute(r)
	if err != nil {
		if errors.Is(err, routers.ErrPathNotFound) || errors.Is(err, routers.ErrMethodNotAllowed) {
			return nil // not a documented operation
		}
		return err
	}
	reqInput := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: pathParams,
		Route:      route,
		Options: &openapi3filter.Options{
			AuthenticationFunc:                openapi3filter.NoopAuthenticationFunc,
			MultiError:                        true,
			RejectWhenRequestBodyNotSpecified: true,
			ExcludeRequestBody:                !bodyKnown,
		},
	}
	var errs []error
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		// A refused request: only the response is checked.
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		reqInput.Options.ExcludeRequestBody = true
		if err := openapi3filter.ValidateRequest(context.Background(), reqInput); err != nil {
			if err = withoutPathParamErrors(err); err != nil {
				errs = append(errs, fmt.Errorf("request: %w", err))
			}
		}
	default:
		if err := openapi3filter.ValidateRequest(context.Background(), reqInput); err != nil {
			errs = append(errs, fmt.Errorf("request: %w", err))
		}
	}
	resInput := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqInput,
		Status:                 status,
		Header:                 header,
		Options: &openapi3filter.Options{
			AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
			IncludeResponseStatus: true,
			MultiError:            true,
		},
	}
	resInput.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), resInput); err != nil {
		errs = append(errs, fmt.Errorf("response: %w", err))
	}
	return errors.Join(errs...)
}

// withoutPathParamErrors drops the errors about path parameters from a
// request validation error (nil when nothing else is left).
func withoutPathParamErrors(err error) error {
	list := []error{err}
	var me openapi3.MultiError
	if errors.As(err, &me) {
		list = me
	}
	var kept []error
	for _, e := range list {
		var re *openapi3filter.RequestError
		if errors.As(e, &re) && re.Parameter != nil && re.Parameter.In == openapi3.ParameterInPath {
			continue
		}
		kept = append(kept, e)
	}
	return errors.Join(kept...)
}
