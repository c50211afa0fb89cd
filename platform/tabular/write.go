package tabular

import (
	"encoding/csv"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/width"
)

// RowSource produces the rows of an export, one at a time: it calls yield
// for each row and stops when yield returns false (the writer failed). Its
// own error (a failed query) ends the export. A store's cursor fits it
// directly, so no export holds its rows in memory.
//
// A row's values may be strings, integers, floats, bools, time.Time,
// fmt.Stringers (platform/date.Date), pointers to those (nil is an empty
// cell) or nil.
type RowSource func(yield func(values []any) bool) error

// Rows adapts a slice to a RowSource (for tests and small exports).
func Rows(rows [][]any) RowSource {
	return func(yield func([]any) bool) error {
		for _, r := range rows {
			if !yield(r) {
				return nil
			}
		}
		return nil
	}
}

// WriteCSV streams a CSV that Excel opens correctly: UTF-8 with a BOM,
// CRLF line ends, RFC 4180 quoting. A text cell starting with = + - @ tab
// or CR gets a leading apostrophe so that no spreadsheet runs it as a
// formula (OWASP CSV injection); numbers are written as they are, so -5
// stays -5. Read undoes the apostrophe.
func WriteCSV(w io.Writer, headers []string, rows RowSource) error {
	if _, err := w.Write(utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	rec := make([]string, len(headers))
	for i, h := range headers {
		rec[i] = defuse(h)
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	var werr error
	n := 0
	serr := rows(func(values []any) bool {
		n++
		if len(values) != len(headers) {
			werr = fmt.Errorf("tabular: export row %d has %d values for %d columns", n, len(values), len(headers))
			return false
		}
		for i, v := range values {
			s, isText := cellText(v)
			if isText {
				s = defuse(s)
			}
			rec[i] = s
		}
		if err := cw.Write(rec); err != nil {
			werr = err
			return false
		}
		return true
	})
	cw.Flush()
	if werr != nil {
		return werr
	}
	if serr != nil {
		return serr
	}
	return cw.Error()
}

// defuse prefixes a formula-like text cell with an apostrophe.
func defuse(s string) string {
	if s != "" && isFormulaTrigger(s[0]) {
		return "'" + s
	}
	return s
}

// cellText renders a value for a CSV cell; isText is false for numbers
// and booleans, which are never defused.
func cellText(v any) (s string, isText bool) {
	switch x := cellValue(v).(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case int64:
		return strconv.FormatInt(x, 10), false
	case uint64:
		return strconv.FormatUint(x, 10), false
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), false
	case bool:
		return strconv.FormatBool(x), false
	default:
		return fmt.Sprint(x), true
	}
}

// cellValue normalises an export value to nil, string, int64, uint64,
// float64 or bool. Nothing else reaches a writer, so no caller can slip a
// formula (excelize.Cell) into a workbook.
func cellValue(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return x
	case []byte:
		return string(x)
	case int:
		return int64(x)
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int64:
		return x
	case uint:
		return uint64(x)
	case uint8:
		return uint64(x)
	case uint16:
		return uint64(x)
	case uint32:
		return uint64(x)
	case uint64:
		return x
	case float32:
		return float64(x)
	case float64:
		return x
	case bool:
		return x
	case time.Time:
		return x.Format("2006-01-02 15:04:05")
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		return cellValue(rv.Elem().Interface())
	}
	if s, ok := v.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprint(v)
}

// widthSample is how many rows WriteXLSX looks at to size its columns.
const widthSample = 200

// WriteXLSX streams a one-sheet workbook through excelize's StreamWriter:
// a bold, frozen header row and column widths fitted to the header and
// the first rows. Text cells are written as strings, never formulas.
func WriteXLSX(w io.Writer, sheet string, headers []string, rows RowSource) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	sheet = sheetName(sheet)
	if sheet != "Sheet1" {
		if err := f.SetSheetName("Sheet1", sheet); err != nil {
			return fmt.Errorf("tabular: sheet name: %w", err)
		}
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Vertical: "center"},
	})
	if err != nil {
		return err
	}

	// The first rows are held back to size the columns, which the stream
	// writer needs before the first row; the rest stream through.
	widths := make([]int, len(headers))
	for i, h := range headers {
		widths[i] = displayWidth(h)
	}
	var sample [][]any
	started, next := false, 2
	var werr error
	n := 0
	writeRow := func(values []any) bool {
		cell, err := excelize.CoordinatesToCellName(1, next)
		if err == nil {
			err = sw.SetRow(cell, values)
		}
		if err != nil {
			werr = err
			return false
		}
		next++
		return true
	}
	start := func() bool {
		started = true
		for i, wd := range widths {
			if err := sw.SetColWidth(i+1, i+1, float64(min(max(wd+2, 8), 60))); err != nil {
				werr = err
				return false
			}
		}
		if len(headers) > 0 {
			if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
				werr = err
				return false
			}
		}
		hdr := make([]any, len(headers))
		for i, h := range headers {
			hdr[i] = excelize.Cell{StyleID: bold, Value: h}
		}
		if err := sw.SetRow("A1", hdr, excelize.RowOpts{Height: 20}); err != nil {
			werr = err
			return false
		}
		for _, r := range sample {
			if !writeRow(r) {
				return false
			}
		}
		sample = nil
		return true
	}
	serr := rows(func(values []any) bool {
		n++
		if len(values) != len(headers) {
			werr = fmt.Errorf("tabular: export row %d has %d values for %d columns", n, len(values), len(headers))
			return false
		}
		out := make([]any, len(values))
		for i, v := range values {
			out[i] = cellValue(v)
		}
		if !started {
			for i, v := range out {
				s, _ := cellText(v)
				widths[i] = max(widths[i], displayWidth(s))
			}
			sample = append(sample, out)
			if len(sample) < widthSample {
				return true
			}
			return start()
		}
		return writeRow(out)
	})
	if werr == nil && serr == nil && !started {
		start()
	}
	if werr != nil {
		return werr
	}
	if serr != nil {
		return serr
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// displayWidth is a string's width in Excel column units: East Asian wide
// characters take two; a multi-line cell is as wide as its widest line.
func displayWidth(s string) int {
	best := 0
	for line := range strings.SplitSeq(s, "\n") {
		n := 0
		for _, r := range line {
			switch width.LookupRune(r).Kind() {
			case width.EastAsianWide, width.EastAsianFullwidth:
				n += 2
			default:
				n++
			}
		}
		best = max(best, n)
	}
	return best
}

// sheetName makes s a valid sheet name: no []:*?/\, at most 31
// characters, not blank.
func sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '_'
		}
		return r
	}, strings.TrimSpace(s))
	s = strings.Trim(s, "'")
	if utf8.RuneCountInString(s) > 31 {
		s = string([]rune(s)[:31])
	}
	if s == "" {
		return "Sheet1"
	}
	return s
}
