//go:build !sqlite_fts5

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// Built without the tag, the binary refuses to start and says how to
// build it. (CI builds with the tag, so this runs only on such a build.)
func TestRefusesWithoutFTS5(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"serve", "--demo"}, nil, &out, &out, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "-tags sqlite_fts5") {
		t.Fatalf("want the build-tag message, got %v", err)
	}
}
