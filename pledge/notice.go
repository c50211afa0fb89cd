package pledge

import (
	"bytes"
	"context"
	"embed"
	"html/template"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/problem"
)

//go:embed notice.html.tmpl
var noticeFS embed.FS

var noticeTmpl = template.Must(template.New("notice.html.tmpl").Funcs(template.FuncMap{
	"yuan": FormatYuan,
}).ParseFS(noticeFS, "notice.html.tmpl"))

// Notice is a registration notice (专利权质押登记通知书) or a refusal
// notice (不予登记通知书), as printable HTML.
type Notice struct {
	Pledge   Pledge
	Refusal  bool
	Grounds  []Ground
	IssuedOn date.Date
}

// NoticeHTML renders the notice of a decided pledge: the registration
// notice once registered (it stays available after release, enforcement
// or revocation, which the notice then states), the refusal notice citing
// the grounds once refused.
func (s *Service) NoticeHTML(ctx context.Context, id int64) ([]byte, error) {
	p, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	n := Notice{Pledge: p}
	switch p.State {
	case StateRegistered, StateReleased, StateEnforced, StateRevoked:
	case StateRefused:
		n.Refusal = true
		for _, code := range p.RefusalGrounds {
			n.Grounds = append(n.Grounds, Ground{Code: code, Explanation: groundTitle[code]})
		}
	default:
		return nil, problem.InvalidState(string(p.State), "a %s request has no notice yet", p.State)
	}
	if p.DecidedAt != nil {
		n.IssuedOn = date.Of(*p.DecidedAt)
	}
	var b bytes.Buffer
	if err := noticeTmpl.Execute(&b, n); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// groundTitle names each ground on a refusal notice.
var groundTitle = map[string]string{
	GroundPledgorNotPatentee:    "出质人不是专利登记簿记载的专利权人",
	GroundPatentNotInForce:      "专利权已终止或者已被宣告无效",
	GroundNotGranted:            "专利申请尚未被授予专利权",
	GroundAnnualFeeUnpaid:       "专利权处于年费缴纳滞纳期",
	GroundOwnershipDispute:      "专利权已被启动无效宣告程序或因权属纠纷中止、被保全",
	GroundDebtBeyondPatentTerm:  "债务人履行债务的期限超过专利权有效期",
	GroundContractIncomplete:    "质押合同约定的事项不全",
	GroundCoOwnerConsentMissing: "共有专利未经全体共有人同意",
	GroundAlreadyPledged:        "专利权已被登记质押且质押尚在有效期内",
	GroundSameDayDualFiling:     "同日申请发明和实用新型，当事人未确认",
	GroundInvalidationPending:   "专利权已被启动无效宣告程序，当事人未确认",
	GroundOther:                 "其他不符合登记条件的情形",
}

// FormatYuan writes fen as yuan with two decimals and thousands
// separators (¥1,234,567.89), exactly.
func FormatYuan(fen int64) string {
	neg := fen < 0
	if neg {
		fen = -fen
	}
	y, f := fen/100, fen%100
	digits := []byte(itoa(y))
	var out []byte
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, d)
	}
	s := "¥" + string(out) + "." + string([]byte{byte('0' + f/10), byte('0' + f%10)})
	if neg {
		s = "-" + s
	}
	return s
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
