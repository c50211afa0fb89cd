package licensing

import (
	"context"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/patent"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/registry"
	"github.com/ipledge/ipledge/settings"
	"github.com/ipledge/ipledge/whitelist"
)

// Search is full-text search over the patent registry and the
// matchmaking between enterprises' technology needs and patents.
type Search struct {
	db        *db.DB
	st        searchStore
	audit     *audit.Log
	settings  *settings.Service
	whitelist *whitelist.Service
	log       *slog.Logger
	now       func() time.Time
}

// SearchConfig wires a Search. Settings and Whitelist are optional
// (without them the default weights apply and licensees carry no
// whitelist status).
type SearchConfig struct {
	DB        *db.DB
	Audit     *audit.Log
	Settings  *settings.Service
	Whitelist *whitelist.Service
	Log       *slog.Logger
	Now       func() time.Time
}

// NewSearch returns the search and matchmaking service.
func NewSearch(c SearchConfig) *Search {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return &Search{db: c.DB, st: searchStore{c.DB}, audit: c.Audit, settings: c.Settings, whitelist: c.Whitelist, log: c.Log, now: c.Now}
}

// Index stores a patent's tokens in the search index, in the registry's
// transaction (install it with registry.Service.SetIndexer).
func (s *Search) Index(ctx context.Context, tx *sqlx.Tx, p registry.Patent) error {
	return s.st.indexPatent(ctx, tx, p.ID, SearchText(p.Title), SearchText(p.Title, p.Abstract, p.MainClaim))
}

