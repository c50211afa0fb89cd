package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/ipledge/ipledge/api"
	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/platform/config"
	"github.com/ipledge/ipledge/platform/tabular"
	"github.com/ipledge/ipledge/uscc"
)

// importCode is the n-th code of the import tests (valid, in Taiyuan,
// clear of the demo firms).
func importCode(n int) string {
	first := fmt.Sprintf("91140100MB%07d", n)
	return first + string(uscc.CheckCharacter(first))
}

const importHeader = "统一社会信用代码,企业名称,所属行业,是否中小企业,专精特新级别,认定文号,认定日期,有效发明专利数\r\n"

func importLine(code, name string) string {
	return code + "," + name + ",制造业,是,省级,晋民经认〔2026〕8号,2026-01-15,2\r\n"
}

// multipartFile wraps a file as the field "file" of a form.
func multipartFile(t *testing.T, filename string, data []byte) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, err := w.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	w.Close()
	return b.Bytes(), w.FormDataContentType()
}

func xlsxBytes(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// nominated reports whether the code has an open nomination (its status
// is pending).
func nominated(t *testing.T, env *apptest.Env, code string) bool {
	t.Helper()
	r := env.Do(t, http.MethodGet, v1+"/whitelist/"+code, env.Login(t, "ipoffice"), nil)
	r.WantStatus(t, http.StatusOK)
	return r.Map(t)["status"] == "pending"
}

func TestNominationImport(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bureau := env.Login(t, "bureau")
		path := v1 + "/whitelist/nominations/import"

		// UTF-8 with BOM, as a multipart upload.
		body, ct := multipartFile(t, "推荐名单.csv", []byte("\uFEFF"+importHeader+importLine(importCode(1), "甲公司")+importLine(importCode(2), "乙公司")))
		r := env.Do(t, http.MethodPost, path, bureau, body, "Content-Type", ct)
		r.WantStatus(t, http.StatusOK)
		var rep tabular.Report
		r.JSON(t, &rep)
		if rep.Total != 2 || rep.Valid != 2 || rep.Invalid != 0 || rep.Mode != tabular.AllOrNothing {
			t.Fatalf("report %+v", rep)
		}
		// GB18030, as the raw body.
		gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(importHeader + importLine(importCode(3), "丙公司")))
		if err != nil {
			t.Fatal(err)
		}
		r = env.Do(t, http.MethodPost, path, bureau, gb, "Content-Type", "text/csv")
		r.WantStatus(t, http.StatusOK)
		// XLSX, raw, English headers.
		x := xlsxBytes(t, [][]any{{"uscc", "name", "bureau_doc_no", "valid_invention_patents"}, {importCode(4), "丁公司", "晋民经认〔2026〕9号", 3}})
		r = env.Do(t, http.MethodPost, path, bureau, x, "Content-Type", api.XLSXType)
		r.WantStatus(t, http.StatusOK)
		for i := 1; i <= 4; i++ {
			if !nominated(t, env, importCode(i)) {
				t.Fatalf("code %d: not nominated", i)
			}
		}

		// Files that are not a table: one problem each.
		for _, tc := range []struct {
			name string
			data []byte
			code string
		}{
			{"wrong headers", []byte("代码,名称\r\n" + importCode(5) + ",戊公司\r\n"), "invalid_header"},
			{"empty", []byte(""), "empty_file"},
			{"header only", []byte(importHeader), "empty_file"},
			{"undecodable", []byte("统一社会信用代码,企业名称\nA,\xd6\xd0\xce\xc4\nB,\xff\xfe\xfd\n"), "undecodable_file"},
		} {
			r = env.Do(t, http.MethodPost, path, bureau, tc.data, "Content-Type", "text/csv")
			if p := r.WantProblem(t, http.StatusBadRequest, tc.code); p["detail"] == "" {
				t.Errorf("%s: no detail", tc.name)
			}
		}
		r = env.Do(t, http.MethodPost, path, bureau, `{"uscc":"x"}`)
		r.WantProblem(t, http.StatusUnsupportedMediaType, "unsupported_format")
		r = env.Do(t, http.MethodPost, path+"?mode=some", bureau, []byte(importHeader+importLine(importCode(5), "戊")), "Content-Type", "text/csv")
		r.WantProblem(t, http.StatusBadRequest, "validation_failed")

		// Bad rows: listed with row, column and reason; all_or_nothing
		// stores nothing, valid_rows the good ones.
		bad := []byte(importHeader +
			importLine(importCode(6), "己公司") + // row 2: good
			importLine("91140100MB0000000X", "坏代码") + // row 3
			importLine(importCode(1), "已有推荐") + // row 4: open nomination
			importLine(importCode(6), "重复") + // row 5: repeats row 2
			importCode(7) + ",,制造业,也许,,文号,2026-02-30,x\r\n") // row 6
		r = env.Do(t, http.MethodPost, path, bureau, bad, "Content-Type", "text/csv")
		p := r.WantProblem(t, http.StatusUnprocessableEntity, "import_rejected")
		got := map[string]bool{}
		for _, e := range p["row_errors"].([]any) {
			m := e.(map[string]any)
			got[fmt.Sprintf("%v %v %v", m["row"], m["column"], m["code"])] = true
			if m["message"] == "" {
				t.Errorf("row error without a reason: %v", m)
			}
		}
		for _, want := range []string{"3 统一社会信用代码 invalid_uscc", "4 统一社会信用代码 nomination_open", "5 统一社会信用代码 duplicate",
			"6 企业名称 required", "6 是否中小企业 invalid", "6 认定日期 invalid_date", "6 有效发明专利数 invalid"} {
			if !got[want] {
				t.Errorf("missing %q in %v", want, p["row_errors"])
			}
		}
		if p["total"] != float64(5) || p["invalid"] != float64(4) {
			t.Errorf("problem %v", p)
		}
		if nominated(t, env, importCode(6)) {
			t.Fatalf("a rejected import stored the good row")
		}
		r = env.Do(t, http.MethodPost, path+"?mode=valid_rows", bureau, bad, "Content-Type", "text/csv")
		r.WantStatus(t, http.StatusOK)
		r.JSON(t, &rep)
		if rep.Valid != 1 || rep.Invalid != 4 || len(rep.Errors) != 7 || rep.Mode != tabular.ValidRows {
			t.Fatalf("valid_rows report %+v", rep)
		}
		if !nominated(t, env, importCode(6)) {
			t.Fatalf("valid_rows did not store the good row")
		}

		// Roles.
		for _, u := range []string{"bank-a", "ent-a", "tto-a", "admin"} {
			r = env.Do(t, http.MethodPost, path, env.Login(t, u), []byte(importHeader+importLine(importCode(8), "庚")), "Content-Type", "text/csv")
			r.WantProblem(t, http.StatusForbidden, "forbidden")
		}
	})
}

