package whitelist_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/dbtest"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/platform/tabular"
	"github.com/ipledge/ipledge/whitelist"
)

// table reads CSV text against spec.
func table(t *testing.T, spec tabular.Spec, text string) *tabular.Table {
	t.Helper()
	tb, err := tabular.Read(strings.NewReader(text), "x.csv", spec)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return tb
}

const nomHeader = "统一社会信用代码,企业名称,所属行业,是否中小企业,专精特新级别,认定文号,认定日期,有效发明专利数\n"

func nomLine(c, name string, more ...string) string {
	cells := append([]string{c, name}, more...)
	for len(cells) < 8 {
		cells = append(cells, "")
	}
	return strings.Join(cells, ",") + "\n"
}

func countRows(t *testing.T, d *db.DB, query string) int {
	t.Helper()
	var n int
	if err := d.GetContext(context.Background(), &n, query); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportNominations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		f.nominate(t, code(9), 1) // already open
		good := nomLine(code(1), "甲科技有限公司", "制造业", "是", "省级", "晋民经认〔2026〕1号", "2026/2/1", "3") +
			nomLine(code(2), "乙科技有限公司", "", "否", "", "晋民经认〔2026〕2号", "2026-02-02", "0")
		bad := nomLine("91140100MA0000000X", "坏代码", "", "", "", "文号") + // row 4: check digit
			nomLine(code(1), "重复", "", "", "", "文号") + // row 5: repeats row 2
			nomLine(code(3), "", "", "也许", "市级", "文号", "2026-13-01", "-1") + // row 6: several cells
			nomLine(code(9), "已有推荐", "", "", "", "文号") + // row 7: open nomination
			nomLine(code(4), "无文号") // row 8: the bureau's document number is required
		tb := table(t, whitelist.NominationImportSpec(), nomHeader+good+bad)

		before := countRows(t, d, `SELECT count(*) FROM whitelist_nominations`)
		rep, err := f.svc.ImportNominations(ctx, bureau, "", tb, tabular.AllOrNothing, nil)
		if !problem.HasCode(err, "import_rejected") || !rep.Rejected() {
			t.Fatalf("all_or_nothing with bad rows: %v %+v", err, rep)
		}
		if n := countRows(t, d, `SELECT count(*) FROM whitelist_nominations`); n != before {
			t.Fatalf("a rejected import stored %d nominations", n-before)
		}
		if rep.Total != 7 || rep.Valid != 2 || rep.Invalid != 5 {
			t.Fatalf("report %+v", rep)
		}
		got := map[string]bool{}
		for _, e := range rep.Errors {
			got[fmt.Sprintf("%d %s %s", e.Row, e.Column, e.Code)] = true
		}
		for _, want := range []string{"4 统一社会信用代码 invalid_uscc", "5 统一社会信用代码 duplicate", "6 企业名称 required",
			"6 是否中小企业 invalid", "6 专精特新级别 invalid", "6 认定日期 invalid_date", "6 有效发明专利数 invalid",
			"7 统一社会信用代码 nomination_open", "8 认定文号 required"} {
			if !got[want] {
				t.Errorf("missing row error %q in %v", want, rep.Errors)
			}
		}

		var progress []int
		rep, err = f.svc.ImportNominations(ctx, bureau, "", tb, tabular.ValidRows, func(n int) { progress = append(progress, n) })
		if err != nil || rep.Valid != 2 || rep.Invalid != 5 {
			t.Fatalf("valid_rows: %v %+v", err, rep)
		}
		if len(progress) == 0 || progress[len(progress)-1] != 7 {
			t.Fatalf("progress %v, want to end at 7", progress)
		}
		for i, c := range []string{code(1), code(2)} {
			if s := status(t, f, c); s.Status != whitelist.StatusPending {
				t.Fatalf("%s: %s", c, s.Status)
			}
			e, err := f.svc.Enterprise(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 && (!e.IsSME || e.SRDILevel != whitelist.SRDIProvincial || e.ValidInventionPatents != 3 ||
				e.BureauRecognisedOn.String() != "2026-02-01" || e.Industry != "制造业") {
				t.Fatalf("enterprise %+v", e)
			}
		}
		// Audited and in the change feed, as Nominate does it.
		if n := countRows(t, d, `SELECT count(*) FROM audit_log WHERE action = 'whitelist.nominate'`); n != 3 {
			t.Fatalf("%d nominate audit entries, want 3", n)
		}
		ch, err := f.svc.Changes(ctx, page.Request{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		feed := map[string]whitelist.Status{}
		for _, c := range ch.Items {
			feed[c.USCC] = c.Status
		}
		if feed[code(1)] != whitelist.StatusPending || feed[code(2)] != whitelist.StatusPending {
			t.Fatalf("change feed %v", feed)
		}

		// The IP office's rows default to its own source; another file of
		// the same codes is refused row by row.
		tb = table(t, whitelist.NominationImportSpec(), "uscc,name,source\n"+code(5)+",丙公司,\n"+code(6)+",丁公司,园区\n"+code(7)+",戊公司,银行\n")
		rep, err = f.svc.ImportNominations(ctx, ipoffice, "", tb, tabular.ValidRows, nil)
		if err != nil || rep.Valid != 2 || len(rep.Errors) != 1 || rep.Errors[0].Column != "source" {
			t.Fatalf("ip office import: %v %+v", err, rep)
		}
		ns, err := f.svc.Nominations(ctx, page.Request{Limit: 100}, whitelist.NominationFilter{USCC: code(6)})
		if err != nil || len(ns.Items) != 1 || ns.Items[0].Source != whitelist.SourcePark {
			t.Fatalf("park nomination: %v %+v", err, ns.Items)
		}
	})
}

func TestImportNominationsHonoursTheExceptionList(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t))
	ctx := context.Background()
	odd := "91140100MA0000000X" // fails its check digit
	if _, err := f.svc.AddException(ctx, ipoffice, odd, "登记机关赋码有误，已核实"); err != nil {
		t.Fatal(err)
	}
	tb := table(t, whitelist.NominationImportSpec(), nomHeader+nomLine(odd, "例外企业", "", "", "", "文号"))
	rep, err := f.svc.ImportNominations(ctx, bureau, "", tb, tabular.AllOrNothing, nil)
	if err != nil || rep.Valid != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
}

