package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/settings"
)

// settingsEditors may call PUT /settings/{key}; the settings service
// decides which keys each may change (the IP office platform-wide values,
// a bank its own values of bank-scoped keys).
var settingsEditors = []string{auth.RoleIPOffice, auth.RoleBank}

// settingChange is the body of PUT /settings/{key}. The date is read as a
// string so that a malformed one is reported as a field error.
type settingChange struct {
	Value       *string `json:"value"`
	EffectiveOn string  `json:"effective_on"`
}

func (s *Server) listSettings(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	vs, err := s.settings.List(c.Request.Context(), actor(c))
	if err != nil {
		fail(c, err)
		return
	}
	// The settings are a short list sorted by key; the cursor is a
	// position in it.
	start := min(int(r.After), len(vs))
	end := min(start+r.Limit, len(vs))
	p := page.Page[settings.View]{Items: vs[start:end]}
	if end < len(vs) {
		p.NextCursor = page.Encode(int64(end))
	}
	c.JSON(http.StatusOK, p)
}

func (s *Server) settingHistory(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	p, err := s.settings.History(c.Request.Context(), actor(c), c.Param("key"), r)
	respond(c, http.StatusOK, p, err)
}

func (s *Server) putSetting(c *gin.Context) {
	key := c.Param("key")
	if _, ok := s.settings.Lookup(key); !ok {
		fail(c, problem.NotFound("setting"))
		return
	}
	req, ok := bind[settingChange](c)
	if !ok {
		return
	}
	var fe []problem.FieldError
	if req.Value == nil {
		fe = append(fe, problem.Field("value", "required", "value is required (a string, e.g. \"3.45\")"))
	}
	var on date.Date
	if req.EffectiveOn != "" {
		var err error
		if on, err = date.Parse(req.EffectiveOn); err != nil {
			fe = append(fe, problem.Field("effective_on", "invalid", "effective_on must be a date in the form YYYY-MM-DD"))
		}
	}
	if len(fe) > 0 {
		fail(c, problem.Invalid(fe...))
		return
	}
	v, err := s.settings.Set(c.Request.Context(), actor(c), key, *req.Value, on)
	respond(c, http.StatusOK, v, err)
}
