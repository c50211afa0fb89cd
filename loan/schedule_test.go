package loan

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/money"
	"github.com/ipledge/ipledge/platform/problem"
)

var d = date.MustParse

// line is the part of an instalment the hand-worked tables check.
type line struct {
	start, due          string
	days                int
	principal, interest int64
}

func TestScheduleWorkedExamples(t *testing.T) {
	tests := []struct {
		name  string
		terms Terms
		want  []line
	}{
		{
			// ¥1,000,000 at 3.45% for 2024-01-15 → 2025-01-15: 366 days (2024 is leap).
			// 100,000,000 × 0.0345 = 3,450,000 a year; × 366 / 360 = 3,507,500 exactly.
			name:  "bullet over a leap year",
			terms: Terms{100_000_000, money.MustRate("3.45"), d("2024-01-15"), d("2025-01-15"), Bullet},
			want:  []line{{"2024-01-15", "2025-01-15", 366, 100_000_000, 3_507_500}},
		},
		{
			// 18,000 fen at 1% for one day: 180 a year / 360 = 0.5 fen → half up to 1
			// (banker's rounding or truncation would give 0).
			name:  "half a fen rounds up",
			terms: Terms{18_000, money.MustRate("1"), d("2025-03-01"), d("2025-03-02"), Bullet},
			want:  []line{{"2025-03-01", "2025-03-02", 1, 18_000, 1}},
		},
		{
			// ¥100,000 at 3.65% from 2024-01-31, interest monthly, matures 2024-04-30.
			// Ends on the 31st clamped: Feb 29 (leap), then back to Mar 31, then Apr 30.
			// A year's interest is 10,000,000 × 0.0365 = 365,000 fen.
			//   29 days: 365,000 × 29 / 360 = 29,402.78 → 29,403
			//   31 days: 365,000 × 31 / 360 = 31,430.56 → 31,431
			//   30 days: 365,000 × 30 / 360 = 30,416.67 → 30,417, with the principal.
			name:  "interest monthly from the 31st",
			terms: Terms{10_000_000, money.MustRate("3.65"), d("2024-01-31"), d("2024-04-30"), InterestMonthly},
			want: []line{
				{"2024-01-31", "2024-02-29", 29, 0, 29_403},
				{"2024-02-29", "2024-03-31", 31, 0, 31_431},
				{"2024-03-31", "2024-04-30", 30, 10_000_000, 30_417},
			},
		},
		{
			// ¥1,000,000 at 3.6%, interest quarterly, 2025-02-10 → 2025-09-01 (a short last quarter).
			// 100,000,000 × 0.036 / 360 = 10,000 fen a day.
			//   2025-02-10 → 05-10: 89 days → 890,000
			//   2025-05-10 → 08-10: 92 days → 920,000
			//   2025-08-10 → 09-01 (maturity): 22 days → 220,000
			name:  "interest quarterly with a stub",
			terms: Terms{100_000_000, money.MustRate("3.6"), d("2025-02-10"), d("2025-09-01"), InterestQuarterly},
			want: []line{
				{"2025-02-10", "2025-05-10", 89, 0, 890_000},
				{"2025-05-10", "2025-08-10", 92, 0, 920_000},
				{"2025-08-10", "2025-09-01", 22, 100_000_000, 220_000},
			},
		},
		{
			// ¥1,000 at 3.6%, equal principal over 3 months from 2025-01-10.
			// Principal: 100,000 / 3 = 33,333 rounded down twice; the last takes 33,334.
			// Interest = balance × 0.036 × days / 360 = balance × days / 10,000:
			//   100,000 × 31 / 10,000 = 310
			//    66,667 × 28 / 10,000 = 186.6676 → 187
			//    33,334 × 31 / 10,000 = 103.3354 → 103
			name:  "equal principal",
			terms: Terms{100_000, money.MustRate("3.6"), d("2025-01-10"), d("2025-04-10"), EqualPrincipal},
			want: []line{
				{"2025-01-10", "2025-02-10", 31, 33_333, 310},
				{"2025-02-10", "2025-03-10", 28, 33_333, 187},
				{"2025-03-10", "2025-04-10", 31, 33_334, 103},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Schedule(tt.terms)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d instalments, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				g := got[i]
				gl := line{g.Start.String(), g.Due.String(), g.Days, g.PrincipalFen, g.InterestFen}
				if gl != w {
					t.Errorf("instalment %d = %+v, want %+v", i+1, gl, w)
				}
				if g.Seq != i+1 || g.TotalFen != g.PrincipalFen+g.InterestFen {
					t.Errorf("instalment %d seq/total wrong: %+v", i+1, g)
				}
			}
		})
	}
}

