package registry

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/patent"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/platform/tabular"
)

// ImportKind names a registry import on background jobs.
const ImportKind = "registry.patents"

// importChunk is how many rows one transaction of an import stores.
const importChunk = 500

// ImportSpec is the table of a patent import: the columns of the real
// patent database exports (see ../shared/data/cn-patent-full-records-sample.tsv),
// in Chinese or English. Other columns are allowed and ignored.
func ImportSpec() tabular.Spec {
	return tabular.Spec{HeaderSearchRows: 3, AllowExtra: true, Columns: []tabular.Column{
		{Key: "application_number", Headers: []string{"申请号", "专利号", "application_number"}, Required: true},
		{Key: "publication_number", Headers: []string{"公开号", "公开（公告）号", "publication_number"}},
		{Key: "grant_number", Headers: []string{"授权公告号", "grant_number"}},
		{Key: "type", Headers: []string{"专利类型", "type"}},
		{Key: "title", Headers: []string{"专利名称", "发明名称", "title"}, Required: true},
		{Key: "abstract", Headers: []string{"申请摘要", "摘要", "abstract"}},
		{Key: "main_claim", Headers: []string{"主权项", "main_claim"}},
		{Key: "filing_date", Headers: []string{"申请日", "filing_date"}, Required: true},
		{Key: "grant_date", Headers: []string{"授权公告日", "授权日", "grant_date"}},
		{Key: "legal_status", Headers: []string{"法律状态", "当前法律状态", "legal_status"}},
		{Key: "ipc_codes", Headers: []string{"分类号", "IPC分类号", "ipc_codes"}},
		{Key: "patentees", Headers: []string{"当前权利人", "专利权人", "patentees"}},
		{Key: "applicants", Headers: []string{"申请人", "applicants"}},
		{Key: "fee_paid_until", Headers: []string{"年费缴至", "年费缴纳至", "fee_paid_until"}},
		{Key: "claims_count", Headers: []string{"权利要求数", "权项数", "claims_count"}},
		{Key: "forward_citations", Headers: []string{"被引证次数", "被引用次数", "forward_citations"}},
		{Key: "family_size", Headers: []string{"简单同族数量", "同族数量", "family_size"}},
		{Key: "government_funded", Headers: []string{"政府资助", "是否政府资助项目", "government_funded"}},
	}}
}

var cellDate = regexp.MustCompile(`^(\d{4})\s*[-/.年]?\s*(\d{1,2})\s*[-/.月]?\s*(\d{1,2})\s*日?$`)

