package web

import (
	"html/template"
	"net/http"

	"github.com/ipledge/ipledge/loan"
	"github.com/ipledge/ipledge/platform/problem"
)

// The loan pages' words.

// lnMethods are the repayment methods in the form's order.
var lnMethods = []loan.Method{loan.InterestQuarterly, loan.InterestMonthly, loan.Bullet, loan.EqualPrincipal, loan.EqualInstallment}

var lnMethodLabels = map[loan.Method]string{
	loan.Bullet:            "到期一次还本付息",
	loan.InterestMonthly:   "按月付息，到期还本",
	loan.InterestQuarterly: "按季付息，到期还本",
	loan.EqualPrincipal:    "等额本金（按月）",
	loan.EqualInstallment:  "等额本息（按月）",
}

var lnStateLabels = map[string]string{
	loan.StatePerforming: "正常",
	loan.StateOverdue:    "逾期",
	loan.StateSettled:    "已结清",
	loan.StateDefaulted:  "已违约",
}

func lnStateClass(s string) string {
	switch s {
	case loan.StatePerforming:
		return "status-active"
	case loan.StateOverdue:
		return "status-pending"
	case loan.StateDefaulted:
		return "status-revoked"
	}
	return "status-expired"
}

var lnActionLabels = map[string]string{
	"create": "登记贷款", "payment": "记录还款", "overdue": "转为逾期", "cured": "恢复正常", "settle": "贷款结清",
	"default": "宣告违约", "review_flag": "发起白名单复核",
}

var lnFieldLabels = map[string]string{
	"pledge_id": "质押登记", "contract_number": "借款合同编号", "contract_date": "合同签订日期", "amount": "贷款本金",
	"annual_rate": "年利率", "start_date": "放款日", "maturity_date": "到期日", "repayment_method": "还款方式",
	"ip_share": "知识产权占押品价值比例", "paid_on": "还款日期", "principal": "归还本金", "interest": "支付利息", "reason": "违约原因",
	"policy_id": "贴息政策", "loan_id": "贷款", "start": "贴息期间起始日", "end": "贴息期间截止日",
}

func lnFieldLabel(f string) string {
	if l, ok := lnFieldLabels[f]; ok {
		return l
	}
	return fieldLabel(f)
}

// lnFormField is the form field of a service field.
func lnFormField(f string) string {
	switch f {
	case "principal_fen":
		return "amount"
	case "ip_collateral_share_bp":
		return "ip_share"
	}
	return f
}

// lnFieldMessage is a loan field error in Chinese; payment marks the
// payment form, whose principal_fen is the principal repaid.
func lnFieldMessage(fe problem.FieldError, payment bool) (string, string) {
	field := lnFormField(fe.Field)
	if payment {
		switch fe.Field {
		case "principal_fen":
			field = "principal"
		case "interest_fen":
			field = "interest"
		}
	}
	label := lnFieldLabel(field)
	switch fe.Code {
	case "required":
		if field == "pledge_id" || field == "repayment_method" {
			return field, "请选择" + label
		}
		return field, "请填写" + label
	case "too_long":
		return field, label + "过长"
	case "duplicate":
		return field, "本行已登记过该合同编号的贷款"
	case "in_future":
		return field, label + "不能晚于今天"
	case "after_start":
		return field, "合同签订日期不能晚于放款日"
	case "before_start":
		return field, "还款日期不能早于放款日"
	case "negative", "negative_rate":
		return field, label + "不能为负数"
	case "invalid_rate":
		return field, "年利率请填写百分数，如 3.45"
	case "too_many_decimals":
		return field, "年利率最多保留四位小数"
	case "rate_too_large":
		return field, "年利率须低于 1000%"
	case "out_of_range":
		return field, "知识产权占比须在 0 至 100% 之间"
	case "not_positive":
		return field, label + "须大于 0"
	case "not_after_start":
		return field, "到期日须晚于放款日"
	case "not_whole_months":
		return field, "等额本息的到期日须为放款日后的整月"
	case "unknown":
		return field, "请从列表中选择" + label
	case "too_large":
		return field, label + "不能超过 1000 亿元"
	case "unknown_pledge":
		return field, "所选质押登记不是本行的质押登记"
	case "not_registered":
		return field, "所选质押尚未登记或已注销，只能为已登记的质押登记贷款"
	case "after_debt_end":
		return field, "到期日不能晚于质押登记的债务履行期限届满日"
	case "above_secured_amount":
		return field, "贷款本金超过质押担保的债权数额（已扣除该质押项下其他未还贷款）"
	case "above_outstanding":
		return field, "归还本金超过尚未归还的本金"
	case "nothing_paid":
		return field, "请填写归还本金或支付利息"
	}
	return field, label + "无效"
}

// lnRefused answers a loan service's refusal of a form in Chinese.
func (s *Server) lnRefused(w http.ResponseWriter, r *http.Request, err error, form string, id int64, raw map[string]string,
	show func(fe *formError)) {
	msgs := map[string]string{"forbidden": "只有放款银行可以办理该事项。"}
	p, _ := problem.As(err)
	if p != nil && p.Code == "invalid_state" {
		cur, _ := p.Extra["current_state"].(string)
		msgs["invalid_state"] = "贷款当前状态（" + lookup(lnStateLabels, cur) + "）下不能办理该事项。"
	}
	s.refused(w, r, err, form, id, raw, msgs, func(fe *formError) {
		if p != nil {
			fe.Fields = map[string]string{}
			for _, f := range p.Fields {
				field, msg := lnFieldMessage(f, form == "payment")
				fe.Fields[field] = msg
			}
			if p.Code == "validation_failed" {
				formMessage(fe)
			}
		}
		show(fe)
	})
}

var loanFuncs = template.FuncMap{
	"lnStateLabel":  func(s string) string { return lookup(lnStateLabels, s) },
	"lnStateClass":  lnStateClass,
	"lnMethodLabel": func(m loan.Method) string { return lnMethodLabels[m] },
	"lnAction":      func(a string) string { return lookup(lnActionLabels, a) },
}
