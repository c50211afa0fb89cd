package licensing

import (
	"slices"
	"strings"
	"testing"

	"github.com/ipledge/ipledge/patent"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/registry"
)

// Each rule of dormancy, alone: the base case is dormant, and each row
// breaks exactly one rule and must be refused with that rule's code.
// Removing a rule from assess makes its row fail.
func TestDormancyRules(t *testing.T) {
	today := date.MustParse("2026-06-30")
	claims := 8
	base := func() facts {
		return facts{Patent: registry.Patent{ID: 1, Type: patent.Invention, FilingDate: date.MustParse("2018-03-01"),
			GrantDate: date.MustParse("2020-05-01"), LegalStatus: registry.StatusValid, ClaimsCount: &claims},
			University: true, Years: 3, Today: today}
	}
	if st := assess(base()); !st.Dormant || !slices.Equal(st.ReasonCodes, []string{CodeDormant, CodeNeverUsed}) ||
		!strings.Contains(st.Reason, "沉睡专利") {
		t.Fatalf("base %+v", st)
	}
	recent := func(code string, on string) func(*facts) {
		return func(f *facts) { f.Activities = append(f.Activities, activity{code, "x", date.MustParse(on)}) }
	}
	cases := []struct {
		name   string
		change func(*facts)
		code   string
	}{
		{"not granted", func(f *facts) { f.Patent.GrantDate = date.Date{} }, CodeNotGranted},
		{"lapsed", func(f *facts) { f.Patent.LegalStatus = registry.StatusLapsed }, CodeNotValid},
		{"enterprise patentee", func(f *facts) { f.University = false }, CodeNotUniversity},
		{"granted 2 years ago", func(f *facts) { f.Patent.GrantDate = date.MustParse("2024-07-01") }, CodeGrantedRecently},
		{"granted exactly 3 years ago is old enough", func(f *facts) { f.Patent.GrantDate = date.MustParse("2023-06-30") }, ""},
		{"funded: 5 years", func(f *facts) {
			f.Patent.GovernmentFunded = true
			f.Years = 5
			f.Patent.GrantDate = date.MustParse("2022-01-01")
		},
			CodeGrantedRecently},
		{"licence in force", func(f *facts) { f.LicenceNow = true }, CodeLicenceInForce},
		{"pledge in force", func(f *facts) { f.PledgeNow = true }, CodePledgeInForce},
		{"licence 2 years ago", recent(CodeRecentLicence, "2024-06-30"), CodeRecentLicence},
		{"transfer 1 year ago", recent(CodeRecentTransfer, "2025-06-30"), CodeRecentTransfer},
		{"pledge 3 years ago to the day", recent(CodeRecentPledge, "2023-06-30"), CodeRecentPledge},
		{"own implementation last month", recent(CodeRecentOwnUse, "2026-05-30"), CodeRecentOwnUse},
		{"licence 4 years ago is old", recent(CodeRecentLicence, "2022-06-29"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := base()
			c.change(&f)
			st := assess(f)
			if c.code == "" {
				if !st.Dormant || st.ReasonCodes[0] != CodeDormant {
					t.Fatalf("want dormant, got %+v", st)
				}
				return
			}
			if st.Dormant || !slices.Equal(st.ReasonCodes, []string{c.code}) || !strings.HasPrefix(st.Reason, "不属于沉睡专利") {
				t.Fatalf("want not dormant for %s only, got %+v", c.code, st)
			}
		})
	}
	// A dormant funded patent says so; an old activity is named.
	f := base()
	f.Patent.GovernmentFunded, f.Years = true, 5
	f.Patent.GrantDate = date.MustParse("2020-05-01")
	recent(CodeRecentLicence, "2019-01-01")(&f)
	st := assess(f)
	if !st.Dormant || !slices.Equal(st.ReasonCodes, []string{CodeDormant, CodeNoRecentActivity, CodeGovernmentFunded}) ||
		!strings.Contains(st.Reason, "2019-01-01") || st.LastActivityOn != date.MustParse("2019-01-01") {
		t.Fatalf("funded %+v", st)
	}
}

// The screening score is 0–100, higher for a younger, better patent and
// lower the longer it has slept.
func TestScreeningScore(t *testing.T) {
	today := date.MustParse("2026-06-30")
	mk := func(filed, granted string, claims, cites, family int) facts {
		return facts{Patent: registry.Patent{Type: patent.Invention, FilingDate: date.MustParse(filed), GrantDate: date.MustParse(granted),
			LegalStatus: registry.StatusValid, ClaimsCount: &claims, ForwardCitations: &cites, FamilySize: &family}, University: true,
			Years: 3, Today: today}
	}
	good := assess(mk("2020-01-01", "2022-01-01", 12, 5, 5)).ScreeningScore
	weak := assess(mk("2010-01-01", "2012-01-01", 1, 0, 1)).ScreeningScore
	if good <= weak || good > 100 || weak < 0 {
		t.Fatalf("good %d, weak %d", good, weak)
	}
	// quality 100 (all four measured at 100), life 100×13.5/20, recency 100 − 10×4.5: 50 + 20.25 + 11 = 81.25 → 81
	if good < 75 || good > 90 {
		t.Fatalf("good %d", good)
	}
}