// TestEqualInstallment: ¥12,000 at 6% over 12 months, monthly rate i = 0.5%.
// Payment A = P·i·(1+i)^12 / ((1+i)^12 − 1); (1.005)^12 = 1.0616778118645,
// so A = 6,000 × 1.0616778118645 / 0.0616778118645 = 103,279.7156 → 103,280 fen.
//
//	month 1: interest 1,200,000 × 0.005 = 6,000;   principal 103,280 − 6,000 = 97,280; balance 1,102,720
//	month 2: interest 1,102,720 × 0.005 = 5,513.6 → 5,514; principal 97,766; balance 1,004,954
//	…
//	month 12: balance 102,764 is repaid in full; interest 102,764 × 0.005 = 513.82 → 514;
//	          total 103,278, two fen less than A because the rounding ends there.
func TestEqualInstallment(t *testing.T) {
	got, err := Schedule(Terms{1_200_000, money.MustRate("6"), d("2025-01-05"), d("2026-01-05"), EqualInstallment})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 12 {
		t.Fatalf("%d instalments", len(got))
	}
	check := func(i int, principal, interest, total, balance int64) {
		g := got[i]
		if g.PrincipalFen != principal || g.InterestFen != interest || g.TotalFen != total || g.OutstandingFen != balance {
			t.Errorf("month %d = %+v, want p=%d i=%d t=%d bal=%d", i+1, g, principal, interest, total, balance)
		}
	}
	check(0, 97_280, 6_000, 103_280, 1_102_720)
	check(1, 97_766, 5_514, 103_280, 1_004_954)
	check(11, 102_764, 514, 103_278, 0)
	for i := 0; i < 11; i++ {
		if got[i].TotalFen != 103_280 {
			t.Errorf("month %d total %d, want the level payment", i+1, got[i].TotalFen)
		}
	}
}

func TestEqualInstallmentZeroRate(t *testing.T) {
	// 100 fen over 3 months at 0%: 33, 33, and the last takes 34.
	got, err := Schedule(Terms{100, money.Rate{}, d("2025-01-05"), d("2025-04-05"), EqualInstallment})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].PrincipalFen != 33 || got[1].PrincipalFen != 33 || got[2].PrincipalFen != 34 {
		t.Errorf("got %+v", got)
	}
}

func TestPeriodEnds(t *testing.T) {
	tests := []struct {
		start, maturity string
		step            int
		want            []string
	}{
		// Clamped to February's end, then back to the 31st: computed from the start.
		{"2025-01-31", "2025-05-31", 1, []string{"2025-02-28", "2025-03-31", "2025-04-30", "2025-05-31"}},
		// Maturity not on the day: a short last period.
		{"2025-01-15", "2025-03-01", 1, []string{"2025-02-15", "2025-03-01"}},
		// Quarterly from Nov 30: Feb 28 (clamped), May 30.
		{"2024-11-30", "2025-06-30", 3, []string{"2025-02-28", "2025-05-30", "2025-06-30"}},
		// Maturity within the first month: one period.
		{"2025-01-15", "2025-02-01", 1, []string{"2025-02-01"}},
		{"2025-01-15", "2027-01-15", 0, []string{"2027-01-15"}},
	}
	for _, tt := range tests {
		var got []string
		for _, e := range PeriodEnds(d(tt.start), d(tt.maturity), tt.step) {
			got = append(got, e.String())
		}
		if len(got) != len(tt.want) {
			t.Errorf("PeriodEnds(%s, %s, %d) = %v, want %v", tt.start, tt.maturity, tt.step, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("PeriodEnds(%s, %s, %d) = %v, want %v", tt.start, tt.maturity, tt.step, got, tt.want)
				break
			}
		}
	}
}

