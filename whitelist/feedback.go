package whitelist

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
)

// Feedback kinds: what a bank did for a listed firm.
const (
	FeedbackContacted           = "contacted"
	FeedbackApplicationReceived = "application_received"
	FeedbackCreditGranted       = "credit_granted"
	FeedbackDeclined            = "declined"
)

// FeedbackKinds lists the kinds in their display order.
var FeedbackKinds = []string{FeedbackContacted, FeedbackApplicationReceived, FeedbackCreditGranted, FeedbackDeclined}

// FeedbackInput is what a bank reports. AmountFen is set (> 0) for
// credit_granted only, Reason for declined only.
type FeedbackInput struct {
	Kind       string
	AmountFen  *int64
	Reason     string
	Note       string
	OccurredOn date.Date
}

// Feedback is one thing a bank did for a firm on the whitelist.
type Feedback struct {
	ID             int64     `db:"id" json:"id"`
	BankOrgID      int64     `db:"bank_org_id" json:"bank_org_id"`
	BankName       string    `db:"bank_name" json:"bank_name"`
	EnterpriseID   int64     `db:"enterprise_id" json:"-"`
	USCC           string    `db:"uscc" json:"uscc"`
	EnterpriseName string    `db:"enterprise_name" json:"enterprise_name"`
	Kind           string    `db:"kind" json:"kind"`
	AmountFen      int64     `db:"amount_fen" json:"amount_fen"`
	Reason         string    `db:"reason" json:"reason"`
	Note           string    `db:"note" json:"note"`
	OccurredOn     date.Date `db:"occurred_on" json:"occurred_on"`
	CreatedBy      *int64    `db:"created_by" json:"-"`
	CreatedAt      time.Time `db:"created_at" json:"created_at"`
}

// FeedbackFilter narrows a feedback list. The API forces BankOrgID to a
// bank's own organisation.
type FeedbackFilter struct {
	BankOrgID int64  // 0: every bank
	USCC      string // a valid, normalised code; "": every firm
}

// validate checks the input's fields against today.
func (in *FeedbackInput) validate(today date.Date) []problem.FieldError {
	var fe []problem.FieldError
	in.Reason, in.Note = strings.TrimSpace(in.Reason), strings.TrimSpace(in.Note)
	switch in.Kind {
	case FeedbackContacted, FeedbackApplicationReceived, FeedbackCreditGranted, FeedbackDeclined:
	case "":
		fe = append(fe, problem.Field("kind", "required", "kind is required: "+strings.Join(FeedbackKinds, ", ")))
	default:
		fe = append(fe, problem.Field("kind", "invalid", "kind is one of "+strings.Join(FeedbackKinds, ", ")))
	}
	if in.Kind == FeedbackCreditGranted {
		switch {
		case in.AmountFen == nil:
			fe = append(fe, problem.Field("amount_fen", "required", "credit_granted needs amount_fen, the credit granted in fen"))
		case *in.AmountFen <= 0:
			fe = append(fe, problem.Field("amount_fen", "not_positive", "amount_fen must be a whole number of fen greater than 0"))
		}
	} else if in.AmountFen != nil {
		fe = append(fe, problem.Field("amount_fen", "not_allowed", "amount_fen is given with credit_granted only"))
	}
	if in.Kind == FeedbackDeclined {
		if in.Reason == "" {
			fe = append(fe, problem.Field("reason", "required", "declined needs a reason"))
		}
	} else if in.Reason != "" {
		fe = append(fe, problem.Field("reason", "not_allowed", "reason is given with declined only (use note otherwise)"))
	}
	for _, f := range []*problem.FieldError{tooLong("reason", in.Reason, 1000), tooLong("note", in.Note, 2000)} {
		if f != nil {
			fe = append(fe, *f)
		}
	}
	switch {
	case in.OccurredOn.IsZero():
		fe = append(fe, problem.Field("occurred_on", "required", "occurred_on (YYYY-MM-DD) is required"))
	case in.OccurredOn.After(today):
		fe = append(fe, problem.Field("occurred_on", "in_future", fmt.Sprintf("occurred_on cannot be after today (%s)", today)))
	}
	return fe
}

