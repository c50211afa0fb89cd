package app

import (
	"context"
	"fmt"
	"time"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/auth"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/uscc"
	"github.com/ipledge/ipledge/whitelist"
)

// demoUSCC completes a demo firm's code with its check character.
func demoUSCC(first17 string) string { return first17 + string(uscc.CheckCharacter(first17)) }

// The demo whitelist's firms besides ent-a and ent-b.
var (
	demoFirmDatong   = demoUSCC("91140200MA0K4R7D3") // active, beside ent-a
	demoFirmChangzhi = demoUSCC("91140400MA0L8W2C6") // published, then suspended
	demoFirmYuncheng = demoUSCC("91140800MA0M3P9F1") // nomination rejected
	demoFirmJinzhong = demoUSCC("91140700MA0N6T5H8") // in the draft second batch
)

// seedWhitelist gives the whitelist pages data: the first 2026 batch,
// published after its public notice (ent-a and a Datong firm active, a
// Changzhi firm suspended), ent-b's pending nomination by the bureau, a
// rejected nomination and a draft second batch. It skips everything once
// a batch exists.
//
// The first batch was noticed and published in the past: those steps run
// on whitelist services whose clocks stand on the days they happened (the
// rules forbid a notice starting in the past and a publication before the
// notice is over, and the demo does not bend them). The steps are done by
// the demo accounts of the bureau and the IP office, so that their lists
// and the history show them. The seed posts no notifications: the demo
// inboxes start with the welcome only.
func (a *App) seedWhitelist(ctx context.Context) error {
	bs, err := a.Whitelist.Batches(ctx, page.Request{Limit: 1})
	if err != nil || len(bs.Items) > 0 {
		return err
	}
	bureau, err := a.demoActor(ctx, "bureau", auth.RoleEconBureau)
	if err != nil {
		return err
	}
	ipo, err := a.demoActor(ctx, "ipoffice", auth.RoleIPOffice)
	if err != nil {
		return err
	}
	at := func(now func() time.Time) *whitelist.Service {
		return whitelist.NewService(whitelist.Config{DB: a.DB, Audit: a.Audit, Settings: a.Settings, Calendar: a.Calendar,
			Cache: a.Cache, Now: now})
	}
	today := date.Today(a.Now)
	// Thirty days ago at 10:00: nominations, acceptance, public notice.
	past := at(func() time.Time { return today.AddDays(-30).Time().Add(10 * time.Hour) })
	now := at(a.Now)

	bureauNom := func(svc *whitelist.Service, code, name, industry, doc string, patents int) (whitelist.Nomination, error) {
		return svc.Nominate(ctx, bureau, "", whitelist.NominationInput{USCC: code, Name: name, Industry: industry, IsSME: true,
			BureauDocNo: doc, BureauRecognisedOn: today.AddDays(-60), ValidInventionPatents: patents, Source: whitelist.SourceBureau,
			Evidence: "省民营经济发展局优质民营企业认定"})
	}
	var noms []whitelist.Nomination
	for _, f := range []struct{ code, name, industry, doc string }{
		{"91140100MA0G3K8T2B", "太原示范新材料科技有限公司", "新材料", "晋民经发〔2026〕12号"},
		{demoFirmDatong, "大同示范新能源装备有限公司", "新能源装备", "晋民经发〔2026〕12号"},
	} {
		n, err := bureauNom(past, f.code, f.name, f.industry, f.doc, 5)
		if err != nil {
			return fmt.Errorf("demo nomination %s: %w", f.code, err)
		}
		noms = append(noms, n)
	}
	n, err := past.Nominate(ctx, ipo, "", whitelist.NominationInput{USCC: demoFirmChangzhi, Name: "长治示范光电科技有限公司",
		Industry: "光电子器件", IsSME: true, HighTechCertNo: "GR202414000318", HighTechValidUntil: today.AddDays(400),
		ValidInventionPatents: 3, Source: whitelist.SourceHighTech})
	if err != nil {
		return fmt.Errorf("demo nomination %s: %w", demoFirmChangzhi, err)
	}
	noms = append(noms, n)
	first, err := past.CreateBatch(ctx, ipo, "2026年第1批")
	if err != nil {
		return fmt.Errorf("demo batch: %w", err)
	}
	var suspended whitelist.Entry
	for _, n := range noms {
		e, err := past.Accept(ctx, ipo, n.ID, first.ID, "")
		if err != nil {
			return fmt.Errorf("demo accept %s: %w", n.USCC, err)
		}
		if n.USCC == demoFirmChangzhi {
			suspended = e
		}
	}
	if first, err = past.StartNotice(ctx, ipo, first.ID, date.Date{}); err != nil {
		return fmt.Errorf("demo public notice: %w", err)
	}
	// The day after the notice, at 10:00: publication, effective that day.
	published := first.NoticeEnd.AddDays(1).Time().Add(10 * time.Hour)
	if published.After(a.Now()) {
		return fmt.Errorf("demo publication: the notice ends %s, too late for a demo batch in force today", first.NoticeEnd)
	}
	if _, err := at(func() time.Time { return published }).Publish(ctx, ipo, first.ID, date.Date{}, date.Date{}); err != nil {
		return fmt.Errorf("demo publication: %w", err)
	}
	if _, err := now.Suspend(ctx, ipo, suspended.ID, "质押专利年费未缴纳，权利状态待核实"); err != nil {
		return fmt.Errorf("demo suspension: %w", err)
	}
	rejected, err := bureauNom(past, demoFirmYuncheng, "运城示范生物医药有限公司", "生物医药", "晋民经发〔2026〕12号", 0)
	if err != nil {
		return fmt.Errorf("demo nomination %s: %w", demoFirmYuncheng, err)
	}
	if _, err := now.Reject(ctx, ipo, rejected.ID, "无有效发明专利，不符合入选条件"); err != nil {
		return fmt.Errorf("demo rejection: %w", err)
	}
	// Today: the second batch in draft with one entry, and ent-b's
	// nomination waiting for the IP office.
	second, err := now.CreateBatch(ctx, ipo, "2026年第2批")
	if err != nil {
		return fmt.Errorf("demo batch: %w", err)
	}
	n, err = now.Nominate(ctx, ipo, "", whitelist.NominationInput{USCC: demoFirmJinzhong, Name: "晋中示范精密制造有限公司",
		Industry: "精密制造", IsSME: true, SRDILevel: whitelist.SRDIProvincial, ValidInventionPatents: 2,
		Source: whitelist.SourceSRDI, Evidence: "山西省专精特新中小企业（2025年度）"})
	if err != nil {
		return fmt.Errorf("demo nomination %s: %w", demoFirmJinzhong, err)
	}
	if _, err := now.Accept(ctx, ipo, n.ID, second.ID, ""); err != nil {
		return fmt.Errorf("demo accept %s: %w", demoFirmJinzhong, err)
	}
	if _, err := bureauNom(now, "91140600MA0H7L2N51", "朔州示范智能装备有限公司", "智能装备", "晋民经发〔2026〕31号", 2); err != nil {
		return fmt.Errorf("demo nomination ent-b: %w", err)
	}
	return nil
}

// demoActor is a demo account acting (for the seed) as itself.
func (a *App) demoActor(ctx context.Context, username, role string) (audit.Actor, error) {
	u, err := a.Accounts.UserByUsername(ctx, username)
	if err != nil {
		return audit.Actor{}, fmt.Errorf("demo whitelist: user %s: %w", username, err)
	}
	return audit.Actor{UserID: u.ID, Username: u.Username, OrgID: u.OrgID, Role: role}, nil
}
