package valuation

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/account"
	"github.com/ipledge/ipledge/patent"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/registry"
	"github.com/ipledge/ipledge/settings"
)

// Service stores valuations: the pure functions of this package applied
// to the registry's facts and an appraiser's inputs. A valuation is
// immutable; new inputs make a new valuation.
type Service struct {
	db       *db.DB
	audit    *audit.Log
	registry *registry.Service
	settings *settings.Service
	accounts *account.Service
	now      func() time.Time
}

// Config wires a Service.
type Config struct {
	DB       *db.DB
	Audit    *audit.Log
	Registry *registry.Service
	Settings *settings.Service
	Accounts *account.Service
	Now      func() time.Time
}

// NewService returns the valuation service.
func NewService(c Config) *Service {
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Service{db: c.DB, audit: c.Audit, registry: c.Registry, settings: c.Settings, accounts: c.Accounts, now: c.Now}
}

// PatentInput is one patent to value: the appraiser's entries for the
// indicators the platform cannot measure, and the income approach's
// inputs (its dates come from the valuation and the registry).
type PatentInput struct {
	Number  string               `json:"number"`
	Entered map[Indicator]string `json:"entered"`
	Income  IncomeInput          `json:"income"`
}

// Input is a valuation request.
type Input struct {
	// Scenario picks the weight table: general (default) or finance.
	Scenario string `json:"scenario"`
	// BankOrgID picks the bank whose pledge rates apply; a bank's own
	// valuations use its own, others the platform's unless they name one.
	BankOrgID int64         `json:"bank_org_id"`
	Patents   []PatentInput `json:"patents"`
}

// PatentResult is one patent's outcome.
type PatentResult struct {
	Number      string         `json:"number"`
	Title       string         `json:"title"`
	Type        patent.Type    `json:"type"`
	LegalStatus string         `json:"legal_status"`
	Expiry      date.Date      `json:"expiry"`
	Indicator   IndicatorScore `json:"indicator"`
	Income      IncomeResult   `json:"income"`
}

// Valuation is a stored valuation with every output.
type Valuation struct {
	ID                 int64          `json:"id"`
	CreatedByOrgID     int64          `json:"created_by_org_id"`
	Scenario           string         `json:"scenario"`
	ValuationDate      date.Date      `json:"valuation_date"`
	TotalValueFen      int64          `json:"total_value_fen"`
	RecommendedLoanFen int64          `json:"recommended_loan_fen"`
	Patents            []PatentResult `json:"patents"`
	Loan               LoanResult     `json:"loan"`
	Input              Input          `json:"input"`
	CreatedAt          time.Time      `json:"created_at"`
	patentIDs          []int64
}

// maxPatents bounds one valuation.
const maxPatents = 50

