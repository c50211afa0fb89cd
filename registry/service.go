package registry

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/patent"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
)

// Encumbrances is what the pledge domain tells the registry about
// pledges. The registry is built before the pledge domain, which installs
// itself with SetEncumbrances; without one, nothing is pledged, every
// transfer is allowed and a legal status change tells no one.
type Encumbrances interface {
	// PledgeInForce tells whether a pledge is in force on the patent and
	// since when.
	PledgeInForce(ctx context.Context, patentID int64) (Pledge, error)
	// CheckTransfer runs in the transfer's transaction (the patent's row
	// already locked by it) and refuses (409 pledgee_consent_required) a
	// transfer of a patent under a pledge in force whose pledgee has not
	// recorded consent to it.
	CheckTransfer(ctx context.Context, tx *sqlx.Tx, patentID int64) error
	// LegalStatusChanged runs in the legal status change's transaction
	// (SetLegalStatus, confirmed corrections, and a re-registration or
	// import that changes a held patent's status) after the change is
	// written; p carries the new status, from the old one.
	LegalStatusChanged(ctx context.Context, tx *sqlx.Tx, a audit.Actor, p Patent, from Status) error
}

// noEncumbrances is the registry alone: nothing pledged.
type noEncumbrances struct{}

func (noEncumbrances) PledgeInForce(context.Context, int64) (Pledge, error) { return Pledge{}, nil }
func (noEncumbrances) CheckTransfer(context.Context, *sqlx.Tx, int64) error { return nil }
func (noEncumbrances) LegalStatusChanged(context.Context, *sqlx.Tx, audit.Actor, Patent, Status) error {
	return nil
}

// encumbrances holds the installed Encumbrances.
type encumbrances struct{ Encumbrances }

// Service is the patent registry's API.
type Service struct {
	db    *db.DB
	st    store
	audit *audit.Log
	enc   atomic.Pointer[encumbrances]
	idx   atomic.Pointer[Indexer]
	now   func() time.Time
}

// Indexer keeps a derived index of patents (full-text search) in step
// with the registry: it runs in the transaction of every registration,
// update and import of a patent, after the record is written.
type Indexer func(ctx context.Context, tx *sqlx.Tx, p Patent) error

// SetIndexer installs the search index's hook (nil removes it).
func (s *Service) SetIndexer(fn Indexer) {
	if fn == nil {
		s.idx.Store(nil)
		return
	}
	s.idx.Store(&fn)
}

// Config wires a Service.
type Config struct {
	DB    *db.DB
	Audit *audit.Log
	Now   func() time.Time
}

// NewService returns the registry service.
func NewService(c Config) *Service {
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Service{db: c.DB, st: store{c.DB}, audit: c.Audit, now: c.Now}
}

// SetEncumbrances installs the pledge domain's hooks (nil removes them).
func (s *Service) SetEncumbrances(e Encumbrances) {
	if e == nil {
		s.enc.Store(nil)
		return
	}
	s.enc.Store(&encumbrances{e})
}

func (s *Service) encumbrances() Encumbrances {
	if e := s.enc.Load(); e != nil {
		return e.Encumbrances
	}
	return noEncumbrances{}
}

func (s *Service) nowUTC() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// PledgeInForce tells, as the pledge domain does, whether a pledge is in
// force on the patent and since when. GET /patents/{number} shows it.
func (s *Service) PledgeInForce(ctx context.Context, patentID int64) (Pledge, error) {
	return s.encumbrances().PledgeInForce(ctx, patentID)
}

// ParseNumber parses an application number in any written form (400
// invalid_patent_number, naming the expected check digit when it is
// wrong).
func ParseNumber(field, raw string) (patent.Number, error) { return patent.Parse(field, raw) }

// requireIPOffice refuses every role but the IP office (and the platform
// itself: the demo seed, command-line tools).
func requireIPOffice(a audit.Actor) error {
	if a.Role != auth.RoleIPOffice && a.Role != "system" {
		return problem.Forbidden("only the IP office changes the patent registry")
	}
	return nil
}

func tooLong(fe *[]problem.FieldError, field, v string, max int) {
	if utf8.RuneCountInString(v) > max {
		*fe = append(*fe, problem.Field(field, "too_long", fmt.Sprintf("%s is longer than %d characters", field, max)))
	}
}

