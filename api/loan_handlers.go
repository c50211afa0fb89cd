package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ipledge/ipledge/loan"
	"github.com/ipledge/ipledge/platform/auth"
)

// Role groups of the loan routes. Which loan a caller may see is decided
// per object: its bank, its enterprise and the IP office.
var (
	loanReaders = []string{auth.RoleIPOffice, auth.RoleBank, auth.RoleEnterprise}
	lenders     = []string{auth.RoleBank}
)

// visibleLoan loads the loan of the :id parameter for a caller who may
// see it; to anyone else it is 404, and the attempt is audited.
func (s *Server) visibleLoan(c *gin.Context) (loan.Loan, bool) {
	id, ok := idParam(c, "id")
	if !ok {
		return loan.Loan{}, false
	}
	l, err := s.loans.Get(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return l, false
	}
	pr := mustPrincipal(c)
	if !l.VisibleTo(pr.OrgID, pr.Role == auth.RoleIPOffice) {
		s.denyNotFound(c, "loan", id)
		return l, false
	}
	return l, true
}

func (s *Server) listLoans(c *gin.Context) {
	r, ok := pageParams(c)
	if !ok {
		return
	}
	f := loan.Filter{State: c.Query("state")}
	var okq bool
	if f.PledgeID, okq = queryInt(c, "pledge_id"); !okq {
		return
	}
	if f.BankOrgID, okq = queryInt(c, "bank_org_id"); !okq {
		return
	}
	if f.EnterpriseOrgID, okq = queryInt(c, "enterprise_org_id"); !okq {
		return
	}
	// A bank sees its own loans, an enterprise its own; the filters of
	// the other party narrow within them.
	switch pr := mustPrincipal(c); pr.Role {
	case auth.RoleBank:
		f.BankOrgID = pr.OrgID
	case auth.RoleEnterprise:
		f.EnterpriseOrgID = pr.OrgID
	}
	ls, err := s.loans.List(c.Request.Context(), f, r)
	respond(c, http.StatusOK, ls, err)
}

func (s *Server) createLoan(c *gin.Context) {
	in, ok := bind[loan.Input](c)
	if !ok {
		return
	}
	l, err := s.loans.Create(c.Request.Context(), actor(c), in)
	respond(c, http.StatusCreated, l, err)
}

func (s *Server) getLoan(c *gin.Context) {
	if l, ok := s.visibleLoan(c); ok {
		c.JSON(http.StatusOK, l)
	}
}

func (s *Server) loanSchedule(c *gin.Context) {
	l, ok := s.visibleLoan(c)
	if !ok {
		return
	}
	sched, err := loan.Schedule(l.Terms())
	respond(c, http.StatusOK, gin.H{"items": sched}, err)
}

func (s *Server) listLoanPayments(c *gin.Context) {
	l, ok := s.visibleLoan(c)
	if !ok {
		return
	}
	ps, err := s.loans.Payments(c.Request.Context(), l.ID)
	respond(c, http.StatusOK, gin.H{"items": ps}, err)
}

func (s *Server) recordLoanPayment(c *gin.Context) {
	l, ok := s.visibleLoan(c)
	if !ok {
		return
	}
	in, ok := bind[loan.PaymentInput](c)
	if !ok {
		return
	}
	p, err := s.loans.RecordPayment(c.Request.Context(), actor(c), l.ID, in)
	respond(c, http.StatusCreated, p, err)
}

func (s *Server) defaultLoan(c *gin.Context) {
	l, ok := s.visibleLoan(c)
	if !ok {
		return
	}
	b, ok := bind[reasonBody](c)
	if !ok {
		return
	}
	l, err := s.loans.Default(c.Request.Context(), actor(c), l.ID, b.Reason)
	respond(c, http.StatusOK, l, err)
}

func (s *Server) loanHistory(c *gin.Context) {
	l, ok := s.visibleLoan(c)
	if !ok {
		return
	}
	r, ok := pageParams(c)
	if !ok {
		return
	}
	h, err := s.loans.History(c.Request.Context(), l.ID, r)
	respond(c, http.StatusOK, h, err)
}