// Create values patents and stores the valuation. A bank and the IP
// office value any patent in the registry; an enterprise only its own.
func (s *Service) Create(ctx context.Context, a audit.Actor, in Input) (Valuation, error) {
	today := date.Today(s.now)
	if in.Scenario == "" {
		in.Scenario = "general"
	}
	w, err := s.weights(ctx, in.Scenario, today)
	if err != nil {
		return Valuation{}, err
	}
	bank := in.BankOrgID
	if a.Role == auth.RoleBank {
		bank = a.OrgID
	} else if bank != 0 {
		o, err := s.accounts.Organisation(ctx, bank)
		if problem.HasCode(err, "not_found") || err == nil && o.Kind != account.KindBank {
			return Valuation{}, problem.Invalid(problem.Field("bank_org_id", "unknown_bank", fmt.Sprintf("organisation %d is not a bank", bank)))
		}
		if err != nil {
			return Valuation{}, err
		}
	}
	rates, err := s.rates(ctx, bank, today)
	if err != nil {
		return Valuation{}, err
	}
	v := Valuation{CreatedByOrgID: a.OrgID, Scenario: in.Scenario, ValuationDate: today}
	var fe []problem.FieldError
	switch {
	case len(in.Patents) == 0:
		fe = append(fe, problem.Field("patents", "required", "value at least one patent"))
	case len(in.Patents) > maxPatents:
		fe = append(fe, problem.Field("patents", "too_many", fmt.Sprintf("at most %d patents", maxPatents)))
	}
	seen := map[string]bool{}
	var assets []LoanAsset
	for i, pi := range in.Patents {
		field := fmt.Sprintf("patents[%d]", i)
		n, err := patent.Parse(field+".number", pi.Number)
		if err != nil {
			if pe, ok := problem.As(err); ok {
				fe = append(fe, pe.Fields...)
				continue
			}
			return v, err
		}
		if seen[n.String()] {
			fe = append(fe, problem.Field(field+".number", "duplicate", n.String()+" is listed twice"))
			continue
		}
		seen[n.String()] = true
		rec, err := s.registry.LookupTx(ctx, s.db, n.String())
		if db.IsNoRows(err) {
			fe = append(fe, problem.Field(field+".number", "unknown_patent", "the registry holds no patent "+n.String()))
			continue
		}
		if err != nil {
			return v, err
		}
		if a.Role == auth.RoleEnterprise && !heldBy(rec, a.OrgID) {
			fe = append(fe, problem.Field(field+".number", "not_patentee", "an enterprise values its own patents only"))
			continue
		}
		facts := Facts{Type: rec.Type, FilingDate: rec.FilingDate, ValuationDate: today, LegalStatus: string(rec.LegalStatus),
			ClaimsCount: rec.ClaimsCount, ForwardCitations: rec.ForwardCitations, FamilySize: rec.FamilySize}
		score, err := Score(facts, pi.Entered, w)
		fe = append(fe, prefixed(field+".", err)...)
		// The dates come from the valuation and the registry, never the
		// request; the stored input does not keep any sent.
		in.Patents[i].Income.ValuationDate, in.Patents[i].Income.LegalExpiry = date.Date{}, date.Date{}
		income := in.Patents[i].Income
		income.ValuationDate, income.LegalExpiry = today, rec.ExpiryDate
		res, err := Income(income)
		fe = append(fe, prefixed(field+".income.", err)...)
		if len(fe) > 0 {
			continue
		}
		v.Patents = append(v.Patents, PatentResult{Number: rec.ApplicationNumber, Title: rec.Title, Type: rec.Type,
			LegalStatus: string(rec.LegalStatus), Expiry: rec.ExpiryDate, Indicator: score, Income: res})
		v.patentIDs = append(v.patentIDs, rec.ID)
		assets = append(assets, LoanAsset{ID: rec.ApplicationNumber, Type: rec.Type, ValueFen: res.ValueFen,
			LegalStatus: string(rec.LegalStatus), Expiry: rec.ExpiryDate, Score: score.Overall})
	}
	if len(fe) > 0 {
		return Valuation{}, problem.Invalid(fe...)
	}
	loan, err := RecommendLoan(LoanInput{AsOf: today, Assets: assets}, rates)
	if err != nil {
		return Valuation{}, err
	}
	v.Input, v.Loan, v.TotalValueFen, v.RecommendedLoanFen = in, loan, loan.TotalValueFen, loan.TotalFen
	v.CreatedAt = s.now().UTC().Truncate(time.Microsecond)
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := insert(ctx, tx, &v, a); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "valuation.create", ObjectType: "valuation", ObjectID: fmt.Sprint(v.ID),
			Summary: map[string]any{"patents": len(v.Patents), "total_value_fen": v.TotalValueFen, "recommended_loan_fen": v.RecommendedLoanFen}})
	})
	return v, err
}

func heldBy(p registry.Patent, orgID int64) bool {
	for _, h := range p.Patentees {
		if h.OrgID != nil && *h.OrgID == orgID {
			return true
		}
	}
	return false
}

// prefixed returns a validation error's fields under a prefix.
func prefixed(prefix string, err error) []problem.FieldError {
	if err == nil {
		return nil
	}
	pe, ok := problem.As(err)
	if !ok || len(pe.Fields) == 0 {
		return []problem.FieldError{problem.Field(strings.TrimSuffix(prefix, "."), "invalid", err.Error())}
	}
	out := make([]problem.FieldError, len(pe.Fields))
	for i, f := range pe.Fields {
		out[i] = f
		out[i].Field = prefix + f.Field
	}
	return out
}

// Get returns a stored valuation. Who may read it is the caller's check
// (the creating organisation, the parties of a pledge it is attached
// to, the IP office).
func (s *Service) Get(ctx context.Context, id int64) (Valuation, error) {
	var row valuationRow
	err := s.db.GetContext(ctx, &row, s.db.Rebind(`SELECT id, created_by_org, scenario, valuation_date, total_value_fen,
		recommended_loan_fen, input, result, created_at FROM valuations WHERE id = ?`), id)
	if db.IsNoRows(err) {
		return Valuation{}, problem.NotFound("valuation")
	}
	if err != nil {
		return Valuation{}, err
	}
	return row.valuation()
}