func TestValidate(t *testing.T) {
	ok := Terms{100, money.MustRate("3"), d("2025-01-05"), d("2025-04-05"), EqualInstallment}
	tests := []struct {
		name  string
		edit  func(*Terms)
		field string
		code  string
	}{
		{"zero principal", func(t *Terms) { t.PrincipalFen = 0 }, "principal_fen", "not_positive"},
		{"negative principal", func(t *Terms) { t.PrincipalFen = -5 }, "principal_fen", "not_positive"},
		{"end before start", func(t *Terms) { t.Maturity = d("2025-01-04") }, "maturity_date", "not_after_start"},
		{"same day", func(t *Terms) { t.Maturity = t.Start }, "maturity_date", "not_after_start"},
		{"no start", func(t *Terms) { t.Start = date.Date{} }, "start_date", "required"},
		{"no maturity", func(t *Terms) { t.Maturity = date.Date{} }, "maturity_date", "required"},
		{"unknown method", func(t *Terms) { t.Method = "balloon" }, "repayment_method", "unknown"},
		{"annuity stub", func(t *Terms) { t.Maturity = d("2025-04-06") }, "maturity_date", "not_whole_months"},
	}
	if _, err := Schedule(ok); err != nil {
		t.Fatalf("valid terms refused: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			terms := ok
			tt.edit(&terms)
			_, err := Schedule(terms)
			p, isP := problem.As(err)
			if !isP || len(p.Fields) == 0 || p.Fields[0].Field != tt.field || p.Fields[0].Code != tt.code {
				t.Errorf("error = %v (%+v), want %s/%s", err, p, tt.field, tt.code)
			}
		})
	}
}

// TestScheduleProperties: for random loans of every method the periods
// are contiguous from start to maturity, principal sums to the loan's
// principal exactly, nothing is negative and the balance runs down to 0.
func TestScheduleProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(2024, 6))
	methods := []Method{Bullet, InterestMonthly, InterestQuarterly, EqualPrincipal, EqualInstallment}
	for range 3000 {
		start := date.New(2020+rng.IntN(8), time.Month(1+rng.IntN(12)), 1+rng.IntN(31))
		m := methods[rng.IntN(len(methods))]
		var maturity date.Date
		if m == EqualInstallment {
			maturity = start.AddMonthsClamped(1 + rng.IntN(60))
		} else {
			maturity = start.AddDays(1 + rng.IntN(5*366))
		}
		principal := 1 + rng.Int64N([]int64{10, 1000, 1_000_000_000_00}[rng.IntN(3)])
		rate, _ := money.ParseRate("r", []string{"0", "3.45", "24", "0.0001", "7.125"}[rng.IntN(5)])
		terms := Terms{principal, rate, start, maturity, m}
		s, err := Schedule(terms)
		if err != nil {
			t.Fatalf("%+v: %v", terms, err)
		}
		var sum int64
		from := start
		balance := principal
		for _, in := range s {
			if in.Start != from || !in.Start.Before(in.Due) || in.Days != in.Start.DaysUntil(in.Due) {
				t.Fatalf("%+v: period %d not contiguous: %+v", terms, in.Seq, in)
			}
			if in.PrincipalFen < 0 || in.InterestFen < 0 {
				t.Fatalf("%+v: negative amount in %+v", terms, in)
			}
			balance -= in.PrincipalFen
			if in.OutstandingFen != balance {
				t.Fatalf("%+v: balance %d, want %d", terms, in.OutstandingFen, balance)
			}
			sum += in.PrincipalFen
			from = in.Due
		}
		if from != maturity {
			t.Fatalf("%+v: last period ends %s", terms, from)
		}
		if sum != principal {
			t.Fatalf("%+v: principal sums to %d", terms, sum)
		}
	}
}
