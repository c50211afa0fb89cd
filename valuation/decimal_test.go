package valuation

import (
	"math/big"
	"testing"

	"github.com/ipledge/ipledge/platform/date"
)

func TestFormatDecimalHalfUp(t *testing.T) {
	for _, c := range []struct {
		in     string
		places int
		want   string
	}{
		{"0.125", 2, "0.13"}, // half-even would give 0.12
		{"0.135", 2, "0.14"},
		{"0.124999", 2, "0.12"},
		{"2.5", 0, "3"}, // half-even would give 2
		{"-2.5", 0, "-3"},
		{"0.005", 2, "0.01"},
		{"7", 2, "7.00"},
		{"1/3", 4, "0.3333"},
		{"2/3", 4, "0.6667"},
	} {
		if got := formatDecimal(rat(c.in), c.places); got != c.want {
			t.Errorf("formatDecimal(%s, %d) = %s, want %s", c.in, c.places, got, c.want)
		}
	}
}

func TestRoundFenHalfUp(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{{"0.5", 1}, {"1.5", 2}, {"2.5", 3}, {"2.4999", 2}, {"0", 0}, {"12345/10", 1235}} {
		if got, ok := roundFen(rat(c.in)); !ok || got != c.want {
			t.Errorf("roundFen(%s) = %d, want %d", c.in, got, c.want)
		}
	}
	if _, ok := roundFen(new(big.Rat).SetFrac(new(big.Int).Lsh(big.NewInt(1), 70), big.NewInt(1))); ok {
		t.Error("2^70 fits int64?")
	}
}

func TestParseDecimalStrict(t *testing.T) {
	for _, s := range []string{"", "1/3", "1e3", "abc", "0x10", ".5", "5.", "1e999999", "Inf", "NaN", "5 %"} {
		if _, fe := parseDecimal("x", s); fe == nil || fe.Code != "invalid_decimal" {
			t.Errorf("parseDecimal(%q) accepted", s)
		}
	}
	for _, s := range []string{"0", "5", "5.25", "-1.5", "+2", " 3 "} {
		if _, fe := parseDecimal("x", s); fe != nil {
			t.Errorf("parseDecimal(%q): %v", s, fe)
		}
	}
}

func TestYearsUntil(t *testing.T) {
	d := date.MustParse
	for _, c := range []struct{ from, to, want string }{
		{"2026-01-01", "2036-01-01", "10"},
		{"2026-01-01", "2027-07-01", "546/365"}, // 1 + 181/365: 2027-01-01 → 2027-07-01 is 181 days of 365
		{"2027-07-01", "2028-01-01", "184/366"}, // the year after 2027-07-01 contains 2028-02-29
		{"2024-02-29", "2025-02-28", "1"},       // the anniversary of Feb 29 is Feb 28
		{"2026-01-01", "2026-01-01", "0"},
		{"2026-01-01", "2025-01-01", "0"},
	} {
		want := rat(c.want)
		if got := YearsUntil(d(c.from), d(c.to)); got.Cmp(want) != 0 {
			t.Errorf("YearsUntil(%s, %s) = %s, want %s", c.from, c.to, got.RatString(), want.RatString())
		}
	}
}