func TestImportBatchEntriesAndExport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		for i := 1; i <= 4; i++ {
			patents := 1
			if i == 3 {
				patents = 0 // fails an overridable check
			}
			f.nominate(t, code(i), patents)
		}
		b, err := f.svc.CreateBatch(ctx, ipoffice, "2026年第1批")
		if err != nil {
			t.Fatal(err)
		}
		spec := whitelist.BatchEntryImportSpec()
		text := "序号,统一社会信用代码,企业名称,豁免理由\n" +
			"1," + code(1) + ",甲,\n" +
			"2," + code(2) + ",乙,\n" +
			"3," + code(3) + ",丙,\n" + // row 4: not eligible without a reason
			"4," + code(8) + ",无推荐,\n" + // row 5: no pending nomination
			"5," + code(2) + ",重复,\n" // row 6: duplicate
		rep, err := f.svc.ImportBatchEntries(ctx, ipoffice, b.ID, table(t, spec, text), tabular.AllOrNothing, nil)
		if !problem.HasCode(err, "import_rejected") || rep.Invalid != 3 {
			t.Fatalf("rejected: %v %+v", err, rep)
		}
		if got, _ := f.svc.Batch(ctx, b.ID); got.Entries != 0 {
			t.Fatalf("a rejected import added %d entries", got.Entries)
		}
		text = strings.Replace(text, code(3)+",丙,", code(3)+",丙,专利申请已受理，特批", 1)
		rep, err = f.svc.ImportBatchEntries(ctx, ipoffice, b.ID, table(t, spec, text), tabular.ValidRows, nil)
		if err != nil || rep.Valid != 3 || rep.Invalid != 2 {
			t.Fatalf("valid_rows: %v %+v", err, rep)
		}
		if got, _ := f.svc.Batch(ctx, b.ID); got.Entries != 3 {
			t.Fatalf("batch has %d entries, want 3", got.Entries)
		}
		if n := countRows(t, d, `SELECT count(*) FROM audit_log WHERE action = 'whitelist.accept'`); n != 3 {
			t.Fatalf("%d accept audit entries", n)
		}

		// Export of the batch (pending) and, once published, of the
		// active list.
		_, rows, err := f.svc.ExportBatch(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := tabular.WriteCSV(&buf, whitelist.ExportHeaders, rows); err != nil {
			t.Fatal(err)
		}
		recs := readCSV(t, buf.Bytes())
		if len(recs) != 4 || recs[1][0] != code(1) || recs[1][3] != "待生效" || recs[1][4] != "2026年第1批" || recs[1][2] != "山西省太原市" {
			t.Fatalf("batch export %v", recs)
		}
		if _, _, err := f.svc.ExportBatch(ctx, 999); !problem.HasCode(err, "not_found") {
			t.Fatalf("unknown batch: %v", err)
		}
		if _, err := f.svc.StartNotice(ctx, ipoffice, b.ID, f.svc.Today()); err != nil {
			t.Fatal(err)
		}
		f.clock.setDay("2026-03-16")
		if _, err := f.svc.Publish(ctx, ipoffice, b.ID, f.svc.Today(), f.svc.Today().AddDays(364)); err != nil {
			t.Fatal(err)
		}
		buf.Reset()
		if err := tabular.WriteXLSX(&buf, "有效白名单", whitelist.ExportHeaders, f.svc.ExportActive(ctx)); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		xr, err := x.GetRows("有效白名单")
		if err != nil {
			t.Fatal(err)
		}
		if len(xr) != 4 || xr[0][0] != "统一社会信用代码" || xr[3][0] != code(3) || xr[3][3] != "有效" || xr[3][5] != "2026-03-16" {
			t.Fatalf("active export %v", xr)
		}
	})
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("no BOM")
	}
	recs, err := csv.NewReader(io.MultiReader(bytes.NewReader(b[3:]))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}
