package loan

import (
	"testing"

	"github.com/ipledge/ipledge/platform/money"
)

func TestShareString(t *testing.T) {
	for bp, want := range map[int]string{10000: "100", 6250: "62.5", 1: "0.01", 0: "0", 3333: "33.33", 10: "0.1", 5005: "50.05"} {
		if got := ShareString(bp); got != want {
			t.Errorf("ShareString(%d) = %q, want %q", bp, got, want)
		}
	}
}

// TestStatusOn: ¥1,000 at 3.6%, interest monthly from 2025-01-10 to
// 2025-04-10. Interest = balance × days / 10,000: 310 (31 days), 280
// (28), 310 (31) with the principal of 100,000.
func TestStatusOn(t *testing.T) {
	sched, err := Schedule(Terms{100_000, money.MustRate("3.6"), d("2025-01-10"), d("2025-04-10"), InterestMonthly})
	if err != nil {
		t.Fatal(err)
	}
	pay := func(on string, p, i int64) Payment { return Payment{PaidOn: d(on), PrincipalFen: p, InterestFen: i} }
	tests := []struct {
		name     string
		pays     []Payment
		today    string
		daysLate int
		repaid   bool
	}{
		{"nothing due yet", nil, "2025-02-09", 0, false},
		{"due today is not late", nil, "2025-02-10", 0, false},
		{"one day late", nil, "2025-02-11", 1, false},
		{"the oldest unpaid counts", nil, "2025-03-12", 30, false},
		{"paid on time", []Payment{pay("2025-02-10", 0, 310)}, "2025-03-01", 0, false},
		{"paid short", []Payment{pay("2025-02-10", 0, 309)}, "2025-03-01", 19, false},
		{"second unpaid", []Payment{pay("2025-02-10", 0, 310)}, "2025-03-15", 5, false},
		{"a later payment is not counted yet", []Payment{pay("2025-03-20", 0, 310)}, "2025-03-15", 33, false},
		{"interest does not stand in for principal", []Payment{pay("2025-04-10", 0, 200_000)}, "2025-04-12", 2, false},
		{"a principal prepayment covers later interest", []Payment{pay("2025-02-10", 1_000, 0)}, "2025-03-15", 0, false},
		{"repaid", []Payment{pay("2025-02-01", 100_000, 50)}, "2025-06-01", 0, true},
	}
	for _, tt := range tests {
		st := StatusOn(sched, tt.pays, d(tt.today))
		if st.DaysLate != tt.daysLate || st.Repaid != tt.repaid {
			t.Errorf("%s: %+v, want %d days late, repaid %v", tt.name, st, tt.daysLate, tt.repaid)
		}
	}
}