// PatentInput is a patent record as registered or imported. The type is
// read from the application number.
type PatentInput struct {
	ApplicationNumber string     `json:"application_number"`
	PublicationNumber string     `json:"publication_number"`
	GrantNumber       string     `json:"grant_number"`
	Title             string     `json:"title"`
	Abstract          string     `json:"abstract"`
	MainClaim         string     `json:"main_claim"`
	IPCCodes          []string   `json:"ipc_codes"`
	FilingDate        date.Date  `json:"filing_date"`
	GrantDate         date.Date  `json:"grant_date"`
	LegalStatus       Status     `json:"legal_status"`
	FeePaidUntil      date.Date  `json:"fee_paid_until"`
	ClaimsCount       *int       `json:"claims_count"`
	ForwardCitations  *int       `json:"forward_citations"`
	FamilySize        *int       `json:"family_size"`
	GovernmentFunded  bool       `json:"government_funded"`
	Patentees         []Patentee `json:"patentees"`
}

// validate checks the input and builds the record (patentees resolved to
// organisations: an org_id must be an enterprise or university; a name
// without one is linked to the enterprise or university of exactly that
// name, if any).
func (s *Service) validate(ctx context.Context, q db.Queryer, in PatentInput) (Patent, []problem.FieldError, error) {
	var fe []problem.FieldError
	p := Patent{PublicationNumber: strings.TrimSpace(in.PublicationNumber), GrantNumber: strings.TrimSpace(in.GrantNumber),
		Title: strings.TrimSpace(in.Title), Abstract: strings.TrimSpace(in.Abstract), MainClaim: strings.TrimSpace(in.MainClaim),
		FilingDate: in.FilingDate, GrantDate: in.GrantDate, LegalStatus: in.LegalStatus, FeePaidUntil: in.FeePaidUntil,
		ClaimsCount: in.ClaimsCount, ForwardCitations: in.ForwardCitations, FamilySize: in.FamilySize,
		GovernmentFunded: in.GovernmentFunded}
	var n patent.Number
	if strings.TrimSpace(in.ApplicationNumber) == "" {
		fe = append(fe, problem.Field("application_number", "required", "the application number is required"))
	} else if num, err := patent.Parse("application_number", in.ApplicationNumber); err != nil {
		pe, _ := problem.As(err)
		fe = append(fe, pe.Fields...)
	} else {
		n = num
		p.ApplicationNumber, p.Type = n.String(), n.Type
	}
	if p.Title == "" {
		fe = append(fe, problem.Field("title", "required", "the title is required"))
	}
	tooLong(&fe, "title", p.Title, 500)
	tooLong(&fe, "publication_number", p.PublicationNumber, 50)
	tooLong(&fe, "grant_number", p.GrantNumber, 50)
	tooLong(&fe, "abstract", p.Abstract, 10000)
	tooLong(&fe, "main_claim", p.MainClaim, 20000)
	var ipc []string
	for _, c := range in.IPCCodes {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if strings.Contains(c, ipcSep) || utf8.RuneCountInString(c) > 50 {
			fe = append(fe, problem.Field("ipc_codes", "invalid", fmt.Sprintf("%q is not an IPC symbol", c)))
			continue
		}
		ipc = append(ipc, c)
	}
	p.IPC, p.IPCCodes = strings.Join(ipc, ipcSep), ipc
	if p.IPCCodes == nil {
		p.IPCCodes = []string{}
	}
	switch {
	case p.FilingDate.IsZero():
		fe = append(fe, problem.Field("filing_date", "required", "the filing date is required"))
	case n.Digits != "" && p.FilingDate.Y != n.FilingYear:
		fe = append(fe, problem.Field("filing_date", "mismatch",
			fmt.Sprintf("the application number was filed in %d, not %d", n.FilingYear, p.FilingDate.Y)))
	}
	if !p.GrantDate.IsZero() && !p.FilingDate.IsZero() && p.GrantDate.Before(p.FilingDate) {
		fe = append(fe, problem.Field("grant_date", "before_filing", "the grant date cannot be before the filing date"))
	}
	switch {
	case p.LegalStatus == "" && p.GrantDate.IsZero():
		p.LegalStatus = StatusPending
	case p.LegalStatus == "":
		p.LegalStatus = StatusValid
	case !p.LegalStatus.Valid():
		fe = append(fe, problem.Field("legal_status", "invalid", fmt.Sprintf("legal_status is one of %v", Statuses)))
	}
	for _, c := range []struct {
		f string
		v *int
	}{{"claims_count", p.ClaimsCount}, {"forward_citations", p.ForwardCitations}, {"family_size", p.FamilySize}} {
		if c.v != nil && *c.v < 0 {
			fe = append(fe, problem.Field(c.f, "negative", c.f+" cannot be negative"))
		}
	}
	holders, pfe, err := s.checkPatentees(ctx, q, in.Patentees)
	if err != nil {
		return p, nil, err
	}
	p.Patentees, fe = holders, append(fe, pfe...)
	return p, fe, nil
}

