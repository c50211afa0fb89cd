package whitelist

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/calendar"
	"github.com/ipledge/ipledge/notify"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/cache"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/settings"
	"github.com/ipledge/ipledge/uscc"
)

// Setting keys.
const (
	KeyNoticeWorkingDays   = "whitelist.public_notice_working_days"
	KeyValidityMonths      = "whitelist.validity_months"
	KeyMinInventionPatents = "whitelist.min_invention_patents"
)

// SettingDefs are the whitelist's business settings.
func SettingDefs() []settings.Def {
	return []settings.Def{
		{Key: KeyNoticeWorkingDays, Kind: settings.KindInt, Default: "5", Scope: settings.ScopePlatform, Min: "1", Max: "30",
			Description: "白名单公示期（工作日）"},
		{Key: KeyValidityMonths, Kind: settings.KindInt, Default: "12", Scope: settings.ScopePlatform, Min: "1", Max: "60",
			Description: "白名单有效期（月），自生效之日起算"},
		{Key: KeyMinInventionPatents, Kind: settings.KindInt, Default: "1", Scope: settings.ScopePlatform, Min: "0", Max: "100",
			Description: "入选白名单所需的有效发明专利最少件数（审核时可说明理由豁免）"},
	}
}

// Service is the whitelist's API.
type Service struct {
	db       *db.DB
	st       store
	audit    *audit.Log
	settings *settings.Service
	calendar *calendar.Service
	notify   *notify.Service
	// statusCache holds derived statuses (see newStatusCache).
	statusCache statusCache
	now         func() time.Time
}

// Config wires a Service.
type Config struct {
	DB       *db.DB
	Audit    *audit.Log
	Settings *settings.Service
	Calendar *calendar.Service
	Notify   *notify.Service
	Cache    cache.Cache
	Now      func() time.Time
}

// NewService returns the whitelist service.
func NewService(c Config) *Service {
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Service{db: c.DB, st: store{c.DB}, audit: c.Audit, settings: c.Settings, calendar: c.Calendar,
		notify: c.Notify, statusCache: newStatusCache(c.Cache, c.Now), now: c.Now}
}

func (s *Service) nowUTC() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
func (s *Service) today() date.Date  { return date.Today(s.now) }

// ValidateUSCC normalises and checks a code for the named field; a code on
// the IP office's exception list passes despite a failed check.
func (s *Service) ValidateUSCC(ctx context.Context, field, raw string) (string, error) {
	code, err := uscc.Validate(raw)
	if err == nil {
		return code, nil
	}
	var ue *uscc.Error
	errors.As(err, &ue)
	if ok, xerr := s.st.exceptionExists(ctx, code); xerr != nil {
		return "", xerr
	} else if ok {
		return code, nil
	}
	p := problem.BadRequest("invalid_uscc", "%s: %s", field, ue.Detail)
	p.Fields = []problem.FieldError{{Field: field, Code: ue.Reason, Message: ue.Detail}}
	return "", p
}

// NominationInput is a nomination with the enterprise's record.
type NominationInput struct {
	USCC                  string    `json:"uscc"`
	Name                  string    `json:"name"`
	Industry              string    `json:"industry"`
	IsSME                 bool      `json:"is_sme"`
	HighTechCertNo        string    `json:"hightech_cert_no"`
	HighTechValidUntil    date.Date `json:"hightech_valid_until"`
	SRDILevel             string    `json:"srdi_level"`
	BureauDocNo           string    `json:"bureau_doc_no"`
	BureauRecognisedOn    date.Date `json:"bureau_recognised_on"`
	ValidInventionPatents int       `json:"valid_invention_patents"`
	Source                Source    `json:"source"`
	Evidence              string    `json:"evidence"`
}

// sourcesFor lists the sources each role may nominate with.
var sourcesFor = map[string][]Source{
	auth.RoleEconBureau: {SourceBureau},
	auth.RoleIPOffice:   {SourceIPOffice, SourcePark, SourceHighTech, SourceSRDI},
	auth.RoleEnterprise: {SourceSelf},
}

func tooLong(field, v string, max int) *problem.FieldError {
	if utf8.RuneCountInString(v) > max {
		f := problem.Field(field, "too_long", fmt.Sprintf("%s is longer than %d characters", field, max))
		return &f
	}
	return nil
}

