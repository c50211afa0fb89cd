package api_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ipledge/ipledge/api"
	"github.com/ipledge/ipledge/app/apptest"
)

// The OpenAPI document (api/openapi.yaml) against the router: every route
// the server serves is documented with its method, every documented
// operation is served, and the document states what the route table and
// the middleware do (roles, public routes, Idempotency-Key, problems).
// app/apptest checks the document against the real traffic of the API
// tests.

var ginParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// openAPIPath turns a served gin path into the document's form:
// /api/v1 stripped, :id → {id}.
func openAPIPath(ginPath string) string {
	return ginParam.ReplaceAllString(strings.TrimPrefix(ginPath, v1), "{$1}")
}

func loadDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := api.LoadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// operations lists the document's operations as "METHOD /path".
func operations(doc *openapi3.T) map[string]*openapi3.Operation {
	out := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			out[method+" "+path] = op
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	env := apptest.New(t, apptest.WithoutDemo())
	doc := loadDoc(t)
	if len(doc.Servers) != 1 || doc.Servers[0].URL != v1 {
		t.Fatalf("the document's server must be %s", v1)
	}
	documented := operations(doc)
	served := map[string]bool{}
	for _, r := range env.App.API.Engine().Routes() {
		if !strings.HasPrefix(r.Path, v1+"/") {
			t.Errorf("%s %s is served outside %s", r.Method, r.Path, v1)
			continue
		}
		key := r.Method + " " + openAPIPath(r.Path)
		served[key] = true
		if documented[key] == nil {
			t.Errorf("%s %s is served but not documented in api/openapi.yaml (as %s)", r.Method, r.Path, key)
		}
	}
	for _, key := range sortedKeys(documented) {
		if !served[key] {
			t.Errorf("api/openapi.yaml documents %s, which the server does not serve", key)
		}
	}
	t.Logf("%d operations documented, %d routes served", len(documented), len(served))
}

// x-roles and security say what the route table says.
func TestOpenAPIRolesMatchTheRouteTable(t *testing.T) {
	env := apptest.New(t, apptest.WithoutDemo())
	documented := operations(loadDoc(t))
	for _, r := range env.App.API.Routes() {
		key := r.Method + " " + openAPIPath(r.Path)
		op := documented[key]
		if op == nil {
			continue // TestOpenAPIDocumentsEveryRoute reports it
		}
		public := op.Security != nil && len(*op.Security) == 0
		if public != r.Public {
			t.Errorf("%s: the route is public=%v, the document says security: [] = %v", key, r.Public, public)
		}
		var roles []string
		if raw, ok := op.Extensions["x-roles"]; ok {
			list, ok := raw.([]any)
			if !ok {
				t.Errorf("%s: x-roles is %T, want a list", key, raw)
			}
			for _, x := range list {
				roles = append(roles, fmt.Sprint(x))
			}
		}
		want := slices.Clone(r.Roles)
		slices.Sort(want)
		slices.Sort(roles)
		if !slices.Equal(roles, want) {
			t.Errorf("%s: x-roles %v, the route table says %v", key, roles, want)
		}
	}
}

