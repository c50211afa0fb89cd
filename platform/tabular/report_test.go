package tabular_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/platform/tabular"
)

func TestParseMode(t *testing.T) {
	tests := []struct {
		in   string
		want tabular.Mode
		bad  bool
	}{
		{"", tabular.AllOrNothing, false},
		{"all_or_nothing", tabular.AllOrNothing, false},
		{" valid_rows ", tabular.ValidRows, false},
		{"VALID_ROWS", "", true},
		{"some", "", true},
	}
	for _, tc := range tests {
		got, err := tabular.ParseMode(tc.in)
		if tc.bad {
			p := wantProblem(t, err, http.StatusBadRequest, "validation_failed")
			if len(p.Fields) != 1 || p.Fields[0].Field != "mode" {
				t.Errorf("%q: fields = %+v", tc.in, p.Fields)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseMode(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestReportCounts(t *testing.T) {
	r := tabular.NewReport("", 5)
	if r.Mode != tabular.AllOrNothing || r.Valid != 5 || r.Rejected() {
		t.Fatalf("new report = %+v", r)
	}
	r.Add(tabular.RowError{Row: 3, Column: "企业名称", Code: "required", Message: "企业名称不能为空"})
	r.Add(tabular.RowError{Row: 3, Column: "统一社会信用代码", Code: "invalid_uscc", Message: "校验码错误"})
	r.Add(tabular.RowError{Row: 6, Code: "duplicate", Message: "与第 3 行重复"})
	if r.Total != 5 || r.Valid != 3 || r.Invalid != 2 || len(r.Errors) != 3 {
		t.Errorf("report = %+v, want 3 valid, 2 invalid rows, 3 errors", r)
	}
	if !r.Failed(3) || r.Failed(4) || !r.Rejected() {
		t.Errorf("Failed(3) %v, Failed(4) %v, Rejected %v", r.Failed(3), r.Failed(4), r.Rejected())
	}
	r.Mode = tabular.ValidRows
	if r.Rejected() {
		t.Error("a valid_rows import is never rejected")
	}

	// A report decoded from JSON (a stored job report) still counts rows.
	b, _ := json.Marshal(r)
	var back tabular.Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	back.Add(tabular.RowError{Row: 6, Code: "x"})
	if back.Invalid != 2 || !back.Failed(6) {
		t.Errorf("decoded report = %+v", back)
	}
}

func TestReportCapsErrors(t *testing.T) {
	r := tabular.NewReport(tabular.AllOrNothing, 5000)
	for row := 2; row < 2+3000; row++ {
		r.Add(tabular.RowError{Row: row, Code: "a"})
		r.Add(tabular.RowError{Row: row, Code: "b"})
	}
	if len(r.Errors) != tabular.MaxReportedErrors || r.ErrorsOmitted != 6000-tabular.MaxReportedErrors {
		t.Errorf("%d errors, %d omitted", len(r.Errors), r.ErrorsOmitted)
	}
	if r.Invalid != 3000 || r.Valid != 2000 {
		t.Errorf("invalid %d, valid %d", r.Invalid, r.Valid)
	}
}

func TestReportProblem(t *testing.T) {
	if err := tabular.ReportProblem(tabular.NewReport(tabular.AllOrNothing, 3)); err != nil {
		t.Errorf("clean report: %v", err)
	}
	vr := tabular.NewReport(tabular.ValidRows, 3)
	vr.Add(tabular.RowError{Row: 2, Code: "x"})
	if err := tabular.ReportProblem(vr); err != nil {
		t.Errorf("valid_rows report: %v", err)
	}

	r := tabular.NewReport(tabular.AllOrNothing, 3)
	e := tabular.RowError{Row: 4, Column: "企业名称", Code: "required", Message: "企业名称不能为空"}
	r.Add(e)
	err := tabular.ReportProblem(r)
	p := wantProblem(t, err, http.StatusUnprocessableEntity, "import_rejected")
	if got := p.Extra["row_errors"]; !reflect.DeepEqual(got, []tabular.RowError{e}) {
		t.Errorf("row_errors = %+v", got)
	}
	if p.Extra["total"] != 3 || p.Extra["invalid"] != 1 {
		t.Errorf("extra = %+v", p.Extra)
	}
	if _, ok := problem.As(err); !ok {
		t.Error("not a problem")
	}
	// The wire form of a row error.
	b, _ := json.Marshal(e)
	if string(b) != `{"row":4,"column":"企业名称","code":"required","message":"企业名称不能为空"}` {
		t.Errorf("json = %s", b)
	}
}
