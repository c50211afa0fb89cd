package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
)

// openAPIYAML is the hand-written OpenAPI 3 document of the whole API. It
// is served as JSON at GET /api/v1/openapi.json; the route test compares
// its paths with the router's, and apptest validates every request and
// response the API tests exchange against it.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// OpenAPISpec returns the OpenAPI document as written (YAML).
func OpenAPISpec() []byte { return append([]byte(nil), openAPIYAML...) }

// LoadOpenAPI parses and validates the embedded document.
func LoadOpenAPI() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(openAPIYAML)
	if err != nil {
		return nil, fmt.Errorf("api/openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("api/openapi.yaml is not a valid OpenAPI document: %w", err)
	}
	return doc, nil
}

// openAPIJSON converts the document to JSON once, at start.
func openAPIJSON() ([]byte, error) {
	doc, err := LoadOpenAPI()
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("api/openapi.yaml: encode as JSON: %w", err)
	}
	return b, nil
}

// openAPI serves the document (public: it describes the API, it holds no
// data).
func (s *Server) openAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json; charset=utf-8", s.openapi)
}