// parseCellDate reads 20221202, 2022-12-02, 2022/12/2, 2022年12月2日;
// "" and "0" (the exports' empty date) are no date.
func parseCellDate(v string) (date.Date, bool) {
	if v == "" || v == "0" {
		return date.Date{}, true
	}
	m := cellDate.FindStringSubmatch(v)
	if m == nil {
		return date.Date{}, false
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	dd, _ := strconv.Atoi(m[3])
	d, err := date.Parse(fmt.Sprintf("%04d-%02d-%02d", y, mo, dd))
	return d, err == nil
}

// statusWords maps the exports' 法律状态 (by prefix, most specific first).
var statusWords = []struct {
	prefix string
	st     Status
}{
	{"有权-审定授权", StatusValid}, {"有权", StatusValid}, {"审中", StatusPending},
	{"无权-未缴年费", StatusLapsed}, {"未缴年费", StatusLapsed}, {"年费滞纳", StatusFeeGrace}, {"滞纳", StatusFeeGrace},
	{"无权-期限届满", StatusExpired}, {"期限届满", StatusExpired},
	{"无权-全部无效", StatusInvalidated}, {"全部无效", StatusInvalidated},
	{"无效宣告请求", StatusInvalidationRequested}, {"无效宣告中", StatusInvalidationRequested},
	{"权属纠纷", StatusOwnershipDispute}, {"中止", StatusOwnershipDispute}, {"财产保全", StatusOwnershipDispute},
}

func parseStatus(v string) (Status, bool) {
	if v == "" {
		return "", true
	}
	if Status(strings.ToLower(v)).Valid() {
		return Status(strings.ToLower(v)), true
	}
	for _, w := range statusWords {
		if strings.HasPrefix(v, w.prefix) {
			return w.st, true
		}
	}
	return "", false
}

var typeWords = map[string][]patent.Type{
	"发明": {patent.Invention, patent.PCTInvention}, "实用新型": {patent.UtilityModel, patent.PCTUtilityModel},
	"外观设计": {patent.Design},
}

func splitList(v string) []string {
	var out []string
	for _, x := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '；' || r == ',' || r == '，' || r == '|' }) {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

var boolWords = map[string]bool{"是": true, "否": false, "true": true, "false": false, "1": true, "0": false, "": false}

// row reads one row into a record, reporting its errors; ok is false when
// the row is invalid.
func (s *Service) row(ctx context.Context, t *tabular.Table, r tabular.Row, rep *tabular.Report) (Patent, bool, error) {
	v := r.Values
	bad := false
	add := func(key, code, msg string) { bad = true; rep.Add(t.RowError(r.Number, key, code, msg)) }
	in := PatentInput{ApplicationNumber: v["application_number"], PublicationNumber: v["publication_number"],
		GrantNumber: v["grant_number"], Title: v["title"], Abstract: v["abstract"], MainClaim: v["main_claim"],
		IPCCodes: splitList(v["ipc_codes"])}
	for _, d := range []struct {
		key string
		to  *date.Date
	}{{"filing_date", &in.FilingDate}, {"grant_date", &in.GrantDate}, {"fee_paid_until", &in.FeePaidUntil}} {
		x, ok := parseCellDate(v[d.key])
		if !ok {
			add(d.key, "invalid_date", "应为日期，如 2022-12-02 或 20221202")
		}
		*d.to = x
	}
	st, ok := parseStatus(v["legal_status"])
	if !ok {
		add("legal_status", "invalid", fmt.Sprintf("无法识别的法律状态“%s”", v["legal_status"]))
	}
	in.LegalStatus = st
	for _, c := range []struct {
		key string
		to  **int
	}{{"claims_count", &in.ClaimsCount}, {"forward_citations", &in.ForwardCitations}, {"family_size", &in.FamilySize}} {
		if v[c.key] == "" {
			continue
		}
		n, err := strconv.Atoi(v[c.key])
		if err != nil || n < 0 {
			add(c.key, "invalid", "应为不小于 0 的整数")
			continue
		}
		*c.to = &n
	}
	if b, ok := boolWords[strings.ToLower(v["government_funded"])]; ok {
		in.GovernmentFunded = b
	} else {
		add("government_funded", "invalid", "应填写“是”或“否”")
	}
	names := splitList(v["patentees"])
	if len(names) == 0 {
		names = splitList(v["applicants"])
	}
	for _, n := range names {
		in.Patentees = append(in.Patentees, Patentee{Name: n})
	}
	p, fe, err := s.validate(ctx, s.db, in)
	if err != nil {
		return p, false, err
	}
	for _, f := range fe {
		key := f.Field
		if strings.HasPrefix(key, "patentees") {
			key = "patentees"
		}
		add(key, f.Code, f.Message)
	}
	if tw := v["type"]; tw != "" && p.Type != "" {
		for word, types := range typeWords {
			if strings.HasPrefix(tw, word) && !containsType(types, p.Type) {
				add("type", "type_mismatch", fmt.Sprintf("专利类型“%s”与申请号的类型（%s）不符", tw, p.Type))
			}
		}
	}
	return p, !bad, nil
}

func containsType(ts []patent.Type, t patent.Type) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

type importRow struct {
	row int
	p   Patent
}

// Import validates every row of a patent table — the application number
// (any written form, check digit verified), title, dates, legal status,
// counts, patentees, and numbers repeated in the file — then, unless the
// mode is all-or-nothing and a row is invalid (422 import_rejected with
// the report), registers the valid rows as Register does (a number held
// already updates its record), importChunk rows to a transaction.
// progress (may be nil) hears the rows done so far. IP office only.
func (s *Service) Import(ctx context.Context, a audit.Actor, t *tabular.Table, mode tabular.Mode, progress func(int)) (tabular.Report, error) {
	if err := requireIPOffice(a); err != nil {
		return tabular.Report{}, err
	}
	if progress == nil {
		progress = func(int) {}
	}
	rep := tabular.NewReport(mode, len(t.Rows))
	rows := make([]importRow, 0, len(t.Rows))
	first := map[string]int{}
	for _, r := range t.Rows {
		p, ok, err := s.row(ctx, t, r, &rep)
		if err != nil {
			return rep, err
		}
		if p.ApplicationNumber != "" {
			if prev, dup := first[p.ApplicationNumber]; dup {
				rep.Add(t.RowError(r.Number, "application_number", "duplicate", fmt.Sprintf("与第 %d 行的申请号重复", prev)))
				ok = false
			} else {
				first[p.ApplicationNumber] = r.Number
			}
		}
		if ok {
			rows = append(rows, importRow{r.Number, p})
		}
	}
	if rep.Rejected() {
		return rep, tabular.ReportProblem(rep)
	}
	done := rep.Total - len(rows)
	progress(done)
	stmtCtx := context.WithoutCancel(ctx)
	for start := 0; start < len(rows); start += importChunk {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		chunk := rows[start:min(start+importChunk, len(rows))]
		err := s.db.InTx(stmtCtx, func(tx *sqlx.Tx) error {
			now := s.nowUTC()
			for _, r := range chunk {
				if _, _, err := s.registerTx(stmtCtx, tx, a, r.p, now); err != nil {
					return fmt.Errorf("row %d: %w", r.row, err)
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
		done += len(chunk)
		progress(done)
	}
	return rep, nil
}
