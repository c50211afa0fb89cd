package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/ipledge/ipledge/licensing"
	"github.com/ipledge/ipledge/patent"
	"github.com/ipledge/ipledge/platform/problem"
)

// The transfer pool's words as the pages show them.

var liProspectLabels = map[string]string{string(licensing.ProspectGood): "好", string(licensing.ProspectFair): "一般",
	string(licensing.ProspectNone): "无转化前景", "": "未评价"}

var liModeLabels = map[string]string{licensing.ModeLumpSum: "一次性支付", licensing.ModeRunningRoyalty: "按提成支付",
	licensing.ModeDownPaymentRunning: "入门费加提成"}

var liBaseLabels = map[string]string{licensing.BaseNetSales: "产品销售额", licensing.BaseProfit: "利润"}

var liScheduleLabels = map[string]string{licensing.ScheduleOnce: "一次付清", licensing.ScheduleAnnual: "按年支付",
	licensing.ScheduleQuarterly: "按季度支付"}

var liLicenceKindLabels = map[string]string{licensing.LicenceExclusive: "独占许可", licensing.LicenceSole: "排他许可",
	licensing.LicenceOrdinary: "普通许可", licensing.LicenceOpen: "开放许可"}

var liEventLabels = map[string]string{licensing.EventLicence: "许可", licensing.EventTransfer: "转让",
	licensing.EventOwnImplementation: "自行实施"}

var liIntentLabels = map[string]string{licensing.IntentOpen: "待回复", licensing.IntentInTalks: "洽谈中",
	licensing.IntentLicensed: "已许可", licensing.IntentDeclined: "已谢绝", licensing.IntentWithdrawn: "已撤回"}

var liPaymentLabels = map[string]string{"lump_sum": "许可费", "down_payment": "入门费", "royalty": "提成费"}

var liReasonLabels = map[string]string{"shared_terms": "共有词项", "ipc_overlap": "IPC 分类相近", "inferred_ipc": "推断 IPC 相近",
	"open_licence": "开放许可", "licence_within_budget": "在预算内", "dormant": "沉睡专利", "need": "技术需求", "ipc_profile": "同类专利"}

func patentTypeLabel(t string) string {
	if l, ok := patentTypeLabels[patent.Type(t)]; ok {
		return l
	}
	return t
}

func liIntentClass(s string) string {
	switch s {
	case licensing.IntentLicensed:
		return "status-active"
	case licensing.IntentOpen, licensing.IntentInTalks:
		return "status-pending"
	case licensing.IntentDeclined:
		return "status-revoked"
	}
	return "status-expired"
}

// liTerms describes an open licence's royalty terms in a line.
func liTerms(o licensing.OpenLicence) string {
	var parts []string
	parts = append(parts, lookup(liModeLabels, o.Mode))
	if o.LumpSumFen != nil {
		parts = append(parts, "许可费 "+vaYuan(*o.LumpSumFen))
	}
	if o.DownPaymentFen != nil {
		parts = append(parts, "入门费 "+vaYuan(*o.DownPaymentFen))
	}
	if o.RoyaltyRate != "" {
		parts = append(parts, fmt.Sprintf("按%s的 %s%% 提成", lookup(liBaseLabels, o.RoyaltyBase), o.RoyaltyRate))
	}
	parts = append(parts, lookup(liScheduleLabels, o.PaymentSchedule), fmt.Sprintf("许可期限 %d 年", o.TermYears))
	return strings.Join(parts, "，")
}

var licensingFuncs = template.FuncMap{
	"liProspect":    func(p licensing.Prospect) string { return lookup(liProspectLabels, string(p)) },
	"liMode":        func(m string) string { return lookup(liModeLabels, m) },
	"liBase":        func(b string) string { return lookup(liBaseLabels, b) },
	"liSchedule":    func(c string) string { return lookup(liScheduleLabels, c) },
	"liLicenceKind": func(k string) string { return lookup(liLicenceKindLabels, k) },
	"liEvent":       func(k string) string { return lookup(liEventLabels, k) },
	"liIntentState": func(s string) string { return lookup(liIntentLabels, s) },
	"liIntentClass": liIntentClass,
	"liPayment":     func(k string) string { return lookup(liPaymentLabels, k) },
	"liReason":      func(k string) string { return lookup(liReasonLabels, k) },
	"liTerms":       liTerms,
	"liTypeLabel":   patentTypeLabel,
	"liYuanPtr": func(v *int64) string {
		if v == nil {
			return "—"
		}
		return vaYuan(*v)
	},
	"liJoin": func(xs []string) string { return strings.Join(xs, "、") },
	"mulf":   func(x float64) float64 { return x * 100 },
}