// checkPatentees checks patentees (at least one; each named or an
// enterprise or university on the platform; shares from 1 to 10000 basis
// points adding up to at most 10000, or exactly when all are given) and
// links each name without an org_id to the enterprise or university of
// exactly that name, if any.
func (s *Service) checkPatentees(ctx context.Context, q db.Queryer, in []Patentee) ([]Patentee, []problem.FieldError, error) {
	var fe []problem.FieldError
	var out []Patentee
	if len(in) == 0 {
		fe = append(fe, problem.Field("patentees", "required", "at least one patentee is required"))
	}
	shares, allShares := 0, true
	for i, pt := range in {
		field := fmt.Sprintf("patentees[%d]", i)
		pt.Name = strings.TrimSpace(pt.Name)
		if pt.OrgID != nil {
			kind, name, err := s.st.org(ctx, q, *pt.OrgID)
			if err != nil {
				return nil, nil, err
			}
			if kind != "enterprise" && kind != "university" {
				fe = append(fe, problem.Field(field+".org_id", "unknown_org", "org_id must name an enterprise or university on the platform"))
			} else if pt.Name == "" {
				pt.Name = name
			}
		} else if pt.Name != "" {
			id, err := s.st.orgByName(ctx, q, pt.Name)
			if err != nil {
				return nil, nil, err
			}
			if id != 0 {
				pt.OrgID = &id
			}
		}
		if pt.Name == "" {
			fe = append(fe, problem.Field(field+".name", "required", "a patentee's name is required"))
		}
		tooLong(&fe, field+".name", pt.Name, 200)
		if pt.ShareBP == nil {
			allShares = false
		} else if *pt.ShareBP <= 0 || *pt.ShareBP > 10000 {
			fe = append(fe, problem.Field(field+".share_bp", "invalid", "share_bp is from 1 to 10000 basis points"))
		} else {
			shares += *pt.ShareBP
		}
		out = append(out, pt)
	}
	if shares > 10000 || (allShares && len(in) > 0 && shares != 10000) {
		fe = append(fe, problem.Field("patentees", "shares", "the patentees' shares add up to more than 10000 basis points (or, all given, not to 10000)"))
	}
	return out, fe, nil
}

// Register records a patent or, when its application number is held,
// updates the record (patentees replaced). A legal status that changes
// is recorded in the history with the reason "registry record updated".
// Only the IP office registers. created tells which it was.
func (s *Service) Register(ctx context.Context, a audit.Actor, in PatentInput) (p Patent, created bool, err error) {
	if err := requireIPOffice(a); err != nil {
		return Patent{}, false, err
	}
	// A number that does not parse is the request's own problem,
	// invalid_patent_number naming the expected check digit, as on every
	// other endpoint that takes a number.
	if strings.TrimSpace(in.ApplicationNumber) != "" {
		if _, err := patent.Parse("application_number", in.ApplicationNumber); err != nil {
			return Patent{}, false, err
		}
	}
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		v, fe, err := s.validate(ctx, tx, in)
		if err != nil {
			return err
		}
		if len(fe) > 0 {
			return problem.Invalid(fe...)
		}
		p, created, err = s.registerTx(ctx, tx, a, v, s.nowUTC())
		return err
	})
	if err != nil {
		return Patent{}, false, err
	}
	p, err = s.byID(ctx, p.ID)
	return p, created, err
}

