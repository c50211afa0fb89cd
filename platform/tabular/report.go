package tabular

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/ipledge/ipledge/platform/problem"
)

// Mode says what an import does with a file that has invalid rows.
type Mode string

// Modes.
const (
	// AllOrNothing imports nothing when any row is invalid (the default).
	AllOrNothing Mode = "all_or_nothing"
	// ValidRows imports the valid rows and reports the others.
	ValidRows Mode = "valid_rows"
)

// ParseMode parses an import mode; "" is AllOrNothing. Anything else is a
// 400 with a field error on "mode".
func ParseMode(s string) (Mode, error) {
	switch Mode(strings.TrimSpace(s)) {
	case "", AllOrNothing:
		return AllOrNothing, nil
	case ValidRows:
		return ValidRows, nil
	}
	return "", problem.Invalid(problem.Field("mode", "invalid", "mode must be all_or_nothing or valid_rows"))
}

// MaxReportedErrors bounds Report.Errors; further errors are counted in
// ErrorsOmitted (the rows still count as invalid).
const MaxReportedErrors = 1000

// RowError is one problem with one row (and usually one cell) of a file.
type RowError struct {
	// Row is the spreadsheet row number (Row.Number).
	Row int `json:"row"`
	// Column is the header as written in the file; empty for a problem
	// with the row as a whole.
	Column  string `json:"column,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Report is the outcome of validating (and importing) a table.
type Report struct {
	Mode    Mode `json:"mode"`
	Total   int  `json:"total"`
	Valid   int  `json:"valid"`
	Invalid int  `json:"invalid"`
	// Errors in the order they were added, at most MaxReportedErrors.
	Errors        []RowError `json:"errors"`
	ErrorsOmitted int        `json:"errors_omitted,omitempty"`

	bad map[int]bool // rows with at least one error
}

// NewReport starts a report over total data rows, all valid until Add
// says otherwise.
func NewReport(mode Mode, total int) Report {
	if mode == "" {
		mode = AllOrNothing
	}
	return Report{Mode: mode, Total: total, Valid: total, Errors: []RowError{}}
}

// Add records an error. The first error of a row moves it from Valid to
// Invalid; more errors of the same row only add to Errors.
func (r *Report) Add(e RowError) {
	r.index()
	if !r.bad[e.Row] {
		r.bad[e.Row] = true
		r.Invalid++
		if r.Valid > 0 {
			r.Valid--
		}
	}
	if len(r.Errors) >= MaxReportedErrors {
		r.ErrorsOmitted++
		return
	}
	r.Errors = append(r.Errors, e)
}

// Failed reports whether row has an error.
func (r *Report) Failed(row int) bool {
	r.index()
	return r.bad[row]
}

// index builds the set of invalid rows of a report decoded from JSON.
func (r *Report) index() {
	if r.bad == nil {
		r.bad = make(map[int]bool, len(r.Errors))
		for _, x := range r.Errors {
			r.bad[x.Row] = true
		}
	}
}

// Rejected reports whether the import must not write anything: an
// all-or-nothing import with an invalid row.
func (r Report) Rejected() bool {
	return r.Mode != ValidRows && r.Invalid > 0
}

// ReportProblem returns the 422 import_rejected problem for a rejected
// report, with the row errors as the extra member "row_errors", or nil
// when the report is not rejected.
func ReportProblem(r Report) error {
	if !r.Rejected() {
		return nil
	}
	errs := r.Errors
	if errs == nil {
		errs = []RowError{}
	}
	p := &problem.Error{Status: http.StatusUnprocessableEntity, Code: "import_rejected",
		Title: http.StatusText(http.StatusUnprocessableEntity),
		Detail: fmt.Sprintf("%d of %d rows are invalid; nothing was imported (fix them, or import the valid rows with mode valid_rows)",
			r.Invalid, r.Total)}
	p = p.With("row_errors", errs).With("total", r.Total).With("invalid", r.Invalid)
	if r.ErrorsOmitted > 0 {
		p = p.With("errors_omitted", r.ErrorsOmitted)
	}
	return p
}
