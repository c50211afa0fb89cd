package web

import (
	"html/template"
	"math/big"
	"net/http"
	"strings"

	"github.com/ipledge/ipledge/platform/money"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/pledge"
	"github.com/ipledge/ipledge/subsidy"
)

// The subsidy pages' words.

var sbStateLabels = map[string]string{
	subsidy.StateAutoApproved: "自动审核通过",
	subsidy.StateInReview:     "人工审核中",
	subsidy.StateApproved:     "审核通过",
	subsidy.StateRejected:     "未通过",
	subsidy.StateReturned:     "退回补正",
	subsidy.StatePublicNotice: "公示中",
	subsidy.StatePaid:         "已拨付",
	subsidy.StateClawedBack:   "已追回",
}

func sbStateClass(s string) string {
	switch s {
	case subsidy.StateAutoApproved, subsidy.StateApproved, subsidy.StatePaid:
		return "status-active"
	case subsidy.StateInReview, subsidy.StateReturned, subsidy.StatePublicNotice:
		return "status-pending"
	case subsidy.StateRejected, subsidy.StateClawedBack:
		return "status-revoked"
	}
	return "status-expired"
}

var sbKindLabels = map[string]string{subsidy.KindInterest: "贷款贴息", string(subsidy.ValuationFee): "评估费补贴",
	string(subsidy.GuaranteeFee): "担保费补贴", string(subsidy.InsuranceFee): "保险费补贴"}

var sbBasisLabels = map[string]string{string(subsidy.ActualInterest): "按实付利息", string(subsidy.LPRShare): "按 LPR 比例"}

var sbCapLabels = map[string]string{string(subsidy.CapNone): "不设上限", string(subsidy.CapFixed): "固定利率上限",
	string(subsidy.CapLPRMultiple): "LPR 倍数上限"}

var sbDayCountLabels = map[string]string{string(subsidy.Act360): "实际天数/360", string(subsidy.Act365): "实际天数/365"}

var sbLPRRuleLabels = map[string]string{string(subsidy.LPRAtContract): "合同签订日适用的 LPR",
	string(subsidy.LPRMonthBeforeContract): "合同签订前一个月的 LPR", string(subsidy.LPRDecemberOfYear): "还款当年 12 月的 LPR"}

// sbReasonLabels name the eligibility reasons and the review flags.
var sbReasonLabels = map[string]string{
	"pledge_not_registered": "贷款未以已登记的质押担保", "not_sme": "非中小企业", "not_in_region": "企业注册地不在政策区域内",
	"not_own_ip": "借款人不是质押知识产权的权利人", "no_first_pledge": "无首次质押的专利", "pledge_after_disbursement": "质押登记晚于放款",
	"not_repaid_on_time": "未按期还款", "loan_not_settled": "贷款尚未结清", "not_whitelisted": "企业不在融资白名单内（有效状态）",
	"ip_share_too_low": "知识产权占押品价值比例不足", "loan_overdue": "贷款逾期", "loan_defaulted": "贷款已违约",
	"above_auto_approval_threshold": "金额超过自动审核上限", "pledge_alert": "质押物存在风险提示",
}

var sbApprovalKinds = map[string]string{subsidy.ApprovePolicyChange: "政策设置/变更", subsidy.ApproveRoundClose: "结束申报并分配预算",
	subsidy.ApprovePayment: "拨付贴息"}

var sbApprovalStates = map[string]string{"pending": "待复核", "approved": "已批准", "rejected": "已驳回"}