// registerTx stores a validated record (see Register).
func (s *Service) registerTx(ctx context.Context, tx *sqlx.Tx, a audit.Actor, p Patent, now time.Time) (Patent, bool, error) {
	old, err := s.st.patentByNumber(ctx, tx, p.ApplicationNumber)
	created := db.IsNoRows(err)
	if err != nil && !created {
		return p, false, err
	}
	p.UpdatedAt = now
	action, from := "patent.register", ""
	if created {
		p.CreatedAt = now
		if err := s.st.insertPatent(ctx, tx, &p); err != nil {
			return p, false, err
		}
	} else {
		p.ID, p.CreatedAt, from, action = old.ID, old.CreatedAt, string(old.LegalStatus), "patent.update"
		if err := s.st.updatePatent(ctx, tx, &p); err != nil {
			return p, false, err
		}
	}
	if err := s.st.replacePatentees(ctx, tx, p.ID, p.Patentees); err != nil {
		return p, false, err
	}
	if fn := s.idx.Load(); fn != nil {
		if err := (*fn)(ctx, tx, p); err != nil {
			return p, false, fmt.Errorf("index patent: %w", err)
		}
	}
	if from != string(p.LegalStatus) {
		reason := "registered"
		if !created {
			reason = "registry record updated"
		}
		if err := s.st.insertHistory(ctx, tx, p.ID, from, p.LegalStatus, reason, "", actorID(a), actorName(a), now); err != nil {
			return p, false, err
		}
	}
	if err := s.audit.Append(ctx, tx, a, audit.Entry{Action: action, ObjectType: "patent", ObjectID: p.ApplicationNumber,
		Summary: map[string]any{"title": p.Title, "legal_status": p.LegalStatus, "before": from}}); err != nil {
		return p, false, err
	}
	if !created && from != string(p.LegalStatus) {
		p.ExpiryDate = patent.Expiry(p.Type, p.FilingDate)
		if err := s.encumbrances().LegalStatusChanged(ctx, tx, a, p, Status(from)); err != nil {
			return p, false, err
		}
	}
	return p, created, nil
}

func actorID(a audit.Actor) *int64 {
	if a.UserID == 0 {
		return nil
	}
	return &a.UserID
}

func actorName(a audit.Actor) string {
	if a.Username == "" {
		return "system"
	}
	return a.Username
}

// Get returns the patent of an application number in any written form:
// 400 invalid_patent_number for a number that cannot be one, 404 for a
// well-formed number the registry does not hold.
func (s *Service) Get(ctx context.Context, number string) (Patent, error) {
	n, err := patent.Parse("number", number)
	if err != nil {
		return Patent{}, err
	}
	p, err := s.st.patentByNumber(ctx, s.db, n.String())
	if db.IsNoRows(err) {
		return Patent{}, problem.NotFound("patent")
	}
	if err != nil {
		return Patent{}, err
	}
	return p, s.complete(ctx, []*Patent{&p})
}

func (s *Service) byID(ctx context.Context, id int64) (Patent, error) {
	p, err := s.st.patentByID(ctx, s.db, id)
	if db.IsNoRows(err) {
		return Patent{}, problem.NotFound("patent")
	}
	if err != nil {
		return Patent{}, err
	}
	return p, s.complete(ctx, []*Patent{&p})
}

// complete fills what is not a column: IPC list, expiry, patentees and
// the pledge shown publicly.
func (s *Service) complete(ctx context.Context, ps []*Patent) error {
	if err := s.fill(ctx, s.db, ps); err != nil {
		return err
	}
	for _, p := range ps {
		var err error
		if p.Pledge, err = s.PledgeInForce(ctx, p.ID); err != nil {
			return err
		}
	}
	return nil
}

// fill fills the IPC list, expiry and patentees (not the pledge).
func (s *Service) fill(ctx context.Context, q db.Queryer, ps []*Patent) error {
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	holders, err := s.st.patentees(ctx, q, ids)
	if err != nil {
		return err
	}
	for _, p := range ps {
		p.IPCCodes = splitIPC(p.IPC)
		p.ExpiryDate = patent.Expiry(p.Type, p.FilingDate)
		p.Patentees = holders[p.ID]
		if p.Patentees == nil {
			p.Patentees = []Patentee{}
		}
	}
	return nil
}

// List pages the patents by id: all of them for orgID 0, else those the
// organisation holds.
func (s *Service) List(ctx context.Context, r page.Request, orgID int64) (page.Page[Patent], error) {
	ps, err := s.st.patents(ctx, r, orgID)
	if err != nil {
		return page.Page[Patent]{}, err
	}
	ptrs := make([]*Patent, len(ps))
	for i := range ps {
		ptrs[i] = &ps[i]
	}
	if err := s.complete(ctx, ptrs); err != nil {
		return page.Page[Patent]{}, err
	}
	return page.Of(r, ps, func(p Patent) int64 { return p.ID }), nil
}

