package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ipledge/ipledge/licensing"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/platform/tabular"
)

// Role groups of the licensing routes.
var (
	// ttos are the universities' technology transfer offices.
	ttos = []string{auth.RoleUniversity}
	// licensees are enterprises.
	licensees = []string{auth.RoleEnterprise}
	// licensingParties are both sides of intents and licences.
	licensingParties = []string{auth.RoleUniversity, auth.RoleEnterprise}
)

func (s *Server) listListings(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	f := licensing.ListingFilter{OrgID: mustPrincipal(c).OrgID, Prospect: licensing.Prospect(c.Query("prospect"))}
	switch c.Query("dormant") {
	case "":
	case "true", "false":
		d := c.Query("dormant") == "true"
		f.Dormant = &d
	default:
		writeProblem(c, problem.Invalid(problem.Field("dormant", "invalid", "dormant is true or false")))
		return
	}
	ls, err := s.licensing.Listings(c.Request.Context(), f, r)
	respond(c, http.StatusOK, ls, err)
}

func (s *Server) createListing(c *gin.Context) {
	in, ok := bind[licensing.ListingInput](c)
	if !ok {
		return
	}
	l, err := s.licensing.CreateListing(c.Request.Context(), actor(c), in)
	respond(c, http.StatusCreated, l, err)
}

func (s *Server) importListings(c *gin.Context) {
	mode, err := tabular.ParseMode(c.Query("mode"))
	if err != nil {
		fail(c, err)
		return
	}
	t, err := s.readUpload(c, licensing.ImportSpec())
	if err != nil {
		fail(c, err)
		return
	}
	a := actor(c)
	s.runImport(c, licensing.ImportKind, len(t.Rows), func(ctx context.Context, progress func(int)) (tabular.Report, error) {
		return s.licensing.ImportListings(ctx, a, t, mode, progress)
	})
}

func (s *Server) getListing(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	l, err := s.licensing.GetListing(c.Request.Context(), id)
	respond(c, http.StatusOK, l, err)
}

func (s *Server) listingOfPatent(c *gin.Context) {
	l, err := s.licensing.ListingByPatent(c.Request.Context(), c.Param("number"))
	respond(c, http.StatusOK, l, err)
}

func (s *Server) assessListing(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	in, ok := bind[licensing.AssessmentInput](c)
	if !ok {
		return
	}
	l, err := s.licensing.Assess(c.Request.Context(), actor(c), id, in)
	respond(c, http.StatusOK, l, err)
}

func (s *Server) recordListingEvent(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	in, ok := bind[licensing.EventInput](c)
	if !ok {
		return
	}
	e, err := s.licensing.RecordEvent(c.Request.Context(), actor(c), id, in)
	respond(c, http.StatusCreated, e, err)
}

func (s *Server) listingFeedback(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	in, ok := bind[licensing.FeedbackInput](c)
	if !ok {
		return
	}
	l, err := s.licensing.GiveFeedback(c.Request.Context(), actor(c), id, in)
	respond(c, http.StatusCreated, l, err)
}

func (s *Server) abandonmentReport(c *gin.Context) {
	ls, err := s.licensing.AbandonmentReport(c.Request.Context(), actor(c))
	respond(c, http.StatusOK, gin.H{"items": ls}, err)
}

func (s *Server) declareOpenLicence(c *gin.Context) {
	in, ok := bind[licensing.OpenLicenceInput](c)
	if !ok {
		return
	}
	o, err := s.licensing.DeclareOpenLicence(c.Request.Context(), actor(c), in)
	respond(c, http.StatusCreated, o, err)
}

func (s *Server) listOpenLicences(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	f := licensing.OpenLicenceFilter{State: c.DefaultQuery("state", "active")}
	switch c.Query("mine") {
	case "", "false":
	case "true":
		f.OrgID = mustPrincipal(c).OrgID
	default:
		writeProblem(c, problem.Invalid(problem.Field("mine", "invalid", "mine is true or false")))
		return
	}
	os, err := s.licensing.OpenLicences(c.Request.Context(), f, r)
	respond(c, http.StatusOK, os, err)
}

func (s *Server) getOpenLicence(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	o, err := s.licensing.GetOpenLicence(c.Request.Context(), id)
	respond(c, http.StatusOK, o, err)
}

func (s *Server) withdrawOpenLicence(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	b, ok := bind[reasonBody](c)
	if !ok {
		return
	}
	o, err := s.licensing.WithdrawOpenLicence(c.Request.Context(), actor(c), id, b.Reason)
	respond(c, http.StatusOK, o, err)
}

func (s *Server) acceptOpenLicence(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	in, ok := bind[licensing.AcceptanceInput](c)
	if !ok {
		return
	}
	l, err := s.licensing.AcceptOpenLicence(c.Request.Context(), actor(c), id, in)
	respond(c, http.StatusCreated, l, err)
}

func (s *Server) getLicence(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	l, err := s.licensing.GetLicence(c.Request.Context(), actor(c), id)
	respond(c, http.StatusOK, l, err)
}

func (s *Server) confirmLicencePayment(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	pid, ok := idParam(c, "payment")
	if !ok {
		return
	}
	in, ok := bind[licensing.PaymentInput](c)
	if !ok {
		return
	}
	l, err := s.licensing.ConfirmPayment(c.Request.Context(), actor(c), id, pid, in)
	respond(c, http.StatusOK, l, err)
}

func (s *Server) createIntent(c *gin.Context) {
	in, ok := bind[licensing.IntentInput](c)
	if !ok {
		return
	}
	it, err := s.licensing.CreateIntent(c.Request.Context(), actor(c), in)
	respond(c, http.StatusCreated, it, err)
}

func (s *Server) listIntents(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	is, err := s.licensing.Intents(c.Request.Context(), actor(c), c.Query("state"), r)
	respond(c, http.StatusOK, is, err)
}

func (s *Server) getIntent(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	it, err := s.licensing.GetIntent(c.Request.Context(), actor(c), id)
	if problem.HasCode(err, "not_found") {
		s.denyNotFound(c, "licensing_intent", id)
		return
	}
	respond(c, http.StatusOK, it, err)
}

// intentAction binds a body and runs an intent transition.
func intentAction[B any](s *Server, fn func(*licensing.Service, context.Context, audit.Actor, int64, B) (licensing.Intent, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := idParam(c, "id")
		if !ok {
			return
		}
		in, ok := bind[B](c)
		if !ok {
			return
		}
		it, err := fn(s.licensing, c.Request.Context(), actor(c), id, in)
		respond(c, http.StatusOK, it, err)
	}
}