// RecordFeedback records what the caller's bank did for a firm (audited).
// Feedback is for firms that are or were on the whitelist: the firm must
// have an entry in a published batch (active, suspended, revoked, expired,
// or published and not yet effective); an entry removed during public
// notice does not count. Any other firm — unknown to the whitelist, only
// nominated, or still under public notice — is 422 not_listed.
func (s *Service) RecordFeedback(ctx context.Context, a audit.Actor, code string, in FeedbackInput) (Feedback, error) {
	if a.Role != auth.RoleBank || a.OrgID == 0 {
		return Feedback{}, problem.Forbidden("only a bank records feedback")
	}
	code, err := s.ValidateUSCC(ctx, "uscc", code)
	if err != nil {
		return Feedback{}, err
	}
	if fe := in.validate(s.today()); len(fe) > 0 {
		return Feedback{}, problem.Invalid(fe...)
	}
	f := Feedback{BankOrgID: a.OrgID, USCC: code, Kind: in.Kind, Reason: in.Reason, Note: in.Note,
		OccurredOn: in.OccurredOn, CreatedAt: s.nowUTC()}
	if in.AmountFen != nil {
		f.AmountFen = *in.AmountFen
	}
	if a.UserID != 0 {
		f.CreatedBy = &a.UserID
	}
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		ent, err := s.st.enterpriseByUSCC(ctx, tx, code)
		if db.IsNoRows(err) {
			return problem.Unprocessable("not_listed", "%s has never been on the whitelist", code)
		}
		if err != nil {
			return err
		}
		listed, err := s.st.everPublished(ctx, tx, ent.ID)
		if err != nil {
			return err
		}
		if !listed {
			return problem.Unprocessable("not_listed", "%s has never been on a published whitelist", code)
		}
		f.EnterpriseID = ent.ID
		if err := s.st.insertFeedback(ctx, tx, &f); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "whitelist.feedback", ObjectType: "whitelist_feedback", ObjectID: fmt.Sprint(f.ID),
			Summary: map[string]any{"uscc": code, "kind": f.Kind, "amount_fen": f.AmountFen, "occurred_on": f.OccurredOn.String()}})
	})
	if err != nil {
		return Feedback{}, err
	}
	return s.feedbackByID(ctx, f.ID)
}

func (s *Service) feedbackByID(ctx context.Context, id int64) (Feedback, error) {
	f, err := s.st.feedback(ctx, id)
	if db.IsNoRows(err) {
		return f, problem.NotFound("feedback")
	}
	f.CreatedAt = f.CreatedAt.UTC()
	return f, err
}

// Feedback lists feedback, oldest first.
func (s *Service) Feedback(ctx context.Context, f FeedbackFilter, r page.Request) (page.Page[Feedback], error) {
	fs, err := s.st.feedbackList(ctx, f, r)
	if err != nil {
		return page.Page[Feedback]{}, err
	}
	for i := range fs {
		fs[i].CreatedAt = fs[i].CreatedAt.UTC()
	}
	return page.Of(r, fs, func(f Feedback) int64 { return f.ID }), nil
}

// Totals group keys.
const (
	TotalsByBank       = "bank"
	TotalsByEnterprise = "enterprise"
	TotalsByKind       = "kind"
)

// FeedbackCounts are the counts per kind and the credit granted.
type FeedbackCounts struct {
	Contacted           int64 `json:"contacted"`
	ApplicationReceived int64 `json:"application_received"`
	CreditGranted       int64 `json:"credit_granted"`
	Declined            int64 `json:"declined"`
	Total               int64 `json:"total"`
	// CreditGrantedFen is the sum of amount_fen over credit_granted.
	CreditGrantedFen int64 `json:"credit_granted_fen"`
}

func (c *FeedbackCounts) add(kind string, n, fen int64) {
	switch kind {
	case FeedbackContacted:
		c.Contacted += n
	case FeedbackApplicationReceived:
		c.ApplicationReceived += n
	case FeedbackCreditGranted:
		c.CreditGranted += n
	case FeedbackDeclined:
		c.Declined += n
	}
	c.Total += n
	c.CreditGrantedFen += fen
}

// FeedbackGroup is one group of the totals: a bank (key = its
// organisation id), a firm (key = its USCC) or a kind (key = the kind).
type FeedbackGroup struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	FeedbackCounts
}

// FeedbackTotals are the totals by group plus the overall total; the
// groups add up to the overall total, which adds up the line items.
type FeedbackTotals struct {
	By      string          `json:"by"`
	Groups  []FeedbackGroup `json:"groups"`
	Overall FeedbackCounts  `json:"overall"`
}

// FeedbackTotals counts feedback per kind and sums the credit granted, by
// bank, enterprise or kind.
func (s *Service) FeedbackTotals(ctx context.Context, by string) (FeedbackTotals, error) {
	if by != TotalsByBank && by != TotalsByEnterprise && by != TotalsByKind {
		return FeedbackTotals{}, problem.Invalid(problem.Field("by", "invalid", "by is bank, enterprise or kind"))
	}
	rows, err := s.st.feedbackTotals(ctx, by)
	if err != nil {
		return FeedbackTotals{}, err
	}
	out := FeedbackTotals{By: by, Groups: []FeedbackGroup{}}
	idx := map[string]int{}
	for _, r := range rows {
		i, ok := idx[r.Key]
		if !ok {
			i = len(out.Groups)
			idx[r.Key] = i
			out.Groups = append(out.Groups, FeedbackGroup{Key: r.Key, Name: r.Name})
		}
		out.Groups[i].add(r.Kind, r.Count, r.Fen)
		out.Overall.add(r.Kind, r.Count, r.Fen)
	}
	if by == TotalsByKind {
		order := map[string]int{}
		for i, k := range FeedbackKinds {
			order[k] = i
		}
		sort.SliceStable(out.Groups, func(i, j int) bool { return order[out.Groups[i].Key] < order[out.Groups[j].Key] })
	}
	return out, nil
}
