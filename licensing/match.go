package licensing

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/registry"
	"github.com/ipledge/ipledge/settings"
	"github.com/ipledge/ipledge/whitelist"
)

// Matchmaking ranks by text relevance + IPC proximity + screening score,
// each weighted by a setting (in percent).
const (
	KeyMatchWeightText      = "matching.weight_text"
	KeyMatchWeightIPC       = "matching.weight_ipc"
	KeyMatchWeightScreening = "matching.weight_screening"
)

// SearchSettingDefs are the matchmaking weights.
func SearchSettingDefs() []settings.Def {
	return []settings.Def{
		{Key: KeyMatchWeightText, Kind: settings.KindInt, Default: "100", Scope: settings.ScopePlatform, Min: "0", Max: "1000",
			Description: "供需匹配排序：文本相关度权重（百分比）"},
		{Key: KeyMatchWeightIPC, Kind: settings.KindInt, Default: "100", Scope: settings.ScopePlatform, Min: "0", Max: "1000",
			Description: "供需匹配排序：IPC 分类接近度权重（同组 > 同小类 > 同大类，百分比）"},
		{Key: KeyMatchWeightScreening, Kind: settings.KindInt, Default: "20", Scope: settings.ScopePlatform, Min: "0", Max: "1000",
			Description: "供需匹配排序：沉睡专利筛选评分权重（百分比）"},
	}
}

// Weights weigh the parts of a match's score.
type Weights struct{ Text, IPC, Screening float64 }

// DefaultWeights are the settings' defaults.
func DefaultWeights() Weights { return Weights{Text: 1, IPC: 1, Screening: 0.2} }

func (s *Search) weights(ctx context.Context) (Weights, error) {
	w := DefaultWeights()
	if s.settings == nil {
		return w, nil
	}
	today := date.Today(s.now)
	for _, x := range []struct {
		key string
		v   *float64
	}{{KeyMatchWeightText, &w.Text}, {KeyMatchWeightIPC, &w.IPC}, {KeyMatchWeightScreening, &w.Screening}} {
		n, err := s.settings.Int(ctx, x.key, 0, today)
		if err != nil {
			return w, err
		}
		*x.v = float64(n) / 100
	}
	return w, nil
}

// ipcParts splits a normalised IPC code into class (H01), subclass (H01M)
// and main group (H01M10); the shorter code leaves the rest empty.
func ipcParts(c string) (class, subclass, group string) {
	if len(c) >= 3 {
		class = c[:3]
	}
	if len(c) >= 4 {
		subclass = c[:4]
	}
	if len(c) > 4 {
		group, _, _ = strings.Cut(c, "/")
	}
	return
}

// ipcProximity of two codes: same main group 1, same subclass 0.6, same
// class 0.25, else 0.
func ipcProximity(a, b string) float64 {
	ac, as, ag := ipcParts(a)
	bc, bs, bg := ipcParts(b)
	switch {
	case ag != "" && ag == bg:
		return 1
	case as != "" && as == bs:
		return 0.6
	case ac != "" && ac == bc:
		return 0.25
	}
	return 0
}

func normCodes(raw string) []string {
	var out []string
	for _, c := range ipcList(raw) {
		if n, ok := NormIPC(c); ok {
			out = append(out, n)
		}
	}
	return out
}

// InferredIPC is an IPC subclass inferred from a need's text: the share
// of the best text matches' votes it got, relative to the top one.
type InferredIPC struct {
	Subclass   string  `json:"subclass"`
	Confidence float64 `json:"confidence"`
}

// Reason is one reason why a match was made.
type Reason struct {
	// Kind is shared_terms, ipc_overlap, inferred_ipc, open_licence,
	// licence_within_budget, dormant, need or ipc_profile.
	Kind   string   `json:"kind"`
	Detail string   `json:"detail"`
	Terms  []string `json:"terms,omitempty"`
	Codes  []string `json:"codes,omitempty"`
	NeedID int64    `json:"need_id,omitempty"`
}

// needTerms are the OR-terms of a need's text: its distinct tokens of two
// or more characters (bigrams, words), at most 64.
func needTerms(text string) []Term {
	seen := map[string]bool{}
	var out []Term
	scanTokens(text, func(sp tokSpan) {
		if len(out) >= 64 || seen[sp.Text] || utf8.RuneCountInString(sp.Text) < 2 {
			return
		}
		seen[sp.Text] = true
		out = append(out, Term{Text: sp.Text})
	})
	return out
}