// sbMessages are the Chinese messages of the subsidy service's codes.
var sbMessages = map[string]string{
	"policy_not_found":           "所选贴息政策不存在。",
	"policy_not_open":            "所选贴息政策目前不受理申请。",
	"loan_not_pledged":           "该贷款未以已登记的专利权质押担保，不能申请贴息。",
	"outside_application_window": "不在该政策的申报期内。",
	"period_outside_loan":        "贴息期间须在贷款期限之内。",
	"period_outside_policy_year": "贴息期间须在政策年度之内。",
	"period_overlaps_claim":      "贴息期间与该贷款已申请的期间重叠，不能重复申请。",
	"no_interest_paid":           "该期间内没有支付利息的记录，不能申请贴息。",
	"lpr_unknown":                "平台缺少所需日期的 LPR 数据，请联系知识产权局。",
	"fee_already_claimed":        "该贷款的此项费用已申请过补贴。",
	"four_eyes_same_user":        "须由另一位知识产权局工作人员复核：您不能批准自己经办的事项。",
	"approval_pending":           "该事项已有待复核的申请，请先完成复核。",
	"round_closed":               "该政策本年度申报已结束，不能再变更或审核。",
	"round_open":                 "申报尚未结束，暂无公示名单。",
	"reviews_pending":            "尚有申请在人工审核中，审核完毕后才能结束申报。",
	"notice_period_running":      "公示期尚未结束，期满后方可拨付。",
	"objection_open":             "尚有异议未处理，不能拨付。",
	"amount_above_allocation":    "拨付金额超过分配金额。",
	"forbidden":                  "您无权办理该事项。",
}

var sbFieldLabels = map[string]string{
	"name": "政策名称", "region": "政策区域代码", "year": "政策年度", "window_start": "申报开始日期", "window_end": "申报截止日期",
	"basis": "计算基础", "rate_cap_kind": "利率上限方式", "rate_cap_fixed": "固定利率上限", "rate_cap_lpr_percent": "LPR 倍数",
	"lpr_share": "LPR 比例", "day_count": "计息天数基础", "lpr_rule": "参考 LPR", "ratio": "贴息比例",
	"boost_ratio": "白名单企业贴息比例", "boost_lpr_share": "白名单企业 LPR 比例", "max_term_months": "最长贴息期限（月）",
	"annual_cap": "每年每户上限", "cumulative_cap": "累计每户上限", "budget": "年度预算", "auto_approve_max": "自动审核金额上限",
	"min_ip_share": "知识产权最低占比", "notice_working_days": "公示期（工作日）", "paid_on": "拨付日期", "amount": "拨付金额",
	"reference": "拨付凭证号", "decision": "审核结论", "interest_year": "贴息利息所属年度",
}

func sbFieldLabel(f string) string {
	if l, ok := sbFieldLabels[f]; ok {
		return l
	}
	return lnFieldLabel(f)
}

// sbFormField is the form field of a service field.
func sbFormField(f string) string {
	switch f {
	case "rate_cap.kind":
		return "rate_cap_kind"
	case "rate_cap.fixed":
		return "rate_cap_fixed"
	case "rate_cap.lpr_percent":
		return "rate_cap_lpr_percent"
	case "annual_cap_fen":
		return "annual_cap"
	case "cumulative_cap_fen":
		return "cumulative_cap"
	case "budget_fen":
		return "budget"
	case "auto_approve_max_fen":
		return "auto_approve_max"
	case "amount_fen":
		return "amount"
	case "period", "period.from":
		return "start"
	case "period.to":
		return "end"
	case "eligibility.min_ip_share":
		return "min_ip_share"
	}
	if strings.HasPrefix(f, "boosts") {
		if strings.HasSuffix(f, "lpr_share") {
			return "boost_lpr_share"
		}
		return "boost_ratio"
	}
	return f
}

func sbFieldMessage(fe problem.FieldError) (string, string) {
	field := sbFormField(fe.Field)
	label := sbFieldLabel(field)
	switch fe.Code {
	case "required":
		switch field {
		case "policy_id", "loan_id", "basis":
			return field, "请选择" + label
		case "ratio", "lpr_share":
			return field, label + "须大于 0"
		}
		return field, "请填写" + label
	case "before_start":
		if field == "window_end" {
			return field, "申报截止日期不能早于开始日期"
		}
		return field, "贴息期间截止日不能早于起始日"
	case "above_100":
		return field, label + "不能超过 100%"
	case "negative", "negative_rate":
		return field, label + "不能为负数"
	case "invalid":
		return field, label + "无效"
	case "invalid_rate":
		return field, label + "请填写百分数，如 50"
	case "too_many_decimals":
		return field, label + "最多保留四位小数"
	case "rate_too_large":
		return field, label + "须低于 1000%"
	case "unknown":
		return field, "请从列表中选择" + label
	case "in_future":
		return field, label + "不能晚于今天"
	case "not_positive":
		return field, label + "须大于 0"
	case "out_of_range":
		return field, "公示期为 1 至 30 个工作日"
	}
	return field, label + "无效"
}

