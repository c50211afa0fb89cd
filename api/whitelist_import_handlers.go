package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/platform/tabular"
	"github.com/ipledge/ipledge/whitelist"
)

// XLSXType is the media type of an Excel workbook.
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// Role groups of the import and export routes.
var (
	// nominationImporters import nominations in bulk (the bureau and the
	// IP office; enterprises nominate themselves one at a time).
	nominationImporters = []string{auth.RoleEconBureau, auth.RoleIPOffice}
	// whitelistExporters download batches and the active list.
	whitelistExporters = []string{auth.RoleIPOffice, auth.RoleEconBureau, auth.RoleBank}
)

// readUpload reads the uploaded table: a multipart form's field "file", or
// the raw body as text/csv, the XLSX type or application/octet-stream
// (the format is then told by the content). The body is bounded by the
// upload limit (413).
func (s *Server) readUpload(c *gin.Context, spec tabular.Spec) (*tabular.Table, error) {
	spec.MaxFileBytes = s.maxUpload
	body := http.MaxBytesReader(c.Writer, c.Request.Body, s.maxUpload)
	mt, params, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil && c.GetHeader("Content-Type") != "" {
		return nil, unsupportedUpload()
	}
	var t *tabular.Table
	switch mt {
	case "multipart/form-data":
		if params["boundary"] == "" {
			return nil, problem.BadRequest("malformed_file", "the multipart body has no boundary")
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil, problem.Invalid(problem.Field("file", "required", "the form has no field \"file\" holding the CSV or XLSX file"))
			}
			if err != nil {
				return nil, uploadError(err)
			}
			if part.FormName() != "file" {
				continue
			}
			t, err = tabular.Read(part, part.FileName(), spec)
			if err != nil {
				return nil, uploadError(err)
			}
			return t, nil
		}
	case "text/csv", "application/csv":
		t, err = tabular.Read(body, "upload.csv", spec)
	case XLSXType:
		t, err = tabular.Read(body, "upload.xlsx", spec)
	case "application/octet-stream", "":
		t, err = tabular.Read(body, "", spec)
	default:
		return nil, unsupportedUpload()
	}
	if err != nil {
		return nil, uploadError(err)
	}
	return t, nil
}

func unsupportedUpload() error {
	return &problem.Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_format",
		Title:  http.StatusText(http.StatusUnsupportedMediaType),
		Detail: "send the file as multipart/form-data (field \"file\"), or as the body with Content-Type text/csv or " + XLSXType}
}

// uploadError turns a failed read of the body into its problem: too large
// is 413; the file's own problems pass as they are.
func uploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return problem.TooLarge("the upload is larger than %d bytes", mbe.Limit)
	}
	if _, ok := problem.As(err); ok {
		return err
	}
	if strings.Contains(err.Error(), "multipart") {
		return problem.BadRequest("malformed_file", "the multipart body is malformed")
	}
	return err
}

// importFunc runs an import; progress may be nil.
type importFunc func(ctx context.Context, progress func(int)) (tabular.Report, error)

// runImport runs a small import in the request (200 with the report, or
// 422 import_rejected) and a large one as a background job (202 with its
// id; GET /imports/{id} follows it).
func (s *Server) runImport(c *gin.Context, kind string, total int, fn importFunc) {
	if total <= tabular.BackgroundThreshold {
		rep, err := fn(c.Request.Context(), nil)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, rep)
		return
	}
	id, err := s.jobs.Start(c.Request.Context(), actor(c), kind, total, func(ctx context.Context, progress func(int)) (tabular.Report, error) {
		rep, err := fn(ctx, progress)
		if err != nil && rep.Rejected() && problem.HasCode(err, "import_rejected") {
			return rep, nil // done: the report says it was rejected
		}
		return rep, err
	})
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/imports/"+strconv.FormatInt(id, 10))
	c.JSON(http.StatusAccepted, gin.H{"job_id": id, "status": tabular.JobQueued, "total": total})
}