// liFieldLabels name the transfer pool forms' fields in Chinese.
var liFieldLabels = map[string]string{
	"q": "检索词", "ipc": "IPC 分类号", "university": "高校", "type": "专利类型", "min_remaining_years": "最短剩余保护期",
	"dormant": "沉睡专利", "open_licence": "开放许可", "cursor": "翻页位置",
	"patent_number": "专利申请号", "prospect": "转化前景", "note": "备注",
	"mode": "许可费支付方式", "lump_sum": "一次性许可费", "down_payment": "入门费", "royalty_base": "提成基数",
	"royalty_rate": "提成比例", "payment_schedule": "支付周期", "term_years": "许可期限", "evaluation_report": "专利权评价报告编号",
	"justification": "理由说明", "reason": "撤回理由", "accept_terms": "书面接受许可条件", "signatory": "签署人",
	"message": "留言", "title": "需求名称", "description": "需求描述", "ipc_codes": "IPC 分类号", "budget_min": "预算下限",
	"budget_max": "预算上限", "region": "所在地区", "licence_kind": "许可类型", "effective_on": "生效日期", "end_on": "终止日期",
	"counterparty": "被许可人", "file": "文件",
}

func liFieldLabel(f string) string {
	if l, ok := liFieldLabels[f]; ok {
		return l
	}
	return fieldLabel(f)
}

// liFormField is the form field a service field error belongs to.
func liFormField(f string) string {
	switch {
	case strings.HasPrefix(f, "ipc_codes"):
		return "ipc_codes"
	case strings.HasSuffix(f, "_fen"):
		return strings.TrimSuffix(f, "_fen")
	}
	return f
}

// liFieldMessage is a transfer pool field error in Chinese.
func liFieldMessage(fe problem.FieldError) string {
	field := liFormField(fe.Field)
	label := liFieldLabel(field)
	switch {
	case field == "accept_terms":
		return "请勾选“本企业已阅读并书面接受上述许可条件”"
	case field == "ipc" && fe.Code == "invalid", field == "ipc_codes" && fe.Code == "invalid":
		return label + "格式不正确，应为 IPC 分类号或其开头，例如 H01M 或 H01M10/0525"
	case field == "min_remaining_years":
		return "最短剩余保护期请填写 0 至 30 的整数（年）"
	case field == "term_years":
		return "许可期限请填写 1 至 20 的整数（年）"
	case field == "royalty_rate" && fe.Code != "required" && fe.Code != "not_allowed":
		return "提成比例请填写百分比数值，例如 3 或 2.5；按销售额不超过 20%、按利润不超过 40%（超出须说明理由）"
	}
	switch fe.Code {
	case "required":
		switch field {
		case "patent_number", "mode", "royalty_base", "payment_schedule", "licence_kind":
			return "请选择" + label
		}
		return "请填写" + label
	case "too_long":
		if n := numberRE.FindString(fe.Message); n != "" {
			return fmt.Sprintf("%s不能超过 %s 个字", label, n)
		}
		return label + "过长"
	case "no_terms":
		return "检索词须包含汉字、字母或数字"
	case "too_deep":
		return "检索结果仅可翻阅前 10000 条，请缩小检索范围"
	case "not_allowed":
		return "所选支付方式不含" + label + "，请留空"
	case "out_of_range", "negative":
		return label + "须大于 0"
	case "below_min":
		return "预算上限不能低于预算下限"
	case "before_start":
		return "终止日期不能早于生效日期"
	case "too_many":
		return "IPC 分类号最多填写 10 个"
	case "invalid_check_digit", "invalid_format", "invalid", "invalid_patent_number":
		if field == "patent_number" {
			return "专利申请号格式不正确，例如 202211359874.7"
		}
	}
	return label + "无效"
}

