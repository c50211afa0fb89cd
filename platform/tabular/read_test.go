package tabular_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/platform/tabular"
)

// spec is the whitelist-like table most tests read.
var spec = tabular.Spec{Columns: []tabular.Column{
	{Key: "uscc", Headers: []string{"统一社会信用代码", "uscc"}, Required: true},
	{Key: "name", Headers: []string{"企业名称", "name", "company name"}, Required: true},
	{Key: "note", Headers: []string{"备注", "note"}},
}}

func gb18030(t testing.TB, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode GB18030: %v", err)
	}
	return b
}

// xlsxFile builds a workbook with excelize; rows maps a row number to its
// cells, so rows can be left out (blank).
func xlsxFile(t testing.TB, rows map[int][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for n, cells := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, n)
		if err := f.SetSheetRow("Sheet1", cell, &cells); err != nil {
			t.Fatalf("SetSheetRow: %v", err)
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatalf("write xlsx: %v", err)
	}
	return buf.Bytes()
}

// row is shorthand for an expected row.
func row(n int, uscc, name string, more ...string) tabular.Row {
	v := map[string]string{"uscc": uscc, "name": name}
	for i := 0; i+1 < len(more); i += 2 {
		v[more[i]] = more[i+1]
	}
	return tabular.Row{Number: n, Values: v}
}

func wantProblem(t *testing.T, err error, status int, code string) *problem.Error {
	t.Helper()
	p, ok := problem.As(err)
	if !ok {
		t.Fatalf("err = %v (%T), want problem %d %s", err, err, status, code)
	}
	if p.Status != status || p.Code != code {
		t.Fatalf("problem = %d %s (%s), want %d %s", p.Status, p.Code, p.Detail, status, code)
	}
	return p
}

