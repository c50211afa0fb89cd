package api

import "net/http"

// routes is the API's route table: method, path, roles, handler.
func (s *Server) routes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: "/openapi.json", Public: true, Handler: s.openAPI},
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

		{Method: http.MethodGet, Path: "/settings", Roles: everyone, Handler: s.listSettings},
		{Method: http.MethodGet, Path: "/settings/:key/history", Roles: everyone, Handler: s.settingHistory},
		{Method: http.MethodPut, Path: "/settings/:key", Roles: settingsEditors, Handler: s.putSetting},
		{Method: http.MethodGet, Path: "/calendar/:year", Roles: everyone, Handler: s.getCalendarYear},
		{Method: http.MethodPut, Path: "/calendar/:year", Roles: calendarEditors, Handler: s.putCalendarYear},
		{Method: http.MethodGet, Path: "/notifications", Roles: everyone, Handler: s.listNotifications},
		{Method: http.MethodGet, Path: "/notifications/unread-count", Roles: everyone, Handler: s.unreadNotifications},
		{Method: http.MethodPost, Path: "/notifications/read-all", Roles: everyone, Handler: s.readAllNotifications},
		{Method: http.MethodPost, Path: "/notifications/:id/read", Roles: everyone, Handler: s.readNotification},
	}
}
