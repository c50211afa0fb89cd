package pledge

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/account"
	"github.com/ipledge/ipledge/patent"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/problem"
)

// AssetInput is one asset of a request. Kind defaults to patent; a
// trademark or copyright carries its registration number in its own
// registry and a title. ShareBP, the allocated share of the collateral
// value, is given for every asset or for none (then split equally).
type AssetInput struct {
	Kind    string `json:"kind"`
	Number  string `json:"number"`
	Title   string `json:"title"`
	ShareBP *int   `json:"share_bp"`
}

// RequestInput is what the pledgor files: the contract's particulars,
// the optional terms and the declarations the measures need.
type RequestInput struct {
	PledgeeOrgID     int64        `json:"pledgee_org_id"`
	Assets           []AssetInput `json:"assets"`
	PledgorAddress   string       `json:"pledgor_address"`
	PledgeeAddress   string       `json:"pledgee_address"`
	ContractNumber   string       `json:"contract_number"`
	ContractDate     date.Date    `json:"contract_date"`
	SecuredClaimKind string       `json:"secured_claim_kind"`
	SecuredAmountFen int64        `json:"secured_amount_fen"`
	DebtStart        date.Date    `json:"debt_start"`
	DebtEnd          date.Date    `json:"debt_end"`
	Scope            string       `json:"scope"`
	AnnualFeePayer   string       `json:"annual_fee_payer"`
	TransferAllowed  bool         `json:"transfer_allowed"`
	LicensingAllowed bool         `json:"licensing_allowed"`
	// ForfeitureClause: the contract gives the patent to the pledgee on
	// default (流质条款); shown to the examiner as a warning.
	ForfeitureClause   bool `json:"forfeiture_clause"`
	AllCoOwnersConsent bool `json:"all_co_owners_consent"`
	SpecialAgreement   bool `json:"special_agreement"`
	// The parties' confirmation, once told, of a same-day utility model /
	// invention filing or of a pending invalidation request.
	ConfirmedDualFiling   bool `json:"confirmed_dual_filing"`
	ConfirmedInvalidation bool `json:"confirmed_invalidation"`
}

// maxAssets bounds a packaged pledge.
const maxAssets = 50

// maxAmountFen is ¥100 billion: beyond any pledge loan, and far from
// int64 overflow when amounts are summed.
const maxAmountFen = 10_000_000_000_000

func text(fe *[]problem.FieldError, field, v string, required bool, max int) string {
	v = strings.TrimSpace(v)
	switch {
	case required && v == "":
		*fe = append(*fe, problem.Field(field, "required", field+" is required"))
	case utf8.RuneCountInString(v) > max:
		*fe = append(*fe, problem.Field(field, "too_long", fmt.Sprintf("%s is longer than %d characters", field, max)))
	}
	return v
}

