package licensing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/notify"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/platform/tabular"
	"github.com/ipledge/ipledge/pledge"
	"github.com/ipledge/ipledge/registry"
)

var prospects = []Prospect{ProspectGood, ProspectFair, ProspectNone}

// ListingInput lists a patent.
type ListingInput struct {
	PatentNumber string   `json:"patent_number"`
	Prospect     Prospect `json:"prospect"`
	Note         string   `json:"note"`
}

func checkProspect(fe *[]problem.FieldError, field string, p Prospect, required bool) {
	if p == "" && !required {
		return
	}
	if !slices.Contains(prospects, p) {
		*fe = append(*fe, problem.Field(field, "invalid", "prospect is one of good, fair, none"))
	}
}

// CreateListing lists one of the caller's university's patents (the
// university must be a patentee: else 422 not_patentee; a listed patent
// is 409 already_listed).
func (s *Service) CreateListing(ctx context.Context, a audit.Actor, in ListingInput) (Listing, error) {
	if err := requireRole(a, auth.RoleUniversity, "list patents"); err != nil {
		return Listing{}, err
	}
	var fe []problem.FieldError
	checkProspect(&fe, "prospect", in.Prospect, false)
	note := text(&fe, "note", in.Note, false, 2000)
	if strings.TrimSpace(in.PatentNumber) == "" {
		fe = append(fe, problem.Field("patent_number", "required", "patent_number is required"))
	} else if _, err := registry.ParseNumber("patent_number", in.PatentNumber); err != nil {
		pe, ok := problem.As(err)
		if !ok {
			return Listing{}, err
		}
		fe = append(fe, pe.Fields...)
	}
	if len(fe) > 0 {
		return Listing{}, problem.Invalid(fe...)
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		p, err := s.patent(ctx, tx, "patent_number", in.PatentNumber)
		if err != nil {
			return err
		}
		l, err := s.listTx(ctx, tx, a, p, in.Prospect, note)
		id = l.ID
		return err
	})
	if err != nil {
		return Listing{}, err
	}
	return s.GetListing(ctx, id)
}

func (s *Service) listTx(ctx context.Context, tx *sqlx.Tx, a audit.Actor, p registry.Patent, pr Prospect, note string) (Listing, error) {
	if !holds(p, a.OrgID) {
		return Listing{}, problem.Unprocessable("not_patentee", "%s is not a patent of your university", p.ApplicationNumber)
	}
	if listed, err := s.st.isListed(ctx, tx, p.ID); err != nil {
		return Listing{}, err
	} else if listed {
		return Listing{}, problem.Conflict("already_listed", "%s is listed already", p.ApplicationNumber)
	}
	now := s.nowUTC()
	l := Listing{PatentID: p.ID, OrgID: a.OrgID, Prospect: pr, ProspectNote: note, CreatedAt: now, UpdatedAt: now}
	if pr != "" {
		l.AssessedOn = s.today()
	}
	if err := s.st.insertListing(ctx, tx, &l, actorID(a)); err != nil {
		if db.IsUniqueViolation(err) {
			return Listing{}, problem.Conflict("already_listed", "%s is listed already", p.ApplicationNumber)
		}
		return Listing{}, err
	}
	if err := s.refresh(ctx, tx, p.ID); err != nil {
		return Listing{}, err
	}
	return l, s.record(ctx, tx, a, "listing_create", "licensing_listing", l.ID, map[string]any{"patent": p.ApplicationNumber,
		"prospect": pr})
}

// GetListing returns a listing with its status, feedback counts, events
// and standing open licence. Listings are public within the platform.
func (s *Service) GetListing(ctx context.Context, id int64) (Listing, error) {
	l, err := s.st.listing(ctx, s.db, id)
	if db.IsNoRows(err) {
		return Listing{}, problem.NotFound("listing")
	}
	if err != nil {
		return Listing{}, err
	}
	if err := s.complete(ctx, []*Listing{&l}); err != nil {
		return Listing{}, err
	}
	if l.Events, err = s.st.events(ctx, s.db, l.PatentID); err != nil {
		return Listing{}, err
	}
	return l, nil
}

// ListingByPatent returns the listing of a patent by its number.
func (s *Service) ListingByPatent(ctx context.Context, number string) (Listing, error) {
	p, err := s.patent(ctx, s.db, "number", number)
	if err != nil {
		return Listing{}, err
	}
	l, err := s.st.listingByPatent(ctx, s.db, p.ID)
	if db.IsNoRows(err) {
		return Listing{}, problem.NotFound("listing")
	}
	if err != nil {
		return Listing{}, err
	}
	return s.GetListing(ctx, l.ID)
}

