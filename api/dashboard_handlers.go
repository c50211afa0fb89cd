package api

import (
	"bytes"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ipledge/ipledge/dashboard"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/problem"
)

// dashboardViewers see the dashboard; only the IP office sets targets.
var (
	dashboardViewers = dashboard.Viewers
	targetEditors    = []string{auth.RoleIPOffice}
)

// targetChange is the body of PUT /dashboard/targets/{key}.
type targetChange struct {
	Value *int64 `json:"value"`
	Note  string `json:"note"`
}

func (s *Server) getDashboard(c *gin.Context) {
	d, err := s.dashboard.Load(c.Request.Context())
	respond(c, http.StatusOK, d, err)
}

func (s *Server) putDashboardTarget(c *gin.Context) {
	key := c.Param("key")
	known := false
	for _, k := range dashboard.TargetKeys() {
		known = known || k == key
	}
	if !known {
		fail(c, problem.NotFound("target"))
		return
	}
	req, ok := bind[targetChange](c)
	if !ok {
		return
	}
	if req.Value == nil {
		fail(c, problem.Invalid(problem.Field("value", "required", "value is required (an integer: fen for amounts, else a count)")))
		return
	}
	t, err := s.dashboard.SetTarget(c.Request.Context(), actor(c), key, dashboard.TargetInput{Value: *req.Value, Note: req.Note})
	respond(c, http.StatusOK, t, err)
}

func (s *Server) exportDashboard(c *gin.Context) {
	d, err := s.dashboard.Load(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	chart := c.Query("chart")
	var buf bytes.Buffer
	if err := dashboard.WriteXLSX(&buf, d, chart); err != nil {
		fail(c, err)
		return
	}
	name, ascii := "数据看板", "dashboard"
	if chart != "" {
		name, ascii = "数据看板-"+d.Chart(chart).Title, "dashboard-"+chart
	}
	on := date.Of(d.AsOf).String()
	c.Header("Content-Disposition", contentDisposition(ascii+"-"+on+".xlsx", name+"-"+on+".xlsx"))
	c.Data(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
}
