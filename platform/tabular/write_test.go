package tabular_test

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ipledge/ipledge/platform/tabular"
)

type stringer struct{ s string }

func (s stringer) String() string { return s.s }

func TestWriteCSV(t *testing.T) {
	str := "指针"
	var nilStr *string
	n := int64(-42)
	tests := []struct {
		name   string
		values []any
		want   string // the data line, without CRLF
	}{
		{"plain text and Chinese", []any{"a", "太原某某科技有限公司"}, "a,太原某某科技有限公司"},
		{"comma, quote and line break are quoted", []any{"a,b", `he said "hi"`}, `"a,b","he said ""hi"""`},
		{"multi-line cell, CRLF inside", []any{"第一行\n第二行", "x"}, "\"第一行\r\n第二行\",x"},
		{"equals is defused", []any{"=1+2", "=HYPERLINK(\"http://evil\")"}, `'=1+2,"'=HYPERLINK(""http://evil"")"`},
		{"plus and minus are defused", []any{"+86 351", "-2+3"}, "'+86 351,'-2+3"},
		{"at is defused", []any{"@SUM(A1:A9)", "a@b.cn"}, "'@SUM(A1:A9),a@b.cn"},
		// encoding/csv drops a lone CR when it writes CRLF line ends.
		{"tab and CR are defused", []any{"\t=cmd", "\r=cmd"}, "'\t=cmd,\"'=cmd\""},
		{"numbers are not defused", []any{-5, -1.25}, "-5,-1.25"},
		{"int64, uint8, bool", []any{n, uint8(7)}, "-42,7"},
		{"nil and nil pointer are empty", []any{nil, nilStr}, ","},
		{"pointer and Stringer", []any{&str, stringer{"-stringer"}}, "指针,'-stringer"},
		{"time", []any{time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC), true}, "2026-03-01 09:30:00,true"},
		{"leading zeros and long digits stay text", []any{"00123", "91140100MA0GXXXX1A"}, "00123,91140100MA0GXXXX1A"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tabular.WriteCSV(&buf, []string{"A", "B"}, tabular.Rows([][]any{tc.values})); err != nil {
				t.Fatal(err)
			}
			want := "\uFEFFA,B\r\n" + tc.want + "\r\n"
			if got := buf.String(); got != want {
				t.Errorf("got  %q\nwant %q", got, want)
			}
		})
	}
}

