package web

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/uscc"
	"github.com/ipledge/ipledge/whitelist"
)

// The whitelist's words as the pages show them.

var statusLabels = map[whitelist.Status]string{
	whitelist.StatusActive:    "有效",
	whitelist.StatusSuspended: "暂停",
	whitelist.StatusRevoked:   "已撤销",
	whitelist.StatusExpired:   "已过期",
	whitelist.StatusPending:   "待生效",
	whitelist.StatusNotListed: "未列入",
}

// statusLabel is a bank-facing status in Chinese.
func statusLabel(s whitelist.Status) string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return string(s)
}

// statusClass is the style.css class of a status badge (.status-*).
func statusClass(s whitelist.Status) string {
	switch s {
	case whitelist.StatusActive, whitelist.StatusPending, whitelist.StatusSuspended,
		whitelist.StatusRevoked, whitelist.StatusExpired:
		return "status-" + string(s)
	}
	return "status-unlisted"
}

var stateLabels = map[string]string{
	// nominations
	whitelist.NominationPending:  "待审核",
	whitelist.NominationAccepted: "已通过",
	whitelist.NominationRejected: "未通过",
	// batches
	whitelist.BatchDraft:        "草稿",
	whitelist.BatchPublicNotice: "公示中",
	whitelist.BatchPublished:    "已发布",
	// entries
	whitelist.EntryListed:    "在册",
	whitelist.EntryRemoved:   "异议成立已移出",
	whitelist.EntrySuspended: "暂停",
	whitelist.EntryRevoked:   "已撤销",
	// objections
	"open":      "待处理",
	"upheld":    "异议成立",
	"dismissed": "异议不成立",
	// current states the service reports in conflicts
	"active":      "有效",
	"expired":     "已过期",
	"not_listed":  "未列入",
	"decided":     "已处理",
	"not_flagged": "无复核提示",
}

// stateLabel is a nomination, batch, entry or objection state in Chinese.
func stateLabel(s string) string {
	if l, ok := stateLabels[s]; ok {
		return l
	}
	return s
}

// stateClass colours a nomination, batch or objection state with the
// status classes.
func stateClass(s string) string {
	switch s {
	case whitelist.NominationAccepted, whitelist.BatchPublished, whitelist.EntryListed, "dismissed":
		return "status-active"
	case whitelist.NominationPending, whitelist.BatchPublicNotice, whitelist.EntrySuspended, "open":
		return "status-pending"
	case whitelist.NominationRejected, whitelist.EntryRevoked, whitelist.EntryRemoved, "upheld":
		return "status-revoked"
	}
	return "status-unlisted"
}

var actionLabels = map[string]string{
	"nominated":        "推荐",
	"accepted":         "审核通过，列入批次",
	"rejected":         "审核未通过",
	"public_notice":    "公示",
	"published":        "发布",
	"suspended":        "暂停",
	"reinstated":       "恢复",
	"revoked":          "撤销",
	"objection_upheld": "异议成立，移出批次",
	"review_flagged":   "风险复核提示",
	"review_closed":    "复核结束",
}

func actionLabel(a string) string {
	if l, ok := actionLabels[a]; ok {
		return l
	}
	return a
}

var sourceLabels = map[whitelist.Source]string{
	whitelist.SourceBureau:   "民营经济发展局推荐",
	whitelist.SourcePark:     "园区推荐",
	whitelist.SourceIPOffice: "知识产权局遴选",
	whitelist.SourceHighTech: "高新技术企业",
	whitelist.SourceSRDI:     "专精特新企业",
	whitelist.SourceSelf:     "企业自荐",
}

func sourceLabel(s whitelist.Source) string {
	if l, ok := sourceLabels[s]; ok {
		return l
	}
	return string(s)
}

func srdiLabel(level string) string {
	switch level {
	case whitelist.SRDINational:
		return "国家级专精特新“小巨人”"
	case whitelist.SRDIProvincial:
		return "省级专精特新"
	}
	return "无"
}

var checkLabels = map[string]string{
	"uscc_valid":              "统一社会信用代码",
	"not_already_active":      "未在有效白名单中",
	"recognition_evidence":    "认定依据",
	"valid_invention_patents": "有效发明专利",
}

