package valuation

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/ipledge/ipledge/patent"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/settings"
)

// Setting keys. The weight tables are one setting per scenario, written
// "legal=0.3;technical=0.4;…;stability=0.25;…" so that the IP office
// changes a table in one step (the sums are checked when a valuation uses
// it); pledge rates are per bank.
const (
	KeyWeightsGeneral = "valuation.weights.general"
	KeyWeightsFinance = "valuation.weights.finance"
	KeyFullScore      = "valuation.full_score"
	keyRatePrefix     = "valuation.pledge_rate."
	keyMinLifePrefix  = "valuation.min_remaining_years."
)

// Scenarios and their weight settings.
var scenarioKeys = map[string]string{"general": KeyWeightsGeneral, "finance": KeyWeightsFinance}

// EncodeWeights writes weights in the setting's text form, sorted.
func EncodeWeights(w Weights) string {
	var parts []string
	for _, g := range Groups {
		parts = append(parts, fmt.Sprintf("%s=%s", g, w.Top[g]))
	}
	var subs []string
	for k, v := range w.Sub {
		subs = append(subs, fmt.Sprintf("%s=%s", k, v))
	}
	sort.Strings(subs)
	return strings.Join(append(parts, subs...), ";")
}

// DecodeWeights reads the setting's text form; the sums are checked by
// Weights.Validate.
func DecodeWeights(s, source, scenario string) (Weights, error) {
	w := Weights{Source: source, Scenario: scenario, Top: map[Group]string{}, Sub: map[Indicator]string{}}
	isGroup := map[string]bool{}
	for _, g := range Groups {
		isGroup[string(g)] = true
	}
	for _, part := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return w, problem.Conflict("weights_invalid", "the weight table %q is malformed at %q", scenario, part)
		}
		if isGroup[k] {
			w.Top[Group(k)] = v
		} else {
			w.Sub[Indicator(k)] = v
		}
	}
	return w, nil
}

var rateTypes = []struct {
	t       patent.Type
	rate    string
	minLife string
}{
	{patent.Invention, "25", "10"}, {patent.UtilityModel, "15", "5"}, {patent.Design, "10", "5"},
	{Trademark, "50", ""}, {Copyright, "0", ""},
}

// SettingDefs are the valuation's settings: the weight tables (platform
// defaults, labelled so), the full score, and per bank the pledge rates.
func SettingDefs() []settings.Def {
	weightPattern := `([a-z_]+=[0-9.]+;)*[a-z_]+=[0-9.]+`
	defs := []settings.Def{
		{Key: KeyWeightsGeneral, Kind: settings.KindString, Default: EncodeWeights(PlatformDefaultWeights()), Scope: settings.ScopePlatform,
			Pattern: weightPattern, Description: "专利价值指标权重（通用场景；平台默认值，非国家标准原表）：法律、技术、经济价值度及各子指标权重，各组之和为1"},
		{Key: KeyWeightsFinance, Kind: settings.KindString, Default: EncodeWeights(FinanceWeights()), Scope: settings.ScopePlatform,
			Pattern: weightPattern, Description: "专利价值指标权重（金融场景；平台默认值，非GB/T 42748-2023原表）"},
		{Key: KeyFullScore, Kind: settings.KindDecimal, Default: "60", Scope: settings.ScopePlatform, Min: "1", Max: "100",
			Description: "质押率按价值度折算的满分线：价值度达到该分值时适用全额质押率"},
	}
	for _, r := range rateTypes {
		defs = append(defs, settings.Def{Key: keyRatePrefix + string(r.t), Kind: settings.KindPercent, Default: r.rate,
			Scope: settings.ScopeBank, Min: "0", Max: "100", Description: "质押率（" + string(r.t) + "），各银行可自行设定"})
		if r.minLife != "" {
			defs = append(defs, settings.Def{Key: keyMinLifePrefix + string(r.t), Kind: settings.KindInt, Default: r.minLife,
				Scope: settings.ScopePlatform, Min: "0", Max: "20", Description: "适用质押率的最短剩余保护期（年，" + string(r.t) + "）"})
		}
	}
	return defs
}

// weights reads a scenario's table in force.
func (s *Service) weights(ctx context.Context, scenario string, on date.Date) (Weights, error) {
	key, ok := scenarioKeys[scenario]
	if !ok {
		return Weights{}, problem.Invalid(problem.Field("scenario", "invalid", "scenario is general or finance"))
	}
	v, err := s.settings.String(ctx, key, 0, on)
	if err != nil {
		return Weights{}, err
	}
	source := SourceCustom
	if def, ok := s.settings.Lookup(key); ok && def.Default == v {
		source = SourcePlatformDefault
		if scenario == "finance" {
			source = SourcePlatformDefaultFinance
		}
	}
	w, err := DecodeWeights(v, source, scenario)
	if err != nil {
		return w, err
	}
	if err := w.Validate(); err != nil {
		return w, problem.Conflict("weights_invalid", "the IP office's %s weight table does not validate: %v", scenario, err)
	}
	return w, nil
}

// rates reads a bank's pledge rates in force (org 0: the platform's).
func (s *Service) rates(ctx context.Context, bankOrgID int64, on date.Date) (PledgeRates, error) {
	r := PledgeRates{Source: SourcePlatformDefault, Rates: map[patent.Type]string{}, MinRemainingYears: map[patent.Type]int{}}
	for _, rt := range rateTypes {
		v, err := s.settings.Decimal(ctx, keyRatePrefix+string(rt.t), bankOrgID, on)
		if err != nil {
			return r, err
		}
		if v != rt.rate {
			r.Source = SourceCustom
		}
		r.Rates[rt.t] = v
		if rt.minLife != "" {
			n, err := s.settings.Int(ctx, keyMinLifePrefix+string(rt.t), 0, on)
			if err != nil {
				return r, err
			}
			r.MinRemainingYears[rt.t] = int(n)
		}
	}
	full, err := s.settings.Decimal(ctx, KeyFullScore, 0, on)
	if err != nil {
		return r, err
	}
	r.FullScore = full
	return r, nil
}
