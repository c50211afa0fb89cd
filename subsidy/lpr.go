package subsidy

import (
	"fmt"
	"sort"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/money"
)

// LPR is one Loan Prime Rate fixing, in force from Effective until the
// next fixing.
type LPR struct {
	Effective date.Date  `json:"effective"`
	OneYear   money.Rate `json:"one_year"`
	FiveYear  money.Rate `json:"five_year"`
}

// LPRTable is the dated LPR history, ordered by effective date.
type LPRTable []LPR

// DefaultLPR is the table seeded from DOMAIN.md ("Loans"). The last value
// stays in force until a newer fixing is added.
func DefaultLPR() LPRTable {
	rows := []struct{ on, one, five string }{
		{"2022-08-22", "3.65", "4.30"},
		{"2023-06-20", "3.55", "4.20"},
		{"2023-08-21", "3.45", "4.20"},
		{"2024-02-20", "3.45", "3.95"},
		{"2024-07-22", "3.35", "3.85"},
		{"2024-10-21", "3.10", "3.60"},
		{"2025-05-20", "3.00", "3.50"},
	}
	t := make(LPRTable, len(rows))
	for i, r := range rows {
		t[i] = LPR{date.MustParse(r.on), money.MustRate(r.one), money.MustRate(r.five)}
	}
	return t
}

// At returns the fixing in force on d. A date before the first fixing is
// an error rather than a guess: the table must be extended for older loans.
func (t LPRTable) At(d date.Date) (LPR, error) {
	// First entry effective after d; the one before it is in force.
	i := sort.Search(len(t), func(i int) bool { return t[i].Effective.After(d) })
	if i == 0 {
		return LPR{}, fmt.Errorf("no LPR in force on %s", d)
	}
	return t[i-1], nil
}

// Rate returns the one- or five-year LPR in force on d.
func (t LPRTable) Rate(d date.Date, tenor Tenor) (money.Rate, error) {
	l, err := t.At(d)
	if err != nil {
		return money.Rate{}, err
	}
	if tenor == FiveYear {
		return l.FiveYear, nil
	}
	return l.OneYear, nil
}

// referenceDate is the day whose LPR a policy uses. The rule names a
// month for two of its variants; the LPR "of" a month is taken as the one
// in force on its last day, which is the fixing published on that month's
// 20th (or the previous one if it was unchanged).
func referenceDate(rule LPRRule, contract date.Date, year int) date.Date {
	switch rule {
	case LPRMonthBeforeContract:
		return date.New(contract.Y, contract.M, 1).AddDays(-1)
	case LPRDecemberOfYear:
		return date.New(year, 12, 31)
	}
	return contract
}
