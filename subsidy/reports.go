package subsidy

import (
	"context"
	"slices"
	"strconv"

	"github.com/ipledge/ipledge/platform/problem"
)

// ReportLine sums the applications of one group.
type ReportLine struct {
	Key              string `json:"key"`
	Label            string `json:"label"`
	Applications     int    `json:"applications"`
	Loans            int    `json:"loans"`
	LoanPrincipalFen int64  `json:"loan_principal_fen"` // each loan once
	AmountFen        int64  `json:"amount_fen"`         // computed (approved) amounts
	AllocatedFen     int64  `json:"allocated_fen"`
	PaidFen          int64  `json:"paid_fen"`
	ClawedBackFen    int64  `json:"clawed_back_fen"`
}

// Report is subsidies and loan amounts by year, region or bank; the
// totals are the sums over the same line items as the rows.
type Report struct {
	Year   int          `json:"year"` // 0: every year
	By     string       `json:"by"`
	Rows   []ReportLine `json:"rows"`
	Totals ReportLine   `json:"totals"`
}

// reportedStates are the applications a report counts: all but the
// rejected and the returned.
var reportedStates = []string{StateAutoApproved, StateInReview, StateApproved, StatePublicNotice, StatePaid, StateClawedBack}

// Report groups the applications of a policy year (0: all years) by
// "year", "region" or "bank".
func (s *Service) Report(ctx context.Context, year int, by string) (Report, error) {
	if by == "" {
		by = "region"
	}
	if by != "year" && by != "region" && by != "bank" {
		return Report{}, problem.Invalid(problem.Field("by", "invalid", "by is year, region or bank"))
	}
	apps, err := s.st.reportItems(ctx, year, reportedStates)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Year: year, By: by, Rows: []ReportLine{}, Totals: ReportLine{Key: "total", Label: "合计"}}
	rows := map[string]*ReportLine{}
	loansIn := map[string]map[int64]bool{}
	add := func(l *ReportLine, seen map[int64]bool, a Application) {
		l.Applications++
		if !seen[a.LoanID] {
			seen[a.LoanID] = true
			l.Loans++
			l.LoanPrincipalFen += a.LoanPrincipalFen
		}
		l.AmountFen += a.AmountFen
		if a.AllocatedFen != nil {
			l.AllocatedFen += *a.AllocatedFen
		}
		if a.PaidFen != nil {
			l.PaidFen += *a.PaidFen
		}
		if a.ClawbackFen != nil {
			l.ClawedBackFen += *a.ClawbackFen
		}
	}
	allLoans := map[int64]bool{}
	for _, a := range apps {
		key, label := a.Region, a.Region
		switch by {
		case "year":
			key = strconv.Itoa(a.PolicyYear)
			label = key
		case "bank":
			key, label = strconv.FormatInt(a.BankOrgID, 10), a.BankName
		}
		l := rows[key]
		if l == nil {
			l = &ReportLine{Key: key, Label: label}
			rows[key] = l
			loansIn[key] = map[int64]bool{}
		}
		add(l, loansIn[key], a)
		add(&rep.Totals, allLoans, a)
	}
	for _, l := range rows {
		rep.Rows = append(rep.Rows, *l)
	}
	slices.SortFunc(rep.Rows, func(a, b ReportLine) int {
		if a.Key < b.Key {
			return -1
		}
		if a.Key > b.Key {
			return 1
		}
		return 0
	})
	return rep, nil
}