// build validates the input against the registry and the organisations
// and returns the pledge (without id) and its assets. Every problem is
// reported at once, as field errors.
func (s *Service) build(ctx context.Context, q db.Queryer, a audit.Actor, in RequestInput) (Pledge, []Asset, error) {
	var fe []problem.FieldError
	p := Pledge{PledgorOrgID: a.OrgID, PledgeeOrgID: in.PledgeeOrgID, State: StateDraft,
		TransferAllowed: in.TransferAllowed, LicensingAllowed: in.LicensingAllowed, ForfeitureClause: in.ForfeitureClause,
		AllCoOwnersConsent: in.AllCoOwnersConsent, SpecialAgreement: in.SpecialAgreement,
		ConfirmedDualFiling: in.ConfirmedDualFiling, ConfirmedInvalidation: in.ConfirmedInvalidation}
	pledgor, err := s.accounts.Organisation(ctx, a.OrgID)
	if err != nil {
		return p, nil, err
	}
	p.PledgorName = pledgor.Name
	if in.PledgeeOrgID <= 0 {
		fe = append(fe, problem.Field("pledgee_org_id", "required", "pledgee_org_id (the lending bank) is required"))
	} else if bank, err := s.accounts.Organisation(ctx, in.PledgeeOrgID); problem.HasCode(err, "not_found") || (err == nil && bank.Kind != account.KindBank) {
		fe = append(fe, problem.Field("pledgee_org_id", "unknown_bank", fmt.Sprintf("organisation %d is not a bank on the platform", in.PledgeeOrgID)))
	} else if err != nil {
		return p, nil, err
	} else {
		p.PledgeeName = bank.Name
	}
	p.PledgorAddress = text(&fe, "pledgor_address", in.PledgorAddress, true, 200)
	p.PledgeeAddress = text(&fe, "pledgee_address", in.PledgeeAddress, true, 200)
	p.ContractNumber = text(&fe, "contract_number", in.ContractNumber, true, 100)
	p.Scope = text(&fe, "scope", in.Scope, true, 1000)
	p.ContractDate, p.DebtStart, p.DebtEnd = in.ContractDate, in.DebtStart, in.DebtEnd
	if in.ContractDate.IsZero() {
		fe = append(fe, problem.Field("contract_date", "required", "contract_date is required"))
	} else if in.ContractDate.After(s.today()) {
		fe = append(fe, problem.Field("contract_date", "in_future", "the pledge contract cannot be dated after today"))
	}
	if in.DebtStart.IsZero() {
		fe = append(fe, problem.Field("debt_start", "required", "debt_start (the debtor's performance period start) is required"))
	}
	if in.DebtEnd.IsZero() {
		fe = append(fe, problem.Field("debt_end", "required", "debt_end (the debtor's performance deadline) is required"))
	} else if !in.DebtStart.IsZero() && in.DebtEnd.Before(in.DebtStart) {
		fe = append(fe, problem.Field("debt_end", "before_start", "debt_end is before debt_start"))
	}
	p.SecuredClaimKind = strings.TrimSpace(in.SecuredClaimKind)
	if !slices.Contains(claimKinds, p.SecuredClaimKind) {
		fe = append(fe, problem.Field("secured_claim_kind", "invalid", "secured_claim_kind is one of "+strings.Join(claimKinds, ", ")))
	}
	p.SecuredAmountFen = in.SecuredAmountFen
	if in.SecuredAmountFen <= 0 {
		fe = append(fe, problem.Field("secured_amount_fen", "not_positive", "secured_amount_fen must be a positive number of fen"))
	} else if in.SecuredAmountFen > maxAmountFen {
		fe = append(fe, problem.Field("secured_amount_fen", "too_large", "secured_amount_fen is above ¥100 billion"))
	}
	p.AnnualFeePayer = strings.TrimSpace(in.AnnualFeePayer)
	if p.AnnualFeePayer == "" {
		p.AnnualFeePayer = "unspecified"
	}
	if !slices.Contains(feePayers, p.AnnualFeePayer) {
		fe = append(fe, problem.Field("annual_fee_payer", "invalid", "annual_fee_payer is one of "+strings.Join(feePayers, ", ")))
	}
	assets, afe, err := s.buildAssets(ctx, q, a.OrgID, in.Assets)
	if err != nil {
		return p, nil, err
	}
	fe = append(fe, afe...)
	if len(fe) > 0 {
		return p, nil, problem.Invalid(fe...)
	}
	return p, assets, nil
}