func TestWriteCSVHeadersDefusedAndNoRows(t *testing.T) {
	var buf bytes.Buffer
	if err := tabular.WriteCSV(&buf, []string{"=A", "名称"}, tabular.Rows(nil)); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "\uFEFF'=A,名称\r\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// failingWriter fails after n bytes.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, errors.New("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteErrors(t *testing.T) {
	writers := map[string]func(w *failingWriter, headers []string, rows tabular.RowSource) error{
		"csv":  func(w *failingWriter, h []string, r tabular.RowSource) error { return tabular.WriteCSV(w, h, r) },
		"xlsx": func(w *failingWriter, h []string, r tabular.RowSource) error { return tabular.WriteXLSX(w, "s", h, r) },
	}
	for name, write := range writers {
		t.Run(name+" row width", func(t *testing.T) {
			err := write(&failingWriter{n: 1 << 30}, []string{"a", "b"}, tabular.Rows([][]any{{"1", "2"}, {"3"}}))
			if err == nil || !strings.Contains(err.Error(), "row 2 has 1 values for 2 columns") {
				t.Errorf("err = %v", err)
			}
		})
		t.Run(name+" source error", func(t *testing.T) {
			boom := errors.New("query failed")
			err := write(&failingWriter{n: 1 << 30}, []string{"a"}, func(yield func([]any) bool) error {
				yield([]any{"1"})
				return boom
			})
			if !errors.Is(err, boom) {
				t.Errorf("err = %v, want the source's error", err)
			}
		})
		t.Run(name+" writer error stops the source", func(t *testing.T) {
			// The CSV writer fails as its buffer first flushes; the XLSX
			// writer only writes at the end.
			produced, n := 0, 1_000_000
			if name == "xlsx" {
				n = 1000
			}
			err := write(&failingWriter{n: 100}, []string{"a"}, func(yield func([]any) bool) error {
				for i := 0; i < n; i++ {
					produced++
					if !yield([]any{strings.Repeat("x", 100)}) {
						return nil
					}
				}
				return nil
			})
			if err == nil || !strings.Contains(err.Error(), "disk full") {
				t.Errorf("err = %v, want the writer's error", err)
			}
			if name == "csv" && produced > 1000 {
				t.Errorf("the source produced %d rows after the writer failed", produced)
			}
		})
	}
}

func TestWriteXLSX(t *testing.T) {
	headers := []string{"统一社会信用代码", "企业名称", "金额（元）", "备注"}
	var buf bytes.Buffer
	rows := func(yield func([]any) bool) error {
		for i := 0; i < 500; i++ {
			if !yield([]any{fmt.Sprintf("9114%014d", i), "太原某某科技有限公司", int64(i) * 100, "=1+1"}) {
				return nil
			}
		}
		return nil
	}
	if err := tabular.WriteXLSX(&buf, "白名单/2026", headers, rows); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetList()[0]
	if sheet != "白名单_2026" {
		t.Errorf("sheet = %q", sheet)
	}
	all, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 501 || !reflect.DeepEqual(all[0], headers) {
		t.Fatalf("%d rows, header %q", len(all), all[0])
	}
	if got := all[500]; !reflect.DeepEqual(got, []string{"911400000000000499", "太原某某科技有限公司", "49900", "=1+1"}) {
		t.Errorf("last row = %q", got)
	}
	// Text is text, never a formula; numbers are numbers.
	if formula, _ := f.GetCellFormula(sheet, "D2"); formula != "" {
		t.Errorf("D2 has formula %q", formula)
	}
	if typ, _ := f.GetCellType(sheet, "C3"); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		t.Errorf("C3 type = %v, want a number", typ)
	}
	// Bold header.
	styleID, err := f.GetCellStyle(sheet, "B1")
	if err != nil {
		t.Fatal(err)
	}
	style, err := f.GetStyle(styleID)
	if err != nil || style.Font == nil || !style.Font.Bold {
		t.Errorf("header style = %+v (%v), want bold", style, err)
	}
	// Widths: the Chinese name is wider than the default; no column is
	// absurdly wide.
	for col, min := range map[string]float64{"A": 18, "B": 20, "C": 10} {
		w, err := f.GetColWidth(sheet, col)
		if err != nil || w < min || w > 60 {
			t.Errorf("column %s width = %v (%v), want %v..60", col, w, err, min)
		}
	}
	panes, err := f.GetPanes(sheet)
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes = %+v (%v), want the header row frozen", panes, err)
	}
}

func TestWriteXLSXNoRows(t *testing.T) {
	var buf bytes.Buffer
	if err := tabular.WriteXLSX(&buf, "", []string{"a", "b"}, tabular.Rows(nil)); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, _ := f.GetRows("Sheet1")
	if !reflect.DeepEqual(all, [][]string{{"a", "b"}}) {
		t.Errorf("rows = %q", all)
	}
}

// TestRoundTrip writes a table with each writer and reads it back.
func TestRoundTrip(t *testing.T) {
	headers := []string{"统一社会信用代码", "企业名称", "备注"}
	values := [][]any{
		{"91140100MA0GXXXX1A", "太原某某科技有限公司", "首批, 重点"},
		{"00123", `名称带"引号"`, "第一行\n第二行"},
		{"=1+2", "-5", "@cmd"},
		{"911401000000000002", 12345, nil},
		{"  padded  ", "大同𠀀材料", "+86 351 1234567"},
	}
	want := []tabular.Row{
		row(2, "91140100MA0GXXXX1A", "太原某某科技有限公司", "note", "首批, 重点"),
		row(3, "00123", `名称带"引号"`, "note", "第一行\n第二行"),
		row(4, "=1+2", "-5", "note", "@cmd"),
		row(5, "911401000000000002", "12345", "note", ""),
		row(6, "padded", "大同𠀀材料", "note", "+86 351 1234567"),
	}
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			var err error
			if format == "csv" {
				err = tabular.WriteCSV(&buf, headers, tabular.Rows(values))
			} else {
				err = tabular.WriteXLSX(&buf, "名单", headers, tabular.Rows(values))
			}
			if err != nil {
				t.Fatal(err)
			}
			table, err := tabular.Read(&buf, "export."+format, spec)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(table.Rows, want) {
				t.Errorf("rows\n got %+v\nwant %+v", table.Rows, want)
			}
		})
	}
}