func tokenSet(texts ...string) map[string]bool {
	out := map[string]bool{}
	for _, t := range texts {
		scanTokens(t, func(sp tokSpan) {
			if utf8.RuneCountInString(sp.Text) >= 2 {
				out[sp.Text] = true
			}
		})
	}
	return out
}

func shared(need []Term, have map[string]bool) []string {
	var out []string
	for _, t := range need {
		if have[t.Text] {
			out = append(out, t.Text)
		}
	}
	return out
}

// rankOptions tune rank.
type rankOptions struct {
	AvailableOnly bool    // dormant or open-licensed patents only
	Exclude       []int64 // patent ids left out
	Pool          int     // text candidates reranked
	InferFrom     int     // best text matches that vote for IPC subclasses
	Weights       Weights
}

// scored is a ranked candidate.
type scored struct {
	hitRow
	Text, IPC float64
	Total     float64
	Via       []string // need codes or inferred subclasses it is near
}

// infer votes for IPC subclasses with the best text matches among all
// patents (each vote weighs its relevance relative to the best).
func (s *Search) infer(ctx context.Context, terms []Term, o rankOptions) ([]InferredIPC, error) {
	rows, err := s.st.search(ctx, terms, true, searchFilter{ExcludeIDs: o.Exclude}, o.InferFrom, 0)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	votes := map[string]float64{}
	top := rows[0].Score
	for _, r := range rows {
		w := 1.0
		if top > 0 {
			w = r.Score / top
		}
		seen := map[string]bool{}
		for _, c := range normCodes(r.IPC) {
			_, sub, _ := ipcParts(c)
			if sub != "" && !seen[sub] {
				seen[sub] = true
				votes[sub] += w
			}
		}
	}
	var out []InferredIPC
	best := 0.0
	for _, v := range votes {
		best = math.Max(best, v)
	}
	for sub, v := range votes {
		if c := v / best; c >= 0.3 {
			out = append(out, InferredIPC{Subclass: sub, Confidence: math.Round(c*100) / 100})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Confidence != out[j].Confidence {
			return out[i].Confidence > out[j].Confidence
		}
		return out[i].Subclass < out[j].Subclass
	})
	if len(out) > 5 {
		out = out[:5]
	}
	return out, nil
}

// rank ranks patents for a need's text and IPC codes (normalised; none:
// inferred from the text).
func (s *Search) rank(ctx context.Context, text string, codes []string, o rankOptions) ([]scored, []InferredIPC, error) {
	terms := needTerms(text)
	if len(terms) == 0 {
		return nil, nil, nil
	}
	var inferred []InferredIPC
	if len(codes) == 0 && o.Weights.IPC > 0 {
		var err error
		if inferred, err = s.infer(ctx, terms, o); err != nil {
			return nil, nil, err
		}
	}
	rows, err := s.st.search(ctx, terms, true, searchFilter{AvailableOnly: o.AvailableOnly, ExcludeIDs: o.Exclude}, o.Pool, 0)
	if err != nil || len(rows) == 0 {
		return nil, inferred, err
	}
	top := rows[0].Score
	out := make([]scored, len(rows))
	for i, r := range rows {
		c := scored{hitRow: r}
		if top > 0 {
			c.Text = r.Score / top
		}
		pcodes := normCodes(r.IPC)
		for _, nc := range codes {
			for _, pc := range pcodes {
				if p := ipcProximity(nc, pc); p > 0 {
					if p > c.IPC {
						c.IPC = p
					}
					if !containsString(c.Via, nc) {
						c.Via = append(c.Via, nc)
					}
				}
			}
		}
		for _, inf := range inferred {
			for _, pc := range pcodes {
				p := 0.0
				if _, sub, _ := ipcParts(pc); sub == inf.Subclass {
					p = inf.Confidence
				} else if pc[:min(3, len(pc))] == inf.Subclass[:3] {
					p = 0.25 * inf.Confidence
				}
				if p > 0 && !containsString(c.Via, inf.Subclass) {
					c.Via = append(c.Via, inf.Subclass)
				}
				c.IPC = math.Max(c.IPC, p)
			}
		}
		c.Total = o.Weights.Text*c.Text + o.Weights.IPC*c.IPC + o.Weights.Screening*float64(r.ScreeningScore)/100
		out[i] = c
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Total != out[j].Total {
			return out[i].Total > out[j].Total
		}
		return out[i].ID < out[j].ID
	})
	return out, inferred, nil
}