// History pages a patent's legal status changes, oldest first.
func (s *Service) History(ctx context.Context, number string, r page.Request) (page.Page[HistoryEvent], error) {
	p, err := s.Get(ctx, number)
	if err != nil {
		return page.Page[HistoryEvent]{}, err
	}
	hs, err := s.st.history(ctx, p.ID, r)
	if err != nil {
		return page.Page[HistoryEvent]{}, err
	}
	return page.Of(r, hs, func(h HistoryEvent) int64 { return h.ID }), nil
}

// statusInput checks a status change's fields.
func statusInput(field string, st Status, reasonField, reason string, reasonRequired bool, evidence string) []problem.FieldError {
	var fe []problem.FieldError
	if st == "" {
		fe = append(fe, problem.Field(field, "required", field+" is required"))
	} else if !st.Valid() {
		fe = append(fe, problem.Field(field, "invalid", fmt.Sprintf("%s is one of %v", field, Statuses)))
	}
	if reasonRequired && reason == "" {
		fe = append(fe, problem.Field(reasonField, "required", reasonField+" is required"))
	}
	tooLong(&fe, reasonField, reason, 2000)
	tooLong(&fe, "evidence", evidence, 4000)
	return fe
}

// SetLegalStatus changes a patent's legal status (IP office only; a
// reason is required; the same status again is 409 invalid_state). The
// change is history and audit.
func (s *Service) SetLegalStatus(ctx context.Context, a audit.Actor, number string, st Status, reason, evidence string) (Patent, error) {
	if err := requireIPOffice(a); err != nil {
		return Patent{}, err
	}
	n, err := patent.Parse("number", number)
	if err != nil {
		return Patent{}, err
	}
	reason, evidence = strings.TrimSpace(reason), strings.TrimSpace(evidence)
	if fe := statusInput("status", st, "reason", reason, true, evidence); len(fe) > 0 {
		return Patent{}, problem.Invalid(fe...)
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		p, err := s.st.patentByNumber(ctx, tx, n.String())
		if db.IsNoRows(err) {
			return problem.NotFound("patent")
		}
		if err != nil {
			return err
		}
		id = p.ID
		return s.changeStatusTx(ctx, tx, a, p, st, reason, evidence, "patent.legal_status")
	})
	if err != nil {
		return Patent{}, err
	}
	return s.byID(ctx, id)
}

func (s *Service) changeStatusTx(ctx context.Context, tx *sqlx.Tx, a audit.Actor, p Patent, st Status, reason, evidence, action string) error {
	if p.LegalStatus == st {
		return problem.InvalidState(string(p.LegalStatus), "the patent's legal status is already %s", st)
	}
	now := s.nowUTC()
	if err := s.st.setStatus(ctx, tx, p.ID, st, now); err != nil {
		return err
	}
	if err := s.st.insertHistory(ctx, tx, p.ID, string(p.LegalStatus), st, reason, evidence, actorID(a), actorName(a), now); err != nil {
		return err
	}
	if err := s.audit.Append(ctx, tx, a, audit.Entry{Action: action, ObjectType: "patent", ObjectID: p.ApplicationNumber,
		Summary: map[string]any{"before": p.LegalStatus, "after": st, "reason": reason}}); err != nil {
		return err
	}
	from := p.LegalStatus
	p.LegalStatus, p.UpdatedAt = st, now
	if err := s.fill(ctx, tx, []*Patent{&p}); err != nil {
		return err
	}
	return s.encumbrances().LegalStatusChanged(ctx, tx, a, p, from)
}

// RequestCorrection is a patentee's request that the IP office set the
// legal status to status, with evidence. The caller's organisation must
// be a patentee; to anyone else the patent is 404.
func (s *Service) RequestCorrection(ctx context.Context, a audit.Actor, number string, st Status, evidence string) (Correction, error) {
	n, err := patent.Parse("number", number)
	if err != nil {
		return Correction{}, err
	}
	evidence = strings.TrimSpace(evidence)
	fe := statusInput("status", st, "evidence", evidence, true, "")
	if len(fe) > 0 {
		return Correction{}, problem.Invalid(fe...)
	}
	var c Correction
	err = s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		p, err := s.st.patentByNumber(ctx, tx, n.String())
		if db.IsNoRows(err) {
			return problem.NotFound("patent")
		}
		if err != nil {
			return err
		}
		if ok, err := s.st.isPatentee(ctx, tx, p.ID, a.OrgID); err != nil {
			return err
		} else if !ok {
			return problem.NotFound("patent")
		}
		if p.LegalStatus == st {
			return problem.InvalidState(string(p.LegalStatus), "the patent's legal status is already %s", st)
		}
		c = Correction{PatentID: p.ID, RequestedByOrg: a.OrgID, ProposedStatus: st, Evidence: evidence,
			State: CorrectionPending, CreatedAt: s.nowUTC()}
		if err := s.st.insertCorrection(ctx, tx, &c, a.UserID); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "patent.correction.request", ObjectType: "patent_correction",
			ObjectID: fmt.Sprint(c.ID), Summary: map[string]any{"patent": p.ApplicationNumber, "current": p.LegalStatus, "proposed": st}})
	})
	if err != nil {
		return Correction{}, err
	}
	return s.Correction(ctx, c.ID)
}

