package app

import (
	"context"
	"fmt"

	"github.com/ipledge/ipledge/platform/audit"
	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/registry"
)

// demoPatents are records from the shared real sample
// (cn-patent-full-records-sample.tsv), their patentee replaced by a demo
// organisation: ent-a, ent-b and tto-a's university.
var demoPatents = []struct {
	number, pub, grant, title, ipc, filed, granted, holder string
}{
	{"CN202223220665.2", "CN218751475U", "CN218751475U", "一种无人机机载多功能盒", "B64U20/80;B64U101/30", "2022-12-02", "2023-03-28", "太原示范新材料科技有限公司"},
	{"CN202121635235.X", "CN217546176U", "CN217546176U", "无人机巡检系统", "H04N7/18;G07C1/20;B64C39/02", "2021-07-15", "2022-10-04", "太原示范新材料科技有限公司"},
	// ent-a's third patent, pledged to bank-a in the demo (app/demo_pledge.go); in force until 2031-11-29.
	{"CN202122975192.6", "CN216774847U", "CN216774847U", "一种可拍照便携式实时语音播报端测摄像头", "H04N5/225;H04N5/232;H04N5/76;H02J7/00", "2021-11-30", "2022-06-17", "太原示范新材料科技有限公司"},
	{"CN202121635426.6", "CN218824140U", "CN218824140U", "大气质量监测系统", "G01N33/00;G01N15/06", "2021-07-15", "2023-04-07", "朔州示范智能装备有限公司"},
	{"CN202211359874.7", "CN115883397A", "CN115883397B", "一种web端数据通用采集方法", "H04L43/02;H04L9/40;H04L67/025", "2022-11-02", "2024-04-05", "太原理工大学技术转移中心"},
	{"CN202211740332.4", "CN116245100A", "", "一种基于图模型的新闻关键词抽取方法及装置", "G06F40/289;G06F40/216", "2022-12-30", "", "太原理工大学技术转移中心"},
	// Granted in 2022: a dormant university patent (package licensing).
	{"CN202121741650.3", "CN216160555U", "CN216160555U", "无人机空气污染物溯源系统", "G01N33/00;G01N15/06", "2021-07-28", "2022-04-01", "太原理工大学技术转移中心"},
}

// seedRegistry registers the demo patents; a number held already is
// skipped.
func (a *App) seedRegistry(ctx context.Context, sys audit.Actor) error {
	for _, p := range demoPatents {
		if _, err := a.Registry.Get(ctx, p.number); err == nil {
			continue
		}
		in := registry.PatentInput{ApplicationNumber: p.number, PublicationNumber: p.pub, GrantNumber: p.grant, Title: p.title,
			IPCCodes: splitSemi(p.ipc), FilingDate: date.MustParse(p.filed), Patentees: []registry.Patentee{{Name: p.holder}}}
		if p.granted != "" {
			in.GrantDate = date.MustParse(p.granted)
		}
		if _, _, err := a.Registry.Register(ctx, sys, in); err != nil {
			return fmt.Errorf("demo patent %s: %w", p.number, err)
		}
	}
	return nil
}

func splitSemi(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ';' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
