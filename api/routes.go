package api

import "net/http"

// routes is the API's route table: method, path, roles, handler.
func (s *Server) routes() []Route {
	return []Route{
		{Method: http.MethodPost, Path: "/auth/login", Public: true, Handler: s.login},
		{Method: http.MethodPost, Path: "/auth/refresh", Public: true, Handler: s.refresh},
		{Method: http.MethodPost, Path: "/auth/logout", Roles: everyone, Handler: s.logout},
		{Method: http.MethodGet, Path: "/me", Roles: everyone, Handler: s.me},
		{Method: http.MethodPost, Path: "/me/password", Roles: everyone, Handler: s.changePassword},

		{Method: http.MethodGet, Path: "/organisations", Roles: everyone, Handler: s.listOrganisations},
		{Method: http.MethodPost, Path: "/organisations", Roles: admins, Handler: s.createOrganisation},
		{Method: http.MethodGet, Path: "/organisations/:id", Roles: everyone, Handler: s.getOrganisation},
		{Method: http.MethodGet, Path: "/users", Roles: admins, Handler: s.listUsers},
		{Method: http.MethodPost, Path: "/users", Roles: admins, Handler: s.createUser},
		{Method: http.MethodGet, Path: "/users/:id", Roles: admins, Handler: s.getUser},
		{Method: http.MethodPost, Path: "/users/:id/deactivate", Roles: admins, Handler: s.deactivateUser},

		{Method: http.MethodGet, Path: "/audit", Roles: auditors, Handler: s.listAudit},
		{Method: http.MethodGet, Path: "/audit/verify", Roles: auditors, Handler: s.verifyAudit},
	}
}
