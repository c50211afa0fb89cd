package app

import (
	"context"
	"fmt"
	"time"

	"github.com/ipledge/ipledge/loan"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/pledge"
)

// The demo pledge and loan: ent-a pledged its third demo patent to bank-a
// in January 2026 and borrowed ¥3,000,000 at 3.45% for a year, interest
// quarterly, principal at maturity.
const (
	demoPledgePatent     = "CN202122975192.6"
	demoPledgeContract   = "JYZY-2026-0001"
	demoLoanContract     = "JYDK-2026-0001"
	demoEntA             = "太原示范新材料科技有限公司"
	demoBankA            = "晋阳示范商业银行"
	demoLoanPrincipalFen = 300_000_000
)

var (
	demoPledgeContractDate = date.New(2026, 1, 8)
	demoPledgeRegisteredOn = date.New(2026, 1, 13) // before the disbursement
	demoLoanStart          = date.New(2026, 1, 15)
	demoLoanMaturity       = date.New(2027, 1, 15)
)

// seedPledgeLoan registers the demo pledge through the pledge service
// (ent-a files, bank-a confirms, the IP office registers), dates its
// registration back to January 2026 as if it had been registered on the
// platform then, records the loan against it and the instalments due up
// to today, each paid on its due date. It skips what exists, and does
// nothing on a clock before the contract date.
func (a *App) seedPledgeLoan(ctx context.Context) error {
	today := date.Today(a.Now)
	if today.Before(demoLoanStart) {
		return nil
	}
	ent, err := a.Accounts.OrganisationByName(ctx, demoEntA)
	if err != nil {
		return fmt.Errorf("demo pledge: %w", err)
	}
	bank, err := a.Accounts.OrganisationByName(ctx, demoBankA)
	if err != nil {
		return fmt.Errorf("demo pledge: %w", err)
	}
	sys := audit.System("demo-seed")
	entActor, bankActor := sys, sys
	entActor.Role, entActor.OrgID = auth.RoleEnterprise, ent.ID
	bankActor.Role, bankActor.OrgID = auth.RoleBank, bank.ID

	loans, err := a.Loans.List(ctx, loan.Filter{EnterpriseOrgID: ent.ID, BankOrgID: bank.ID}, page.Request{Limit: page.MaxLimit})
	if err != nil {
		return fmt.Errorf("demo loan: %w", err)
	}
	for _, l := range loans.Items {
		if l.ContractNumber == demoLoanContract {
			return nil
		}
	}
	p, err := a.demoPledge(ctx, entActor, bankActor, sys, ent.ID, bank.ID)
	if err != nil {
		return fmt.Errorf("demo pledge: %w", err)
	}
	share := loan.FullIPShareBP
	l, err := a.Loans.Create(ctx, bankActor, loan.Input{PledgeID: p.ID, ContractNumber: demoLoanContract,
		ContractDate: date.New(2026, 1, 12), PrincipalFen: demoLoanPrincipalFen, AnnualRate: "3.45",
		Start: demoLoanStart, Maturity: demoLoanMaturity, Method: loan.InterestQuarterly, IPCollateralShareBP: &share})
	if err != nil {
		return fmt.Errorf("demo loan: %w", err)
	}
	sched, err := loan.Schedule(l.Terms())
	if err != nil {
		return fmt.Errorf("demo loan: %w", err)
	}
	for _, in := range sched {
		if in.Due.After(today) {
			break
		}
		if _, err := a.Loans.RecordPayment(ctx, bankActor, l.ID, loan.PaymentInput{PaidOn: in.Due,
			PrincipalFen: in.PrincipalFen, InterestFen: in.InterestFen}); err != nil {
			return fmt.Errorf("demo loan payment %s: %w", in.Due, err)
		}
	}
	return nil
}

// demoPledge returns the registered demo pledge, registering it first if
// need be.
func (a *App) demoPledge(ctx context.Context, entActor, bankActor, ipo audit.Actor, entID, bankID int64) (pledge.Pledge, error) {
	ps, err := a.Pledges.List(ctx, pledge.Filter{OrgID: entID}, page.Request{Limit: page.MaxLimit})
	if err != nil {
		return pledge.Pledge{}, err
	}
	for _, p := range ps.Items {
		if p.ContractNumber == demoPledgeContract && p.State == pledge.StateRegistered {
			return p, nil
		}
	}
	p, err := a.Pledges.Create(ctx, entActor, pledge.RequestInput{
		PledgeeOrgID: bankID, Assets: []pledge.AssetInput{{Number: demoPledgePatent}},
		PledgorAddress: "太原市小店区示范路1号", PledgeeAddress: "太原市迎泽大街8号",
		ContractNumber: demoPledgeContract, ContractDate: demoPledgeContractDate, SecuredClaimKind: pledge.ClaimLoan,
		SecuredAmountFen: demoLoanPrincipalFen, DebtStart: demoLoanStart, DebtEnd: demoLoanMaturity,
		Scope: "主债权本金、利息、罚息、违约金及实现质权的费用", AnnualFeePayer: "pledgor",
	})
	if err != nil {
		return p, err
	}
	if _, err := a.Pledges.File(ctx, entActor, p.ID); err != nil {
		return p, err
	}
	if _, err := a.Pledges.Confirm(ctx, bankActor, p.ID); err != nil {
		return p, err
	}
	if p, err = a.Pledges.Register(ctx, ipo, p.ID); err != nil {
		return p, err
	}
	// The demo's history predates the platform: the registration is dated
	// back to before the disbursement, as it happened, and the parties'
	// inboxes do not announce it today.
	at := demoPledgeRegisteredOn.Time().Add(10 * time.Hour).UTC()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE pledges SET submitted_at = ?, decided_at = ?, deadline = ? WHERE id = ?`, []any{at.Add(-24 * time.Hour), at, demoPledgeRegisteredOn, p.ID}},
		{`UPDATE pledge_assets SET registered_on = ? WHERE pledge_id = ?`, []any{demoPledgeRegisteredOn, p.ID}},
		// Nor are there inbox notifications of a registration made back then.
		{`DELETE FROM notifications WHERE link = ?`, []any{fmt.Sprintf("/pledges/%d", p.ID)}},
	} {
		if _, err := a.DB.ExecContext(ctx, a.DB.Rebind(q.sql), q.args...); err != nil {
			return p, err
		}
	}
	return a.Pledges.Get(ctx, p.ID)
}
