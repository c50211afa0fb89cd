package pledge

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/ipledge/ipledge/notify"
	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/registry"
)

// alertLockKey serialises alert sequence assignment on PostgreSQL, so
// that sequence order is commit order (as in the whitelist change feed).
const alertLockKey = 0x6970_6c65_6467_05

func (s *Service) notifyOrg(ctx context.Context, tx *sqlx.Tx, orgID int64, kind, title, body string, pledgeID int64) error {
	return s.notify.PostToOrg(ctx, tx, orgID, notify.Notification{Kind: kind, Title: title, Body: body,
		Link: fmt.Sprintf("/pledges/%d", pledgeID)})
}

func (s *Service) notifyParties(ctx context.Context, tx *sqlx.Tx, p Pledge, kind, title, body string) error {
	if err := s.notifyOrg(ctx, tx, p.PledgorOrgID, kind, title, body, p.ID); err != nil {
		return err
	}
	return s.notifyOrg(ctx, tx, p.PledgeeOrgID, kind, title, body, p.ID)
}

// appendAlert adds an alert to the feed in the caller's transaction.
func (s *Service) appendAlert(ctx context.Context, tx *sqlx.Tx, al Alert) error {
	if err := db.Lock(ctx, tx, alertLockKey); err != nil {
		return err
	}
	al.At = s.nowUTC()
	return s.st.insertAlert(ctx, tx, &al)
}

// AlertFilter selects the alerts an organisation receives.
type AlertFilter struct {
	// OrgID: the pledgee's alerts, and the pledgor's own (fee due); 0
	// for the IP office, which sees all.
	OrgID int64
}

// Alerts returns the alerts after the cursor, oldest first.
func (s *Service) Alerts(ctx context.Context, f AlertFilter, r page.Request) (page.Page[Alert], error) {
	as, err := s.st.alerts(ctx, f.OrgID, r)
	if err != nil {
		return page.Page[Alert]{}, err
	}
	for i := range as {
		as[i].At = as[i].At.UTC()
	}
	return page.Feed(r, as, func(a Alert) int64 { return a.Seq }), nil
}

// worse lists the legal statuses that impair collateral, with the words
// the pledgee is told.
var worse = map[registry.Status]string{
	registry.StatusFeeGrace:              "年费逾期未缴，进入滞纳期",
	registry.StatusLapsed:                "因未缴年费专利权终止",
	registry.StatusExpired:               "专利权期限届满",
	registry.StatusInvalidated:           "专利权被宣告无效",
	registry.StatusInvalidationRequested: "专利权被提出无效宣告请求",
	registry.StatusOwnershipDispute:      "专利权权属纠纷中止程序或被法院保全",
}

// legalStatusChanged is the registry's hook: when a patent in a pledge in
// force changes for the worse, the pledge is flagged as collateral
// impaired, the pledgee is alerted (feed and notification), and on lapse
// or invalidation the pledgor's whitelist entry is flagged for review.
func (s *Service) legalStatusChanged(ctx context.Context, tx *sqlx.Tx, a audit.Actor, p registry.Patent, from registry.Status) error {
	what, bad := worse[p.LegalStatus]
	if !bad {
		return nil
	}
	pl, err := s.st.pledgeInForceOn(ctx, tx, p.ID)
	if db.IsNoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	reason := fmt.Sprintf("质押专利 %s（%s）：%s", p.ApplicationNumber, p.Title, what)
	if err := s.st.setImpaired(ctx, tx, pl.ID, reason, s.nowUTC()); err != nil {
		return err
	}
	if err := s.appendAlert(ctx, tx, Alert{PledgeID: pl.ID, PledgorOrgID: pl.PledgorOrgID, PledgeeOrgID: pl.PledgeeOrgID,
		Kind: AlertCollateralImpaired, PatentNumber: p.ApplicationNumber, LegalStatus: string(p.LegalStatus), Detail: reason}); err != nil {
		return err
	}
	if err := s.notifyOrg(ctx, tx, pl.PledgeeOrgID, "pledge.collateral_impaired", "质押物风险提示", reason, pl.ID); err != nil {
		return err
	}
	if err := s.record(ctx, tx, a, pl, "collateral_impaired", pl.State, pl.State, map[string]any{"patent": p.ApplicationNumber,
		"from": from, "to": p.LegalStatus}); err != nil {
		return err
	}
	if p.LegalStatus == registry.StatusLapsed || p.LegalStatus == registry.StatusInvalidated {
		org, err := s.accounts.Organisation(ctx, pl.PledgorOrgID)
		if err != nil {
			return err
		}
		if org.USCC != nil {
			return s.whitelist.RaiseReviewFlag(ctx, tx, a, *org.USCC, reason)
		}
	}
	return nil
}

// ScanFeeDue alerts the pledgee and the pledgor of every pledge in force
// whose patent's annual fee falls due within the alert window (a
// setting, 30 days by default), once per due date. The app runs it
// periodically; it returns how many alerts it raised.
func (s *Service) ScanFeeDue(ctx context.Context) (int, error) {
	today := s.today()
	days, err := s.settings.Int(ctx, KeyFeeDueAlertDays, 0, today)
	if err != nil {
		return 0, err
	}
	due, err := s.st.feesDue(ctx, today, today.AddDays(int(days)))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range due {
		err := s.db.InTx(ctx, func(tx *sqlx.Tx) error {
			if err := db.Lock(ctx, tx, alertLockKey); err != nil {
				return err
			}
			seen, err := s.st.feeAlertExists(ctx, tx, d.PledgeID, d.Number, d.DueOn)
			if err != nil || seen {
				return err
			}
			detail := fmt.Sprintf("质押专利 %s（%s）的年费将于 %s 到期，请督促缴纳，以免进入滞纳期或专利权终止。", d.Number, d.Title, d.DueOn)
			if err := s.appendAlert(ctx, tx, Alert{PledgeID: d.PledgeID, PledgorOrgID: d.PledgorOrgID, PledgeeOrgID: d.PledgeeOrgID,
				ToPledgor: true, Kind: AlertAnnualFeeDue, PatentNumber: d.Number, DueOn: d.DueOn, Detail: detail}); err != nil {
				return err
			}
			n++
			for _, org := range []int64{d.PledgorOrgID, d.PledgeeOrgID} {
				if err := s.notifyOrg(ctx, tx, org, "pledge.annual_fee_due", "质押专利年费即将到期", detail, d.PledgeID); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// feeDue is one pledged patent whose fee falls due soon.
type feeDue struct {
	PledgeID     int64     `db:"pledge_id"`
	PledgorOrgID int64     `db:"pledgor_org_id"`
	PledgeeOrgID int64     `db:"pledgee_org_id"`
	Number       string    `db:"number"`
	Title        string    `db:"title"`
	DueOn        date.Date `db:"fee_paid_until"`
}