// Match is a patent matched to a need.
type Match struct {
	ApplicationNumber string   `json:"application_number"`
	Title             string   `json:"title"`
	IPCCodes          []string `json:"ipc_codes"`
	LegalStatus       string   `json:"legal_status"`
	Patentees         []string `json:"patentees"`
	Dormant           bool     `json:"dormant"`
	OpenLicence       bool     `json:"open_licence"`
	ScreeningScore    int      `json:"screening_score"`
	Score             float64  `json:"score"`
	Why               []Reason `json:"why"`
}

// NeedMatches is the ranked list of patents for a need.
type NeedMatches struct {
	Need        Need          `json:"need"`
	InferredIPC []InferredIPC `json:"inferred_ipc"`
	Items       []Match       `json:"items"`
	NextCursor  string        `json:"next_cursor"`
}

// maxMatches bounds a ranked list of matches or licensees.
const maxMatches = 200

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func fen(v int64) string { return strconv.FormatFloat(float64(v)/100, 'f', 2, 64) }

// Matches ranks the dormant or open-licensed patents for a need (the
// caller has checked the need is its own), each with why it matched.
func (s *Search) Matches(ctx context.Context, n Need, r page.Request) (NeedMatches, error) {
	out := NeedMatches{Need: n, InferredIPC: []InferredIPC{}, Items: []Match{}}
	w, err := s.weights(ctx)
	if err != nil {
		return out, err
	}
	ranked, inferred, err := s.rank(ctx, n.Title+"\n"+n.Description, n.IPCCodes,
		rankOptions{AvailableOnly: true, Pool: maxMatches, InferFrom: 30, Weights: w})
	if err != nil {
		return out, err
	}
	if inferred != nil {
		out.InferredIPC = inferred
	}
	from := min(int(r.After), len(ranked))
	to := min(from+r.Limit, len(ranked))
	pageRows := ranked[from:to]
	if to < len(ranked) {
		out.NextCursor = page.Encode(int64(to))
	}
	ids := make([]int64, len(pageRows))
	for i, c := range pageRows {
		ids[i] = c.ID
	}
	holders, err := s.st.holders(ctx, ids)
	if err != nil {
		return out, err
	}
	terms, err := s.st.openLicences(ctx, ids)
	if err != nil {
		return out, err
	}
	needTs := needTerms(n.Title + "\n" + n.Description)
	for _, c := range pageRows {
		m := Match{ApplicationNumber: c.ApplicationNumber, Title: c.Title, IPCCodes: ipcList(c.hitRow.IPC), LegalStatus: c.LegalStatus,
			Patentees: []string{}, Dormant: c.Dormant, OpenLicence: c.OpenLicence, ScreeningScore: c.ScreeningScore,
			Score: round3(c.Total), Why: []Reason{}}
		for _, h := range holders[c.ID] {
			m.Patentees = append(m.Patentees, h.Name)
		}
		if sh := shared(needTs, tokenSet(c.Title, c.Abstract, c.MainClaim)); len(sh) > 0 {
			m.Why = append(m.Why, Reason{Kind: "shared_terms", Detail: fmt.Sprintf("与需求共有 %d 个词项", len(sh)), Terms: firstN(sh, 12)})
		}
		if len(c.Via) > 0 {
			kind, detail := "ipc_overlap", "IPC 分类与需求相同或相近"
			if len(n.IPCCodes) == 0 {
				kind, detail = "inferred_ipc", "IPC 分类与按需求文本推断的小类相同或相近"
			}
			m.Why = append(m.Why, Reason{Kind: kind, Detail: detail, Codes: c.Via})
		}
		if c.Dormant {
			m.Why = append(m.Why, Reason{Kind: "dormant", Detail: fmt.Sprintf("沉睡专利（筛选评分 %d）", c.ScreeningScore)})
		}
		if t, ok := terms[c.ID]; ok {
			m.Why = append(m.Why, licenceReason(t, n))
		}
		out.Items = append(out.Items, m)
	}
	return out, nil
}