func TestNominationImportUploadLimit(t *testing.T) {
	env := apptest.New(t, apptest.WithConfig(func(c *config.Config) { c.MaxUploadBytes = 1000 }))
	data := []byte(importHeader + strings.Repeat(importLine(importCode(1), "甲公司"), 20))
	r := env.Do(t, http.MethodPost, v1+"/whitelist/nominations/import", env.Login(t, "bureau"), data, "Content-Type", "text/csv")
	r.WantProblem(t, http.StatusRequestEntityTooLarge, "payload_too_large")
}

func TestLargeImportRunsAsAJob(t *testing.T) {
	env := apptest.New(t)
	bureau := env.Login(t, "bureau")
	var b strings.Builder
	b.WriteString("\uFEFF" + importHeader)
	const rows = tabular.BackgroundThreshold + 1
	for i := 0; i < rows; i++ {
		b.WriteString(importLine(importCode(100_000+i), fmt.Sprintf("批量企业%05d", i)))
	}
	body, ct := multipartFile(t, "big.csv", []byte(b.String()))
	r := env.Do(t, http.MethodPost, v1+"/whitelist/nominations/import?mode=valid_rows", bureau, body, "Content-Type", ct)
	r.WantStatus(t, http.StatusAccepted)
	var started struct {
		JobID int64  `json:"job_id"`
		Total int    `json:"total"`
		Stat  string `json:"status"`
	}
	r.JSON(t, &started)
	if started.JobID == 0 || started.Total != rows || r.Header.Get("Location") != fmt.Sprintf("%s/imports/%d", v1, started.JobID) {
		t.Fatalf("202 %s, Location %q", r.Body, r.Header.Get("Location"))
	}
	jobPath := fmt.Sprintf("%s/imports/%d", v1, started.JobID)
	var job tabular.Job
	deadline := time.Now().Add(60 * time.Second)
	for {
		r = env.Do(t, http.MethodGet, jobPath, bureau, nil)
		r.WantStatus(t, http.StatusOK)
		r.JSON(t, &job)
		if job.Total != rows || job.Done > job.Total {
			t.Fatalf("progress %d / %d", job.Done, job.Total)
		}
		if job.Status == tabular.JobDone || job.Status == tabular.JobFailed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job still %s at %d / %d", job.Status, job.Done, job.Total)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if job.Status != tabular.JobDone || job.Done != rows || job.Report == nil || job.Report.Valid != rows || job.Kind != "whitelist.nominations" {
		t.Fatalf("job %+v", job)
	}
	if !nominated(t, env, importCode(100_000+rows-1)) {
		t.Fatal("the last row was not stored")
	}
	// Another organisation's job is not found, even for the IP office.
	env.Do(t, http.MethodGet, jobPath, env.Login(t, "ipoffice"), nil).WantProblem(t, http.StatusNotFound, "not_found")
	env.Do(t, http.MethodGet, jobPath, env.Login(t, "bank-a"), nil).WantProblem(t, http.StatusNotFound, "not_found")
	env.Do(t, http.MethodGet, v1+"/imports/999999", bureau, nil).WantProblem(t, http.StatusNotFound, "not_found")
}