func (s *Service) buildAssets(ctx context.Context, q db.Queryer, pledgorOrg int64, in []AssetInput) ([]Asset, []problem.FieldError, error) {
	var fe []problem.FieldError
	switch {
	case len(in) == 0:
		return nil, []problem.FieldError{problem.Field("assets", "required", "a pledge holds at least one patent")}, nil
	case len(in) > maxAssets:
		return nil, []problem.FieldError{problem.Field("assets", "too_many", fmt.Sprintf("a pledge holds at most %d assets", maxAssets))}, nil
	}
	var out []Asset
	seen := map[string]bool{}
	shares, sharesGiven, patents := 0, 0, 0
	for i, ai := range in {
		field := fmt.Sprintf("assets[%d]", i)
		kind := strings.TrimSpace(ai.Kind)
		if kind == "" {
			kind = AssetPatent
		}
		as := Asset{Position: i + 1, Kind: kind, State: AssetPending}
		if ai.ShareBP != nil {
			sharesGiven++
			shares += *ai.ShareBP
			if *ai.ShareBP < 0 || *ai.ShareBP > 10000 {
				fe = append(fe, problem.Field(field+".share_bp", "out_of_range", "share_bp is between 0 and 10000 basis points"))
			}
			as.ShareBP = *ai.ShareBP
		}
		switch kind {
		case AssetPatent:
			patents++
			n, err := patent.Parse(field+".number", ai.Number)
			if err != nil {
				if pe, ok := problem.As(err); ok && len(pe.Fields) > 0 {
					fe = append(fe, pe.Fields...)
					continue
				}
				return nil, nil, err
			}
			as.Number = n.String()
			rec, err := s.registry.LookupTx(ctx, q, as.Number)
			if db.IsNoRows(err) {
				fe = append(fe, problem.Field(field+".number", "unknown_patent", "the registry holds no patent "+as.Number))
				continue
			}
			if err != nil {
				return nil, nil, err
			}
			held := false
			for _, h := range rec.Patentees {
				held = held || (h.OrgID != nil && *h.OrgID == pledgorOrg)
			}
			if !held {
				fe = append(fe, problem.Field(field+".number", "not_patentee", "the pledgor is not a registered patentee of "+as.Number))
				continue
			}
			as.PatentID, as.Title = &rec.ID, rec.Title
		case AssetTrademark, AssetCopyright:
			as.Number = text(&fe, field+".number", ai.Number, true, 50)
			as.Title = text(&fe, field+".title", ai.Title, true, 200)
		default:
			fe = append(fe, problem.Field(field+".kind", "invalid", "kind is patent, trademark or copyright"))
			continue
		}
		key := as.Kind + ":" + as.Number
		if seen[key] && as.Number != "" {
			fe = append(fe, problem.Field(field+".number", "duplicate", as.Number+" is listed twice"))
		}
		seen[key] = true
		out = append(out, as)
	}
	if patents == 0 && len(fe) == 0 {
		fe = append(fe, problem.Field("assets", "no_patent", "a patent pledge holds at least one patent"))
	}
	switch {
	case sharesGiven == 0 && len(fe) == 0:
		// Equal shares; the first assets take the leftover basis points.
		for i := range out {
			out[i].ShareBP = 10000 / len(out)
			if i < 10000%len(out) {
				out[i].ShareBP++
			}
		}
	case sharesGiven != 0 && sharesGiven != len(in):
		fe = append(fe, problem.Field("assets", "share_bp_partial", "give share_bp for every asset or for none"))
	case sharesGiven != 0 && shares != 10000:
		fe = append(fe, problem.Field("assets", "share_bp_sum", fmt.Sprintf("the shares sum to %d basis points, not 10000", shares)))
	}
	return out, fe, nil
}

// Create files a draft request for the caller's enterprise (the
// pledgor). Bad input stores nothing.
func (s *Service) Create(ctx context.Context, a audit.Actor, in RequestInput) (Pledge, error) {
	if a.Role != auth.RoleEnterprise {
		return Pledge{}, problem.Forbidden("only the pledgor enterprise files a pledge request")
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		p, assets, err := s.build(ctx, tx, a, in)
		if err != nil {
			return err
		}
		now := s.nowUTC()
		p.CreatedAt, p.UpdatedAt = now, now
		if err := s.st.insertPledge(ctx, tx, &p); err != nil {
			return err
		}
		if err := s.st.insertAssets(ctx, tx, p.ID, assets); err != nil {
			return err
		}
		id = p.ID
		return s.record(ctx, tx, a, p, "create", "", StateDraft, map[string]any{"assets": len(assets),
			"secured_amount_fen": p.SecuredAmountFen, "pledgee_org_id": p.PledgeeOrgID})
	})
	if err != nil {
		return Pledge{}, err
	}
	return s.Get(ctx, id)
}

// Update replaces a draft's content (the pledgor only, in draft only).
func (s *Service) Update(ctx context.Context, a audit.Actor, id int64, in RequestInput) (Pledge, error) {
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		cur, err := s.forParty(ctx, tx, a, id, partyPledgor)
		if err != nil {
			return err
		}
		if cur.State != StateDraft {
			return problem.InvalidState(string(cur.State), "only a draft can be edited; this request is %s", cur.State)
		}
		p, assets, err := s.build(ctx, tx, a, in)
		if err != nil {
			return err
		}
		p.ID, p.UpdatedAt = id, s.nowUTC()
		if err := s.st.updateContent(ctx, tx, &p); err != nil {
			return err
		}
		if err := s.st.deleteAssets(ctx, tx, id); err != nil {
			return err
		}
		if err := s.st.insertAssets(ctx, tx, id, assets); err != nil {
			return err
		}
		return s.record(ctx, tx, a, p, "update", StateDraft, StateDraft, map[string]any{"assets": len(assets)})
	})
	if err != nil {
		return Pledge{}, err
	}
	return s.Get(ctx, id)
}
