package tabular

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/ipledge/ipledge/platform/problem"
)

// Format is a file format Read understands.
type Format string

// Formats.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// Encodings a CSV may arrive in (Table.Encoding).
const (
	EncodingUTF8    = "utf-8"
	EncodingGB18030 = "gb18030"
)

// Row is one non-blank data row.
type Row struct {
	// Number is the row's number as the spreadsheet shows it: the header
	// is row 1 in the usual file, and blank rows are skipped but counted.
	Number int
	// Values holds the trimmed cell of each Spec column present in the
	// file, by Column.Key. An optional column absent from the file has no
	// entry (Values[key] is then ""; Table.Has tells the two apart).
	Values map[string]string
}

// Table is a file read against a Spec.
type Table struct {
	Format Format
	// Encoding is the CSV's text encoding (EncodingUTF8, EncodingGB18030);
	// empty for XLSX.
	Encoding string
	// Sheet is the name of the XLSX sheet read (the first one).
	Sheet string
	// HeaderRow is the row number of the header row.
	HeaderRow int
	Rows      []Row
	// Extra lists header cells that matched no column (only with
	// Spec.AllowExtra), as written.
	Extra []string

	spec    *compiled
	headers map[string]string // key → header as written in the file
}

// Has reports whether the file has the column key.
func (t *Table) Has(key string) bool {
	_, ok := t.headers[key]
	return ok
}

// Header returns the column's header as written in the file, or, for a
// column the file lacks, the first header name the Spec accepts.
func (t *Table) Header(key string) string {
	if h, ok := t.headers[key]; ok {
		return h
	}
	if t.spec != nil {
		for _, c := range t.spec.Columns {
			if c.Key == key {
				return c.Headers[0]
			}
		}
	}
	return key
}

// RowError builds a RowError for a cell, naming the column as the file
// writes it.
func (t *Table) RowError(row int, key, code, message string) RowError {
	return RowError{Row: row, Column: t.Header(key), Code: code, Message: message}
}

// Read reads a CSV or XLSX table. The format is taken from the content
// when it tells (a zip archive is XLSX; an OLE file is an old .xls or an
// encrypted workbook, refused) and otherwise from the file name's
// extension (.csv, .xlsx; none means CSV).
//
// Errors the user can fix are *problem.Error: 400 undecodable_file,
// invalid_header, empty_file or malformed_file, 413 too_many_rows or
// file_too_large, 415 unsupported_format. Any other error is a bug or an
// I/O failure.
func Read(r io.Reader, filename string, spec Spec) (*Table, error) {
	cs, err := spec.compile()
	if err != nil {
		return nil, err
	}
	data, err := readAll(r, cs.maxFileBytes())
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, emptyFile("the file is empty")
	}
	format, err := detectFormat(filename, data)
	if err != nil {
		return nil, err
	}
	t := &Table{Format: format, spec: cs}
	b := &builder{spec: cs, t: t}
	switch format {
	case XLSX:
		f, sheet, err := openXLSX(data, cs.maxUnzipBytes())
		if err != nil {
			return nil, err
		}
		defer f.Close()
		t.Sheet = sheet
		if err := xlsxRows(f, sheet, b.add); err != nil {
			return nil, err
		}
	default:
		text, enc, err := decodeText(data)
		if err != nil {
			return nil, err
		}
		t.Encoding = enc
		if err := csvRows(text, b.add); err != nil {
			return nil, err
		}
	}
	if err := b.finish(); err != nil {
		return nil, err
	}
	return t, nil
}

func readAll(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fileTooLarge("the file is larger than %d bytes", limit)
	}
	return data, nil
}

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

