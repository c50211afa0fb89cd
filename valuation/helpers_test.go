package valuation

import (
	"testing"

	"github.com/ipledge/ipledge/platform/problem"
)

// wantField fails unless err is a 400 *problem.Error naming field with code.
func wantField(t *testing.T, err error, field, code string) {
	t.Helper()
	p, ok := problem.As(err)
	if !ok {
		t.Fatalf("want *problem.Error with %s/%s, got %v", field, code, err)
	}
	if p.Status != 400 || p.Code != "validation_failed" {
		t.Fatalf("want 400 validation_failed, got %d %s", p.Status, p.Code)
	}
	for _, f := range p.Fields {
		if f.Field == field && f.Code == code {
			return
		}
	}
	t.Fatalf("want field %s code %s, got %+v", field, code, p.Fields)
}

func ptr[T any](v T) *T { return &v }