// liMessages are the Chinese messages of the licensing services' codes.
var liMessages = map[string]string{
	"forbidden":                  "您无权办理该事项。",
	"not_patentee":               "本校不是该专利的登记专利权人。",
	"already_listed":             "该专利已在转化清单中。",
	"not_granted":                "该专利尚未授权，授权后方可声明开放许可。",
	"not_valid":                  "该专利法律状态不是有效，不能声明开放许可。",
	"annual_fee_unpaid":          "该专利年费未按期缴纳，不能声明开放许可。",
	"procedures_suspended":       "该专利存在权属纠纷、程序中止或保全，不能声明开放许可。",
	"exclusive_licence_in_force": "该专利有在实施的独占或排他许可，不能同时作出该许可。",
	"pledgee_consent_required":   "该专利正在质押中，须经质权人同意并记录在案后方可许可。",
	"open_licence_exists":        "该专利已有开放许可声明。",
	"open_licence_in_force":      "该专利有开放许可声明，撤回之前不能登记独占或排他许可。",
	"evaluation_report_required": "实用新型和外观设计专利声明开放许可，须提供专利权评价报告编号。",
	"justification_required":     "许可费超出通常上限（一次性费用 2000 万元，提成按销售额 20%、按利润 40%），请填写理由说明。",
	"already_licensed":           "本企业已在该开放许可下取得许可，且许可尚在有效期内。",
	"not_listed":                 "该专利未列入高校转化清单，暂不能提交许可意向。",
	"intent_exists":              "本企业对该专利已有进行中的许可意向。",
	"invalid_state":              "该事项已办结或状态已变化，当前不能办理。",
}

// liMessage sets a form error's headline from its fields.
func liMessage(e *formError) {
	e.Message = "提交的内容有误，请按提示修改。"
	if len(e.Fields) == 1 {
		for _, m := range e.Fields {
			e.Message = m + "。"
		}
	}
}

// liRefusal turns a licensing service error into a form error in
// Chinese; ok is false for anything that is not the caller's to fix.
func liRefusal(err error, form string, id int64, raw map[string]string) (*formError, bool) {
	p, ok := problem.As(err)
	if !ok || p.Status >= 500 {
		return nil, false
	}
	e := newFormError(form, id, "")
	e.Status = p.Status
	if raw != nil {
		e.Values = raw
	}
	for _, f := range p.Fields {
		field := liFormField(f.Field)
		if _, dup := e.Fields[field]; !dup {
			e.Fields[field] = liFieldMessage(f)
		}
	}
	switch {
	case p.Code == "validation_failed":
		liMessage(e)
	case p.Code == "invalid_state" && form == "withdraw-open":
		e.Message = "该开放许可声明已撤回。"
	case p.Code == "invalid_state" && form == "accept":
		e.Message = "该开放许可声明已撤回，不能再实施。"
	case liMessages[p.Code] != "":
		e.Message = liMessages[p.Code]
	default:
		e.Message = "操作未能完成，请检查后重试。"
	}
	return e, true
}

// liRefused answers a licensing service's refusal of a form: a missing
// object is the 404 page, an internal error the 500 page, and a refusal
// shows the form again with the reason and what was typed.
func (s *Server) liRefused(w http.ResponseWriter, r *http.Request, err error, form string, id int64, raw map[string]string, show func(fe *formError)) {
	if problem.HasCode(err, "not_found") {
		s.notFound(w, r)
		return
	}
	fe, ok := liRefusal(err, form, id, raw)
	if !ok {
		s.serverError(w, r, err)
		return
	}
	show(fe)
}

// liUploadMessage is a refused upload in Chinese.
func liUploadMessage(p *problem.Error) string {
	switch p.Code {
	case "undecodable_file":
		return "无法识别文件的文字编码，请将 CSV 另存为 UTF-8 或 GB18030 编码后重新上传。"
	case "invalid_header":
		return "文件表头不符合要求：须有“申请号”列，可选“转化前景”“备注”列。"
	case "empty_file":
		return "文件中没有数据行。"
	case "malformed_file":
		return "文件格式有误，无法读取，请检查后重新上传。"
	case "too_many_rows":
		return "文件行数过多，请分批上传。"
	case "file_too_large":
		return "文件过大，请上传不超过 5 MB 的文件。"
	case "unsupported_format":
		return "仅支持 CSV 或 XLSX 文件（不支持旧版 .xls 或加密的工作簿）。"
	}
	return "文件无法导入，请检查后重新上传。"
}