func (s *Service) complete(ctx context.Context, ls []*Listing) error {
	for _, l := range ls {
		var err error
		if l.Feedback, err = s.st.feedbackCounts(ctx, s.db, l.ID); err != nil {
			return err
		}
		if l.Status, err = s.st.status(ctx, s.db, l.PatentID); err != nil && !db.IsNoRows(err) {
			return err
		}
		if o, err := s.st.activeOpenLicence(ctx, s.db, l.PatentID); err == nil {
			o.DeclaredAt = o.DeclaredAt.UTC()
			l.OpenLicence = &o
		} else if !db.IsNoRows(err) {
			return err
		}
		l.CreatedAt, l.UpdatedAt = l.CreatedAt.UTC(), l.UpdatedAt.UTC()
	}
	return nil
}

// ListingFilter selects listings.
type ListingFilter struct {
	OrgID    int64 // 0: every university's
	Prospect Prospect
	Dormant  *bool
}

// Listings pages listings by id.
func (s *Service) Listings(ctx context.Context, f ListingFilter, r page.Request) (page.Page[Listing], error) {
	var fe []problem.FieldError
	checkProspect(&fe, "prospect", f.Prospect, false)
	if len(fe) > 0 {
		return page.Page[Listing]{}, problem.Invalid(fe...)
	}
	ls, err := s.st.listings(ctx, f, r)
	if err != nil {
		return page.Page[Listing]{}, err
	}
	ptrs := make([]*Listing, len(ls))
	for i := range ls {
		ptrs[i] = &ls[i]
	}
	if err := s.complete(ctx, ptrs); err != nil {
		return page.Page[Listing]{}, err
	}
	return page.Of(r, ls, func(l Listing) int64 { return l.ID }), nil
}

// ownListing loads a listing of the caller's organisation in tx (another
// organisation's is 404).
func (s *Service) ownListing(ctx context.Context, tx *sqlx.Tx, a audit.Actor, id int64) (Listing, error) {
	l, err := s.st.listing(ctx, tx, id)
	if db.IsNoRows(err) || (err == nil && l.OrgID != a.OrgID && a.Role != "system") {
		return Listing{}, problem.NotFound("listing")
	}
	return l, err
}

// AssessmentInput is the TTO's assessment of a listed patent.
type AssessmentInput struct {
	Prospect Prospect `json:"prospect"`
	Note     string   `json:"note"`
}

// Assess records the TTO's assessment of a listing's transfer prospects.
func (s *Service) Assess(ctx context.Context, a audit.Actor, id int64, in AssessmentInput) (Listing, error) {
	if err := requireRole(a, auth.RoleUniversity, "assess listings"); err != nil {
		return Listing{}, err
	}
	var fe []problem.FieldError
	checkProspect(&fe, "prospect", in.Prospect, true)
	note := text(&fe, "note", in.Note, false, 2000)
	if len(fe) > 0 {
		return Listing{}, problem.Invalid(fe...)
	}
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		l, err := s.ownListing(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if err := s.st.setAssessment(ctx, tx, id, in.Prospect, note, s.today(), s.nowUTC()); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "listing_assess", "licensing_listing", id, map[string]any{"before": l.Prospect,
			"after": in.Prospect})
	})
	if err != nil {
		return Listing{}, err
	}
	return s.GetListing(ctx, id)
}

// EventInput records what happened to a listed patent.
type EventInput struct {
	Kind          string    `json:"kind"`
	LicenceKind   string    `json:"licence_kind"`
	Counterparty  string    `json:"counterparty"`
	LicenseeOrgID *int64    `json:"licensee_org_id"`
	EffectiveOn   date.Date `json:"effective_on"`
	EndOn         date.Date `json:"end_on"`
	Note          string    `json:"note"`
}

var eventKinds = []string{EventLicence, EventTransfer, EventOwnImplementation}

// Only the open licence route records open licences.
var recordableLicences = []string{LicenceExclusive, LicenceSole, LicenceOrdinary}

