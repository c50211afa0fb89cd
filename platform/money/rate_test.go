package money

import (
	"encoding/json"
	"testing"

	"github.com/ipledge/ipledge/platform/problem"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		in   string
		want string // canonical String(); "" when an error is expected
		code string
	}{
		{"3.45", "3.45", ""},
		{"3.40", "3.4", ""},          // trailing zeros are accepted and dropped
		{"003.45", "3.45", ""},       // leading zeros are harmless
		{"100", "100", ""},           // a ratio of 100%
		{"0", "0", ""},               // a zero rate parses; callers decide if it is allowed
		{"0.0001", "0.0001", ""},     // the smallest step
		{"999.9999", "999.9999", ""}, // the largest value
		{"140", "140", ""},           // 1.4 × LPR written as a percentage
		{"1000", "", "rate_too_large"},
		{"3.45678", "", "too_many_decimals"}, // issue 6: more than 4 decimals is refused
		{"3.12345", "", "too_many_decimals"},
		{"-3.45", "", "negative_rate"},
		{"-0", "", "negative_rate"},
		{"+3.45", "", "invalid_rate"},
		{"3.45e0", "", "invalid_rate"},
		{"1e2", "", "invalid_rate"},
		{"NaN", "", "invalid_rate"},
		{"Inf", "", "invalid_rate"},
		{"", "", "invalid_rate"},
		{".5", "", "invalid_rate"},
		{"5.", "", "invalid_rate"},
		{" 3.45", "", "invalid_rate"},
		{"3,45", "", "invalid_rate"},
		{"3.4.5", "", "invalid_rate"},
		{"０.５", "", "invalid_rate"}, // full-width digits are not ASCII digits
		{"0x10", "", "invalid_rate"},
	}
	for _, tt := range tests {
		r, err := ParseRate("annual_rate", tt.in)
		if tt.code == "" {
			if err != nil {
				t.Errorf("ParseRate(%q): %v", tt.in, err)
				continue
			}
			if got := r.String(); got != tt.want {
				t.Errorf("ParseRate(%q).String() = %q, want %q", tt.in, got, tt.want)
			}
			continue
		}
		p, ok := problem.As(err)
		if !ok || p.Code != "validation_failed" || len(p.Fields) != 1 {
			t.Errorf("ParseRate(%q) error = %v, want a validation problem", tt.in, err)
			continue
		}
		if f := p.Fields[0]; f.Field != "annual_rate" || f.Code != tt.code {
			t.Errorf("ParseRate(%q) field = %+v, want annual_rate/%s", tt.in, f, tt.code)
		}
	}
}

func TestRateArithmetic(t *testing.T) {
	r := MustRate("3.45")
	if got := r.Fraction().RatString(); got != "69/2000" { // 0.0345
		t.Errorf("Fraction = %s", got)
	}
	if got := r.Percent().RatString(); got != "69/20" { // 3.45
		t.Errorf("Percent = %s", got)
	}
	if MustRate("3.45").Cmp(MustRate("3.450")) != 0 || MustRate("3.35").Cmp(MustRate("3.45")) != -1 || MustRate("4").Cmp(MustRate("3.9999")) != 1 {
		t.Error("Cmp")
	}
	if !MustRate("0.000").IsZero() || MustRate("0.0001").IsZero() {
		t.Error("IsZero")
	}
}

func TestRateJSON(t *testing.T) {
	var v struct {
		R Rate `json:"r"`
	}
	if err := json.Unmarshal([]byte(`{"r":"3.45"}`), &v); err != nil || v.R != MustRate("3.45") {
		t.Fatalf("unmarshal: %v %v", v.R, err)
	}
	b, _ := json.Marshal(v)
	if string(b) != `{"r":"3.45"}` {
		t.Errorf("marshal = %s", b)
	}
	// A JSON number is refused: it may already have gone through a float.
	for _, in := range []string{`{"r":3.45}`, `{"r":"3.45678"}`, `{"r":"-1"}`} {
		err := json.Unmarshal([]byte(in), &v)
		if _, ok := err.(*json.UnmarshalTypeError); !ok {
			t.Errorf("Unmarshal(%s) = %v, want *json.UnmarshalTypeError", in, err)
		}
	}
}

// FuzzParseRate checks that whatever parses round-trips through String,
// that String is canonical, and that errors are always validation problems.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"3.45", "0", "100", "1e5", "NaN", "-1", "3.45678", "999.9999", ".5", "0.0001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate("r", s)
		if err != nil {
			if p, ok := problem.As(err); !ok || p.Code != "validation_failed" || len(p.Fields) != 1 {
				t.Fatalf("ParseRate(%q) error %v is not a field problem", s, err)
			}
			return
		}
		if r.units < 0 {
			t.Fatalf("ParseRate(%q) negative", s)
		}
		back, err := ParseRate("r", r.String())
		if err != nil || back != r {
			t.Fatalf("round trip %q → %q → %v, %v", s, r.String(), back, err)
		}
		if back.String() != r.String() {
			t.Fatalf("String not canonical for %q", s)
		}
	})
}
