package app

import (
	"context"
	"fmt"

	"github.com/ipledge/ipledge/licensing"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/problem"
)

// demoListings are tto-a's university patents in the transfer pool: one
// granted in 2024 (not yet dormant), one pending, and one granted in 2022
// with nothing recorded since (dormant).
var demoListings = []struct {
	number   string
	prospect licensing.Prospect
	note     string
}{
	{"CN202211359874.7", licensing.ProspectGood, "已有企业咨询"},
	{"CN202211740332.4", "", ""},
	{"CN202121741650.3", licensing.ProspectFair, "适用于环境监测"},
}

// seedLicensing lists tto-a's patents; a listed patent is skipped.
func (a *App) seedLicensing(ctx context.Context) error {
	u, err := a.Accounts.UserByUsername(ctx, "tto-a")
	if err != nil {
		return fmt.Errorf("demo listings: %w", err)
	}
	tto := audit.Actor{UserID: u.ID, Username: u.Username, OrgID: u.OrgID, Role: auth.RoleUniversity, RequestID: "demo-seed"}
	for _, l := range demoListings {
		_, err := a.Licensing.CreateListing(ctx, tto, licensing.ListingInput{PatentNumber: l.number, Prospect: l.prospect, Note: l.note})
		if err != nil && !problem.HasCode(err, "already_listed") {
			return fmt.Errorf("demo listing %s: %w", l.number, err)
		}
	}
	return nil
}