// exportCSV downloads a CSV export and parses it back.
func exportCSV(t *testing.T, env *apptest.Env, token, path string) ([][]string, *apptest.Response) {
	t.Helper()
	r := env.Do(t, http.MethodGet, path+"?format=csv", token, nil)
	r.WantStatus(t, http.StatusOK)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !bytes.HasPrefix(r.Body, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("%s: Content-Type %q, BOM %v", path, r.Header.Get("Content-Type"), bytes.HasPrefix(r.Body, []byte("\xEF\xBB\xBF")))
	}
	recs, err := csv.NewReader(bytes.NewReader(r.Body[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs, r
}

func TestBatchEntriesImportAndExports(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ipo := env.Login(t, "ipoffice")
		var lines strings.Builder
		lines.WriteString(importHeader)
		for i := 1; i <= 3; i++ {
			lines.WriteString(importLine(importCode(i), fmt.Sprintf("导出企业%d", i)))
		}
		env.Do(t, http.MethodPost, v1+"/whitelist/nominations/import", ipo, []byte(lines.String()), "Content-Type", "text/csv").WantStatus(t, http.StatusOK)
		r := env.Do(t, http.MethodPost, v1+"/whitelist/batches", ipo, map[string]any{"name": "2026年第7批"})
		r.WantStatus(t, http.StatusCreated)
		var batch struct{ ID int64 }
		r.JSON(t, &batch)
		path := fmt.Sprintf("%s/whitelist/batches/%d/entries/import", v1, batch.ID)

		entries := "序号,统一社会信用代码,企业名称\r\n1," + importCode(1) + ",导出企业1\r\n2," + importCode(2) + ",导出企业2\r\n3," + importCode(9) + ",没有推荐\r\n"
		r = env.Do(t, http.MethodPost, path, ipo, []byte(entries), "Content-Type", "text/csv")
		p := r.WantProblem(t, http.StatusUnprocessableEntity, "import_rejected")
		if errs := p["row_errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["row"] != float64(4) || errs[0].(map[string]any)["code"] != "no_pending_nomination" {
			t.Fatalf("row errors %v", errs)
		}
		x := xlsxBytes(t, [][]any{{"统一社会信用代码", "豁免理由"}, {importCode(1), ""}, {importCode(2), ""}, {importCode(3), ""}})
		body, ct := multipartFile(t, "入选名单.xlsx", x)
		r = env.Do(t, http.MethodPost, path, ipo, body, "Content-Type", ct)
		r.WantStatus(t, http.StatusOK)
		var rep tabular.Report
		r.JSON(t, &rep)
		if rep.Valid != 3 {
			t.Fatalf("report %+v", rep)
		}
		env.Do(t, http.MethodPost, path, env.Login(t, "bureau"), x, "Content-Type", api.XLSXType).WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodPost, v1+"/whitelist/batches/999999/entries/import", ipo, x, "Content-Type", api.XLSXType).WantProblem(t, http.StatusNotFound, "not_found")

		// The batch export, CSV and XLSX, matches the entries.
		exportPath := fmt.Sprintf("%s/whitelist/batches/%d/export", v1, batch.ID)
		recs, r := exportCSV(t, env, env.Login(t, "bank-a"), exportPath)
		if len(recs) != 4 || strings.Join(recs[0][:7], ",") != "统一社会信用代码,企业名称,所属地区,状态,批次,生效日期,有效期至" {
			t.Fatalf("export %v", recs)
		}
		for i, rec := range recs[1:] {
			if rec[0] != importCode(i+1) || rec[1] != fmt.Sprintf("导出企业%d", i+1) || rec[2] != "山西省太原市" || rec[3] != "待生效" || rec[4] != "2026年第7批" {
				t.Fatalf("row %d: %v", i+1, rec)
			}
		}
		cd := r.Header.Get("Content-Disposition")
		if !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=UTF-8''"+url.PathEscape("白名单-2026年第7批")+".csv") {
			t.Fatalf("Content-Disposition %q", cd)
		}
		r = env.Do(t, http.MethodGet, exportPath, env.Login(t, "bureau"), nil)
		r.WantStatus(t, http.StatusOK)
		if r.Header.Get("Content-Type") != api.XLSXType {
			t.Fatalf("Content-Type %q", r.Header.Get("Content-Type"))
		}
		f, err := excelize.OpenReader(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		xr, err := f.GetRows(f.GetSheetName(0))
		f.Close()
		if err != nil || len(xr) != 4 || xr[0][0] != "统一社会信用代码" || xr[3][0] != importCode(3) || xr[3][3] != "待生效" {
			t.Fatalf("xlsx %v %v", xr, err)
		}
		env.Do(t, http.MethodGet, exportPath+"?format=pdf", ipo, nil).WantProblem(t, http.StatusBadRequest, "validation_failed")
		env.Do(t, http.MethodGet, exportPath, env.Login(t, "ent-a"), nil).WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodGet, v1+"/whitelist/batches/999999/export", ipo, nil).WantProblem(t, http.StatusNotFound, "not_found")

		// The active list holds exactly the active firms (the demo's).
		recs, _ = exportCSV(t, env, ipo, v1+"/whitelist/active/export")
		if len(recs) < 2 {
			t.Fatalf("active export %v", recs)
		}
		for _, rec := range recs[1:] {
			if rec[3] != "有效" {
				t.Fatalf("active export lists %v", rec)
			}
			r := env.Do(t, http.MethodGet, v1+"/whitelist/"+rec[0], ipo, nil)
			r.WantStatus(t, http.StatusOK)
			if s := r.Map(t)["status"]; s != "active" {
				t.Fatalf("%s is %v", rec[0], s)
			}
		}
		r = env.Do(t, http.MethodGet, v1+"/whitelist/active/export?format=xlsx", env.Login(t, "bank-a"), nil)
		r.WantStatus(t, http.StatusOK)
		if !strings.Contains(r.Header.Get("Content-Disposition"), "filename*=UTF-8''"+url.PathEscape("有效白名单-")) {
			t.Fatalf("Content-Disposition %q", r.Header.Get("Content-Disposition"))
		}
	})
}
