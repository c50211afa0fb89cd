// Package tabular imports and exports tables — CSV and XLSX — for every
// domain that takes spreadsheets from its users (whitelist nominations and
// batch entries, the patent registry, university listings).
//
// It knows nothing of those domains. A caller declares the columns it
// expects in a Spec; Read finds them in the file's header row, whatever
// its encoding (UTF-8 with or without BOM, or the GB18030 that Chinese
// Excel writes) and returns the data rows with their true spreadsheet row
// numbers, so that the caller's row errors (RowError, Report) point at the
// cell the user sees. Large imports run as background jobs (Jobs), and
// exports stream (WriteCSV, WriteXLSX).
//
// Failures the user can fix are *problem.Error values with stable codes:
// 400 undecodable_file, invalid_header, empty_file, malformed_file; 413
// too_many_rows, file_too_large; 415 unsupported_format.
package tabular

import (
	"fmt"
	"strings"

	"golang.org/x/text/width"
)

// Limits applied when a Spec leaves them zero.
const (
	// DefaultMaxRows bounds the data rows of one file.
	DefaultMaxRows = 200_000
	// DefaultMaxFileBytes bounds the file as uploaded. The API's own
	// upload limit is normally lower; this is the package's last guard.
	DefaultMaxFileBytes = 100 << 20
	// DefaultMaxUnzipBytes bounds the uncompressed size of an XLSX (zip
	// bombs): a 200,000-row sheet of ten short columns is about 150 MB of
	// XML.
	DefaultMaxUnzipBytes = 256 << 20
	// BackgroundThreshold is the row count above which an import should
	// run as a background job (Jobs.Start) instead of inside the request.
	BackgroundThreshold = 5_000
)

// Column is one column a Spec expects.
type Column struct {
	// Key is the canonical name the caller reads values by ("uscc").
	Key string
	// Headers are the accepted header texts, Chinese and English
	// ("统一社会信用代码", "uscc"). Matching ignores case, surrounding
	// spaces, a BOM, repeated inner spaces and full-width forms.
	Headers []string
	// Required columns must be present in the header row.
	Required bool
}

// Spec declares the columns of a table and the limits of a file.
type Spec struct {
	Columns []Column
	// AllowExtra accepts header cells that match no column (their values
	// are ignored). Without it an unknown column is an invalid_header.
	AllowExtra bool
	// MaxRows bounds the data rows (blank rows not counted); 0 means
	// DefaultMaxRows. More is 413 too_many_rows.
	MaxRows int
	// MaxFileBytes bounds the file; 0 means DefaultMaxFileBytes.
	MaxFileBytes int64
	// MaxUnzipBytes bounds an XLSX's uncompressed size; 0 means
	// DefaultMaxUnzipBytes.
	MaxUnzipBytes int64
	// HeaderSearchRows lets the header row be any of the first n non-blank
	// rows (templates often carry a title row above it); 0 or 1 means the
	// first non-blank row is the header.
	HeaderSearchRows int
}

func (s Spec) maxRows() int {
	if s.MaxRows > 0 {
		return s.MaxRows
	}
	return DefaultMaxRows
}

func (s Spec) maxFileBytes() int64 {
	if s.MaxFileBytes > 0 {
		return s.MaxFileBytes
	}
	return DefaultMaxFileBytes
}

func (s Spec) maxUnzipBytes() int64 {
	if s.MaxUnzipBytes > 0 {
		return s.MaxUnzipBytes
	}
	return DefaultMaxUnzipBytes
}

func (s Spec) headerSearchRows() int {
	if s.HeaderSearchRows > 1 {
		return s.HeaderSearchRows
	}
	return 1
}

// compiled is a Spec checked and indexed for header matching.
type compiled struct {
	Spec
	byHeader map[string]int // normalised header → index into Columns
}

// compile checks the Spec. Its errors are programming errors (500s), not
// problems with the user's file.
func (s Spec) compile() (*compiled, error) {
	if len(s.Columns) == 0 {
		return nil, fmt.Errorf("tabular: spec has no columns")
	}
	c := &compiled{Spec: s, byHeader: map[string]int{}}
	keys := map[string]bool{}
	for i, col := range s.Columns {
		if col.Key == "" {
			return nil, fmt.Errorf("tabular: column %d has no key", i)
		}
		if keys[col.Key] {
			return nil, fmt.Errorf("tabular: column key %q is declared twice", col.Key)
		}
		keys[col.Key] = true
		if len(col.Headers) == 0 {
			return nil, fmt.Errorf("tabular: column %q has no header names", col.Key)
		}
		for _, h := range col.Headers {
			n := normalizeHeader(h)
			if n == "" {
				return nil, fmt.Errorf("tabular: column %q has a blank header name", col.Key)
			}
			if j, dup := c.byHeader[n]; dup && j != i {
				return nil, fmt.Errorf("tabular: header %q names both %q and %q", h, s.Columns[j].Key, col.Key)
			}
			c.byHeader[n] = i
		}
	}
	return c, nil
}

// normalizeHeader folds a header cell for matching: BOM and zero-width
// characters removed, full-width forms folded to ASCII (（） → ()),
// surrounding spaces trimmed, inner runs of spaces made one, lower case.
func normalizeHeader(h string) string {
	h = strings.Map(func(r rune) rune {
		switch r {
		case '\uFEFF', '\u200B', '\u200C', '\u200D', '\u2060':
			return -1
		}
		return r
	}, h)
	h = width.Fold.String(h)
	h = strings.Join(strings.Fields(h), " ")
	return strings.ToLower(h)
}

// cleanValue trims a data cell and undoes the formula defusing of
// WriteCSV: "'=1+2" reads back as "=1+2".
func cleanValue(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '\'' && isFormulaTrigger(v[1]) {
		v = strings.TrimSpace(v[1:])
	}
	return v
}

// isFormulaTrigger reports whether a cell starting with b would be taken
// for a formula by a spreadsheet (OWASP CSV injection).
func isFormulaTrigger(b byte) bool {
	switch b {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}