func checkEvent(in EventInput) (Event, []problem.FieldError) {
	var fe []problem.FieldError
	e := Event{Kind: in.Kind, LicenceKind: in.LicenceKind, LicenseeOrgID: in.LicenseeOrgID, EffectiveOn: in.EffectiveOn, EndOn: in.EndOn}
	if !slices.Contains(eventKinds, in.Kind) {
		fe = append(fe, problem.Field("kind", "invalid", "kind is one of licence, transfer, own_implementation"))
	}
	switch {
	case in.Kind == EventLicence && !slices.Contains(recordableLicences, in.LicenceKind):
		fe = append(fe, problem.Field("licence_kind", "invalid",
			"licence_kind is one of exclusive, sole, ordinary (open licences are taken under a declaration)"))
	case in.Kind != EventLicence && in.LicenceKind != "":
		fe = append(fe, problem.Field("licence_kind", "not_allowed", "licence_kind is only for licences"))
	}
	e.Counterparty = text(&fe, "counterparty", in.Counterparty, in.Kind == EventLicence || in.Kind == EventTransfer, 200)
	e.Note = text(&fe, "note", in.Note, false, 2000)
	if in.EffectiveOn.IsZero() {
		fe = append(fe, problem.Field("effective_on", "required", "effective_on is required"))
	}
	if !in.EndOn.IsZero() && !in.EffectiveOn.IsZero() && in.EndOn.Before(in.EffectiveOn) {
		fe = append(fe, problem.Field("end_on", "before_start", "end_on cannot be before effective_on"))
	}
	return e, fe
}

// RecordEvent records a licence, transfer or own implementation of a
// listed patent of the caller's university.
func (s *Service) RecordEvent(ctx context.Context, a audit.Actor, listingID int64, in EventInput) (Event, error) {
	if err := requireRole(a, auth.RoleUniversity, "record licensing events"); err != nil {
		return Event{}, err
	}
	e, fe := checkEvent(in)
	if len(fe) > 0 {
		return Event{}, problem.Invalid(fe...)
	}
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		l, err := s.ownListing(ctx, tx, a, listingID)
		if err != nil {
			return err
		}
		if err := s.registry.LockTx(ctx, tx, l.PatentID); err != nil {
			return err
		}
		e.PatentID = l.PatentID
		if e.Kind == EventLicence {
			return s.recordLicence(ctx, tx, a, &e)
		}
		e.CreatedAt = s.nowUTC()
		if err := s.st.insertEvent(ctx, tx, &e, actorID(a)); err != nil {
			return err
		}
		if err := s.refresh(ctx, tx, e.PatentID); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "event_"+e.Kind, "licensing_event", e.ID, map[string]any{"patent_id": e.PatentID,
			"counterparty": e.Counterparty, "effective_on": e.EffectiveOn})
	})
	e.CreatedAt = e.CreatedAt.UTC()
	return e, err
}

// recordLicence records a licence in tx (the patent's row locked by the
// caller): refused while an open licence stands for an exclusive or sole
// licence (409 open_licence_in_force), beside an exclusive or sole
// licence in force over the same time (409 exclusive_licence_in_force),
// and on a patent under a pledge in force without the pledgee's recorded
// consent to a licence, which it uses (409 pledgee_consent_required).
func (s *Service) recordLicence(ctx context.Context, tx *sqlx.Tx, a audit.Actor, e *Event) error {
	if e.LicenceKind == LicenceExclusive || e.LicenceKind == LicenceSole {
		if _, err := s.st.activeOpenLicence(ctx, tx, e.PatentID); err == nil {
			return problem.Conflict("open_licence_in_force",
				"an open licence stands for this patent: no exclusive or sole licence may be granted until it is withdrawn")
		} else if !db.IsNoRows(err) {
			return err
		}
	}
	events, err := s.st.events(ctx, tx, e.PatentID)
	if err != nil {
		return err
	}
	for _, x := range events {
		if x.Kind != EventLicence || !overlap(x, *e) {
			continue
		}
		exclusive := func(k string) bool { return k == LicenceExclusive || k == LicenceSole }
		if exclusive(x.LicenceKind) || exclusive(e.LicenceKind) {
			return problem.Conflict("exclusive_licence_in_force",
				"an exclusive or sole licence cannot overlap another licence of the patent (licence %d from %s)", x.ID, x.EffectiveOn)
		}
	}
	if s.pledges != nil {
		ok, err := s.pledges.ConsentGiven(ctx, tx, e.PatentID, pledge.ConsentLicence, true)
		if err != nil {
			return err
		}
		if !ok {
			return problem.Conflict("pledgee_consent_required",
				"the patent is in a pledge in force: a licence is recorded only with the pledgee's recorded consent")
		}
	}
	e.CreatedAt = s.nowUTC()
	if err := s.st.insertEvent(ctx, tx, e, actorID(a)); err != nil {
		return err
	}
	if err := s.refresh(ctx, tx, e.PatentID); err != nil {
		return err
	}
	return s.record(ctx, tx, a, "licence_record", "licensing_licence", e.ID, map[string]any{"patent_id": e.PatentID,
		"licence_kind": e.LicenceKind, "counterparty": e.Counterparty, "effective_on": e.EffectiveOn, "end_on": e.EndOn})
}

