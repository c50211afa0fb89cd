package whitelist

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
)

// MaxBatchCheck is the most codes one batch check takes.
const MaxBatchCheck = 1000

// statusCacheTTL bounds a cached status; it is also cut at the status's
// next date boundary.
const statusCacheTTL = time.Hour

func cacheKey(code string) string { return "wl:st:" + code }

// statusOf derives one enterprise's status from the database.
func (s *Service) statusOf(ctx context.Context, q db.Queryer, ent Enterprise, today date.Date) (StatusResult, error) {
	res, err := s.deriveMany(ctx, q, []Enterprise{ent}, today)
	if err != nil {
		return StatusResult{}, err
	}
	return res[ent.USCC], nil
}

// deriveMany derives the status of several enterprises with two queries.
func (s *Service) deriveMany(ctx context.Context, q db.Queryer, ents []Enterprise, today date.Date) (map[string]StatusResult, error) {
	ids := make([]int64, len(ents))
	for i, e := range ents {
		ids[i] = e.ID
	}
	entries, err := s.st.newestEntries(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	noms, err := s.st.newestLooseNominations(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	byEntry := make(map[int64]*Entry, len(entries))
	for i := range entries {
		byEntry[entries[i].EnterpriseID] = &entries[i]
	}
	byNom := make(map[int64]*Nomination, len(noms))
	for i := range noms {
		byNom[noms[i].EnterpriseID] = &noms[i]
	}
	out := make(map[string]StatusResult, len(ents))
	for _, e := range ents {
		out[e.USCC] = DeriveStatus(e, byEntry[e.ID], byNom[e.ID], today)
	}
	return out, nil
}

// Status answers a status check for a valid code (an unknown one is
// not_listed, never an error). It reads through the cache.
func (s *Service) Status(ctx context.Context, code string) (StatusResult, error) {
	res, err := s.statuses(ctx, []string{code})
	if err != nil {
		return StatusResult{}, err
	}
	return res[code], nil
}

// statuses answers checks for valid, normalised codes: cached ones from
// the cache, the rest with two queries, which are then cached until their
// next date boundary.
func (s *Service) statuses(ctx context.Context, codes []string) (map[string]StatusResult, error) {
	out := make(map[string]StatusResult, len(codes))
	var misses []string
	for _, c := range codes {
		if _, done := out[c]; done {
			continue
		}
		if r, ok := s.statusCache.get(ctx, c); ok {
			out[c] = r
			continue
		}
		out[c] = StatusResult{USCC: c, Status: StatusNotListed}
		misses = append(misses, c)
	}
	if len(misses) == 0 {
		return out, nil
	}
	ents, err := s.st.enterprisesByUSCC(ctx, misses)
	if err != nil {
		return nil, err
	}
	now := s.now()
	today := date.Of(now)
	derived, err := s.deriveMany(ctx, s.db, ents, today)
	if err != nil {
		return nil, err
	}
	for c, r := range derived {
		out[c] = r
	}
	for _, c := range misses {
		r := out[c]
		s.statusCache.set(ctx, c, r, min(statusCacheTTL, nextBoundary(r, today).Time().Sub(now)))
	}
	return out, nil
}

// CheckResult is one slot of a batch check: a status or an error.
type CheckResult struct {
	StatusResult
	Error *CheckError `json:"error,omitempty"`
}

// CheckError says why a code in a batch check was not checked.
type CheckError struct {
	Code    string `json:"code"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// MarshalJSON writes an error slot as {"uscc", "error"} only.
func (c CheckResult) MarshalJSON() ([]byte, error) {
	if c.Error != nil {
		return json.Marshal(struct {
			USCC  string      `json:"uscc"`
			Error *CheckError `json:"error"`
		}{c.USCC, c.Error})
	}
	return json.Marshal(c.StatusResult)
}

// CheckMany answers up to MaxBatchCheck codes in order, one result per
// input: an invalid code gets an error in its slot without failing the
// others, and duplicates are answered each time.
func (s *Service) CheckMany(ctx context.Context, raw []string) ([]CheckResult, error) {
	results := make([]CheckResult, len(raw))
	codes := make([]string, 0, len(raw))
	for i, r := range raw {
		code, err := s.ValidateUSCC(ctx, "usccs["+itoa(i)+"]", r)
		if err != nil {
			ce := &CheckError{Code: "invalid_uscc", Message: err.Error()}
			if p, ok := asProblem(err); ok && len(p.Fields) > 0 {
				ce.Reason, ce.Message = p.Fields[0].Code, p.Fields[0].Message
			}
			results[i] = CheckResult{StatusResult: StatusResult{USCC: r}, Error: ce}
			continue
		}
		results[i].USCC = code
		codes = append(codes, code)
	}
	st, err := s.statuses(ctx, codes)
	if err != nil {
		return nil, err
	}
	for i := range results {
		if results[i].Error == nil {
			results[i].StatusResult = st[results[i].USCC]
		}
	}
	return results, nil
}

// recordChange writes the history line for an enterprise, derives its
// status after the change inside tx, appends it to the change feed and
// drops its cached status once the change has committed.
func (s *Service) recordChange(ctx context.Context, tx *sqlx.Tx, a audit.Actor, enterpriseID int64, entryID *int64, action, reason string) error {
	now := s.nowUTC()
	if err := s.st.insertHistory(ctx, tx, enterpriseID, entryID, action, reason, a.UserID, a.Username, now); err != nil {
		return err
	}
	var ent Enterprise
	if err := tx.GetContext(ctx, &ent, tx.Rebind(`SELECT `+enterpriseCols+` FROM enterprises WHERE id = ?`), enterpriseID); err != nil {
		return err
	}
	r, err := s.statusOf(ctx, tx, ent, s.today())
	if err != nil {
		return err
	}
	if err := s.appendChange(ctx, tx, r, enterpriseID, now); err != nil {
		return err
	}
	// Dropped now (so no reader re-caches the old status from before the
	// change … ) and again after commit (… nor one read meanwhile).
	s.statusCache.drop(ctx, ent.USCC)
	s.db.AfterCommit(tx, func() { s.statusCache.drop(context.WithoutCancel(ctx), ent.USCC) })
	return nil
}