// validate checks a nomination's fields (the USCC separately).
func (in *NominationInput) validate(role string) []problem.FieldError {
	var fe []problem.FieldError
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		fe = append(fe, problem.Field("name", "required", "the enterprise's name is required"))
	}
	for _, c := range []struct {
		f, v string
		max  int
	}{{"name", in.Name, 200}, {"industry", in.Industry, 100}, {"hightech_cert_no", in.HighTechCertNo, 50},
		{"bureau_doc_no", in.BureauDocNo, 100}, {"evidence", in.Evidence, 2000}} {
		if f := tooLong(c.f, c.v, c.max); f != nil {
			fe = append(fe, *f)
		}
	}
	if in.SRDILevel != SRDINone && in.SRDILevel != SRDIProvincial && in.SRDILevel != SRDINational {
		fe = append(fe, problem.Field("srdi_level", "invalid", "srdi_level is '', 'provincial' or 'national'"))
	}
	if in.ValidInventionPatents < 0 {
		fe = append(fe, problem.Field("valid_invention_patents", "negative", "valid_invention_patents cannot be negative"))
	}
	allowed := sourcesFor[role]
	if in.Source == "" && len(allowed) == 1 {
		in.Source = allowed[0]
	}
	ok := false
	for _, a := range allowed {
		ok = ok || a == in.Source
	}
	if !ok {
		fe = append(fe, problem.Field("source", "invalid", fmt.Sprintf("the role %s nominates with source %v", role, allowed)))
	}
	if in.Source == SourceBureau && strings.TrimSpace(in.BureauDocNo) == "" {
		fe = append(fe, problem.Field("bureau_doc_no", "required", "the bureau's recognition document number is required"))
	}
	return fe
}

// Nominate proposes an enterprise. The bureau's nominations are priority;
// an enterprise may nominate only itself.
func (s *Service) Nominate(ctx context.Context, a audit.Actor, ownUSCC string, in NominationInput) (Nomination, error) {
	code, err := s.ValidateUSCC(ctx, "uscc", in.USCC)
	if err != nil {
		return Nomination{}, err
	}
	if fe := in.validate(a.Role); len(fe) > 0 {
		return Nomination{}, problem.Invalid(fe...)
	}
	if a.Role == auth.RoleEnterprise && code != ownUSCC {
		return Nomination{}, problem.Unprocessable("not_own_enterprise", "an enterprise may apply only for itself")
	}
	var n Nomination
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		n, err = s.nominateTx(ctx, tx, a, code, in, s.nowUTC())
		return err
	})
	return n, err
}

// nominateTx stores a validated nomination of code inside tx: the
// enterprise's record, the nomination, its change-feed event and its audit
// entry. An open nomination of the enterprise is 409 nomination_open.
// Nominate and ImportNominations share it.
func (s *Service) nominateTx(ctx context.Context, tx *sqlx.Tx, a audit.Actor, code string, in NominationInput, now time.Time) (Nomination, error) {
	ent := Enterprise{USCC: code, Name: in.Name, RegionCode: uscc.Region(code), Industry: strings.TrimSpace(in.Industry),
		IsSME: in.IsSME, HighTechCertNo: strings.TrimSpace(in.HighTechCertNo), HighTechValidUntil: in.HighTechValidUntil,
		SRDILevel: in.SRDILevel, BureauDocNo: strings.TrimSpace(in.BureauDocNo), BureauRecognisedOn: in.BureauRecognisedOn,
		ValidInventionPatents: in.ValidInventionPatents, CreatedAt: now, UpdatedAt: now}
	n := Nomination{Source: in.Source, Priority: in.Source == SourceBureau, Evidence: strings.TrimSpace(in.Evidence),
		Status: NominationPending, CreatedAt: now, USCC: code, EnterpriseName: ent.Name}
	if a.UserID != 0 {
		n.NominatedBy, n.NominatedOrg = &a.UserID, &a.OrgID
	}
	if err := s.st.upsertEnterprise(ctx, tx, &ent); err != nil {
		return n, err
	}
	open, err := s.st.openNominationExists(ctx, tx, ent.ID)
	if err != nil {
		return n, err
	}
	if open {
		return n, problem.Conflict("nomination_open", "the enterprise %s already has an open nomination", code)
	}
	n.EnterpriseID = ent.ID
	if err := s.st.insertNomination(ctx, tx, &n); err != nil {
		return n, err
	}
	if err := s.recordChange(ctx, tx, a, ent.ID, nil, "nominated", string(n.Source)); err != nil {
		return n, err
	}
	return n, s.audit.Append(ctx, tx, a, audit.Entry{Action: "whitelist.nominate", ObjectType: "nomination", ObjectID: fmt.Sprint(n.ID),
		Summary: map[string]any{"uscc": code, "source": n.Source, "priority": n.Priority}})
}

