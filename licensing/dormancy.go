package licensing

import (
	"context"
	"fmt"
	"math/big"
	"regexp"
	"strings"

	"github.com/ipledge/ipledge/account"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/money"
	"github.com/ipledge/ipledge/registry"
	"github.com/ipledge/ipledge/valuation"
)

// Reason codes of a patent's dormancy status. A dormant patent carries
// CodeDormant and CodeNeverUsed or CodeNoRecentActivity; any other
// patent carries the codes of every rule that keeps it from being dormant.
const (
	CodeDormant          = "dormant"
	CodeNeverUsed        = "no_activity_since_grant"
	CodeNoRecentActivity = "no_recent_activity"
	CodeGovernmentFunded = "government_funded"

	CodeNotGranted      = "not_granted"
	CodeNotValid        = "not_valid"
	CodeNotUniversity   = "not_university"
	CodeGrantedRecently = "granted_recently"
	CodeLicenceInForce  = "licence_in_force"
	CodePledgeInForce   = "pledge_in_force"
	CodeRecentLicence   = "recent_licence"
	CodeRecentTransfer  = "recent_transfer"
	CodeRecentPledge    = "recent_pledge"
	CodeRecentOwnUse    = "recent_own_implementation"
)

// institution matches the names of universities and research institutes
// among patentees not linked to a platform organisation.
var institution = regexp.MustCompile(`大学|学院|研究院|研究所|科学院|研究中心|实验室|University|Institute`)

// activity is one dated thing that happened to a patent.
type activity struct {
	code string // CodeRecent…
	what string // Chinese
	on   date.Date
}

// facts are what dormancy is decided from.
type facts struct {
	Patent      registry.Patent
	University  bool // a patentee is a university or research institute
	Years       int  // N: the setting for the patent (funded or not)
	Today       date.Date
	Activities  []activity
	LicenceNow  bool // a licence in force today
	PledgeNow   bool // a pledge in force today
	OpenLicence bool // an open licence declaration stands
}

// assess applies the dormancy rules: granted and valid, a university or
// research institute among the patentees, granted at least N years ago,
// no licence, transfer, pledge or own implementation in the last N years
// (and none in force).
func assess(f facts) Status {
	var codes, why []string
	add := func(code, msg string) { codes = append(codes, code); why = append(why, msg) }
	p := f.Patent
	cutoff := f.Today.AddYears(-f.Years)
	if p.GrantDate.IsZero() {
		add(CodeNotGranted, "尚未授权")
	}
	if p.LegalStatus != registry.StatusValid {
		add(CodeNotValid, fmt.Sprintf("法律状态不是有效（%s）", p.LegalStatus))
	}
	if !f.University {
		add(CodeNotUniversity, "专利权人不是高校或科研院所")
	}
	if !p.GrantDate.IsZero() && p.GrantDate.After(cutoff) {
		add(CodeGrantedRecently, fmt.Sprintf("授权未满%d年（%s 授权）", f.Years, p.GrantDate))
	}
	if f.LicenceNow {
		add(CodeLicenceInForce, "有在实施的许可")
	}
	if f.PledgeNow {
		add(CodePledgeInForce, "处于质押中")
	}
	var latest *activity
	seen := map[string]bool{}
	for i, a := range f.Activities {
		if latest == nil || a.on.After(latest.on) {
			latest = &f.Activities[i]
		}
		if !a.on.Before(cutoff) && !seen[a.code] {
			seen[a.code] = true
			add(a.code, fmt.Sprintf("近%d年有%s记录（%s）", f.Years, a.what, a.on))
		}
	}
	st := Status{PatentID: p.ID, OpenLicence: f.OpenLicence, ReasonCodes: codes}
	if latest != nil {
		st.LastActivityOn = latest.on
	}
	if len(codes) == 0 {
		st.Dormant = true
		msg := fmt.Sprintf("沉睡专利：%s 授权，已满%d年，近%d年无许可、转让、质押或自行实施记录", p.GrantDate, f.Years, f.Years)
		if latest == nil {
			st.ReasonCodes = []string{CodeDormant, CodeNeverUsed}
			msg += "；授权以来未见任何运用记录"
		} else {
			st.ReasonCodes = []string{CodeDormant, CodeNoRecentActivity}
			msg += fmt.Sprintf("；最近一次为%s（%s）", latest.what, latest.on)
		}
		if p.GovernmentFunded {
			st.ReasonCodes = append(st.ReasonCodes, CodeGovernmentFunded)
			msg += fmt.Sprintf("（政府资助项目专利，按%d年认定）", f.Years)
		}
		st.Reason = msg
	} else {
		st.Reason = "不属于沉睡专利：" + strings.Join(why, "；")
	}
	st.ScreeningScore = screening(f, latest)
	st.Codes = strings.Join(st.ReasonCodes, ",")
	return st
}