func detectFormat(filename string, data []byte) (Format, error) {
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(filename, `\`, "/")))
	isZip := bytes.HasPrefix(data, zipMagic)
	switch {
	case bytes.HasPrefix(data, oleMagic) || ext == ".xls" || ext == ".et":
		return "", unsupported("old .xls workbooks and password-protected workbooks cannot be read; save the file as .xlsx (without a password) or as CSV")
	case ext == ".xlsx":
		if !isZip {
			return "", malformed("the file is named .xlsx but is not an Excel workbook")
		}
		return XLSX, nil
	case ext == ".csv" || ext == "":
		if isZip {
			return XLSX, nil // an .xlsx with the wrong name
		}
		return CSV, nil
	default:
		return "", unsupported("files of type %s cannot be read; upload .xlsx or .csv", ext)
	}
}

// ---- CSV ----

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// decodeText turns a CSV's bytes into text: UTF-8 (a BOM is dropped) when
// they are valid UTF-8, else GB18030 when they decode cleanly as that.
func decodeText(data []byte) (string, string, error) {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return "", "", undecodable("the file is UTF-16 text (Excel's \"Unicode text\"); save it as \"CSV UTF-8\" or as .xlsx")
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return "", "", undecodable("the file holds binary data (a NUL byte on line %d), not CSV text", lineAt(data, i))
	}
	if bom := bytes.HasPrefix(data, utf8BOM); bom || utf8.Valid(data) {
		if bom {
			data = data[len(utf8BOM):]
		}
		if !utf8.Valid(data) {
			i := firstInvalidUTF8(data)
			return "", "", undecodable("the file starts with a UTF-8 byte order mark but line %d is not valid UTF-8", lineAt(data, i))
		}
		return string(data), EncodingUTF8, nil
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil {
		return "", "", undecodable("the file is neither UTF-8 nor GB18030 text: %v", err)
	}
	// The decoder replaces undecodable bytes with U+FFFD; a real file
	// never contains that character.
	if i := bytes.IndexRune(out, utf8.RuneError); i >= 0 {
		return "", "", undecodable("line %d is neither UTF-8 nor GB18030 text; save the file as \"CSV UTF-8\" or as .xlsx", lineAt(out, i))
	}
	out = bytes.TrimPrefix(out, utf8BOM) // GB18030's own BOM decodes to U+FEFF
	return string(out), EncodingGB18030, nil
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// lineAt is the 1-based line of byte offset i.
func lineAt(b []byte, i int) int { return bytes.Count(b[:i], []byte{'\n'}) + 1 }

// csvRows yields the records of text with their spreadsheet row numbers.
// encoding/csv skips blank lines silently, so the row number is rebuilt
// from the line where each record starts: a record starting k lines after
// the previous record ended is k rows further down. A quoted cell with
// line breaks is one row, as Excel shows it.
func csvRows(text string, yield func(row int, cells []string) error) error {
	if !strings.Contains(text, "\n") && strings.Contains(text, "\r") {
		text = strings.ReplaceAll(text, "\r", "\n") // classic Mac line ends
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	row, endLine := 0, 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return malformed("CSV line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
			}
			return malformed("the CSV cannot be read: %v", err)
		}
		start, _ := cr.FieldPos(0)
		row += start - endLine
		last := len(rec) - 1
		l, _ := cr.FieldPos(last)
		endLine = l + strings.Count(rec[last], "\n")
		if err := yield(row, rec); err != nil {
			return err
		}
	}
}

// ---- XLSX ----

// xlsxXMLInMemory is the largest sheet or shared-string table excelize
// keeps in memory; a larger one is unzipped to a temporary file.
const xlsxXMLInMemory = 16 << 20

func openXLSX(data []byte, unzipLimit int64) (*excelize.File, string, error) {
	// Check the declared uncompressed sizes before excelize unzips
	// anything (archive/zip refuses to inflate an entry past its declared
	// size, so the declaration is binding).
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, "", malformed("the file is not a valid .xlsx workbook (%v)", err)
	}
	var total uint64
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		if total > uint64(unzipLimit) {
			return nil, "", fileTooLarge("the workbook unpacks to more than %d bytes", unzipLimit)
		}
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    unzipLimit,
		UnzipXMLSizeLimit: min(xlsxXMLInMemory, unzipLimit),
		// Dates in Excel's default short date format (numFmt 14) come out
		// as ISO dates, whatever locale wrote the file.
		CultureInfo:      excelize.CultureNameZhCN,
		ShortDatePattern: "yyyy-mm-dd",
	})
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		if strings.Contains(err.Error(), "unzip size exceeds") {
			return nil, "", fileTooLarge("the workbook unpacks to more than %d bytes", unzipLimit)
		}
		return nil, "", malformed("the file is not a valid .xlsx workbook (%v)", err)
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		_ = f.Close()
		return nil, "", malformed("the workbook has no sheet")
	}
	return f, sheets[0], nil
}

// xlsxRows yields the rows of a sheet through excelize's streaming
// iterator. The iterator also stops at rows missing from the XML (blank
// rows), so its count is the row number.
func xlsxRows(f *excelize.File, sheet string, yield func(row int, cells []string) error) error {
	rows, err := f.Rows(sheet)
	if err != nil {
		return malformed("sheet %q cannot be read (%v)", sheet, err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
		cells, err := rows.Columns()
		if err != nil {
			return malformed("sheet %q row %d cannot be read (%v)", sheet, n, err)
		}
		if err := yield(n, cells); err != nil {
			return err
		}
	}
	if err := rows.Error(); err != nil {
		return malformed("sheet %q cannot be read (%v)", sheet, err)
	}
	return nil
}

// ---- header and rows ----

// builder turns yielded rows into a Table: it finds the header row, maps
// columns to keys and collects the data rows.
type builder struct {
	spec       *compiled
	t          *Table
	found      bool
	cols       []mappedColumn // the file's columns that the Spec names
	candidates []candidate
}

type candidate struct {
	row   int
	cells []string
}

func (b *builder) add(row int, cells []string) error {
	if blank(cells) {
		return nil
	}
	if !b.found {
		c := candidate{row: row, cells: append([]string(nil), cells...)}
		b.candidates = append(b.candidates, c)
		if m := b.spec.match(c.cells); m.ok() {
			b.useHeader(c, m)
			return nil
		}
		if len(b.candidates) >= b.spec.headerSearchRows() {
			return b.headerProblem()
		}
		return nil
	}
	if len(b.t.Rows) >= b.spec.maxRows() {
		return tooManyRows(b.spec.maxRows())
	}
	values := make(map[string]string, len(b.cols))
	for _, c := range b.cols {
		v := ""
		if c.index < len(cells) {
			v = cleanValue(cells[c.index])
		}
		values[c.key] = v
	}
	b.t.Rows = append(b.t.Rows, Row{Number: row, Values: values})
	return nil
}

func (b *builder) useHeader(c candidate, m headerMatch) {
	b.found = true
	b.candidates = nil
	b.t.HeaderRow = c.row
	b.t.headers = m.headers
	b.t.Extra = m.unknown
	b.cols = m.cols
}

func (b *builder) finish() error {
	if !b.found {
		if len(b.candidates) == 0 {
			return emptyFile("the file is empty")
		}
		return b.headerProblem()
	}
	if len(b.t.Rows) == 0 {
		return emptyFile("the file has a header row but no data rows")
	}
	return nil
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// mappedColumn is a file column that the Spec names.
type mappedColumn struct {
	index int
	key   string
}

// headerMatch is the outcome of matching one row against the Spec.
type headerMatch struct {
	cols      []mappedColumn
	headers   map[string]string // key → header as written
	missing   []Column          // required columns not found
	unknown   []string          // header cells matching no column
	duplicate []string          // header cells naming a column already found
	matched   int
	// allowExtra: unknown columns do not make the match fail.
	allowExtra bool
}

func (m headerMatch) ok() bool {
	return len(m.missing) == 0 && len(m.duplicate) == 0 && (m.allowExtra || len(m.unknown) == 0)
}

func (s *compiled) match(cells []string) headerMatch {
	m := headerMatch{headers: map[string]string{}}
	for i, cell := range cells {
		n := normalizeHeader(cell)
		if n == "" {
			continue // an unnamed column: its cells are ignored
		}
		ci, ok := s.byHeader[n]
		if !ok {
			m.unknown = append(m.unknown, strings.TrimSpace(cell))
			continue
		}
		key := s.Columns[ci].Key
		if _, dup := m.headers[key]; dup {
			m.duplicate = append(m.duplicate, strings.TrimSpace(cell))
			continue
		}
		m.headers[key] = strings.TrimSpace(strings.TrimPrefix(cell, "\uFEFF"))
		m.cols = append(m.cols, mappedColumn{index: i, key: key})
		m.matched++
	}
	for _, c := range s.Columns {
		if _, ok := m.headers[c.Key]; !ok && c.Required {
			m.missing = append(m.missing, c)
		}
	}
	m.allowExtra = s.AllowExtra
	return m
}

// ExpectedColumn describes a Spec column in an invalid_header problem.
type ExpectedColumn struct {
	Key      string   `json:"key"`
	Headers  []string `json:"headers"`
	Required bool     `json:"required"`
}

// headerProblem is the one invalid_header problem for the candidate row
// that matched best.
func (b *builder) headerProblem() error {
	best, bestM := b.candidates[0], b.spec.match(b.candidates[0].cells)
	for _, c := range b.candidates[1:] {
		if m := b.spec.match(c.cells); m.matched > bestM.matched {
			best, bestM = c, m
		}
	}
	var fields []problem.FieldError
	var parts []string
	if len(bestM.missing) > 0 {
		names := make([]string, len(bestM.missing))
		for i, c := range bestM.missing {
			names[i] = c.Headers[0]
			fields = append(fields, problem.Field(c.Headers[0], "missing_column",
				fmt.Sprintf("the required column %s is missing (accepted headers: %s)", c.Headers[0], strings.Join(c.Headers, ", "))))
		}
		parts = append(parts, "missing required columns: "+strings.Join(names, ", "))
	}
	if !b.spec.AllowExtra && len(bestM.unknown) > 0 {
		for _, h := range bestM.unknown {
			fields = append(fields, problem.Field(h, "unknown_column", fmt.Sprintf("the column %s is not part of the template", h)))
		}
		parts = append(parts, "unknown columns: "+strings.Join(bestM.unknown, ", "))
	}
	if len(bestM.duplicate) > 0 {
		for _, h := range bestM.duplicate {
			fields = append(fields, problem.Field(h, "duplicate_column", fmt.Sprintf("the column %s appears more than once", h)))
		}
		parts = append(parts, "repeated columns: "+strings.Join(bestM.duplicate, ", "))
	}
	expected := make([]ExpectedColumn, len(b.spec.Columns))
	var want []string
	for i, c := range b.spec.Columns {
		expected[i] = ExpectedColumn{Key: c.Key, Headers: c.Headers, Required: c.Required}
		if c.Required {
			want = append(want, c.Headers[0])
		} else {
			want = append(want, c.Headers[0]+" (optional)")
		}
	}
	found := make([]string, 0, len(best.cells))
	for _, c := range best.cells {
		found = append(found, strings.TrimSpace(strings.TrimPrefix(c, "\uFEFF")))
	}
	for len(found) > 0 && found[len(found)-1] == "" {
		found = found[:len(found)-1]
	}
	p := problem.BadRequest("invalid_header", "the header row (row %d) does not match the template: %s. Expected: %s. Found: %s",
		best.row, strings.Join(parts, "; "), strings.Join(want, ", "), strings.Join(found, ", "))
	p.Fields = fields
	return p.With("header_row", best.row).With("expected", expected).With("found", found)
}

// ---- problems ----

func undecodable(format string, args ...any) *problem.Error {
	return problem.BadRequest("undecodable_file", format, args...)
}

func emptyFile(format string, args ...any) *problem.Error {
	return problem.BadRequest("empty_file", format, args...)
}

func malformed(format string, args ...any) *problem.Error {
	return problem.BadRequest("malformed_file", format, args...)
}

func unsupported(format string, args ...any) *problem.Error {
	return &problem.Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_format",
		Title: http.StatusText(http.StatusUnsupportedMediaType), Detail: fmt.Sprintf(format, args...)}
}

func fileTooLarge(format string, args ...any) *problem.Error {
	return &problem.Error{Status: http.StatusRequestEntityTooLarge, Code: "file_too_large",
		Title: http.StatusText(http.StatusRequestEntityTooLarge), Detail: fmt.Sprintf(format, args...)}
}

func tooManyRows(limit int) *problem.Error {
	p := &problem.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_many_rows",
		Title:  http.StatusText(http.StatusRequestEntityTooLarge),
		Detail: fmt.Sprintf("the file has more than %d data rows; split it into smaller files", limit)}
	return p.With("max_rows", limit)
}