// overlap reports whether two licences' terms share a day.
func overlap(x, y Event) bool {
	endsBefore := func(a, b Event) bool { return !a.EndOn.IsZero() && a.EndOn.Before(b.EffectiveOn) }
	return !endsBefore(x, y) && !endsBefore(y, x)
}

// Feedback is an enterprise's feedback on a listing.
type Feedback struct {
	ID           int64     `json:"id"`
	ListingID    int64     `json:"listing_id"`
	OrgID        int64     `json:"org_id"`
	Kind         string    `json:"kind"`
	PriceViewFen *int64    `json:"price_view_fen"`
	Comment      string    `json:"comment"`
	CreatedAt    time.Time `json:"created_at"`
}

// FeedbackInput is an enterprise's feedback.
type FeedbackInput struct {
	Kind         string `json:"kind"`
	PriceViewFen *int64 `json:"price_view_fen"`
	Comment      string `json:"comment"`
}

var feedbackKinds = []string{FeedbackInterest, FeedbackPriceView, FeedbackNotRelevant}

// GiveFeedback records an enterprise's feedback on a listing (a price
// view states the price it would pay, in fen) and tells the TTO.
func (s *Service) GiveFeedback(ctx context.Context, a audit.Actor, listingID int64, in FeedbackInput) (Listing, error) {
	if err := requireRole(a, auth.RoleEnterprise, "give feedback on listings"); err != nil {
		return Listing{}, err
	}
	var fe []problem.FieldError
	if !slices.Contains(feedbackKinds, in.Kind) {
		fe = append(fe, problem.Field("kind", "invalid", "kind is one of interest, price_view, not_relevant"))
	}
	switch {
	case in.Kind == FeedbackPriceView && in.PriceViewFen == nil:
		fe = append(fe, problem.Field("price_view_fen", "required", "a price view states a price in fen"))
	case in.Kind != FeedbackPriceView && in.PriceViewFen != nil:
		fe = append(fe, problem.Field("price_view_fen", "not_allowed", "only a price view states a price"))
	case in.PriceViewFen != nil && *in.PriceViewFen <= 0:
		fe = append(fe, problem.Field("price_view_fen", "out_of_range", "the price must be positive"))
	}
	comment := text(&fe, "comment", in.Comment, false, 2000)
	if len(fe) > 0 {
		return Listing{}, problem.Invalid(fe...)
	}
	err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
		l, err := s.st.listing(ctx, tx, listingID)
		if db.IsNoRows(err) {
			return problem.NotFound("listing")
		}
		if err != nil {
			return err
		}
		f := Feedback{ListingID: l.ID, OrgID: a.OrgID, Kind: in.Kind, PriceViewFen: in.PriceViewFen, Comment: comment,
			CreatedAt: s.nowUTC()}
		if err := s.st.insertFeedback(ctx, tx, &f, actorID(a)); err != nil {
			return err
		}
		if err := s.notify.PostToOrg(ctx, tx, l.OrgID, notify.Notification{Kind: "licensing.feedback",
			Title: fmt.Sprintf("专利 %s 收到企业反馈", l.ApplicationNumber), Body: feedbackWords[in.Kind] + " " + comment,
			Link: fmt.Sprintf("/licensing/listings/%d", l.ID)}); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "feedback", "licensing_listing", l.ID, map[string]any{"kind": in.Kind,
			"price_view_fen": in.PriceViewFen})
	})
	if err != nil {
		return Listing{}, err
	}
	return s.GetListing(ctx, listingID)
}

var feedbackWords = map[string]string{FeedbackInterest: "有意向", FeedbackPriceView: "报价意见", FeedbackNotRelevant: "不相关"}