// Reindex rebuilds the index entry of every patent, in batches, then
// merges the index (see searchStore.optimize); it returns how many were
// indexed.
func (s *Search) Reindex(ctx context.Context) (int, error) {
	var after int64
	n := 0
	for {
		var rows []textRow
		err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
			var err error
			if rows, err = s.st.textsAfter(ctx, tx, after, 1000); err != nil {
				return err
			}
			for _, r := range rows {
				if err := s.st.indexPatent(ctx, tx, r.ID, SearchText(r.Title), SearchText(r.Title, r.Abstract, r.MainClaim)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		if len(rows) == 0 {
			return n, s.st.optimize(ctx)
		}
		n += len(rows)
		after = rows[len(rows)-1].ID
	}
}

// EnsureIndexed reindexes when the index is empty but the registry is not
// (a database from before search, or a restored one).
func (s *Search) EnsureIndexed(ctx context.Context) error {
	indexed, patents, err := s.st.counts(ctx)
	if err != nil || indexed > 0 || patents == 0 {
		return err
	}
	n, err := s.Reindex(ctx)
	if err == nil {
		s.log.Info("search index built", "patents", n)
	}
	return err
}

// SearchQuery is a search request.
type SearchQuery struct {
	Q                 string
	IPC               string
	University        string
	Type              string
	MinRemainingYears string
	Dormant           string
	OpenLicence       string
	Page              page.Request
}

// Hit is one search result. title_html and snippet_html are HTML: the
// text escaped, matched terms in <mark>.
type Hit struct {
	ApplicationNumber string      `json:"application_number"`
	Type              patent.Type `json:"type"`
	Title             string      `json:"title"`
	TitleHTML         string      `json:"title_html"`
	SnippetHTML       string      `json:"snippet_html"`
	IPCCodes          []string    `json:"ipc_codes"`
	LegalStatus       string      `json:"legal_status"`
	FilingDate        date.Date   `json:"filing_date"`
	ExpiryDate        date.Date   `json:"expiry_date"`
	Patentees         []string    `json:"patentees"`
	Dormant           bool        `json:"dormant"`
	OpenLicence       bool        `json:"open_licence"`
	ScreeningScore    int         `json:"screening_score"`
	Score             float64     `json:"score"`
}

// Limits of a search.
const (
	maxQueryRunes = 200
	// maxSearchOffset bounds how deep a ranked list is paged.
	maxSearchOffset = 10000
)

var ipcPrefixRe = regexp.MustCompile(`^[A-H]([0-9]{1,2}([A-Z]([0-9]{1,4}(/[0-9]{0,6})?)?)?)?$`)

// NormIPC normalises an IPC symbol or prefix (upper case, no spaces:
// "h01m 10/0525" → "H01M10/0525"); ok is false if it is not one.
func NormIPC(s string) (string, bool) {
	n := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	return n, ipcPrefixRe.MatchString(n)
}

func parseBoolParam(fe *[]problem.FieldError, field, v string) *bool {
	if v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		*fe = append(*fe, problem.Field(field, "invalid", field+" is true or false"))
		return nil
	}
	return &b
}

var searchPatentTypes = []patent.Type{patent.Invention, patent.UtilityModel, patent.Design, patent.PCTInvention, patent.PCTUtilityModel}

// minFiling returns, for each patent type, the earliest filing date whose
// patent still has years full years to run on today (expiry on or after
// today + years).
func minFiling(today date.Date, years int) map[string]date.Date {
	target := today.AddYears(years)
	out := map[string]date.Date{}
	for _, t := range searchPatentTypes {
		// Expiry is non-decreasing in the filing date: binary search the
		// day offset from 21 years before the target.
		lo, hi := 0, 21*366+1
		base := target.AddYears(-21)
		for lo < hi {
			mid := (lo + hi) / 2
			if patent.Expiry(t, base.AddDays(mid)).Before(target) {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		out[string(t)] = base.AddDays(lo)
	}
	return out
}

// parse checks a query's parameters (every problem at once).
func (s *Search) parse(q SearchQuery) ([]Term, searchFilter, error) {
	var fe []problem.FieldError
	var f searchFilter
	if utf8.RuneCountInString(q.Q) > maxQueryRunes {
		fe = append(fe, problem.Field("q", "too_long", "q is longer than 200 characters"))
	}
	terms := ParseQuery(q.Q)
	if strings.TrimSpace(q.Q) != "" && len(terms) == 0 {
		fe = append(fe, problem.Field("q", "no_terms", "q has no letters, digits or Chinese characters to search for"))
	}
	if q.IPC != "" {
		n, ok := NormIPC(q.IPC)
		if !ok {
			fe = append(fe, problem.Field("ipc", "invalid", "ipc is an IPC symbol or its beginning, such as H01M or H01M10/0525"))
		}
		f.IPC = n
	}
	if u := strings.TrimSpace(q.University); u != "" {
		if id, err := strconv.ParseInt(u, 10, 64); err == nil && id > 0 {
			f.UniversityID = id
		} else if utf8.RuneCountInString(u) > 200 {
			fe = append(fe, problem.Field("university", "too_long", "university is longer than 200 characters"))
		} else {
			f.UniversityName = u
		}
	}
	if q.Type != "" {
		if !slices.Contains(searchPatentTypes, patent.Type(q.Type)) {
			fe = append(fe, problem.Field("type", "invalid", "type is invention, utility_model, design, pct_invention or pct_utility_model"))
		}
		f.Type = q.Type
	}
	if q.MinRemainingYears != "" {
		n, err := strconv.Atoi(q.MinRemainingYears)
		if err != nil || n < 0 || n > 30 {
			fe = append(fe, problem.Field("min_remaining_years", "invalid", "min_remaining_years is a whole number from 0 to 30"))
		} else {
			f.MinFiling = minFiling(date.Today(s.now), n)
		}
	}
	f.Dormant = parseBoolParam(&fe, "dormant", q.Dormant)
	f.OpenLicence = parseBoolParam(&fe, "open_licence", q.OpenLicence)
	if q.Page.After > maxSearchOffset {
		fe = append(fe, problem.Field("cursor", "too_deep", "results are paged to the first 10000; narrow the search"))
	}
	if len(fe) > 0 {
		return nil, f, problem.Invalid(fe...)
	}
	return terms, f, nil
}

// Search finds patents. Every term of q must occur (AND); a run of
// Chinese characters is its overlapping bigrams, so 电池 finds 锂离子电池 and
// 锂电池 needs both 锂电 and 电池; a one-character term matches as a prefix.
// Ranked by relevance (BM25 on SQLite, ts_rank on PostgreSQL); without q,
// newest first. The cursor is the offset in the ranked list.
func (s *Search) Search(ctx context.Context, q SearchQuery) (page.Page[Hit], error) {
	terms, f, err := s.parse(q)
	if err != nil {
		return page.Page[Hit]{}, err
	}
	rows, err := s.st.search(ctx, terms, false, f, q.Page.Limit+1, int(q.Page.After))
	if err != nil {
		return page.Page[Hit]{}, err
	}
	hits, err := s.hits(ctx, rows, terms)
	if err != nil {
		return page.Page[Hit]{}, err
	}
	out := page.Page[Hit]{Items: hits}
	if len(hits) > q.Page.Limit {
		out.Items = hits[:q.Page.Limit]
		out.NextCursor = page.Encode(q.Page.After + int64(q.Page.Limit))
	}
	return out, nil
}

// hits renders rows: highlighted title and snippet, holders.
func (s *Search) hits(ctx context.Context, rows []hitRow, terms []Term) ([]Hit, error) {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	holders, err := s.st.holders(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Hit, len(rows))
	for i, r := range rows {
		h := Hit{ApplicationNumber: r.ApplicationNumber, Type: patent.Type(r.Type), Title: r.Title, TitleHTML: Highlight(r.Title, terms),
			IPCCodes: ipcList(r.IPC), LegalStatus: r.LegalStatus, FilingDate: r.FilingDate,
			ExpiryDate: patent.Expiry(patent.Type(r.Type), r.FilingDate), Patentees: []string{}, Dormant: r.Dormant,
			OpenLicence: r.OpenLicence, ScreeningScore: r.ScreeningScore, Score: r.Score}
		var ok bool
		if h.SnippetHTML, ok = Snippet(r.Abstract, terms); !ok {
			if h.SnippetHTML, ok = Snippet(r.MainClaim, terms); !ok {
				h.SnippetHTML = Head(r.Abstract)
			}
		}
		for _, p := range holders[r.ID] {
			h.Patentees = append(h.Patentees, p.Name)
		}
		out[i] = h
	}
	return out, nil
}

// ipcList splits a '|'-joined list of IPC codes.
func ipcList(s string) []string {
	out := []string{}
	for _, c := range strings.Split(s, "|") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

func keysSorted[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
