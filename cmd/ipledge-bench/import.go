package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/ipledge/ipledge/account"
	"github.com/ipledge/ipledge/app"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/tabular"
)

// importCSV builds a nominations file of n new enterprises (codes from
// first on) as Chinese Excel saves it: UTF-8 with BOM, CRLF.
func importCSV(first, n int) []byte {
	var b bytes.Buffer
	b.WriteString("\uFEFF统一社会信用代码,企业名称,所属行业,是否中小企业,专精特新级别,认定文号,认定日期,有效发明专利数\r\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%s,基准导入企业%06d有限公司,制造业,是,省级,晋民经认〔2026〕%d号,2026-01-15,%d\r\n",
			benchCode(first+i), i, i+1, i%5)
	}
	return b.Bytes()
}

// benchImport measures an import of rows nominations end to end through
// the API, as the bureau would run it: the upload, the 202, the
// background job and polling GET /imports/{id} until it is done.
func benchImport(ctx context.Context, a *app.App, client *http.Client, base string, first, rows int, mode tabular.Mode) error {
	sys := audit.System("bench")
	org, err := a.Accounts.CreateOrganisation(ctx, sys, account.NewOrganisation{Kind: account.KindEconBureau, Name: "基准测试民营经济发展局-" + string(mode)})
	if err != nil {
		return err
	}
	user := "bench-bureau-" + string(mode)
	if _, err := a.Accounts.CreateUser(ctx, sys, account.NewUser{OrgID: org.ID, Username: user,
		DisplayName: "基准", Password: "bench-password-2026"}); err != nil {
		return err
	}
	tok, err := login(client, base, user, "bench-password-2026")
	if err != nil {
		return err
	}
	body := importCSV(first, rows)

	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/whitelist/nominations/import?mode="+string(mode), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "text/csv")
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	var started struct {
		JobID int64 `json:"job_id"`
	}
	err = json.NewDecoder(res.Body).Decode(&started)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusAccepted {
		return fmt.Errorf("import answered %d (%v)", res.StatusCode, err)
	}
	accepted := time.Since(start)
	var job tabular.Job
	for {
		time.Sleep(50 * time.Millisecond)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/api/v1/imports/%d", base, started.JobID), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if err := json.Unmarshal(b, &job); err != nil || res.StatusCode != http.StatusOK {
			return fmt.Errorf("job answered %d: %s", res.StatusCode, b)
		}
		if job.Status == tabular.JobDone || job.Status == tabular.JobFailed {
			break
		}
	}
	took := time.Since(start)
	if job.Status != tabular.JobDone || job.Report == nil || job.Report.Valid != rows {
		return fmt.Errorf("import job ended %s (%s), report %+v", job.Status, job.Error, job.Report)
	}
	fmt.Printf("POST /whitelist/nominations/import %d rows (%.1f MB CSV, %s): 202 after %s, done in %s (%.0f rows/s)\n",
		rows, float64(len(body))/(1<<20), mode, accepted.Round(time.Millisecond), took.Round(time.Millisecond), float64(rows)/took.Seconds())
	return nil
}
