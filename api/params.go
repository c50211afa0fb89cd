package api

import (
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/platform/problem"
)

// idParam parses a positive integer path parameter; anything else is a
// 404, since no object has that id.
func idParam(c *gin.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		writeProblem(c, problem.NotFound(name))
		return 0, false
	}
	return id, true
}

// pageParams parses ?limit= and ?cursor=.
func pageParams(c *gin.Context) (page.Request, bool) {
	r, err := page.Parse(c.Query("limit"), c.Query("cursor"))
	if err != nil {
		fail(c, err)
		return r, false
	}
	return r, true
}

// feedParams parses ?limit= and ?after= (change feeds).
func feedParams(c *gin.Context) (page.Request, bool) {
	r, err := page.Parse(c.Query("limit"), c.Query("after"))
	if err != nil {
		fail(c, err)
		return r, false
	}
	return r, true
}

// queryInt parses an optional non-negative integer query parameter.
func queryInt(c *gin.Context, name string) (int64, bool) {
	v := c.Query(name)
	if v == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		writeProblem(c, problem.Invalid(problem.Field(name, "invalid", name+" must be a whole number")))
		return 0, false
	}
	return n, true
}