// screening is the 0–100 screening score:
//
//	score = 0.5 × quality + 0.3 × remaining life + 0.2 × recency
//
// quality is the mean of the measurable sub-indicators of the valuation
// indicator score other than remaining life (legal status, claims,
// forward citations, family size; those the registry does not know are
// left out), remaining life is the valuation's remaining-life
// sub-indicator, and recency is 100 − 10 per year since the last activity
// (or, without any, since the grant), at least 0: a patent asleep for ten
// years has lost its market. Exact arithmetic, rounded half up.
func screening(f facts, latest *activity) int {
	p := f.Patent
	entered := map[valuation.Indicator]string{}
	for _, inds := range valuation.Indicators {
		for _, ind := range inds {
			entered[ind] = "0"
		}
	}
	sc, err := valuation.Score(valuation.Facts{Type: p.Type, FilingDate: p.FilingDate, ValuationDate: f.Today,
		LegalStatus: string(p.LegalStatus), ClaimsCount: p.ClaimsCount, ForwardCitations: p.ForwardCitations,
		FamilySize: p.FamilySize}, entered, valuation.PlatformDefaultWeights())
	life, quality, n := new(big.Rat), new(big.Rat), 0
	if err == nil {
		for _, x := range sc.Indicators {
			if x.Source != valuation.Measured {
				continue
			}
			v, ok := new(big.Rat).SetString(x.Value)
			if !ok {
				continue
			}
			if x.Indicator == valuation.RemainingLife {
				life = v
			} else {
				quality.Add(quality, v)
				n++
			}
		}
	}
	if n > 0 {
		quality.Quo(quality, big.NewRat(int64(n), 1))
	}
	since := p.GrantDate
	if latest != nil {
		since = latest.on
	}
	if since.IsZero() {
		since = p.FilingDate
	}
	days := int64(since.DaysUntil(f.Today))
	if days < 0 {
		days = 0
	}
	recency := new(big.Rat).Sub(big.NewRat(100, 1), big.NewRat(days*10, 365))
	if recency.Sign() < 0 {
		recency.SetInt64(0)
	}
	total := new(big.Rat).Mul(quality, big.NewRat(1, 2))
	total.Add(total, new(big.Rat).Mul(life, big.NewRat(3, 10)))
	total.Add(total, new(big.Rat).Mul(recency, big.NewRat(1, 5)))
	v := money.RoundHalfUp(total)
	return int(max(0, min(100, v)))
}

// compute gathers the facts of a patent in q and assesses them.
func (s *Service) compute(ctx context.Context, q db.Queryer, patentID int64) (Status, error) {
	p, err := s.registry.LookupIDTx(ctx, q, patentID)
	if err != nil {
		return Status{}, err
	}
	today := s.today()
	f := facts{Patent: p, Today: today}
	key := KeyDormantYears
	if p.GovernmentFunded {
		key = KeyDormantYearsFunded
	}
	years, err := s.settings.Int(ctx, key, 0, today)
	if err != nil {
		return Status{}, err
	}
	f.Years = int(years)
	for _, h := range p.Patentees {
		if h.OrgID != nil {
			kind, err := s.st.orgKind(ctx, q, *h.OrgID)
			if err != nil {
				return Status{}, err
			}
			if kind == account.KindUniversity {
				f.University = true
			}
		} else if institution.MatchString(h.Name) {
			f.University = true
		}
	}
	events, err := s.st.events(ctx, q, patentID)
	if err != nil {
		return Status{}, err
	}
	for _, e := range events {
		if e.EffectiveOn.After(today) {
			continue
		}
		switch e.Kind {
		case EventLicence:
			f.Activities = append(f.Activities, activity{CodeRecentLicence, "许可", e.EffectiveOn})
			if e.InForce(today) {
				f.LicenceNow = true
			}
		case EventTransfer:
			f.Activities = append(f.Activities, activity{CodeRecentTransfer, "转让", e.EffectiveOn})
		case EventOwnImplementation:
			f.Activities = append(f.Activities, activity{CodeRecentOwnUse, "自行实施", e.EffectiveOn})
		}
	}
	if d, err := s.st.lastRegistryTransfer(ctx, q, patentID); err != nil {
		return Status{}, err
	} else if !d.IsZero() {
		f.Activities = append(f.Activities, activity{CodeRecentTransfer, "转让", d})
	}
	if s.pledges != nil {
		last, now, err := s.pledges.LastPledgedOn(ctx, q, patentID)
		if err != nil {
			return Status{}, err
		}
		if !last.IsZero() {
			f.Activities = append(f.Activities, activity{CodeRecentPledge, "质押", last})
		}
		f.PledgeNow = now
	}
	if _, err := s.st.activeOpenLicence(ctx, q, patentID); err == nil {
		f.OpenLicence = true
	} else if !db.IsNoRows(err) {
		return Status{}, err
	}
	return assess(f), nil
}
