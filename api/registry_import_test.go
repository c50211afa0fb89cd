package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ipledge/ipledge/api"
	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/patent"
	"github.com/ipledge/ipledge/platform/tabular"
)

// regNumber is the n-th application number of the registry import tests:
// an invention filed in 2020, clear of the demo patents, check digit
// right.
func regNumber(n int) string {
	d := fmt.Sprintf("20201%07d", n)
	return d + "." + string(patent.CheckDigit(d))
}

// wrongCheck is regNumber(n) with a wrong check digit, and the right one.
func wrongCheck(n int) (string, string) {
	right := regNumber(n)
	digit := right[len(right)-1:]
	wrong := "0"
	if digit == "0" {
		wrong = "1"
	}
	return right[:len(right)-1] + wrong, digit
}

const regImportHeader = "申请号,专利名称,申请日,授权公告日,法律状态,权利要求数,被引证次数,年费缴至,当前权利人\r\n"

func regImportLine(number, title, filed, granted, status, claims, cites, feeUntil, holder string) string {
	return strings.Join([]string{number, title, filed, granted, status, claims, cites, feeUntil, holder}, ",") + "\r\n"
}

// rowErrors reads an import's row errors as "row column code" → message.
func rowErrors(t *testing.T, list any) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, e := range list.([]any) {
		m := e.(map[string]any)
		msg, _ := m["message"].(string)
		if msg == "" {
			t.Errorf("row error without a reason: %v", m)
		}
		got[fmt.Sprintf("%v %v %v", m["row"], m["column"], m["code"])] = msg
	}
	return got
}

func held(t *testing.T, env *apptest.Env, number string) bool {
	t.Helper()
	r := env.Do(t, http.MethodGet, patentPath(number), env.Login(t, "ipoffice"), nil)
	if r.Status == http.StatusNotFound {
		return false
	}
	r.WantStatus(t, http.StatusOK)
	return true
}

// Every kind of bad cell is reported with its row, its column as the file
// names it, a code and a reason; all_or_nothing stores nothing,
// valid_rows the good rows only.
func TestPatentImportBadRows(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ipo := env.Login(t, "ipoffice")
		path := v1 + "/patents/import"
		wrong, want := wrongCheck(8)
		file := []byte(regImportHeader +
			regImportLine(regNumber(1), "好的专利", "2020-03-01", "2021-05-06", "有权", "5", "0", "2026-12-31", "太原示范新材料科技有限公司") + // 2: good
			regImportLine(regNumber(2), "坏的申请日", "2020-13-45", "", "", "", "", "", "甲") + // 3
			regImportLine(regNumber(3), "负的权项数", "2020-03-01", "", "", "-1", "", "", "甲") + // 4
			regImportLine(regNumber(4), "非整数", "2020-03-01", "", "", "abc", "1.5", "", "甲") + // 5
			regImportLine(regNumber(5), "坏的状态", "2020-03-01", "", "睡眠中", "", "", "", "甲") + // 6
			regImportLine("abc", "坏的号码", "2020-03-01", "", "", "", "", "", "甲") + // 7
			regImportLine(wrong, "错的校验位", "2020-03-01", "", "", "", "", "", "甲") + // 8
			regImportLine(regNumber(9), "授权早于申请", "2020-03-01", "2019-01-01", "", "", "", "", "甲") + // 9
			regImportLine(regNumber(10), "年份不符", "2019-03-01", "", "", "", "", "", "甲") + // 10
			regImportLine(regNumber(11), "", "2020-03-01", "", "", "", "", "", "甲") + // 11
			regImportLine(regNumber(1), "重复", "2020-03-01", "", "", "", "", "", "甲") + // 12
			regImportLine(regNumber(13), "坏的年费日期", "2020-03-01", "", "", "", "", "明年", "甲") + // 13
			regImportLine(regNumber(14), "无权利人", "2020-03-01", "", "", "", "", "", "") + // 14
			regImportLine(regNumber(15), "英文状态", "2020-03-01", "2021-01-01", "fee_grace", "3", "", "20260301", "乙")) // 15: good
		csv := []string{"Content-Type", "text/csv"}

		p := env.Do(t, http.MethodPost, path, ipo, file, csv...).WantProblem(t, http.StatusUnprocessableEntity, "import_rejected")
		if p["total"] != float64(14) || p["invalid"] != float64(12) {
			t.Errorf("total %v, invalid %v", p["total"], p["invalid"])
		}
		got := rowErrors(t, p["row_errors"])
		for _, w := range []string{
			"3 申请日 invalid_date", "4 权利要求数 invalid", "5 权利要求数 invalid", "5 被引证次数 invalid", "6 法律状态 invalid",
			"7 申请号 invalid_patent_number", "8 申请号 invalid_patent_number", "9 授权公告日 before_filing", "10 申请日 mismatch",
			"11 专利名称 required", "12 申请号 duplicate", "13 年费缴至 invalid_date", "14 当前权利人 required",
		} {
			if _, ok := got[w]; !ok {
				t.Errorf("missing %q in %v", w, got)
			}
		}
		for k := range got {
			if strings.HasPrefix(k, "2 ") || strings.HasPrefix(k, "15 ") {
				t.Errorf("a good row reported: %s", k)
			}
		}
		if msg := got["8 申请号 invalid_patent_number"]; !strings.Contains(msg, "is "+want) {
			t.Errorf("the wrong check digit's message does not name the expected %s: %q", want, msg)
		}
		if held(t, env, regNumber(1)) || held(t, env, regNumber(15)) {
			t.Fatal("a rejected import stored a row")
		}

		r := env.Do(t, http.MethodPost, path+"?mode=valid_rows", ipo, file, csv...)
		r.WantStatus(t, http.StatusOK)
		var rep tabular.Report
		r.JSON(t, &rep)
		if rep.Total != 14 || rep.Valid != 2 || rep.Invalid != 12 || rep.Mode != tabular.ValidRows {
			t.Fatalf("valid_rows report %+v", rep)
		}
		m := env.Do(t, http.MethodGet, patentPath(regNumber(15)), ipo, nil).Map(t)
		if m["legal_status"] != "fee_grace" || m["claims_count"] != float64(3) || m["fee_paid_until"] != "2026-03-01" {
			t.Fatalf("row 15 stored as %v", m)
		}
		if !held(t, env, regNumber(1)) {
			t.Fatal("row 2 not stored")
		}
		for _, n := range []int{2, 3, 4, 5, 9, 10, 11, 13, 14} {
			if held(t, env, regNumber(n)) {
				t.Errorf("bad row of %s stored", regNumber(n))
			}
		}

		// XLSX: numeric cells, English headers; a fractional or negative
		// count is refused, as is a row with a bad date.
		x := xlsxBytes(t, [][]any{
			{"application_number", "title", "filing_date", "claims_count", "family_size", "patentees"},
			{regNumber(20), "表格好行", "2020-04-01", 7, 2, "甲"},
			{regNumber(21), "小数权项", "2020-04-01", 1.5, 2, "甲"},
			{regNumber(22), "负的同族", "2020-04-01", 3, -2, "甲"},
			{regNumber(23), "坏日期", "2020/02/30", 3, 1, "甲"},
		})
		p = env.Do(t, http.MethodPost, path, ipo, x, "Content-Type", api.XLSXType).WantProblem(t, http.StatusUnprocessableEntity, "import_rejected")
		got = rowErrors(t, p["row_errors"])
		for _, w := range []string{"3 claims_count invalid", "4 family_size invalid", "5 filing_date invalid_date"} {
			if _, ok := got[w]; !ok {
				t.Errorf("xlsx: missing %q in %v", w, got)
			}
		}
		if len(got) != 4 { // 5: invalid_date, and so the filing date is missing
			t.Errorf("xlsx: %v", got)
		}
		if held(t, env, regNumber(20)) {
			t.Fatal("a rejected xlsx import stored a row")
		}

		// Not a patent table; a bad mode.
		env.Do(t, http.MethodPost, path, ipo, []byte("申请号,专利名称\r\n"+regNumber(30)+",缺申请日\r\n"), csv...).WantProblem(t, http.StatusBadRequest, "invalid_header")
		env.Do(t, http.MethodPost, path, ipo, []byte(regImportHeader), csv...).WantProblem(t, http.StatusBadRequest, "empty_file")
		env.Do(t, http.MethodPost, path+"?mode=some", ipo, file, csv...).WantProblem(t, http.StatusBadRequest, "validation_failed")
	})
}