func (s *Server) importNominations(c *gin.Context) {
	mode, err := tabular.ParseMode(c.Query("mode"))
	if err != nil {
		fail(c, err)
		return
	}
	t, err := s.readUpload(c, whitelist.NominationImportSpec())
	if err != nil {
		fail(c, err)
		return
	}
	a := actor(c)
	s.runImport(c, whitelist.ImportKindNominations, len(t.Rows), func(ctx context.Context, progress func(int)) (tabular.Report, error) {
		return s.whitelist.ImportNominations(ctx, a, "", t, mode, progress)
	})
}

func (s *Server) importBatchEntries(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	mode, err := tabular.ParseMode(c.Query("mode"))
	if err != nil {
		fail(c, err)
		return
	}
	if _, err := s.whitelist.ImportableBatch(c.Request.Context(), id); err != nil {
		fail(c, err)
		return
	}
	t, err := s.readUpload(c, whitelist.BatchEntryImportSpec())
	if err != nil {
		fail(c, err)
		return
	}
	a := actor(c)
	s.runImport(c, whitelist.ImportKindBatchEntries, len(t.Rows), func(ctx context.Context, progress func(int)) (tabular.Report, error) {
		return s.whitelist.ImportBatchEntries(ctx, a, id, t, mode, progress)
	})
}

// getImport shows a background import to its own organisation (404 to
// anyone else, audited).
func (s *Server) getImport(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	j, err := s.jobs.Get(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	if j.OrgID != mustPrincipal(c).OrgID {
		s.denyNotFound(c, "import_job", id)
		return
	}
	c.JSON(http.StatusOK, j)
}

// exportFormat parses ?format= (csv or xlsx, default xlsx).
func exportFormat(c *gin.Context) (string, bool) {
	switch f := strings.ToLower(c.DefaultQuery("format", "xlsx")); f {
	case "csv", "xlsx":
		return f, true
	}
	fail(c, problem.Invalid(problem.Field("format", "invalid", "format must be csv or xlsx")))
	return "", false
}

func (s *Server) exportBatch(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	format, ok := exportFormat(c)
	if !ok {
		return
	}
	b, rows, err := s.whitelist.ExportBatch(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	writeExport(c, format, fmt.Sprintf("whitelist-batch-%d", b.ID), "白名单-"+b.Name, b.Name, rows)
}

func (s *Server) exportActive(c *gin.Context) {
	format, ok := exportFormat(c)
	if !ok {
		return
	}
	day := s.whitelist.Today().String()
	writeExport(c, format, "whitelist-active-"+day, "有效白名单-"+day, "有效白名单", s.whitelist.ExportActive(c.Request.Context()))
}

// writeExport streams rows as an attachment. The status line is gone once
// the first bytes are: a failure midway is logged and the connection
// aborted, so the client sees a broken download, never a short file.
func writeExport(c *gin.Context, format, asciiName, name, sheet string, rows tabular.RowSource) {
	c.Header("Content-Disposition", contentDisposition(asciiName+"."+format, name+"."+format))
	var err error
	if format == "csv" {
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Status(http.StatusOK)
		err = tabular.WriteCSV(c.Writer, whitelist.ExportHeaders, rows)
	} else {
		c.Header("Content-Type", XLSXType)
		c.Status(http.StatusOK)
		err = tabular.WriteXLSX(c.Writer, sheet, whitelist.ExportHeaders, rows)
	}
	if err != nil {
		logger(c).Error("export failed midway", "err", err)
		panic(http.ErrAbortHandler)
	}
}

// contentDisposition names an attachment for every browser: an ASCII
// filename and the real one as an RFC 5987 filename*.
func contentDisposition(ascii, name string) string {
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, rfc5987(name))
}

// rfc5987 percent-encodes all but RFC 5987's attr-char.
func rfc5987(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("!#$&+-.^_`|~", c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
