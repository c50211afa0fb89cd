package whitelist

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/platform/tabular"
)

// Import kinds, as recorded on background import jobs.
const (
	ImportKindNominations  = "whitelist.nominations"
	ImportKindBatchEntries = "whitelist.batch_entries"
)

// importChunk is how many rows one transaction of an import stores: small
// enough that SQLite's write lock is released often (the job's progress
// and everyone else's writes get through), large enough to be fast.
const importChunk = 500

// NominationImportSpec is the table of a nominations import: the columns
// of NominationInput, each under its Chinese or English header.
func NominationImportSpec() tabular.Spec {
	return tabular.Spec{HeaderSearchRows: 3, Columns: []tabular.Column{
		{Key: "uscc", Headers: []string{"统一社会信用代码", "uscc"}, Required: true},
		{Key: "name", Headers: []string{"企业名称", "name"}, Required: true},
		{Key: "industry", Headers: []string{"所属行业", "industry"}},
		{Key: "is_sme", Headers: []string{"是否中小企业", "is_sme"}},
		{Key: "hightech_cert_no", Headers: []string{"高新技术企业证书编号", "hightech_cert_no"}},
		{Key: "hightech_valid_until", Headers: []string{"高新证书有效期至", "高新技术企业证书有效期至", "hightech_valid_until"}},
		{Key: "srdi_level", Headers: []string{"专精特新级别", "srdi_level"}},
		{Key: "bureau_doc_no", Headers: []string{"认定文号", "bureau_doc_no"}},
		{Key: "bureau_recognised_on", Headers: []string{"认定日期", "bureau_recognised_on"}},
		{Key: "valid_invention_patents", Headers: []string{"有效发明专利数", "有效发明专利数量", "valid_invention_patents"}},
		{Key: "evidence", Headers: []string{"推荐依据", "evidence"}},
		{Key: "source", Headers: []string{"来源", "source"}},
	}}
}

// BatchEntryImportSpec is the table of a batch entries import: the codes
// whose pending nominations go into the batch, with an optional reason
// that overrides the overridable eligibility checks. Other columns (the
// enterprise's name, a serial number) are allowed and ignored.
func BatchEntryImportSpec() tabular.Spec {
	return tabular.Spec{HeaderSearchRows: 3, AllowExtra: true, Columns: []tabular.Column{
		{Key: "uscc", Headers: []string{"统一社会信用代码", "uscc"}, Required: true},
		{Key: "override_reason", Headers: []string{"豁免理由", "override_reason"}},
	}}
}

var boolWords = map[string]bool{"是": true, "否": false, "true": true, "false": false, "1": true, "0": false,
	"yes": true, "no": false, "y": true, "n": false}

var srdiWords = map[string]string{"": SRDINone, "无": SRDINone, "省级": SRDIProvincial, "国家级": SRDINational,
	"provincial": SRDIProvincial, "national": SRDINational}

var sourceWords = map[string]Source{
	"民营经济发展局": SourceBureau, "市民营经济发展局": SourceBureau, "bureau": SourceBureau,
	"知识产权局": SourceIPOffice, "ip_office": SourceIPOffice,
	"园区": SourcePark, "园区推荐": SourcePark, "park": SourcePark,
	"高新技术企业": SourceHighTech, "high_tech": SourceHighTech,
	"专精特新": SourceSRDI, "srdi": SourceSRDI,
	"企业自荐": SourceSelf, "self": SourceSelf,
}

