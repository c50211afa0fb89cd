package app

import (
	"context"
	"fmt"

	"github.com/ipledge/ipledge/account"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/problem"
)

// DemoPassword is every demo account's password.
const DemoPassword = "demo-pass-2026"

// DemoAccount is one demo login.
type DemoAccount struct {
	Username, DisplayName, Org string
}

type demoOrg struct {
	Kind account.OrgKind
	Name string
	USCC string
}

var demoOrgs = []demoOrg{
	{account.KindPlatform, "ipledge 平台运营中心", ""},
	{account.KindIPOffice, "山西省知识产权局", ""},
	{account.KindEconBureau, "山西省民营经济发展局", ""},
	{account.KindBank, "晋阳示范商业银行", ""},
	{account.KindBank, "汾河示范农村商业银行", ""},
	{account.KindEnterprise, "太原示范新材料科技有限公司", "91140100MA0G3K8T2B"},
	{account.KindEnterprise, "朔州示范智能装备有限公司", "91140600MA0H7L2N51"},
	{account.KindUniversity, "太原理工大学技术转移中心", ""},
}

// DemoAccounts are the demo logins, all with DemoPassword.
var DemoAccounts = []DemoAccount{
	{"ipoffice", "王审查员", "山西省知识产权局"},
	{"ipoffice-2", "李复核员", "山西省知识产权局"},
	{"bureau", "赵科长", "山西省民营经济发展局"},
	{"bank-a", "钱客户经理", "晋阳示范商业银行"},
	{"bank-b", "孙客户经理", "汾河示范农村商业银行"},
	{"ent-a", "周经理", "太原示范新材料科技有限公司"},
	{"ent-b", "吴经理", "朔州示范智能装备有限公司"},
	{"tto-a", "郑主任", "太原理工大学技术转移中心"},
	{"admin", "平台管理员", "ipledge 平台运营中心"},
}

const demoSeededKey = "demo_seeded"

// SeedDemo creates the demo data set once; a later start adds nothing.
// Every step skips what exists, so an interrupted seed completes on the
// next start.
func (a *App) SeedDemo(ctx context.Context) (seeded bool, err error) {
	if _, done, err := a.Accounts.Meta(ctx, demoSeededKey); err != nil || done {
		return false, err
	}
	sys := audit.System("demo-seed")
	orgIDs := map[string]int64{}
	for _, o := range demoOrgs {
		got, err := a.Accounts.OrganisationByName(ctx, o.Name)
		if problem.HasCode(err, "not_found") {
			got, err = a.Accounts.CreateOrganisation(ctx, sys, account.NewOrganisation{Kind: o.Kind, Name: o.Name, USCC: o.USCC})
		}
		if err != nil {
			return false, fmt.Errorf("demo organisation %s: %w", o.Name, err)
		}
		orgIDs[o.Name] = got.ID
	}
	for _, u := range DemoAccounts {
		_, err := a.Accounts.UserByUsername(ctx, u.Username)
		if problem.HasCode(err, "not_found") {
			_, err = a.Accounts.CreateUser(ctx, sys, account.NewUser{OrgID: orgIDs[u.Org], Username: u.Username,
				DisplayName: u.DisplayName, Password: DemoPassword})
		}
		if err != nil {
			return false, fmt.Errorf("demo user %s: %w", u.Username, err)
		}
	}
	if err := a.seedPlatformServices(ctx, sys); err != nil {
		return false, err
	}
	if err := a.seedWhitelist(ctx); err != nil {
		return false, err
	}
	if err := a.seedRegistry(ctx, sys); err != nil {
		return false, err
	}
	if err := a.seedPledgeLoan(ctx); err != nil {
		return false, err
	}
	if err := a.seedSubsidies(ctx); err != nil {
		return false, err
	}
	if err := a.seedLicensing(ctx); err != nil {
		return false, err
	}
	return true, a.Accounts.SetMeta(ctx, demoSeededKey, a.Now().UTC().Format("2006-01-02T15:04:05Z"))
}