// Summary is what a pledge shows of its valuation.
type Summary struct {
	ID                 int64 `db:"id" json:"id"`
	TotalValueFen      int64 `db:"total_value_fen" json:"total_value_fen"`
	RecommendedLoanFen int64 `db:"recommended_loan_fen" json:"recommended_loan_fen"`
}

// Summaries reads the value and recommended loan of valuations by id in
// one query, without decoding their stored results (a pledge list shows
// only these two figures).
func (s *Service) Summaries(ctx context.Context, ids []int64) (map[int64]Summary, error) {
	out := map[int64]Summary{}
	if len(ids) == 0 {
		return out, nil
	}
	query, args, err := sqlx.In(`SELECT id, total_value_fen, recommended_loan_fen FROM valuations WHERE id IN (?)`, ids)
	if err != nil {
		return nil, err
	}
	var rows []Summary
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(query), args...); err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// PatentNumbers returns the application numbers a valuation covers.
func (v Valuation) PatentNumbers() []string {
	out := make([]string, len(v.Patents))
	for i, p := range v.Patents {
		out[i] = p.Number
	}
	return out
}

// List returns the valuations an organisation made, newest first (0:
// all, for the IP office).
func (s *Service) List(ctx context.Context, orgID int64, r page.Request) (page.Page[Valuation], error) {
	var rows []valuationRow
	after := r.After
	if after == 0 {
		after = 1 << 62
	}
	err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT id, created_by_org, scenario, valuation_date, total_value_fen,
		recommended_loan_fen, input, result, created_at FROM valuations WHERE (? = 0 OR created_by_org = ?) AND id < ?
		ORDER BY id DESC LIMIT ?`), orgID, orgID, after, r.Limit+1)
	if err != nil {
		return page.Page[Valuation]{}, err
	}
	vs := make([]Valuation, 0, len(rows))
	for _, row := range rows {
		v, err := row.valuation()
		if err != nil {
			return page.Page[Valuation]{}, err
		}
		vs = append(vs, v)
	}
	return page.Of(r, vs, func(v Valuation) int64 { return v.ID }), nil
}

type valuationRow struct {
	ID                 int64     `db:"id"`
	CreatedByOrg       int64     `db:"created_by_org"`
	Scenario           string    `db:"scenario"`
	ValuationDate      date.Date `db:"valuation_date"`
	TotalValueFen      int64     `db:"total_value_fen"`
	RecommendedLoanFen int64     `db:"recommended_loan_fen"`
	Input              string    `db:"input"`
	Result             string    `db:"result"`
	CreatedAt          time.Time `db:"created_at"`
}

// stored is the result column's JSON.
type stored struct {
	Patents []PatentResult `json:"patents"`
	Loan    LoanResult     `json:"loan"`
}

func (r valuationRow) valuation() (Valuation, error) {
	v := Valuation{ID: r.ID, CreatedByOrgID: r.CreatedByOrg, Scenario: r.Scenario, ValuationDate: r.ValuationDate,
		TotalValueFen: r.TotalValueFen, RecommendedLoanFen: r.RecommendedLoanFen, CreatedAt: r.CreatedAt.UTC()}
	var st stored
	if err := json.Unmarshal([]byte(r.Result), &st); err != nil {
		return v, fmt.Errorf("valuation %d result: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(r.Input), &v.Input); err != nil {
		return v, fmt.Errorf("valuation %d input: %w", r.ID, err)
	}
	v.Patents, v.Loan = st.Patents, st.Loan
	return v, nil
}

func insert(ctx context.Context, tx *sqlx.Tx, v *Valuation, a audit.Actor) error {
	in, err := json.Marshal(v.Input)
	if err != nil {
		return err
	}
	res, err := json.Marshal(stored{Patents: v.Patents, Loan: v.Loan})
	if err != nil {
		return err
	}
	var by *int64
	if a.UserID != 0 {
		by = &a.UserID
	}
	if err := tx.GetContext(ctx, &v.ID, tx.Rebind(`INSERT INTO valuations (created_by_org, created_by, scenario, valuation_date,
		total_value_fen, recommended_loan_fen, input, result, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		v.CreatedByOrgID, by, v.Scenario, v.ValuationDate, v.TotalValueFen, v.RecommendedLoanFen, string(in), string(res), v.CreatedAt); err != nil {
		return err
	}
	for _, pid := range v.patentIDs {
		if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO valuation_patents (valuation_id, patent_id) VALUES (?, ?)`), v.ID, pid); err != nil {
			return err
		}
	}
	return nil
}