// Every operation documents the responses the middleware and the
// conventions give it, and every error is a Problem.
func TestOpenAPIOperationsFollowTheConventions(t *testing.T) {
	ops := operations(loadDoc(t))
	everyone := len(roleUser) // every role has a demo account
	for _, key := range sortedKeys(ops) {
		op := ops[key]
		method, path, _ := strings.Cut(key, " ")
		t.Run(key, func(t *testing.T) {
			status := map[string]*openapi3.ResponseRef{}
			if op.Responses != nil {
				status = op.Responses.Map()
			}
			need := func(code, why string) {
				t.Helper()
				if status[code] == nil {
					t.Errorf("no %s response (%s)", code, why)
				}
			}
			public := op.Security != nil && len(*op.Security) == 0
			roles, _ := op.Extensions["x-roles"].([]any)
			need("500", "any operation may fail")
			if !public {
				need("401", "it needs a token")
				if r := status["401"]; r != nil && r.Ref != "#/components/responses/Unauthorized" {
					t.Errorf("401 is %q, want the shared Unauthorized (with WWW-Authenticate)", r.Ref)
				}
				if len(roles) < everyone {
					need("403", "not every role may call it")
				}
			} else if len(roles) > 0 {
				t.Error("a public operation lists x-roles")
			}
			if status["403"] != nil && len(roles) == everyone {
				t.Error("documents 403, but every role may call it")
			}
			if strings.Contains(path, "{") {
				need("404", "it names an object")
			}
			if op.RequestBody != nil {
				need("400", "it reads a JSON body")
				need("413", "its body is limited")
				rb := op.RequestBody.Value
				if isUpload(rb) {
					need("415", "it reads only CSV and XLSX files")
				} else if len(rb.Content) != 1 || rb.Content.Get("application/json") == nil {
					t.Errorf("the request body must be application/json only")
				} else if s := rb.Content.Get("application/json").Schema; s == nil || s.Value == nil || !s.Value.Type.Is("object") {
					t.Errorf("the request body must be a JSON object")
				} else if ap := s.Value.AdditionalProperties; ap.Has == nil || *ap.Has || ap.Schema != nil {
					t.Errorf("the request body schema %s must say additionalProperties: false (unknown fields are refused)", s.Ref)
				}
			}
			for _, p := range op.Parameters {
				if p.Value.In == openapi3.ParameterInQuery {
					need("400", "query parameter "+p.Value.Name+" is checked")
				}
			}
			idempotent := method == http.MethodPost && !public && !strings.HasPrefix(path, "/auth/")
			hasKey := op.Parameters.GetByInAndName(openapi3.ParameterInHeader, "Idempotency-Key") != nil
			if idempotent != hasKey {
				t.Errorf("Idempotency-Key parameter documented = %v, but the server takes one = %v", hasKey, idempotent)
			}
			if idempotent {
				need("400", "a malformed Idempotency-Key")
				need("409", "idempotency_in_progress")
				need("413", "the body of an idempotent request is limited")
				need("422", "idempotency_key_reused")
			}
			successes := 0
			for _, code := range sortedKeys(status) {
				r := status[code].Value
				switch {
				case code >= "200" && code < "300":
					successes++
					if code == "204" {
						if len(r.Content) != 0 {
							t.Errorf("204 with content")
						}
					} else if (len(r.Content) != 1 || r.Content.Get("application/json") == nil) && !isDownload(r) {
						t.Errorf("%s must be application/json (or a download: binary files only)", code)
					}
					if code == "202" && status["200"] != nil {
						successes-- // a large import: 202 instead of the 200 of a small one
					}
					if idempotent && r.Headers["Idempotent-Replayed"] == nil {
						t.Errorf("%s does not document the Idempotent-Replayed header", code)
					}
				case code >= "400" && code < "600":
					mt := r.Content.Get("application/problem+json")
					if len(r.Content) != 1 || mt == nil || mt.Schema == nil || mt.Schema.Ref != "#/components/schemas/Problem" {
						t.Errorf("%s must be application/problem+json with the Problem schema", code)
					}
				default:
					t.Errorf("unexpected response %q", code)
				}
			}
			if successes != 1 {
				t.Errorf("%d success responses, want 1", successes)
			}
			if op.OperationID == "" {
				t.Error("no operationId")
			}
		})
	}
}

// isBinary reports whether a media type's schema is a file.
func isBinary(mt *openapi3.MediaType) bool {
	return mt != nil && mt.Schema != nil && mt.Schema.Value != nil && mt.Schema.Value.Type.Is("string") && mt.Schema.Value.Format == "binary"
}

// isUpload reports whether a request body is a file upload: a multipart
// form whose field "file" is binary, and otherwise binary bodies only.
func isUpload(rb *openapi3.RequestBody) bool {
	form := rb.Content.Get("multipart/form-data")
	if form == nil || form.Schema == nil || form.Schema.Value == nil || form.Schema.Value.Properties["file"] == nil ||
		!isBinary(&openapi3.MediaType{Schema: form.Schema.Value.Properties["file"]}) {
		return false
	}
	for name, mt := range rb.Content {
		if name != "multipart/form-data" && !isBinary(mt) {
			return false
		}
	}
	return true
}

// isDownload reports whether a response is a file: binary content only,
// named by Content-Disposition.
func isDownload(r *openapi3.Response) bool {
	if len(r.Content) == 0 || r.Headers["Content-Disposition"] == nil {
		return false
	}
	for _, mt := range r.Content {
		if !isBinary(mt) {
			return false
		}
	}
	return true
}

// The document is served at /api/v1/openapi.json without a token, as
// JSON that loads as the same document.
func TestOpenAPIIsServed(t *testing.T) {
	env := apptest.New(t, apptest.WithoutDemo())
	r := env.Do(t, http.MethodGet, v1+"/openapi.json", "", nil)
	r.WantStatus(t, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	served, err := openapi3.NewLoader().LoadFromData(r.Body)
	if err != nil {
		t.Fatalf("the served document does not load: %v", err)
	}
	if err := served.Validate(context.Background()); err != nil {
		t.Fatalf("the served document is not valid: %v", err)
	}
	want := operations(loadDoc(t))
	got := operations(served)
	if !slices.Equal(sortedKeys(got), sortedKeys(want)) {
		t.Fatalf("served operations %v, want %v", sortedKeys(got), sortedKeys(want))
	}
	if served.OpenAPI != "3.0.3" {
		t.Errorf("openapi %q", served.OpenAPI)
	}
}
