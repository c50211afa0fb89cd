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

		{Method: http.MethodPost, Path: "/whitelist/check", Roles: whitelistMirrors, Handler: s.whitelistCheck},
		{Method: http.MethodGet, Path: "/whitelist/changes", Roles: whitelistMirrors, Handler: s.whitelistChanges},
		{Method: http.MethodPost, Path: "/whitelist/nominations", Roles: whitelistNominators, Handler: s.createNomination},
		{Method: http.MethodGet, Path: "/whitelist/nominations", Roles: whitelistNominators, Handler: s.listNominations},
		{Method: http.MethodGet, Path: "/whitelist/nominations/:id", Roles: whitelistNominators, Handler: s.getNomination},
		{Method: http.MethodGet, Path: "/whitelist/nominations/:id/eligibility", Roles: whitelistAdmins, Handler: s.nominationEligibility},
		{Method: http.MethodPost, Path: "/whitelist/nominations/:id/accept", Roles: whitelistAdmins, Handler: s.acceptNomination},
		{Method: http.MethodPost, Path: "/whitelist/nominations/:id/reject", Roles: whitelistAdmins, Handler: s.rejectNomination},
		{Method: http.MethodPost, Path: "/whitelist/batches", Roles: whitelistAdmins, Handler: s.createBatch},
		{Method: http.MethodGet, Path: "/whitelist/batches", Roles: whitelistBatchReaders, Handler: s.listBatches},
		{Method: http.MethodGet, Path: "/whitelist/batches/:id", Roles: whitelistBatchReaders, Handler: s.getBatch},
		{Method: http.MethodGet, Path: "/whitelist/batches/:id/entries", Roles: whitelistBatchReaders, Handler: s.listBatchEntries},
		{Method: http.MethodPost, Path: "/whitelist/batches/:id/notice", Roles: whitelistAdmins, Handler: s.startBatchNotice},
		{Method: http.MethodPost, Path: "/whitelist/batches/:id/publish", Roles: whitelistAdmins, Handler: s.publishBatch},
		{Method: http.MethodGet, Path: "/whitelist/batches/:id/objections", Roles: whitelistObjectionReaders, Handler: s.listBatchObjections},
		{Method: http.MethodGet, Path: "/whitelist/entries", Roles: whitelistAdmins, Handler: s.listEntries},
		{Method: http.MethodGet, Path: "/whitelist/entries/:id", Roles: whitelistAdmins, Handler: s.getEntry},
		{Method: http.MethodPost, Path: "/whitelist/entries/:id/suspend", Roles: whitelistAdmins, Handler: entryTransition(s.whitelist.Suspend)},
		{Method: http.MethodPost, Path: "/whitelist/entries/:id/reinstate", Roles: whitelistAdmins, Handler: entryTransition(s.whitelist.Reinstate)},
		{Method: http.MethodPost, Path: "/whitelist/entries/:id/revoke", Roles: whitelistAdmins, Handler: entryTransition(s.whitelist.Revoke)},
		{Method: http.MethodPost, Path: "/whitelist/entries/:id/objections", Roles: whitelistAdmins, Handler: s.recordObjection},
		{Method: http.MethodPost, Path: "/whitelist/entries/:id/review/close", Roles: whitelistAdmins, Handler: s.closeEntryReview},
		{Method: http.MethodPost, Path: "/whitelist/objections/:id/resolve", Roles: whitelistAdmins, Handler: s.resolveObjection},
		{Method: http.MethodGet, Path: "/whitelist/:uscc", Roles: whitelistCheckers, Handler: s.whitelistStatus},
		{Method: http.MethodGet, Path: "/whitelist/:uscc/history", Roles: whitelistHistoryReaders, Handler: s.whitelistHistory},
		{Method: http.MethodGet, Path: "/enterprises/:uscc", Roles: whitelistCheckers, Handler: s.getEnterprise},

		{Method: http.MethodGet, Path: "/uscc-exceptions", Roles: usccExceptionReaders, Handler: s.listUSCCExceptions},
		{Method: http.MethodPost, Path: "/uscc-exceptions", Roles: usccExceptionEditors, Handler: s.addUSCCException},
		{Method: http.MethodPost, Path: "/uscc-exceptions/:uscc/remove", Roles: usccExceptionEditors, Handler: s.removeUSCCException},
		{Method: http.MethodPost, Path: "/whitelist/feedback", Roles: feedbackRecorders, Handler: s.recordFeedback},
		{Method: http.MethodGet, Path: "/whitelist/feedback", Roles: feedbackReaders, Handler: s.listFeedback},
		{Method: http.MethodGet, Path: "/whitelist/feedback/totals", Roles: feedbackTotalReaders, Handler: s.feedbackTotals},
	}
}