var dateSep = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$`)

// parseCellDate reads a date as spreadsheets write it: 2026-03-01,
// 2026/3/1, 2026.3.1, 2026年3月1日.
func parseCellDate(v string) (date.Date, bool) {
	m := dateSep.FindStringSubmatch(v)
	if m == nil {
		return date.Date{}, false
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	out, err := date.Parse(fmt.Sprintf("%04d-%02d-%02d", y, mo, d))
	return out, err == nil
}

// parseCellInt reads a whole number; "3.0" (a number cell) is 3.
func parseCellInt(v string) (int, bool) {
	if n, err := strconv.Atoi(v); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != float64(int(f)) {
		return 0, false
	}
	return int(f), true
}

// importRow is a row that passed validation: its number, code and value.
type importRow[T any] struct {
	row  int
	code string
	v    T
}

// nominationRow reads and checks one row of a nominations import,
// reporting its errors. It returns the code ("" when invalid).
func (s *Service) nominationRow(ctx context.Context, a audit.Actor, ownUSCC string, t *tabular.Table, r tabular.Row, rep *tabular.Report) (string, NominationInput, error) {
	v := r.Values
	add := func(key, code, msg string) { rep.Add(t.RowError(r.Number, key, code, msg)) }
	in := NominationInput{Name: v["name"], Industry: v["industry"], HighTechCertNo: v["hightech_cert_no"],
		BureauDocNo: v["bureau_doc_no"], Evidence: v["evidence"]}
	code := ""
	if v["uscc"] == "" {
		add("uscc", "required", "统一社会信用代码不能为空")
	} else {
		c, err := s.ValidateUSCC(ctx, "uscc", v["uscc"])
		switch p, ok := problem.As(err); {
		case err == nil:
			code = c
		case ok && len(p.Fields) > 0:
			add("uscc", "invalid_uscc", p.Fields[0].Message)
		case ok:
			add("uscc", "invalid_uscc", p.Detail)
		default:
			return "", in, err
		}
	}
	if x := strings.ToLower(v["is_sme"]); x != "" {
		b, ok := boolWords[x]
		if !ok {
			add("is_sme", "invalid", "应填写“是”或“否”")
		}
		in.IsSME = b
	}
	if lv, ok := srdiWords[strings.ToLower(v["srdi_level"])]; ok {
		in.SRDILevel = lv
	} else {
		add("srdi_level", "invalid", "应填写“省级”“国家级”或留空")
	}
	for _, d := range []struct {
		key string
		to  *date.Date
	}{{"hightech_valid_until", &in.HighTechValidUntil}, {"bureau_recognised_on", &in.BureauRecognisedOn}} {
		if v[d.key] == "" {
			continue
		}
		if x, ok := parseCellDate(v[d.key]); ok {
			*d.to = x
		} else {
			add(d.key, "invalid_date", "应为日期，如 2026-03-01")
		}
	}
	if x := v["valid_invention_patents"]; x != "" {
		n, ok := parseCellInt(x)
		if !ok || n < 0 {
			add("valid_invention_patents", "invalid", "应为不小于 0 的整数")
		}
		in.ValidInventionPatents = max(n, 0)
	}
	if x := v["source"]; x != "" {
		src, ok := sourceWords[strings.ToLower(x)]
		if !ok {
			add("source", "invalid", "来源应为：民营经济发展局、知识产权局、园区、高新技术企业、专精特新")
			src = Source("?")
		}
		in.Source = src
	}
	if in.Source == "" && a.Role == auth.RoleIPOffice {
		in.Source = SourceIPOffice // the office's own default; the bureau's is set by validate
	}
	if in.Source != "?" {
		for _, f := range in.validate(a.Role) {
			add(f.Field, f.Code, f.Message)
		}
	} else {
		in.Source = ""
	}
	if code != "" && a.Role == auth.RoleEnterprise && code != ownUSCC {
		add("uscc", "not_own_enterprise", "企业只能推荐本企业")
	}
	return code, in, nil
}

// ImportNominations validates every row of a nominations table, then —
// unless the mode is all-or-nothing and a row is invalid, which is 422
// import_rejected (tabular.ReportProblem) with the report — stores the
// valid rows, importChunk rows to a transaction, each exactly as Nominate
// stores one (change feed, audit log). progress (which may be nil) hears
// the rows done so far.
//
// A row that was valid when checked but is refused when stored (another
// user nominated the enterprise meanwhile) is reported and skipped, also
// in all-or-nothing mode, where the rows stored before it stay.
func (s *Service) ImportNominations(ctx context.Context, a audit.Actor, ownUSCC string, t *tabular.Table, mode tabular.Mode, progress func(int)) (tabular.Report, error) {
	rep := tabular.NewReport(mode, len(t.Rows))
	rows := make([]importRow[NominationInput], 0, len(t.Rows))
	first := map[string]int{}
	for _, r := range t.Rows {
		code, in, err := s.nominationRow(ctx, a, ownUSCC, t, r, &rep)
		if err != nil {
			return rep, err
		}
		if code != "" {
			if prev, dup := first[code]; dup {
				rep.Add(t.RowError(r.Number, "uscc", "duplicate", fmt.Sprintf("与第 %d 行的统一社会信用代码重复", prev)))
			} else {
				first[code] = r.Number
			}
		}
		if !rep.Failed(r.Number) {
			rows = append(rows, importRow[NominationInput]{r.Number, code, in})
		}
	}
	open, err := s.st.pendingNominations(ctx, codesOf(rows))
	if err != nil {
		return rep, err
	}
	rows = keep(rows, func(r importRow[NominationInput]) bool {
		if _, ok := open[r.code]; ok {
			rep.Add(t.RowError(r.row, "uscc", "nomination_open", "该企业已有待审核的推荐"))
			return false
		}
		return true
	})
	if rep.Rejected() {
		return rep, tabular.ReportProblem(rep)
	}
	err = storeChunks(ctx, s, t, &rep, rows, progress, nil, func(ctx context.Context, tx *sqlx.Tx, r importRow[NominationInput], now time.Time) error {
		_, err := s.nominateTx(ctx, tx, a, r.code, r.v, now)
		return err
	})
	return rep, err
}

// ImportBatchEntries validates every row of a batch entries table — a
// valid code, not repeated, with a pending nomination that passes its
// eligibility checks (overridable ones waived by the row's reason) — then,
// as ImportNominations does, rejects the file or stores the valid rows,
// each exactly as Accept stores one. The batch must be a draft.
func (s *Service) ImportBatchEntries(ctx context.Context, a audit.Actor, batchID int64, t *tabular.Table, mode tabular.Mode, progress func(int)) (tabular.Report, error) {
	if _, err := s.ImportableBatch(ctx, batchID); err != nil {
		return tabular.Report{}, err
	}
	rep := tabular.NewReport(mode, len(t.Rows))
	rows := make([]importRow[acceptRow], 0, len(t.Rows))
	first := map[string]int{}
	for _, r := range t.Rows {
		raw := r.Values["uscc"]
		if raw == "" {
			rep.Add(t.RowError(r.Number, "uscc", "required", "统一社会信用代码不能为空"))
			continue
		}
		code, err := s.ValidateUSCC(ctx, "uscc", raw)
		if p, ok := problem.As(err); ok {
			msg := p.Detail
			if len(p.Fields) > 0 {
				msg = p.Fields[0].Message
			}
			rep.Add(t.RowError(r.Number, "uscc", "invalid_uscc", msg))
			continue
		} else if err != nil {
			return rep, err
		}
		if prev, dup := first[code]; dup {
			rep.Add(t.RowError(r.Number, "uscc", "duplicate", fmt.Sprintf("与第 %d 行的统一社会信用代码重复", prev)))
			continue
		}
		first[code] = r.Number
		reason := r.Values["override_reason"]
		if f := tooLong("override_reason", reason, 2000); f != nil {
			rep.Add(t.RowError(r.Number, "override_reason", f.Code, f.Message))
			continue
		}
		rows = append(rows, importRow[acceptRow]{r.Number, code, acceptRow{reason: reason}})
	}
	pending, err := s.st.pendingNominations(ctx, codesOf(rows))
	if err != nil {
		return rep, err
	}
	ok := rows[:0]
	for _, r := range rows {
		n, has := pending[r.code]
		if !has {
			rep.Add(t.RowError(r.row, "uscc", "no_pending_nomination", "该企业没有待审核的推荐"))
			continue
		}
		if err := s.checkEligible(ctx, n, r.v.reason); err != nil {
			p, isProblem := problem.As(err)
			if !isProblem {
				return rep, err
			}
			rep.Add(tabular.RowError{Row: r.row, Code: p.Code, Message: p.Detail})
			continue
		}
		r.v.n = n
		ok = append(ok, r)
	}
	rows = ok
	if rep.Rejected() {
		return rep, tabular.ReportProblem(rep)
	}
	var b Batch
	err = storeChunks(ctx, s, t, &rep, rows, progress,
		func(ctx context.Context, tx *sqlx.Tx) (err error) {
			b, err = s.draftBatch(ctx, tx, batchID)
			return err
		},
		func(ctx context.Context, tx *sqlx.Tx, r importRow[acceptRow], now time.Time) error {
			_, err := s.acceptTx(ctx, tx, a, r.v.n, b, r.v.reason, now)
			return err
		})
	return rep, err
}

// acceptRow is a checked row of a batch entries import.
type acceptRow struct {
	n      Nomination
	reason string
}

// ImportableBatch returns the batch an entries import goes into: 404
// when there is none, 409 invalid_state when it is past its draft.
func (s *Service) ImportableBatch(ctx context.Context, batchID int64) (Batch, error) {
	b, err := s.Batch(ctx, batchID)
	if err != nil {
		return b, err
	}
	if b.Status != BatchDraft {
		return b, problem.InvalidState(b.Status, "entries are imported into a draft batch only")
	}
	return b, nil
}

func codesOf[T any](rows []importRow[T]) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.code
	}
	return out
}

func keep[T any](rows []T, ok func(T) bool) []T {
	out := rows[:0]
	for _, r := range rows {
		if ok(r) {
			out = append(out, r)
		}
	}
	return out
}

// rowFailure marks an error of one row's store (not of the chunk).
type rowFailure struct {
	row int
	err error
}

func (f *rowFailure) Error() string { return f.err.Error() }
func (f *rowFailure) Unwrap() error { return f.err }

// storeChunks stores rows importChunk to a transaction: begin (when not
// nil) runs first in each, then store for each row. A row refused by a
// business rule (a problem) is added to the report and its chunk retried
// without it. Progress counts the invalid rows as done from the start.
func storeChunks[T any](ctx context.Context, s *Service, t *tabular.Table, rep *tabular.Report, rows []importRow[T], progress func(int),
	begin func(context.Context, *sqlx.Tx) error, store func(context.Context, *sqlx.Tx, importRow[T], time.Time) error) error {
	if progress == nil {
		progress = func(int) {}
	}
	done := rep.Total - len(rows)
	progress(done)
	// Cancellation is looked at between chunks only: a cancellable context
	// costs database/sql and the SQLite driver a goroutine per statement,
	// which on a 100,000-row import is seconds.
	stmtCtx := context.WithoutCancel(ctx)
	for start := 0; start < len(rows); start += importChunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk := rows[start:min(start+importChunk, len(rows))]
		skip := map[int]bool{}
		var refused error
		for {
			err := s.db.InTx(stmtCtx, func(tx *sqlx.Tx) error {
				if begin != nil {
					if err := begin(stmtCtx, tx); err != nil {
						return err
					}
				}
				now := s.nowUTC()
				for i, r := range chunk {
					if skip[i] {
						continue
					}
					if err := store(stmtCtx, tx, r, now); err != nil {
						if _, ok := problem.As(err); ok {
							return &rowFailure{i, err}
						}
						return err
					}
				}
				return nil
			})
			if err == nil {
				break
			}
			var rf *rowFailure
			if !errors.As(err, &rf) {
				if refused != nil {
					// The retry could not run (a request's unit of work
					// fails as a whole): the refusal is the answer.
					return refused
				}
				return err
			}
			refused = rf.err
			skip[rf.row] = true
			p, _ := problem.As(rf.err)
			rep.Add(t.RowError(chunk[rf.row].row, "uscc", p.Code, p.Detail))
		}
		done += len(chunk)
		progress(done)
	}
	return nil
}
