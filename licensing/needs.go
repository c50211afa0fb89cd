package licensing

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
)

// NeedInput is an enterprise's technology need as posted.
type NeedInput struct {
	Title        string   `json:"title"`
	Description  string   `json:"description"`
	IPCCodes     []string `json:"ipc_codes"`
	BudgetMinFen *int64   `json:"budget_min_fen"`
	BudgetMaxFen *int64   `json:"budget_max_fen"`
	Region       string   `json:"region"`
}

func needTooLong(fe *[]problem.FieldError, field, v string, max int) {
	if utf8.RuneCountInString(v) > max {
		*fe = append(*fe, problem.Field(field, "too_long", fmt.Sprintf("%s is longer than %d characters", field, max)))
	}
}

// validateNeed checks a need (every problem at once) and builds it.
func validateNeed(in NeedInput) (Need, error) {
	var fe []problem.FieldError
	n := Need{Title: strings.TrimSpace(in.Title), Description: strings.TrimSpace(in.Description), Region: strings.TrimSpace(in.Region),
		BudgetMinFen: in.BudgetMinFen, BudgetMaxFen: in.BudgetMaxFen, IPCCodes: []string{}}
	if n.Title == "" {
		fe = append(fe, problem.Field("title", "required", "the title is required"))
	}
	needTooLong(&fe, "title", n.Title, 200)
	if n.Description == "" {
		fe = append(fe, problem.Field("description", "required", "the description is required"))
	}
	needTooLong(&fe, "description", n.Description, 5000)
	needTooLong(&fe, "region", n.Region, 100)
	if len(in.IPCCodes) > 10 {
		fe = append(fe, problem.Field("ipc_codes", "too_many", "at most 10 IPC codes"))
	}
	for i, c := range in.IPCCodes {
		norm, ok := NormIPC(c)
		if !ok || len(norm) < 4 {
			fe = append(fe, problem.Field(fmt.Sprintf("ipc_codes[%d]", i), "invalid",
				"an IPC code is at least a subclass, such as H01M or H01M10/0525"))
			continue
		}
		if !containsString(n.IPCCodes, norm) {
			n.IPCCodes = append(n.IPCCodes, norm)
		}
	}
	for _, b := range []struct {
		f string
		v *int64
	}{{"budget_min_fen", n.BudgetMinFen}, {"budget_max_fen", n.BudgetMaxFen}} {
		if b.v != nil && *b.v < 0 {
			fe = append(fe, problem.Field(b.f, "negative", b.f+" cannot be negative"))
		}
	}
	if n.BudgetMinFen != nil && n.BudgetMaxFen != nil && *n.BudgetMinFen > *n.BudgetMaxFen {
		fe = append(fe, problem.Field("budget_max_fen", "below_min", "budget_max_fen is below budget_min_fen"))
	}
	if len(fe) > 0 {
		return n, problem.Invalid(fe...)
	}
	n.IPC = strings.Join(n.IPCCodes, "|")
	n.SearchText = SearchText(n.Title, n.Description)
	return n, nil
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// PostNeed records an enterprise's technology need (enterprises only, for
// their own organisation; audited).
func (s *Search) PostNeed(ctx context.Context, a audit.Actor, in NeedInput) (Need, error) {
	if a.Role != auth.RoleEnterprise {
		return Need{}, problem.Forbidden("only an enterprise posts technology needs")
	}
	n, err := validateNeed(in)
	if err != nil {
		return Need{}, err
	}
	n.OrgID, n.CreatedAt = a.OrgID, s.now().UTC().Truncate(time.Microsecond)
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.st.insertNeed(ctx, tx, &n, a.UserID); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "need.create", ObjectType: "technology_need", ObjectID: fmt.Sprint(n.ID),
			Summary: map[string]any{"title": n.Title, "ipc_codes": n.IPCCodes}})
	})
	if err != nil {
		return Need{}, err
	}
	return s.Need(ctx, n.ID)
}

// Need returns a need (no access check: see OwnNeed).
func (s *Search) Need(ctx context.Context, id int64) (Need, error) {
	n, err := s.st.need(ctx, id)
	if db.IsNoRows(err) {
		return Need{}, problem.NotFound("need")
	}
	if err != nil {
		return Need{}, err
	}
	n.IPCCodes = ipcList(n.IPC)
	return n, nil
}

// Needs pages an organisation's needs, oldest first.
func (s *Search) Needs(ctx context.Context, orgID int64, r page.Request) (page.Page[Need], error) {
	ns, err := s.st.needsOf(ctx, orgID, r.After, r.Limit+1)
	if err != nil {
		return page.Page[Need]{}, err
	}
	for i := range ns {
		ns[i].IPCCodes = ipcList(ns[i].IPC)
	}
	return page.Of(r, ns, func(n Need) int64 { return n.ID }), nil
}