// An import of more than 5,000 rows runs as a background job whose
// progress GET /imports/{id} shows; its rows are registered.
func TestLargePatentImportRunsAsAJob(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ipo := env.Login(t, "ipoffice")
		const rows = tabular.BackgroundThreshold + 1
		var b strings.Builder
		b.WriteString("\uFEFF" + regImportHeader)
		for i := 0; i < rows; i++ {
			b.WriteString(regImportLine(regNumber(100_000+i), fmt.Sprintf("批量专利%05d", i), "2020-06-01", "", "", "", "", "",
				"太原示范新材料科技有限公司"))
		}
		body, ct := multipartFile(t, "专利.csv", []byte(b.String()))
		r := env.Do(t, http.MethodPost, v1+"/patents/import", ipo, body, "Content-Type", ct)
		r.WantStatus(t, http.StatusAccepted)
		var started struct {
			JobID  int64  `json:"job_id"`
			Total  int    `json:"total"`
			Status string `json:"status"`
		}
		r.JSON(t, &started)
		jobPath := fmt.Sprintf("%s/imports/%d", v1, started.JobID)
		if started.JobID == 0 || started.Total != rows || r.Header.Get("Location") != jobPath {
			t.Fatalf("202 %s, Location %q", r.Body, r.Header.Get("Location"))
		}
		var job tabular.Job
		last := -1
		deadline := time.Now().Add(120 * time.Second)
		for {
			r = env.Do(t, http.MethodGet, jobPath, ipo, nil)
			r.WantStatus(t, http.StatusOK)
			r.JSON(t, &job)
			if job.Total != rows || job.Done > job.Total || job.Done < last {
				t.Fatalf("progress %d / %d after %d", job.Done, job.Total, last)
			}
			last = job.Done
			if job.Status == tabular.JobDone || job.Status == tabular.JobFailed {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("job still %s at %d / %d", job.Status, job.Done, job.Total)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if job.Status != tabular.JobDone || job.Done != rows || job.Report == nil || job.Report.Valid != rows || job.Kind != "registry.patents" {
			t.Fatalf("job %+v", job)
		}
		if !held(t, env, regNumber(100_000)) || !held(t, env, regNumber(100_000+rows-1)) {
			t.Fatal("rows not stored")
		}
		// Another organisation's job is not found.
		env.Do(t, http.MethodGet, jobPath, env.Login(t, "bureau"), nil).WantProblem(t, http.StatusNotFound, "not_found")
	})
}