// sbRefused answers a subsidy service's refusal of a form in Chinese.
func (s *Server) sbRefused(w http.ResponseWriter, r *http.Request, err error, form string, id int64, raw map[string]string,
	show func(fe *formError)) {
	p, _ := problem.As(err)
	msgs := sbMessages
	if p != nil && (p.Code == "invalid_state" || p.Code == "not_eligible") {
		msgs = map[string]string{}
		for k, v := range sbMessages {
			msgs[k] = v
		}
		cur, _ := p.Extra["current_state"].(string)
		msgs["invalid_state"] = "当前状态下不能办理该事项。"
		if _, ok := sbStateLabels[cur]; ok {
			msgs["invalid_state"] = "当前状态（" + sbStateLabels[cur] + "）下不能办理该事项。"
		} else if l, ok := sbApprovalStates[cur]; ok {
			msgs["invalid_state"] = "该事项" + l + "，不能再办理。"
		}
		if p.Code == "not_eligible" {
			var names []string
			if rs, ok := p.Extra["reasons"].([]subsidy.Reason); ok {
				for _, r := range rs {
					names = append(names, lookup(sbReasonLabels, r.Code))
				}
			}
			msgs["not_eligible"] = "不符合该政策的申请条件：" + strings.Join(names, "、") + "。"
		}
	}
	s.refused(w, r, err, form, id, raw, msgs, func(fe *formError) {
		if p != nil {
			fe.Fields = map[string]string{}
			for _, f := range p.Fields {
				field, msg := sbFieldMessage(f)
				fe.Fields[field] = msg
			}
			if p.Code == "validation_failed" {
				formMessage(fe)
			}
		}
		show(fe)
	})
}

// fenYuan shows an exact amount of fen ("19500000.0000") in yuan, to
// the fen and further only when the amount has more decimals.
func fenYuan(s string) string {
	x, ok := new(big.Rat).SetString(s)
	if !ok {
		return s
	}
	x.Quo(x, big.NewRat(100, 1))
	out := x.FloatString(6)
	out = strings.TrimRight(out, "0")
	if i := strings.IndexByte(out, '.'); i >= 0 && len(out)-i-1 < 2 {
		out += strings.Repeat("0", 2-(len(out)-i-1))
	}
	neg := strings.HasPrefix(out, "-")
	out = strings.TrimPrefix(out, "-")
	intPart, frac, _ := strings.Cut(out, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	res := "¥" + b.String() + "." + frac
	if neg {
		res = "-" + res
	}
	return res
}

func optFen(p *int64) string {
	if p == nil {
		return "不设上限"
	}
	return pledge.FormatYuan(*p)
}

var subsidyFuncs = template.FuncMap{
	"sbStateLabel":    func(s string) string { return lookup(sbStateLabels, s) },
	"sbStateClass":    sbStateClass,
	"sbKindLabel":     func(k string) string { return lookup(sbKindLabels, k) },
	"sbBasisLabel":    func(b subsidy.Basis) string { return lookup(sbBasisLabels, string(b)) },
	"sbCapLabel":      func(c subsidy.CapKind) string { return lookup(sbCapLabels, string(c)) },
	"sbDayCountLabel": func(d subsidy.DayCount) string { return lookup(sbDayCountLabels, string(d)) },
	"sbLPRRuleLabel":  func(r subsidy.LPRRule) string { return lookup(sbLPRRuleLabels, string(r)) },
	"sbReason":        func(code string) string { return lookup(sbReasonLabels, code) },
	"sbApprovalKind":  func(k string) string { return lookup(sbApprovalKinds, k) },
	"sbApprovalState": func(k string) string { return lookup(sbApprovalStates, k) },
	"fenYuan":         fenYuan,
	"optFen":          optFen,
	"rateIsZero":      func(r money.Rate) bool { return r.IsZero() },
	"derefFen": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
}
