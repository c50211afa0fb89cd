package tabular_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/platform/tabular"
)

// FuzzReadCSV: whatever the bytes, Read never panics; it fails only with a
// problem the user can act on, and a table it returns is well formed.
//
//	go test -tags sqlite_fts5 -fuzz FuzzReadCSV ./platform/tabular
func FuzzReadCSV(f *testing.F) {
	seeds := []string{
		"",
		"uscc,name\na,b\n",
		"\uFEFF统一社会信用代码,企业名称,备注\r\n91140100MA0GXXXX1A,太原某某,\r\n",
		"uscc,name\n\n\na,\"multi\nline\"\n,\nb,c",
		"uscc,name\na,b\"c\n",
		"uscc,name\na,\"unterminated\n",
		"uscc,name\r'=1+2,'-5\r",
		"\xFF\xFEu\x00",
		"uscc,name\n\xd6\xd0\xce\xc4,\xff\n",
		"uscc,name,uscc\n1,2,3\n",
		"  ,  \n uscc , NAME \n x , y ",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Add([]byte("uscc,name\n" + string(gbSeed)))
	spec := tabular.Spec{Columns: []tabular.Column{
		{Key: "uscc", Headers: []string{"统一社会信用代码", "uscc"}, Required: true},
		{Key: "name", Headers: []string{"企业名称", "name"}, Required: true},
		{Key: "note", Headers: []string{"备注", "note"}},
	}, MaxRows: 1000, HeaderSearchRows: 2}
	f.Fuzz(func(t *testing.T, data []byte) {
		table, err := tabular.Read(bytes.NewReader(data), "fuzz.csv", spec)
		if err != nil {
			p, ok := problem.As(err)
			if !ok {
				t.Fatalf("non-problem error: %v", err)
			}
			if p.Status < 400 || p.Status > 499 || p.Code == "" || p.Detail == "" {
				t.Fatalf("bad problem: %+v", p)
			}
			return
		}
		if table.HeaderRow < 1 || len(table.Rows) == 0 || len(table.Rows) > 1000 {
			t.Fatalf("header row %d, %d rows", table.HeaderRow, len(table.Rows))
		}
		prev := table.HeaderRow
		for _, r := range table.Rows {
			if r.Number <= prev {
				t.Fatalf("row numbers not increasing: %d after %d", r.Number, prev)
			}
			prev = r.Number
			if _, ok := r.Values["uscc"]; !ok {
				t.Fatalf("row %d lacks the required column", r.Number)
			}
			for k, v := range r.Values {
				if v != strings.TrimSpace(v) {
					t.Fatalf("row %d %s = %q is not trimmed", r.Number, k, v)
				}
			}
		}
	})
}

var gbSeed = []byte{0xd6, 0xd0, 0xce, 0xc4, ',', 0xb2, 0xe2, 0xca, 0xd4, '\n'}
