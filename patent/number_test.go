package patent

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/problem"
)

func TestParseWrittenForms(t *testing.T) {
	cases := []struct {
		in, want string
		typ      Type
		year     int
	}{
		{"202110123456.7", "202110123456.7", Invention, 2021}, // check digit worked by hand below
		{"ZL202110123456.7", "202110123456.7", Invention, 2021},
		{"ZL 2021 1 0123456.7", "202110123456.7", Invention, 2021},
		{"CN202110123456.7", "202110123456.7", Invention, 2021},
		{"zl202110123456.7", "202110123456.7", Invention, 2021},
		{"２０２１１０１２３４５６．７", "202110123456.7", Invention, 2021}, // full-width, as Chinese input methods type it
		{"202110123456", "202110123456.7", Invention, 2021},   // no check digit: computed
		{"2021101234567", "202110123456.7", Invention, 2021},  // no dot
		{"ＺＬ２０２１１０１２３４５６。７", "202110123456.7", Invention, 2021},
		{"CN202223220665.2", "202223220665.2", UtilityModel, 2022}, // real, from the shared data
		{"CN202121635235.X", "202121635235.X", UtilityModel, 2021}, // real, check digit X
		{"CN202211740332.4", "202211740332.4", Invention, 2022},    // real
		{"98123456.9", "98123456.9", Invention, 1998},              // pre-2003 form
		{"98123456", "98123456.9", Invention, 1998},
		{"202130001234", "", Design, 2021},
		{"202180001234", "", PCTInvention, 2021},
		{"202190001234", "", PCTUtilityModel, 2021},
	}
	// 202110123456: 2·2+0·3+2·4+1·5+1·6+0·7+1·8+2·9+3·2+4·3+5·4+6·5
	// = 4+0+8+5+6+0+8+18+6+12+20+30 = 117; 117 mod 11 = 7.
	// 98123456: 9·2+8·3+1·4+2·5+3·6+4·7+5·8+6·9 = 18+24+4+10+18+28+40+54 = 196;
	// 196 mod 11 = 9.
	for _, c := range cases {
		n, err := Parse("number", c.in)
		if c.typ == "" {
			if err == nil {
				t.Errorf("%q accepted as %s", c.in, n)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if c.want != "" && n.String() != c.want {
			t.Errorf("%q: canonical %s, want %s", c.in, n, c.want)
		}
		if n.Type != c.typ || n.FilingYear != c.year {
			t.Errorf("%q: %s %d, want %s %d", c.in, n.Type, n.FilingYear, c.typ, c.year)
		}
	}
}

func TestParseRefusals(t *testing.T) {
	cases := []struct {
		in, expected string
	}{
		{"202110123456.8", "7"}, // wrong check digit names the right one
		{"CN202121635235.1", "X"},
		{"98123456.1", "9"},
		{"20211012345.7", ""},  // 11 digits
		{"2021A0123456.7", ""}, // a letter
		{"202140123456", ""},   // type digit 4
		{"200110123456", ""},   // 12 digits before 2003
		{"202110123456.77", ""},
		{"", ""},
		{"ZL", ""},
	}
	for _, c := range cases {
		_, err := Parse("number", c.in)
		p, ok := problem.As(err)
		if !ok || p.Code != "invalid_patent_number" || p.Status != 400 {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if c.expected != "" && p.Extra["expected_check_digit"] != c.expected {
			t.Errorf("%q: expected digit %v, want %s", c.in, p.Extra["expected_check_digit"], c.expected)
		}
		if len(p.Fields) != 1 || p.Fields[0].Field != "number" {
			t.Errorf("%q: field errors %+v", c.in, p.Fields)
		}
	}
}

// Every application number in the shared real records parses, keeps its
// check digit and agrees with the record's type.
func TestRealRecords(t *testing.T) {
	f, err := os.Open("../../shared/data/cn-patent-full-records-sample.tsv")
	if err != nil {
		t.Skipf("shared data not found: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	sc.Scan() // header
	n := 0
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		num, err := Parse("申请号", cols[5])
		if err != nil {
			t.Errorf("%s: %v", cols[5], err)
			continue
		}
		if "CN"+num.String() != cols[5] {
			t.Errorf("%s: canonical %s", cols[5], num)
		}
		kind := cols[8]
		if (strings.Contains(kind, "发明") && num.Type != Invention) || (kind == "实用新型" && num.Type != UtilityModel) {
			t.Errorf("%s: type %s, record says %s", cols[5], num.Type, kind)
		}
		n++
	}
	if n < 10 {
		t.Fatalf("only %d records read", n)
	}
}

func TestTermAndExpiry(t *testing.T) {
	d := date.MustParse
	cases := []struct {
		typ          Type
		filed, until string
	}{
		{Invention, "2021-07-15", "2041-07-14"},
		{PCTInvention, "2021-07-15", "2041-07-14"},
		{UtilityModel, "2022-12-02", "2032-12-01"},
		{PCTUtilityModel, "2022-12-02", "2032-12-01"},
		{Design, "2021-05-31", "2031-05-30"}, // before the 2020 amendment took effect: 10 years
		{Design, "2021-06-01", "2036-05-31"}, // from 2021-06-01: 15 years
		{Invention, "2020-02-29", "2040-02-28"},
	}
	for _, c := range cases {
		if got := Expiry(c.typ, d(c.filed)); got != d(c.until) {
			t.Errorf("%s filed %s: expires %s, want %s", c.typ, c.filed, got, c.until)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"202110123456.7", "ZL 2021 1 0123456.7", "98123456.9", "CN202121635235.X", "", "ＺＬ２０", "1.2.3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse("number", s)
		if err != nil {
			if _, ok := problem.As(err); !ok {
				t.Fatalf("%q: error is not a problem: %v", s, err)
			}
			return
		}
		// The canonical form parses to the same number, and its check
		// digit is the computed one.
		again, err := Parse("number", n.String())
		if err != nil || again != n {
			t.Fatalf("%q → %s → %v %v", s, n, again, err)
		}
		if n.Check != CheckDigit(n.Digits) || n.Type == "" {
			t.Fatalf("%q: %+v", s, n)
		}
	})
}