// licenceReason describes an open licence's terms against the need's
// budget: within budget when its one-off payment (lump sum or down
// payment) is at most the budget's maximum.
func licenceReason(t openTerms, n Need) Reason {
	var upfront *int64
	switch {
	case t.LumpSumFen != nil:
		upfront = t.LumpSumFen
	case t.DownPaymentFen != nil:
		upfront = t.DownPaymentFen
	}
	detail := "开放许可"
	if upfront != nil {
		detail += "，一次性/入门费 " + fen(*upfront) + " 元"
	}
	if t.RoyaltyRate != "" {
		detail += "，提成费率 " + t.RoyaltyRate
	}
	detail += fmt.Sprintf("，期限 %d 年", t.TermYears)
	if upfront != nil && n.BudgetMaxFen != nil && *upfront <= *n.BudgetMaxFen {
		return Reason{Kind: "licence_within_budget", Detail: detail + "，在需求预算之内"}
	}
	return Reason{Kind: "open_licence", Detail: detail}
}

func firstN(xs []string, n int) []string {
	if len(xs) > n {
		return xs[:n]
	}
	return xs
}

// Licensee is a candidate licensee of a patent.
type Licensee struct {
	OrgID           int64            `json:"org_id"`
	Name            string           `json:"name"`
	USCC            string           `json:"uscc"`
	WhitelistStatus whitelist.Status `json:"whitelist_status"`
	Score           float64          `json:"score"`
	Why             []Reason         `json:"why"`
}