// Nomination returns one nomination.
func (s *Service) Nomination(ctx context.Context, id int64) (Nomination, error) {
	n, err := s.st.nomination(ctx, s.db, id)
	if db.IsNoRows(err) {
		return n, problem.NotFound("nomination")
	}
	return n, err
}

// Nominations lists nominations.
func (s *Service) Nominations(ctx context.Context, r page.Request, f NominationFilter) (page.Page[Nomination], error) {
	if f.Status != "" && f.Status != NominationPending && f.Status != NominationAccepted && f.Status != NominationRejected {
		return page.Page[Nomination]{}, problem.Invalid(problem.Field("status", "invalid", "status is pending, accepted or rejected"))
	}
	ns, err := s.st.nominations(ctx, r, f)
	if err != nil {
		return page.Page[Nomination]{}, err
	}
	return page.Of(r, ns, func(n Nomination) int64 { return n.ID }), nil
}

// Check is one eligibility check shown at review.
type Check struct {
	Code    string `json:"code"`
	Passed  bool   `json:"passed"`
	Message string `json:"message"`
	// Overridable checks may be waived by the IP office with a reason.
	Overridable bool `json:"overridable"`
}

// Eligibility computes the checks for a nomination.
func (s *Service) Eligibility(ctx context.Context, n Nomination) ([]Check, error) {
	ent, err := s.st.enterpriseByUSCC(ctx, s.db, n.USCC)
	if err != nil {
		return nil, err
	}
	today := s.today()
	minPatents, err := s.settings.Int(ctx, KeyMinInventionPatents, 0, today)
	if err != nil {
		return nil, err
	}
	st, err := s.statusOf(ctx, s.db, ent, today)
	if err != nil {
		return nil, err
	}
	_, uerr := uscc.Validate(ent.USCC)
	evidence := ent.BureauDocNo != "" || ent.HighTechCertNo != "" || ent.SRDILevel != "" || strings.TrimSpace(n.Evidence) != ""
	return []Check{
		{Code: "uscc_valid", Passed: true, Message: map[bool]string{true: "统一社会信用代码校验通过",
			false: "统一社会信用代码未通过校验位检查，但在例外名单中"}[uerr == nil]},
		{Code: "not_already_active", Passed: st.Status != StatusActive,
			Message: map[bool]string{true: "企业当前不在有效白名单中", false: "企业已在有效白名单中（" + st.Batch + "）"}[st.Status != StatusActive]},
		{Code: "recognition_evidence", Passed: evidence,
			Message: map[bool]string{true: "已提供认定依据", false: "未提供认定依据（民营经济发展局认定文号、高新技术企业证书或专精特新认定）"}[evidence]},
		{Code: "valid_invention_patents", Passed: int64(ent.ValidInventionPatents) >= minPatents, Overridable: true,
			Message: fmt.Sprintf("有效发明专利 %d 件（要求至少 %d 件）", ent.ValidInventionPatents, minPatents)},
	}, nil
}

// Accept puts a pending nomination into a draft batch. A failed check
// blocks unless it is overridable and an override reason is given.
func (s *Service) Accept(ctx context.Context, a audit.Actor, nominationID, batchID int64, overrideReason string) (Entry, error) {
	n, err := s.Nomination(ctx, nominationID)
	if err != nil {
		return Entry{}, err
	}
	if n.Status != NominationPending {
		return Entry{}, problem.InvalidState(n.Status, "only a pending nomination can be accepted")
	}
	overrideReason = strings.TrimSpace(overrideReason)
	if err := s.checkEligible(ctx, n, overrideReason); err != nil {
		return Entry{}, err
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		b, err := s.draftBatch(ctx, tx, batchID)
		if err != nil {
			return err
		}
		e, err := s.acceptTx(ctx, tx, a, n, b, overrideReason, s.nowUTC())
		id = e.ID
		return err
	})
	if err != nil {
		return Entry{}, err
	}
	return s.Entry(ctx, id)
}