func checkLabel(code string) string {
	if l, ok := checkLabels[code]; ok {
		return l
	}
	return code
}

// historyReason is a history line's explanation: the source of a
// nomination in words, else the reason as entered.
func historyReason(h whitelist.HistoryEvent) string {
	if h.Action == "nominated" {
		return sourceLabel(whitelist.Source(h.Reason))
	}
	return h.Reason
}

// showDate is a date, or "—" for none.
func showDate(d date.Date) string {
	if d.IsZero() {
		return "—"
	}
	return d.String()
}

// showTime is a time in China Standard Time to the minute.
func showTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(date.Shanghai).Format("2006-01-02 15:04")
}

// fieldLabels name the service's form fields in Chinese.
var fieldLabels = map[string]string{
	"uscc":                    "统一社会信用代码",
	"name":                    "名称",
	"industry":                "所属行业",
	"is_sme":                  "中小企业",
	"hightech_cert_no":        "高新技术企业证书编号",
	"hightech_valid_until":    "高新技术企业证书有效期至",
	"srdi_level":              "专精特新等级",
	"bureau_doc_no":           "认定文号",
	"bureau_recognised_on":    "认定日期",
	"valid_invention_patents": "有效发明专利件数",
	"evidence":                "推荐理由及证明材料",
	"source":                  "推荐来源",
	"reason":                  "理由",
	"override_reason":         "豁免理由",
	"batch_id":                "批次",
	"start":                   "公示开始日期",
	"effective_on":            "生效日期",
	"valid_until":             "有效期至",
	"objector":                "异议人",
	"content":                 "异议内容",
	"resolution":              "处理意见",
	"outcome":                 "复核结论",
	"codes":                   "统一社会信用代码",
	"limit":                   "每页条数",
	"cursor":                  "翻页位置",
}

func fieldLabel(f string) string {
	if l, ok := fieldLabels[f]; ok {
		return l
	}
	return f
}

// formError is a refusal shown next to the form that caused it: a
// message and the fields' own messages.
type formError struct {
	Form    string // which form of the page
	ID      int64  // the object the form acts on, when a page has several
	Status  int
	Message string
	Fields  map[string]string
	Values  map[string]string // what was submitted, to fill the form again
}

func newFormError(form string, id int64, msg string) *formError {
	return &formError{Form: form, ID: id, Status: http.StatusBadRequest, Message: msg, Fields: map[string]string{},
		Values: map[string]string{}}
}

// field adds a field's message.
func (e *formError) field(name, msg string) *formError {
	e.Fields[name] = msg
	return e
}

// errFor returns e when it belongs to the form (and object), else nil.
func errFor(e *formError, form string, id int64) *formError {
	if e == nil || e.Form != form || e.ID != id {
		return nil
	}
	return e
}

// fieldErr is a field's message, or "".
func fieldErr(e *formError, name string) string {
	if e == nil {
		return ""
	}
	return e.Fields[name]
}

// formValue is what was submitted in the field when e is the form's
// refusal, else "".
func formValue(e *formError, name string) string {
	if e == nil {
		return ""
	}
	return e.Values[name]
}

// usccAlphabet is the code's character set (no I, O, S, V, Z).
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccMessage says in Chinese why raw is not a valid code, or "".
func usccMessage(raw string) string {
	_, err := uscc.Validate(raw)
	var ue *uscc.Error
	if !errors.As(err, &ue) {
		return ""
	}
	c := uscc.Normalize(raw)
	switch ue.Reason {
	case uscc.ReasonLength:
		if c == "" {
			return "请填写统一社会信用代码"
		}
		return fmt.Sprintf("统一社会信用代码应为 18 位，当前为 %d 位", utf8.RuneCountInString(c))
	case uscc.ReasonAlphabet:
		for i, r := range []rune(c) {
			if !strings.ContainsRune(usccAlphabet, r) {
				return fmt.Sprintf("第 %d 位“%c”不是允许的字符（仅限数字和除 I、O、S、V、Z 以外的大写字母）", i+1, r)
			}
		}
	case uscc.ReasonCheck:
		return fmt.Sprintf("校验位应为 %c，而不是 %c，请核对代码", uscc.CheckCharacter(c[:17]), c[17])
	}
	return "统一社会信用代码无效"
}