// IsPatentee reports whether the organisation holds the patent.
func (s *Service) IsPatentee(ctx context.Context, patentID, orgID int64) (bool, error) {
	return s.st.isPatentee(ctx, s.db, patentID, orgID)
}

// Correction returns one correction request.
func (s *Service) Correction(ctx context.Context, id int64) (Correction, error) {
	c, err := s.st.correction(ctx, s.db, id)
	if db.IsNoRows(err) {
		return c, problem.NotFound("correction")
	}
	return c, err
}

// Corrections pages the correction requests by id, of one state or all.
func (s *Service) Corrections(ctx context.Context, r page.Request, state string) (page.Page[Correction], error) {
	switch state {
	case "", CorrectionPending, CorrectionConfirmed, CorrectionRejected:
	default:
		return page.Page[Correction]{}, problem.Invalid(problem.Field("state", "invalid", "state is pending, confirmed or rejected"))
	}
	cs, err := s.st.corrections(ctx, r, state)
	if err != nil {
		return page.Page[Correction]{}, err
	}
	return page.Of(r, cs, func(c Correction) int64 { return c.ID }), nil
}

// ConfirmCorrection confirms a pending correction: the patent's legal
// status becomes the proposed one (history and audit). IP office only.
func (s *Service) ConfirmCorrection(ctx context.Context, a audit.Actor, id int64, reason string) (Correction, error) {
	return s.decide(ctx, a, id, CorrectionConfirmed, reason)
}

// RejectCorrection rejects a pending correction (a reason is required).
// IP office only.
func (s *Service) RejectCorrection(ctx context.Context, a audit.Actor, id int64, reason string) (Correction, error) {
	return s.decide(ctx, a, id, CorrectionRejected, reason)
}

func (s *Service) decide(ctx context.Context, a audit.Actor, id int64, state, reason string) (Correction, error) {
	if err := requireIPOffice(a); err != nil {
		return Correction{}, err
	}
	reason = strings.TrimSpace(reason)
	var fe []problem.FieldError
	if state == CorrectionRejected && reason == "" {
		fe = append(fe, problem.Field("reason", "required", "a reason is required to reject a correction"))
	}
	tooLong(&fe, "reason", reason, 2000)
	if len(fe) > 0 {
		return Correction{}, problem.Invalid(fe...)
	}
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		c, err := s.st.correction(ctx, tx, id)
		if db.IsNoRows(err) {
			return problem.NotFound("correction")
		}
		if err != nil {
			return err
		}
		ok, err := s.st.decideCorrection(ctx, tx, id, state, reason, a.UserID, s.nowUTC())
		if err != nil {
			return err
		}
		if !ok {
			return problem.InvalidState(c.State, "the correction is already %s", c.State)
		}
		if state == CorrectionConfirmed {
			p, err := s.st.patentByID(ctx, tx, c.PatentID)
			if err != nil {
				return err
			}
			why := fmt.Sprintf("correction %d confirmed", id)
			if reason != "" {
				why += ": " + reason
			}
			if err := s.changeStatusTx(ctx, tx, a, p, c.ProposedStatus, why, c.Evidence, "patent.legal_status"); err != nil {
				return err
			}
		}
		return s.audit.Append(ctx, tx, a, audit.Entry{Action: "patent.correction." + strings.TrimSuffix(state, "ed"),
			ObjectType: "patent_correction", ObjectID: fmt.Sprint(id),
			Summary: map[string]any{"patent": c.ApplicationNumber, "proposed": c.ProposedStatus, "reason": reason}})
	})
	if err != nil {
		return Correction{}, err
	}
	return s.Correction(ctx, id)
}