// checkEligible refuses a nomination whose eligibility checks fail, unless
// each failed check is overridable and a reason is given (422
// not_eligible).
func (s *Service) checkEligible(ctx context.Context, n Nomination, overrideReason string) error {
	checks, err := s.Eligibility(ctx, n)
	if err != nil {
		return err
	}
	var failed []string
	for _, c := range checks {
		if !c.Passed && !(c.Overridable && overrideReason != "") {
			failed = append(failed, c.Code)
		}
	}
	if len(failed) > 0 {
		return problem.Unprocessable("not_eligible", "eligibility checks failed: %s", strings.Join(failed, ", ")).
			With("failed_checks", failed).With("checks", checks)
	}
	return nil
}

// draftBatch loads a batch that takes entries: an unknown one is a 400
// on batch_id, one past its draft a 409.
func (s *Service) draftBatch(ctx context.Context, q db.Queryer, batchID int64) (Batch, error) {
	b, err := s.st.batch(ctx, q, batchID)
	if db.IsNoRows(err) {
		return b, problem.Invalid(problem.Field("batch_id", "unknown", "no batch has this id"))
	}
	if err != nil {
		return b, err
	}
	if b.Status != BatchDraft {
		return b, problem.InvalidState(b.Status, "entries are added to a draft batch only")
	}
	return b, nil
}

// acceptTx accepts a checked pending nomination into the draft batch b
// inside tx: the decision, the entry, its change-feed event, the
// nominator's notification and the audit entry. Accept and
// ImportBatchEntries share it.
func (s *Service) acceptTx(ctx context.Context, tx *sqlx.Tx, a audit.Actor, n Nomination, b Batch, overrideReason string, now time.Time) (Entry, error) {
	e := Entry{BatchID: b.ID, EnterpriseID: n.EnterpriseID, NominationID: n.ID}
	ok, err := s.st.decideNomination(ctx, tx, n.ID, NominationAccepted, "", overrideReason, a.UserID, now)
	if err != nil {
		return e, err
	}
	if !ok {
		return e, problem.InvalidState("decided", "the nomination was decided meanwhile")
	}
	if err := s.st.insertEntry(ctx, tx, &e, now); err != nil {
		if db.IsUniqueViolation(err) {
			return e, problem.Conflict("duplicate", "the enterprise is in this batch already")
		}
		return e, err
	}
	if err := s.recordChange(ctx, tx, a, n.EnterpriseID, &e.ID, "accepted", overrideReason); err != nil {
		return e, err
	}
	if err := s.notifyNominator(ctx, tx, n, "nomination.accepted", "白名单推荐已通过审核",
		fmt.Sprintf("%s 已列入白名单批次 %s，待公示。", n.EnterpriseName, b.Name)); err != nil {
		return e, err
	}
	return e, s.audit.Append(ctx, tx, a, audit.Entry{Action: "whitelist.accept", ObjectType: "nomination", ObjectID: fmt.Sprint(n.ID),
		Summary: map[string]any{"batch_id": b.ID, "entry_id": e.ID, "override_reason": overrideReason}})
}

// Reject refuses a pending nomination with a reason.
func (s *Service) Reject(ctx context.Context, a audit.Actor, nominationID int64, reason string) (Nomination, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Nomination{}, problem.Invalid(problem.Field("reason", "required", "a reason is required"))
	}
	n, err := s.Nomination(ctx, nominationID)
	if err != nil {
		return n, err
	}
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		ok, err := s.st.decideNomination(ctx, tx, n.ID, NominationRejected, reason, "", a.UserID, s.nowUTC())
		if err != nil {
			return err
		}
		if !ok {
			return problem.InvalidState(n.Status, "only a pending nomination can be rejected")
		}
		if err := s.recordChange(ctx, tx, a, n.EnterpriseID, nil, "rejected", reason); err != nil {
			return err
		}
		if err := s.notifyNominator(ctx, tx, n, "nomination.rejected", "白名单推荐未通过审核",
			fmt.Sprintf("%s 的推荐未通过：%s", n.EnterpriseName, reason)); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "whitelist.reject", ObjectType: "nomination", ObjectID: fmt.Sprint(n.ID),
			Summary: map[string]any{"reason": reason}})
	})
	if err != nil {
		return Nomination{}, err
	}
	return s.Nomination(ctx, nominationID)
}

func (s *Service) notifyNominator(ctx context.Context, tx *sqlx.Tx, n Nomination, kind, title, body string) error {
	if s.notify == nil || n.NominatedOrg == nil {
		return nil
	}
	return s.notify.PostToOrg(ctx, tx, *n.NominatedOrg, notify.Notification{Kind: kind, Title: title, Body: body,
		Link: "/whitelist/" + n.USCC})
}