// AbandonmentReport lists the caller's listings rated none whose
// assessment is older than the setting licensing.abandon_after_days and
// which no enterprise gave feedback on: candidates for abandonment.
func (s *Service) AbandonmentReport(ctx context.Context, a audit.Actor) ([]Listing, error) {
	if err := requireRole(a, auth.RoleUniversity, "read the abandonment report"); err != nil {
		return nil, err
	}
	today := s.today()
	days, err := s.settings.Int(ctx, KeyAbandonAfterDays, 0, today)
	if err != nil {
		return nil, err
	}
	ls, err := s.st.abandonment(ctx, a.OrgID, today.AddDays(-int(days)))
	if err != nil {
		return nil, err
	}
	ptrs := make([]*Listing, len(ls))
	for i := range ls {
		ptrs[i] = &ls[i]
	}
	if ls == nil {
		ls = []Listing{}
	}
	return ls, s.complete(ctx, ptrs)
}

// ImportKind names a listing import on background jobs.
const ImportKind = "licensing.listings"

// ImportSpec is the table of a listing import.
func ImportSpec() tabular.Spec {
	return tabular.Spec{HeaderSearchRows: 3, AllowExtra: true, Columns: []tabular.Column{
		{Key: "application_number", Headers: []string{"申请号", "专利号", "application_number"}, Required: true},
		{Key: "prospect", Headers: []string{"转化前景", "前景评价", "prospect"}},
		{Key: "note", Headers: []string{"备注", "说明", "note"}},
	}}
}

var prospectWords = map[string]Prospect{"好": ProspectGood, "良好": ProspectGood, "较好": ProspectGood, "一般": ProspectFair,
	"无": ProspectNone, "差": ProspectNone, "good": ProspectGood, "fair": ProspectFair, "none": ProspectNone, "": ""}

// ImportListings lists the patents of a table (申请号, 转化前景 好/一般/无,
// 备注): every row is checked first (number, patent held by the caller's
// university, not listed, not repeated); all_or_nothing stores nothing
// when a row is bad (422 import_rejected), valid_rows stores the good
// ones. One transaction.
func (s *Service) ImportListings(ctx context.Context, a audit.Actor, t *tabular.Table, mode tabular.Mode, progress func(int)) (tabular.Report, error) {
	if err := requireRole(a, auth.RoleUniversity, "import listings"); err != nil {
		return tabular.Report{}, err
	}
	if progress == nil {
		progress = func(int) {}
	}
	rep := tabular.NewReport(mode, len(t.Rows))
	type good struct {
		p    registry.Patent
		pr   Prospect
		note string
	}
	var rows []good
	first := map[string]int{}
	for _, r := range t.Rows {
		v := r.Values
		bad := false
		add := func(key, code, msg string) { bad = true; rep.Add(t.RowError(r.Number, key, code, msg)) }
		pr, ok := prospectWords[strings.ToLower(strings.TrimSpace(v["prospect"]))]
		if !ok {
			add("prospect", "invalid", "转化前景应为“好”“一般”或“无”")
		}
		note := strings.TrimSpace(v["note"])
		if len([]rune(note)) > 2000 {
			add("note", "too_long", "备注不超过 2000 字")
		}
		p, err := s.patent(ctx, s.db, "application_number", v["application_number"])
		switch {
		case err == nil:
			if !holds(p, a.OrgID) {
				add("application_number", "not_patentee", "该专利的专利权人不是本校")
			} else if listed, err := s.st.isListed(ctx, s.db, p.ID); err != nil {
				return rep, err
			} else if listed {
				add("application_number", "already_listed", "该专利已在清单中")
			} else if prev, dup := first[p.ApplicationNumber]; dup {
				add("application_number", "duplicate", fmt.Sprintf("与第 %d 行的申请号重复", prev))
			} else {
				first[p.ApplicationNumber] = r.Number
			}
		case problem.HasCode(err, "not_found"):
			add("application_number", "not_found", "登记簿中没有该专利")
		default:
			pe, ok := problem.As(err)
			if !ok {
				return rep, err
			}
			for _, f := range pe.Fields {
				add("application_number", f.Code, f.Message)
			}
		}
		if !bad {
			rows = append(rows, good{p, pr, note})
		}
	}
	if rep.Rejected() {
		return rep, tabular.ReportProblem(rep)
	}
	progress(rep.Total - len(rows))
	err := s.db.InTx(context.WithoutCancel(ctx), func(tx *sqlx.Tx) error {
		for _, g := range rows {
			if _, err := s.listTx(ctx, tx, a, g.p, g.pr, g.note); err != nil {
				return fmt.Errorf("%s: %w", g.p.ApplicationNumber, err)
			}
		}
		return nil
	})
	if err != nil {
		var p *problem.Error
		if errors.As(err, &p) {
			return rep, p
		}
		return rep, err
	}
	progress(rep.Total)
	return rep, nil
}