func TestRead(t *testing.T) {
	const uscc1, uscc2 = "91140100MA0GXXXX1A", "91140100MA0GYYYY2B"
	bigRows := map[int][]any{1: {"uscc", "name"}}
	for i := 2; i <= 12; i++ {
		bigRows[i] = []any{"x", "y"}
	}
	tests := []struct {
		name     string
		filename string
		data     []byte
		spec     *tabular.Spec
		// want
		format   tabular.Format
		encoding string
		header   int
		rows     []tabular.Row
		status   int
		code     string
		detail   string // substring of the problem's detail
	}{
		{
			name:     "UTF-8 CSV with BOM, CRLF",
			filename: "名单.csv",
			data:     []byte("\uFEFF统一社会信用代码,企业名称,备注\r\n" + uscc1 + ",太原某某科技有限公司,首批\r\n" + uscc2 + ",大同某某材料有限公司,\r\n"),
			format:   tabular.CSV, encoding: tabular.EncodingUTF8, header: 1,
			rows: []tabular.Row{row(2, uscc1, "太原某某科技有限公司", "note", "首批"), row(3, uscc2, "大同某某材料有限公司", "note", "")},
		},
		{
			name:     "UTF-8 CSV without BOM, LF, English headers, cells trimmed",
			filename: "list.CSV",
			data:     []byte("USCC , Company Name\n  " + uscc1 + "  ,\t太原某某科技有限公司 \n"),
			format:   tabular.CSV, encoding: tabular.EncodingUTF8, header: 1,
			rows: []tabular.Row{row(2, uscc1, "太原某某科技有限公司")},
		},
		{
			name:     "GB18030 CSV as Chinese Excel saves it",
			filename: "名单.csv",
			data:     gb18030(t, "统一社会信用代码,企业名称,备注\r\n"+uscc1+",晋中𠀀某某有限公司,“引号”\r\n"),
			format:   tabular.CSV, encoding: tabular.EncodingGB18030, header: 1,
			rows: []tabular.Row{row(2, uscc1, "晋中𠀀某某有限公司", "note", "“引号”")},
		},
		{
			name:     "XLSX made with excelize",
			filename: "名单.xlsx",
			data:     xlsxFile(t, map[int][]any{1: {"统一社会信用代码", "企业名称"}, 2: {uscc1, "太原某某科技有限公司"}, 3: {uscc2, 12345}}),
			format:   tabular.XLSX, header: 1,
			rows: []tabular.Row{row(2, uscc1, "太原某某科技有限公司"), row(3, uscc2, "12345")},
		},
		{
			name:     "XLSX blank rows are skipped but counted",
			filename: "名单.xlsx",
			data:     xlsxFile(t, map[int][]any{1: {"uscc", "name"}, 2: {uscc1, "a"}, 5: {uscc2, "b"}, 6: {"", " "}, 9: {"c", "d"}}),
			format:   tabular.XLSX, header: 1,
			rows: []tabular.Row{row(2, uscc1, "a"), row(5, uscc2, "b"), row(9, "c", "d")},
		},
		{
			name:     "XLSX sniffed without an extension",
			filename: "upload",
			data:     xlsxFile(t, map[int][]any{1: {"uscc", "name"}, 2: {"a", "b"}}),
			format:   tabular.XLSX, header: 1,
			rows: []tabular.Row{row(2, "a", "b")},
		},
		{
			name:     "XLSX named .csv is read as XLSX",
			filename: "wrong.csv",
			data:     xlsxFile(t, map[int][]any{1: {"uscc", "name"}, 2: {"a", "b"}}),
			format:   tabular.XLSX, header: 1,
			rows: []tabular.Row{row(2, "a", "b")},
		},
		{
			name:     "blank lines are skipped, numbering stays true to the file",
			filename: "a.csv",
			data:     []byte("\n\nuscc,name\n\na,1\n,\n  ,  \nb,2\n\n"),
			format:   tabular.CSV, encoding: tabular.EncodingUTF8, header: 3,
			rows: []tabular.Row{row(5, "a", "1"), row(8, "b", "2")},
		},
		{
			name:     "quoted multi-line cells are one row each",
			filename: "a.csv",
			data:     []byte("uscc,name,note\r\na,\"第一行\r\n第二行\",\"he said \"\"hi\"\", ok\"\r\nb,x,\"1\n2\n3\"\r\n\r\nc,y,z\r\n"),
			format:   tabular.CSV, encoding: tabular.EncodingUTF8, header: 1,
			rows: []tabular.Row{row(2, "a", "第一行\n第二行", "note", `he said "hi", ok`), row(3, "b", "x", "note", "1\n2\n3"), row(5, "c", "y", "note", "z")},
		},
		{
			name:     "classic Mac CR line ends",
			filename: "a.csv",
			data:     []byte("uscc,name\ra,1\r\rb,2\r"),
			format:   tabular.CSV, encoding: tabular.EncodingUTF8, header: 1,
			rows: []tabular.Row{row(2, "a", "1"), row(4, "b", "2")},
		},
		{
			name:     "headers match case-, space-, BOM- and width-insensitively",
			filename: "a.csv",
			data:     []byte("\uFEFF  ＵＳＣＣ ,COMPANY   NAME,Note\nA,B,C\n"),
			format:   tabular.CSV, encoding: tabular.EncodingUTF8, header: 1,
			rows: []tabular.Row{row(2, "A", "B", "note", "C")},
		},
		{
			name:     "defused formulas read back as written",
			filename: "a.csv",
			data:     []byte("uscc,name,note\n'=1+2,'-5,'@SUM(A1)\n"),
			format:   tabular.CSV, encoding: tabular.EncodingUTF8, header: 1,
			rows: []tabular.Row{row(2, "=1+2", "-5", "note", "@SUM(A1)")},
		},
		{
			name:     "short rows and columns without a header",
			filename: "a.csv",
			data:     []byte("uscc,name,,\na\nb,c,ignored,too\n"),
			format:   tabular.CSV, encoding: tabular.EncodingUTF8, header: 1,
			rows: []tabular.Row{row(2, "a", ""), row(3, "b", "c")},
		},
		{
			name:     "extra columns allowed when the spec says so",
			filename: "a.csv",
			data:     []byte("uscc,name,联系人\na,b,张三\n"),
			spec:     &tabular.Spec{Columns: spec.Columns, AllowExtra: true},
			format:   tabular.CSV, encoding: tabular.EncodingUTF8, header: 1,
			rows: []tabular.Row{row(2, "a", "b")},
		},
		{
			name:     "a title row above the header",
			filename: "a.xlsx",
			data:     xlsxFile(t, map[int][]any{1: {"2026年第一批白名单"}, 3: {"统一社会信用代码", "企业名称"}, 4: {"a", "b"}}),
			spec:     &tabular.Spec{Columns: spec.Columns, HeaderSearchRows: 3},
			format:   tabular.XLSX, header: 3,
			rows: []tabular.Row{row(4, "a", "b")},
		},
		{
			name: "wrong headers", filename: "a.csv",
			data:   []byte("代码,名称\na,b\n"),
			status: 400, code: "invalid_header", detail: "missing required columns: 统一社会信用代码, 企业名称",
		},
		{
			name: "unknown column", filename: "a.csv",
			data:   []byte("uscc,name,联系人\na,b,c\n"),
			status: 400, code: "invalid_header", detail: "unknown columns: 联系人",
		},
		{
			name: "a column twice", filename: "a.csv",
			data:   []byte("uscc,name,统一社会信用代码\na,b,c\n"),
			status: 400, code: "invalid_header", detail: "repeated columns: 统一社会信用代码",
		},
		{
			name: "title row without HeaderSearchRows", filename: "a.xlsx",
			data:   xlsxFile(t, map[int][]any{1: {"2026年第一批白名单"}, 2: {"uscc", "name"}, 3: {"a", "b"}}),
			status: 400, code: "invalid_header", detail: "row 1",
		},
		{name: "empty file", filename: "a.csv", data: nil, status: 400, code: "empty_file"},
		{name: "BOM only", filename: "a.csv", data: []byte("\uFEFF\r\n"), status: 400, code: "empty_file"},
		{name: "whitespace only", filename: "a.csv", data: []byte(" \r\n\r\n"), status: 400, code: "empty_file"},
		{name: "empty cells only", filename: "a.csv", data: []byte(",,\n,,\n"), status: 400, code: "empty_file"},
		{name: "header only", filename: "a.csv", data: []byte("uscc,name\r\n"), status: 400, code: "empty_file", detail: "no data rows"},
		{name: "header and blank lines", filename: "a.csv", data: []byte("uscc,name\n\n,\n"), status: 400, code: "empty_file"},
		{name: "empty XLSX", filename: "a.xlsx", data: xlsxFile(t, nil), status: 400, code: "empty_file"},
		{name: "XLSX header only", filename: "a.xlsx", data: xlsxFile(t, map[int][]any{1: {"uscc", "name"}}), status: 400, code: "empty_file"},
		{
			name: "undecodable bytes", filename: "a.csv",
			data:   []byte("uscc,name\nA,\xd6\xd0\xce\xc4\nB,\xff\xfe\xfd\n"),
			status: 400, code: "undecodable_file", detail: "line 3",
		},
		{
			name: "UTF-8 BOM with invalid UTF-8", filename: "a.csv",
			data:   []byte("\xEF\xBB\xBFuscc,name\nA,\xd6\xd0\n"),
			status: 400, code: "undecodable_file", detail: "line 2",
		},
		{name: "UTF-16", filename: "a.csv", data: []byte("\xFF\xFEu\x00s\x00"), status: 400, code: "undecodable_file", detail: "UTF-16"},
		{name: "binary", filename: "a.csv", data: []byte("uscc,name\n\x00\x01\x02"), status: 400, code: "undecodable_file", detail: "binary"},
		{name: "bare quote", filename: "a.csv", data: []byte("uscc,name\na,b\"c\n"), status: 400, code: "malformed_file", detail: "line 2"},
		{name: "unterminated quote", filename: "a.csv", data: []byte("uscc,name\na,\"bc\n"), status: 400, code: "malformed_file"},
		{name: "not a workbook", filename: "a.xlsx", data: []byte("uscc,name\na,b\n"), status: 400, code: "malformed_file"},
		{name: "truncated workbook", filename: "a.xlsx", data: xlsxFile(t, map[int][]any{1: {"uscc"}})[:200], status: 400, code: "malformed_file"},
		{name: "old .xls", filename: "a.xls", data: append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, 0, 0), status: 415, code: "unsupported_format"},
		{name: "encrypted workbook", filename: "a.xlsx", data: append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, 0, 0), status: 415, code: "unsupported_format"},
		{name: "PDF", filename: "a.pdf", data: []byte("%PDF-1.7"), status: 415, code: "unsupported_format"},
		{
			name: "CSV over MaxRows", filename: "a.csv",
			data:   []byte("uscc,name\na,1\nb,2\n\n\nc,3\n"),
			spec:   &tabular.Spec{Columns: spec.Columns, MaxRows: 2},
			status: 413, code: "too_many_rows",
		},
		{
			name: "CSV at MaxRows", filename: "a.csv",
			data:   []byte("uscc,name\na,1\n\n\nb,2\n\n\n"),
			spec:   &tabular.Spec{Columns: spec.Columns, MaxRows: 2},
			format: tabular.CSV, encoding: tabular.EncodingUTF8, header: 1,
			rows: []tabular.Row{row(2, "a", "1"), row(5, "b", "2")},
		},
		{
			name: "XLSX over MaxRows", filename: "a.xlsx",
			data:   xlsxFile(t, bigRows),
			spec:   &tabular.Spec{Columns: spec.Columns, MaxRows: 10},
			status: 413, code: "too_many_rows",
		},
		{
			name: "file over MaxFileBytes", filename: "a.csv",
			data:   []byte("uscc,name\n" + strings.Repeat("a,b\n", 100)),
			spec:   &tabular.Spec{Columns: spec.Columns, MaxFileBytes: 100},
			status: 413, code: "file_too_large",
		},
		{
			name: "XLSX over MaxUnzipBytes", filename: "a.xlsx",
			data:   xlsxFile(t, map[int][]any{1: {"uscc", "name"}, 2: {strings.Repeat("x", 30_000), "y"}}),
			spec:   &tabular.Spec{Columns: spec.Columns, MaxUnzipBytes: 20_000},
			status: 413, code: "file_too_large",
		},
		{
			name: "zip bomb", filename: "bomb.xlsx",
			data:   zipBomb(t, 64<<20),
			spec:   &tabular.Spec{Columns: spec.Columns, MaxUnzipBytes: 32 << 20},
			status: 413, code: "file_too_large",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := spec
			if tc.spec != nil {
				s = *tc.spec
			}
			table, err := tabular.Read(bytes.NewReader(tc.data), tc.filename, s)
			if tc.code != "" {
				p := wantProblem(t, err, tc.status, tc.code)
				if !strings.Contains(p.Detail, tc.detail) {
					t.Errorf("detail %q does not contain %q", p.Detail, tc.detail)
				}
				return
			}
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if table.Format != tc.format || table.Encoding != tc.encoding || table.HeaderRow != tc.header {
				t.Errorf("format, encoding, header row = %s, %q, %d; want %s, %q, %d",
					table.Format, table.Encoding, table.HeaderRow, tc.format, tc.encoding, tc.header)
			}
			if !reflect.DeepEqual(table.Rows, tc.rows) {
				t.Errorf("rows\n got %+v\nwant %+v", table.Rows, tc.rows)
			}
		})
	}
}