// Licensees ranks candidate licensees of a patent (the caller has checked
// access): enterprises whose posted needs match it (shared terms, IPC
// proximity to the need's codes or, without codes, to the subclasses
// inferred from its text) and enterprises holding patents near it in the
// IPC (their own patents' profile), each with why, and the enterprise's
// whitelist status.
func (s *Search) Licensees(ctx context.Context, p registry.Patent, r page.Request) (page.Page[Licensee], error) {
	w, err := s.weights(ctx)
	if err != nil {
		return page.Page[Licensee]{}, err
	}
	holders := map[int64]bool{}
	for _, h := range p.Patentees {
		if h.OrgID != nil {
			holders[*h.OrgID] = true
		}
	}
	var pcodes []string
	for _, c := range p.IPCCodes {
		if n, ok := NormIPC(c); ok {
			pcodes = append(pcodes, n)
		}
	}
	have := tokenSet(p.Title, p.Abstract, p.MainClaim)
	type cand struct {
		score float64
		why   []Reason
	}
	cands := map[int64]*cand{}
	get := func(org int64) *cand {
		if cands[org] == nil {
			cands[org] = &cand{}
		}
		return cands[org]
	}
	needs, err := s.st.recentNeeds(ctx, 2000)
	if err != nil {
		return page.Page[Licensee]{}, err
	}
	type needScore struct {
		n      Need
		terms  []Term
		shared []string
	}
	var withText []needScore
	for _, n := range needs {
		if holders[n.OrgID] {
			continue
		}
		ts := needTerms(n.Title + "\n" + n.Description)
		sh := shared(ts, have)
		if len(sh) > 0 || n.IPC != "" {
			withText = append(withText, needScore{n, ts, sh})
		}
	}
	sort.SliceStable(withText, func(i, j int) bool { return len(withText[i].shared) > len(withText[j].shared) })
	for i, ns := range withText {
		text := 0.0
		if len(ns.terms) > 0 {
			text = math.Min(1, float64(len(ns.shared))/math.Max(3, 0.3*float64(len(ns.terms))))
		}
		ipc, kind := 0.0, "ipc_overlap"
		var via []string
		for _, nc := range ipcList(ns.n.IPC) {
			for _, pc := range pcodes {
				if x := ipcProximity(nc, pc); x > 0 {
					ipc = math.Max(ipc, x)
					via = append(via, nc)
				}
			}
		}
		if ns.n.IPC == "" && len(ns.shared) > 0 && i < 50 {
			inferred, err := s.infer(ctx, ns.terms, rankOptions{InferFrom: 30})
			if err != nil {
				return page.Page[Licensee]{}, err
			}
			kind = "inferred_ipc"
			for _, inf := range inferred {
				for _, pc := range pcodes {
					if _, sub, _ := ipcParts(pc); sub == inf.Subclass {
						ipc = math.Max(ipc, inf.Confidence)
						via = append(via, inf.Subclass)
					}
				}
			}
		}
		score := w.Text*text + w.IPC*ipc
		if score <= 0 {
			continue
		}
		c := get(ns.n.OrgID)
		c.score = math.Max(c.score, score)
		why := Reason{Kind: "need", NeedID: ns.n.ID, Detail: fmt.Sprintf("技术需求“%s”", ns.n.Title)}
		c.why = append(c.why, why)
		if len(ns.shared) > 0 {
			c.why = append(c.why, Reason{Kind: "shared_terms", NeedID: ns.n.ID, Detail: fmt.Sprintf("与该需求共有 %d 个词项", len(ns.shared)),
				Terms: firstN(ns.shared, 12)})
		}
		if len(via) > 0 {
			c.why = append(c.why, Reason{Kind: kind, NeedID: ns.n.ID, Detail: "IPC 分类与该需求相同或相近", Codes: dedupe(via)})
		}
	}
	// The enterprises' own patents near this one in the IPC.
	var classes []string
	for _, c := range pcodes {
		if cl, _, _ := ipcParts(c); cl != "" && !containsString(classes, cl) {
			classes = append(classes, cl)
		}
	}
	rows, err := s.st.enterprisePatents(ctx, classes, p.ID)
	if err != nil {
		return page.Page[Licensee]{}, err
	}
	type profile struct {
		best  float64
		near  int
		codes []string
	}
	profiles := map[int64]*profile{}
	for _, r := range rows {
		if holders[r.OrgID] {
			continue
		}
		best := 0.0
		var near []string
		for _, oc := range normCodes(r.IPC) {
			for _, pc := range pcodes {
				if x := ipcProximity(oc, pc); x > 0 {
					best = math.Max(best, x)
					near = append(near, oc)
				}
			}
		}
		if best == 0 {
			continue
		}
		pr := profiles[r.OrgID]
		if pr == nil {
			pr = &profile{}
			profiles[r.OrgID] = pr
		}
		pr.best = math.Max(pr.best, best)
		pr.near++
		pr.codes = dedupe(append(pr.codes, near...))
	}
	for org, pr := range profiles {
		score := w.IPC * pr.best * (1 - math.Pow(0.5, float64(pr.near))) * 0.8
		c := get(org)
		c.score += score
		c.why = append(c.why, Reason{Kind: "ipc_profile", Detail: fmt.Sprintf("该企业持有 %d 件 IPC 分类相同或相近的专利", pr.near),
			Codes: firstN(pr.codes, 10)})
	}
	ids := make([]int64, 0, len(cands))
	for id := range cands {
		ids = append(ids, id)
	}
	orgs, err := s.st.orgs(ctx, ids)
	if err != nil {
		return page.Page[Licensee]{}, err
	}
	var all []Licensee
	for id, c := range cands {
		o, ok := orgs[id]
		if !ok || o.Kind != "enterprise" {
			continue
		}
		l := Licensee{OrgID: id, Name: o.Name, Score: round3(c.score), Why: c.why, WhitelistStatus: whitelist.StatusNotListed}
		if o.USCC != nil {
			l.USCC = *o.USCC
		}
		all = append(all, l)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Score != all[j].Score {
			return all[i].Score > all[j].Score
		}
		return all[i].OrgID < all[j].OrgID
	})
	if len(all) > maxMatches {
		all = all[:maxMatches]
	}
	from := min(int(r.After), len(all))
	to := min(from+r.Limit, len(all))
	out := page.Page[Licensee]{Items: all[from:to]}
	if to < len(all) {
		out.NextCursor = page.Encode(int64(to))
	}
	if s.whitelist != nil {
		for i := range out.Items {
			if out.Items[i].USCC == "" {
				continue
			}
			st, err := s.whitelist.Status(ctx, out.Items[i].USCC)
			if err != nil {
				return page.Page[Licensee]{}, err
			}
			out.Items[i].WhitelistStatus = st.Status
		}
	}
	if out.Items == nil {
		out.Items = []Licensee{}
	}
	return out, nil
}

func dedupe(xs []string) []string {
	var out []string
	for _, x := range xs {
		if !containsString(out, x) {
			out = append(out, x)
		}
	}
	return out
}
