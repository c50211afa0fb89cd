package date

import (
	"encoding/json"
	"testing"
	"time"
)

func TestOfUsesShanghai(t *testing.T) {
	// 2026-01-01 17:00 UTC is already 2026-01-02 01:00 in Shanghai.
	got := Of(time.Date(2026, 1, 1, 17, 0, 0, 0, time.UTC))
	if got.String() != "2026-01-02" {
		t.Fatalf("got %s", got)
	}
}

func TestArithmetic(t *testing.T) {
	cases := []struct {
		name string
		got  Date
		want string
	}{
		{"add days across month", MustParse("2026-01-30").AddDays(3), "2026-02-02"},
		{"add month clamps", MustParse("2026-01-31").AddMonthsClamped(1), "2026-02-28"},
		{"add month leap", MustParse("2028-01-31").AddMonthsClamped(1), "2028-02-29"},
		{"add months year wrap", MustParse("2026-11-30").AddMonthsClamped(3), "2027-02-28"},
		{"add year from feb 29", MustParse("2028-02-29").AddYears(1), "2029-02-28"},
		{"negative months", MustParse("2026-03-31").AddMonthsClamped(-1), "2026-02-28"},
	}
	for _, c := range cases {
		if c.got.String() != c.want {
			t.Errorf("%s: got %s want %s", c.name, c.got, c.want)
		}
	}
	if n := MustParse("2024-01-01").DaysUntil(MustParse("2025-01-01")); n != 366 {
		t.Errorf("2024 has %d days", n)
	}
	if !MustParse("2026-01-01").Before(MustParse("2026-01-02")) || MustParse("2026-01-02").Before(MustParse("2026-01-02")) {
		t.Error("Before")
	}
}

func TestParseAndJSON(t *testing.T) {
	for _, bad := range []string{"2026-1-1", "2026-02-30", "20260101", "", "2026-01-01T00:00:00Z"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	var v struct {
		D Date `json:"d"`
	}
	if err := json.Unmarshal([]byte(`{"d":"2026-05-20"}`), &v); err != nil || v.D.String() != "2026-05-20" {
		t.Fatalf("unmarshal: %v %v", err, v.D)
	}
	if err := json.Unmarshal([]byte(`{"d":20260520}`), &v); err == nil {
		t.Fatal("number accepted as date")
	}
	b, _ := json.Marshal(v)
	if string(b) != `{"d":"2026-05-20"}` {
		t.Fatalf("marshal: %s", b)
	}
}

func TestScan(t *testing.T) {
	var d Date
	for _, src := range []any{"2026-05-20", []byte("2026-05-20"), time.Date(2026, 5, 20, 0, 0, 0, 0, time.UTC), "2026-05-20T00:00:00Z"} {
		if err := d.Scan(src); err != nil || d.String() != "2026-05-20" {
			t.Errorf("scan %v: %v %v", src, err, d)
		}
	}
	if err := d.Scan(nil); err != nil || !d.IsZero() {
		t.Error("scan nil")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("2026-05-20")
	f.Add("0000-00-00")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err == nil && d.String() != s {
			t.Fatalf("%q round-trips to %q", s, d)
		}
	})
}
