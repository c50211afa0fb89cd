package app

import (
	"context"
	"fmt"

	"github.com/ipledge/ipledge/calendar"
	"github.com/ipledge/ipledge/notify"
	"github.com/ipledge/ipledge/platform/audit"
)

// seedPlatformServices enters the 2026 holiday schedule and the
// provisional 2027 one, and puts a welcome notification in every demo
// user's inbox. Like the rest of SeedDemo it skips what exists.
func (a *App) seedPlatformServices(ctx context.Context, sys audit.Actor) error {
	for _, y := range []calendar.Year{calendar.Official2026(), calendar.Provisional2027()} {
		got, err := a.Calendar.Year(ctx, y.Year)
		if err != nil {
			return fmt.Errorf("demo calendar %d: %w", y.Year, err)
		}
		if got.Defined {
			continue
		}
		if _, err := a.Calendar.SetYear(ctx, sys, y.Year, y.Entries, y.Provisional); err != nil {
			return fmt.Errorf("demo calendar %d: %w", y.Year, err)
		}
	}
	for _, u := range DemoAccounts {
		user, err := a.Accounts.UserByUsername(ctx, u.Username)
		if err != nil {
			return fmt.Errorf("demo welcome %s: %w", u.Username, err)
		}
		has, err := a.Notify.HasKind(ctx, user.ID, notify.KindWelcome)
		if err != nil {
			return fmt.Errorf("demo welcome %s: %w", u.Username, err)
		}
		if has {
			continue
		}
		n := notify.Notification{Kind: notify.KindWelcome, Title: "欢迎使用专利质押融资服务平台",
			Body: fmt.Sprintf("%s，您好！您已以「%s」的身份登录演示环境。待办事项和办理进度会通知到这里。", u.DisplayName, u.Org),
			Link: "/"}
		if err := a.Notify.PostAlone(ctx, n, user.ID); err != nil {
			return fmt.Errorf("demo welcome %s: %w", u.Username, err)
		}
	}
	return nil
}
