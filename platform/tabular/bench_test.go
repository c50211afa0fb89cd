package tabular_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/ipledge/ipledge/platform/tabular"
)

// csv100k is a 100,000-row whitelist-like CSV as Chinese Excel would save
// it (UTF-8 with BOM), about 7.5 MB.
func csv100k(b *testing.B, encode func(testing.TB, string) []byte) []byte {
	b.Helper()
	var buf bytes.Buffer
	buf.WriteString("\uFEFF统一社会信用代码,企业名称,备注\r\n")
	for i := range 100_000 {
		fmt.Fprintf(&buf, "9114010%011d,太原市某某科技有限公司第%d分公司,\"备注, 第 %d 行\"\r\n", i, i, i)
	}
	if encode != nil {
		return encode(b, buf.String())
	}
	return buf.Bytes()
}

func benchRead(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		t, err := tabular.Read(bytes.NewReader(data), "big.csv", spec)
		if err != nil {
			b.Fatal(err)
		}
		if len(t.Rows) != 100_000 {
			b.Fatalf("%d rows", len(t.Rows))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100_000, "ns/row")
}

func BenchmarkReadCSV100k(b *testing.B) { benchRead(b, csv100k(b, nil)) }

func BenchmarkReadCSV100kGB18030(b *testing.B) {
	benchRead(b, csv100k(b, func(t testing.TB, s string) []byte { return gb18030(t, s[len("\uFEFF"):]) }))
}

// rows100k is the export side of the same table.
func rows100k(yield func([]any) bool) error {
	for i := range 100_000 {
		if !yield([]any{fmt.Sprintf("9114010%011d", i), fmt.Sprintf("太原市某某科技有限公司第%d分公司", i), i}) {
			return nil
		}
	}
	return nil
}

func BenchmarkReadXLSX100k(b *testing.B) {
	var buf bytes.Buffer
	if err := tabular.WriteXLSX(&buf, "名单", []string{"统一社会信用代码", "企业名称", "备注"}, rows100k); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		t, err := tabular.Read(bytes.NewReader(data), "big.xlsx", spec)
		if err != nil {
			b.Fatal(err)
		}
		if len(t.Rows) != 100_000 {
			b.Fatalf("%d rows", len(t.Rows))
		}
	}
}

func BenchmarkWriteCSV100k(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := tabular.WriteCSV(&buf, []string{"统一社会信用代码", "企业名称", "备注"}, rows100k); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteXLSX100k(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := tabular.WriteXLSX(&buf, "名单", []string{"统一社会信用代码", "企业名称", "备注"}, rows100k); err != nil {
			b.Fatal(err)
		}
	}
}
