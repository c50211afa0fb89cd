package api

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/problem"
)

// Route is one API route with the roles allowed to call it. Every route
// is declared in one table (routes.go) so that the authorization matrix
// test can walk all of them: a route without roles fails that test.
type Route struct {
	Method  string
	Path    string // relative to /api/v1
	Roles   []string
	Public  bool // no token needed (login, refresh)
	Handler gin.HandlerFunc
}

// Role groups used in the route table.
var (
	everyone = []string{auth.RoleIPOffice, auth.RoleEconBureau, auth.RoleBank, auth.RoleEnterprise, auth.RoleUniversity, auth.RoleAdmin}
	admins   = []string{auth.RoleAdmin}
	auditors = []string{auth.RoleIPOffice, auth.RoleAdmin}
)

// requireRole refuses a role that may never call the route with 403, and
// records the refusal in the audit log.
func (s *Server) requireRole(roles []string) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := mustPrincipal(c)
		if !slices.Contains(roles, p.Role) {
			_ = s.audit.AppendAlone(c.Request.Context(), actor(c), audit.Entry{
				Action: "authz.forbidden", Outcome: audit.OutcomeDenied,
				Summary: map[string]any{"route": c.FullPath(), "method": c.Request.Method}})
			writeProblem(c, problem.Forbidden("the role %s may not %s %s", p.Role, c.Request.Method, c.FullPath()))
			return
		}
		c.Next()
	}
}

// Routes lists the API's routes (for tests and the OpenAPI comparison).
func (s *Server) Routes() []Route { return s.routes() }

// denyNotFound answers 404 for an object that belongs to another tenant
// (so its existence is not leaked) and records the attempt in the audit
// log: a refused authorization is evidence.
func (s *Server) denyNotFound(c *gin.Context, objectType string, objectID any) {
	_ = s.audit.AppendAlone(c.Request.Context(), actor(c), audit.Entry{
		Action: "authz.deny", ObjectType: objectType, ObjectID: fmt.Sprint(objectID), Outcome: audit.OutcomeDenied,
		Summary: map[string]any{"route": c.FullPath(), "method": c.Request.Method}})
	writeProblem(c, problem.NotFound(strings.ReplaceAll(objectType, "_", " ")))
}

// ownsOrg reports whether the caller may see objects of organisation
// orgID: its own members always, the IP office and admins everything
// listed in allRoles.
func ownsOrg(p auth.Principal, orgID int64, allRoles ...string) bool {
	return p.OrgID == orgID || slices.Contains(allRoles, p.Role)
}