var (
	dateRE   = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
	numberRE = regexp.MustCompile(`\d+`)
)

// problemMessages are the Chinese messages of the service's codes; a
// handler may give its own for a code whose meaning depends on the form.
var problemMessages = map[string]string{
	"nomination_open":    "该企业已有待审核的推荐，请勿重复推荐。",
	"not_own_enterprise": "企业只能为本企业申请。",
	"duplicate":          "记录已存在。",
	"batch_empty":        "该批次尚无企业，不能公示。",
	"not_found":          "记录不存在或已被删除。",
	"forbidden":          "您无权执行该操作。",
	"invalid_uscc":       "统一社会信用代码无效。",
	"validation_failed":  "提交的内容有误，请按提示修改。",
}

// fieldMessage is a field error in Chinese.
func fieldMessage(fe problem.FieldError, raw map[string]string) string {
	label := fieldLabel(fe.Field)
	switch fe.Code {
	case "required":
		return "请填写" + label
	case "too_long":
		if n := numberRE.FindString(fe.Message); n != "" {
			return fmt.Sprintf("%s不能超过 %s 个字", label, n)
		}
		return label + "过长"
	case "negative":
		return label + "不能为负数"
	case "in_past":
		return "公示开始日期不能早于今天"
	case "before_effective":
		return "有效期截止日不能早于生效日期"
	case "during_notice":
		return "生效日期须在公示期结束之后"
	case "unknown":
		return "所选" + label + "不存在"
	case uscc.ReasonLength, uscc.ReasonAlphabet, uscc.ReasonCheck:
		if m := usccMessage(raw[fe.Field]); m != "" {
			return m
		}
		return "统一社会信用代码无效"
	}
	return label + "无效"
}

// refusal turns a service error into a form error in Chinese. ok is false
// for anything that is not the caller's to fix (the page then shows the
// generic error page). raw holds the submitted values, by field, for
// messages that quote them; msgs override the message of a code.
func refusal(err error, form string, id int64, raw map[string]string, msgs map[string]string) (*formError, bool) {
	p, ok := problem.As(err)
	if !ok || p.Status >= 500 {
		return nil, false
	}
	e := newFormError(form, id, "")
	e.Status = p.Status
	if raw != nil {
		e.Values = raw
	}
	for _, fe := range p.Fields {
		e.Fields[fe.Field] = fieldMessage(fe, raw)
	}
	if m, ok := msgs[p.Code]; ok {
		e.Message = m
		return e, true
	}
	switch p.Code {
	case "validation_failed", "invalid_uscc":
		if len(p.Fields) == 1 {
			e.Message = e.Fields[p.Fields[0].Field] + "。"
		} else {
			e.Message = problemMessages[p.Code]
		}
	case "invalid_state":
		cur, _ := p.Extra["current_state"].(string)
		e.Message = "当前状态下不能执行该操作。"
		if cur != "" {
			e.Message = "当前状态（" + stateLabel(cur) + "）下不能执行该操作。"
		}
	case "notice_not_over":
		e.Message = "公示期尚未结束，期满后方可发布。"
		if d := dateRE.FindString(p.Detail); d != "" {
			e.Message = "公示期至 " + d + " 结束，期满后方可发布。"
		}
	case "objections_open":
		e.Message = "尚有异议未处理，处理完毕后方可发布。"
		if n := numberRE.FindString(p.Detail); n != "" {
			e.Message = "尚有 " + n + " 条异议未处理，处理完毕后方可发布。"
		}
	case "not_eligible":
		var names []string
		if codes, ok := p.Extra["failed_checks"].([]string); ok {
			for _, c := range codes {
				names = append(names, checkLabel(c))
			}
		}
		e.Message = "未通过资格审核：" + strings.Join(names, "、") + "。有效发明专利件数不足时，可填写豁免理由后通过。"
	default:
		if m, ok := problemMessages[p.Code]; ok {
			e.Message = m
		} else {
			e.Message = "操作未能完成，请检查后重试。"
		}
	}
	return e, true
}
