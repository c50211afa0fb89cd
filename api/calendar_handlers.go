package api

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/ipledge/ipledge/calendar"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/problem"
)

// calendarEditors enter the yearly holiday schedule.
var calendarEditors = []string{auth.RoleIPOffice}

// calendarYearBody is the body of PUT /calendar/{year}: the whole year's
// entries, which replace the stored ones. Dates are read as strings so
// that a malformed one is reported as a field error.
type calendarYearBody struct {
	Provisional bool                `json:"provisional"`
	Entries     []calendarEntryBody `json:"entries"`
}

type calendarEntryBody struct {
	Date string `json:"date"`
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// yearParam parses the {year} path parameter; anything but a whole
// number is a 404.
func yearParam(c *gin.Context) (int, bool) {
	y, err := strconv.Atoi(c.Param("year"))
	if err != nil || y <= 0 {
		writeProblem(c, problem.NotFound("calendar year"))
		return 0, false
	}
	return y, true
}

func (s *Server) getCalendarYear(c *gin.Context) {
	y, ok := yearParam(c)
	if !ok {
		return
	}
	out, err := s.calendar.Year(c.Request.Context(), y)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) putCalendarYear(c *gin.Context) {
	y, ok := yearParam(c)
	if !ok {
		return
	}
	req, ok := bind[calendarYearBody](c)
	if !ok {
		return
	}
	if req.Entries == nil {
		fail(c, problem.Invalid(problem.Field("entries", "required", "entries is required (an empty list clears the year)")))
		return
	}
	var fe []problem.FieldError
	entries := make([]calendar.Entry, len(req.Entries))
	for i, e := range req.Entries {
		entries[i] = calendar.Entry{Kind: calendar.Kind(e.Kind), Name: e.Name}
		if e.Date == "" {
			continue // the service reports it as required
		}
		d, err := date.Parse(e.Date)
		if err != nil {
			fe = append(fe, problem.Field(fmt.Sprintf("entries[%d].date", i), "invalid", "the date must be in the form YYYY-MM-DD"))
			continue
		}
		entries[i].Date = d
	}
	if len(fe) > 0 {
		fail(c, problem.Invalid(fe...))
		return
	}
	out, err := s.calendar.SetYear(c.Request.Context(), actor(c), y, entries, req.Provisional)
	respond(c, http.StatusOK, out, err)
}