// zipBomb is an .xlsx-shaped zip whose sheet inflates to size bytes.
func zipBomb(t *testing.T, size int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for i := 0; i < size/len(chunk); i++ {
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > size/500 {
		t.Fatalf("bomb is %d bytes, not much of a bomb", buf.Len())
	}
	return buf.Bytes()
}

func TestReadInvalidHeaderProblem(t *testing.T) {
	_, err := tabular.Read(strings.NewReader("\uFEFF企业名称,联系人, 企业名称 \na,b,c\n"), "a.csv", spec)
	p := wantProblem(t, err, http.StatusBadRequest, "invalid_header")
	if got := p.Extra["found"]; !reflect.DeepEqual(got, []string{"企业名称", "联系人", "企业名称"}) {
		t.Errorf("found = %q", got)
	}
	exp, _ := p.Extra["expected"].([]tabular.ExpectedColumn)
	if len(exp) != 3 || exp[0].Key != "uscc" || !exp[0].Required || exp[2].Required {
		t.Errorf("expected = %+v", exp)
	}
	if p.Extra["header_row"] != 1 {
		t.Errorf("header_row = %v", p.Extra["header_row"])
	}
	codes := map[string]string{}
	for _, f := range p.Fields {
		codes[f.Field] = f.Code
	}
	want := map[string]string{"统一社会信用代码": "missing_column", "联系人": "unknown_column", "企业名称": "duplicate_column"}
	if !reflect.DeepEqual(codes, want) {
		t.Errorf("field codes = %v, want %v", codes, want)
	}
	for _, s := range []string{"Expected: 统一社会信用代码, 企业名称, 备注 (optional)", "Found: 企业名称, 联系人, 企业名称"} {
		if !strings.Contains(p.Detail, s) {
			t.Errorf("detail %q lacks %q", p.Detail, s)
		}
	}
}

func TestReadTableHelpers(t *testing.T) {
	table, err := tabular.Read(strings.NewReader("USCC,企业名称,联系人\na,b,c\n"), "a.csv",
		tabular.Spec{Columns: spec.Columns, AllowExtra: true})
	if err != nil {
		t.Fatal(err)
	}
	if !table.Has("uscc") || table.Has("note") {
		t.Errorf("Has: uscc %v, note %v", table.Has("uscc"), table.Has("note"))
	}
	if h := table.Header("uscc"); h != "USCC" {
		t.Errorf("Header(uscc) = %q, want the header as written", h)
	}
	if h := table.Header("note"); h != "备注" {
		t.Errorf("Header(note) = %q, want the spec's first name", h)
	}
	if !reflect.DeepEqual(table.Extra, []string{"联系人"}) {
		t.Errorf("Extra = %q", table.Extra)
	}
	if _, ok := table.Rows[0].Values["note"]; ok {
		t.Error("a column absent from the file has a value")
	}
	e := table.RowError(2, "name", "required", "企业名称不能为空")
	if e != (tabular.RowError{Row: 2, Column: "企业名称", Code: "required", Message: "企业名称不能为空"}) {
		t.Errorf("RowError = %+v", e)
	}
}

func TestReadXLSXCellFormats(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"uscc", "name", "note"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{"00123", 3.5, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
	style, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	_ = f.SetCellStyle("Sheet1", "C2", "C2", style)
	_ = f.SetCellValue("Sheet1", "A3", "  spaced  ")
	_ = f.SetCellFormula("Sheet1", "B3", "1+1")
	// A second sheet is never read.
	_, _ = f.NewSheet("Other")
	_ = f.SetSheetRow("Other", "A1", &[]any{"nothing", "here"})
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	table, err := tabular.Read(&buf, "a.xlsx", spec)
	if err != nil {
		t.Fatal(err)
	}
	if table.Sheet != "Sheet1" {
		t.Errorf("sheet = %q", table.Sheet)
	}
	want := []tabular.Row{row(2, "00123", "3.5", "note", "2026-03-01"), row(3, "spaced", "", "note", "")}
	if !reflect.DeepEqual(table.Rows, want) {
		t.Errorf("rows\n got %+v\nwant %+v", table.Rows, want)
	}
}

func TestReadReaderError(t *testing.T) {
	boom := errors.New("connection reset")
	_, err := tabular.Read(iotest.ErrReader(boom), "a.csv", spec)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the reader's error", err)
	}
	if _, ok := problem.As(err); ok {
		t.Error("an I/O failure is not the user's problem")
	}
}

func TestReadBadSpec(t *testing.T) {
	bad := []tabular.Spec{
		{},
		{Columns: []tabular.Column{{Key: "", Headers: []string{"a"}}}},
		{Columns: []tabular.Column{{Key: "a", Headers: []string{"a"}}, {Key: "a", Headers: []string{"b"}}}},
		{Columns: []tabular.Column{{Key: "a"}}},
		{Columns: []tabular.Column{{Key: "a", Headers: []string{" "}}}},
		{Columns: []tabular.Column{{Key: "a", Headers: []string{"x"}}, {Key: "b", Headers: []string{"X "}}}},
	}
	for i, s := range bad {
		_, err := tabular.Read(strings.NewReader("a\n1\n"), "a.csv", s)
		if err == nil {
			t.Errorf("spec %d: no error", i)
			continue
		}
		if _, ok := problem.As(err); ok {
			t.Errorf("spec %d: a bad spec is a programming error, got problem %v", i, err)
		}
	}
}
