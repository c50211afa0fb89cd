package web

import "testing"

func TestParseYuan(t *testing.T) {
	good := map[string]int64{"1": 100, "0.01": 1, "3000000": 300_000_000, "3,000,000.50": 300_000_050, " ¥12.3 ": 1230,
		"007.10": 710, "999999999999.99": 99_999_999_999_999}
	for in, want := range good {
		if got, msg := parseYuan(in); msg != "" || got != want {
			t.Errorf("parseYuan(%q) = %d %q, want %d", in, got, msg, want)
		}
	}
	for _, in := range []string{"", "0", "0.00", "-1", "1.234", "1e6", ".5", "5.", "1.2.3", "NaN", "1 000", "+1",
		"1000000000000", "１２"} {
		if got, msg := parseYuan(in); msg == "" {
			t.Errorf("parseYuan(%q) = %d, want an error", in, got)
		}
	}
}
