package web

import (
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"strings"

	"github.com/ipledge/ipledge/patent"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/pledge"
	"github.com/ipledge/ipledge/registry"
)

// The pledge registration's words as the pages show them.

var plStateLabels = map[pledge.State]string{
	pledge.StateDraft:           "草稿",
	pledge.StateAwaitingPledgee: "待银行确认",
	pledge.StateSubmitted:       "审查中",
	pledge.StateDeclined:        "银行已退回",
	pledge.StateWithdrawn:       "已撤回",
	pledge.StateRegistered:      "已登记",
	pledge.StateRefused:         "不予登记",
	pledge.StateReleased:        "已注销",
	pledge.StateEnforced:        "质权已实现",
	pledge.StateRevoked:         "登记已撤销",
}

func plStateLabel(s pledge.State) string {
	if l, ok := plStateLabels[s]; ok {
		return l
	}
	return string(s)
}

// plStateClass colours a pledge state with the status classes.
func plStateClass(s pledge.State) string {
	switch s {
	case pledge.StateRegistered:
		return "status-active"
	case pledge.StateAwaitingPledgee, pledge.StateSubmitted, pledge.StateDraft:
		return "status-pending"
	case pledge.StateDeclined, pledge.StateRefused, pledge.StateRevoked:
		return "status-revoked"
	}
	return "status-expired"
}

// plGroundTitles name each refusal ground (and the warning) in a few words.
var plGroundTitles = map[string]string{
	pledge.GroundPledgorNotPatentee:    "出质人非专利权人",
	pledge.GroundPatentNotInForce:      "专利权已终止或无效",
	pledge.GroundNotGranted:            "专利尚未授权",
	pledge.GroundAnnualFeeUnpaid:       "年费滞纳",
	pledge.GroundOwnershipDispute:      "权属纠纷或保全",
	pledge.GroundDebtBeyondPatentTerm:  "债务期限超出专利有效期",
	pledge.GroundContractIncomplete:    "合同事项不全",
	pledge.GroundCoOwnerConsentMissing: "共有人未同意",
	pledge.GroundAlreadyPledged:        "专利已质押",
	pledge.GroundSameDayDualFiling:     "同日申请发明和实用新型",
	pledge.GroundInvalidationPending:   "无效宣告程序中",
	pledge.GroundForfeitureClause:      "流质条款（提示）",
	pledge.GroundOther:                 "其他不符合登记条件的情形",
}

func groundTitle(code string) string {
	if l, ok := plGroundTitles[code]; ok {
		return l
	}
	return code
}

var claimKindLabels = map[string]string{
	pledge.ClaimLoan:             "借款合同债权",
	pledge.ClaimCreditLine:       "最高额授信项下债权",
	pledge.ClaimCounterGuarantee: "反担保",
	pledge.ClaimOther:            "其他",
}

// claimKinds are the claim kinds in the form's order.
var claimKinds = []string{pledge.ClaimLoan, pledge.ClaimCreditLine, pledge.ClaimCounterGuarantee, pledge.ClaimOther}

var feePayerLabels = map[string]string{"pledgor": "出质人", "pledgee": "质权人", "unspecified": "未约定"}

// feePayers are the fee payers in the form's order.
var feePayers = []string{"pledgor", "pledgee", "unspecified"}

var amendKindLabels = map[string]string{pledge.AmendChange: "变更登记", pledge.AmendRelease: "注销登记", pledge.AmendEnforcement: "质权实现"}

var releaseCauseLabels = map[string]string{"repaid": "债务已清偿", "waived": "质权人放弃质权", "contract_void": "质押合同无效或被撤销"}

var enforcementLabels = map[string]string{"transfer": "折价", "auction": "拍卖", "sale": "变卖"}

var alertKindLabels = map[string]string{pledge.AlertCollateralImpaired: "质押物风险", pledge.AlertAnnualFeeDue: "年费即将到期"}

var legalStatusLabels = map[registry.Status]string{
	registry.StatusPending:               "审查中（未授权）",
	registry.StatusValid:                 "有效",
	registry.StatusFeeGrace:              "年费滞纳期",
	registry.StatusLapsed:                "未缴年费终止",
	registry.StatusExpired:               "期限届满",
	registry.StatusInvalidated:           "已宣告无效",
	registry.StatusInvalidationRequested: "无效宣告请求中",
	registry.StatusOwnershipDispute:      "权属纠纷/保全",
}

var patentTypeLabels = map[patent.Type]string{
	patent.Invention: "发明", patent.UtilityModel: "实用新型", patent.Design: "外观设计",
	patent.PCTInvention: "PCT 发明", patent.PCTUtilityModel: "PCT 实用新型",
}

var plActionLabels = map[string]string{
	"create": "创建申请", "update": "修改申请", "file": "提交银行确认", "confirm": "银行确认，提交审查",
	"decline": "银行退回", "withdraw": "撤回", "register": "准予登记", "refuse": "不予登记", "revoke": "撤销登记",
	"collateral_impaired": "质押物风险提示", "external_registration": "登记号录入",
	"amendment_file": "提出变更/注销申请", "amendment_confirm": "确认变更/注销申请", "amendment_withdraw": "撤回变更/注销申请",
	"amendment_refuse": "变更/注销不予登记", "amendment_register": "变更/注销已登记",
}

func lookup(m map[string]string, k string) string {
	if l, ok := m[k]; ok {
		return l
	}
	return k
}

var pledgeFuncs = template.FuncMap{
	"yuan":          pledge.FormatYuan,
	"plStateLabel":  plStateLabel,
	"plStateClass":  plStateClass,
	"groundTitle":   groundTitle,
	"claimLabel":    func(k string) string { return lookup(claimKindLabels, k) },
	"feePayerLabel": func(k string) string { return lookup(feePayerLabels, k) },
	"amendLabel":    func(k string) string { return lookup(amendKindLabels, k) },
	"releaseLabel":  func(k string) string { return lookup(releaseCauseLabels, k) },
	"enforceLabel":  func(k string) string { return lookup(enforcementLabels, k) },
	"alertLabel":    func(k string) string { return lookup(alertKindLabels, k) },
	"legalLabel": func(s registry.Status) string {
		if l, ok := legalStatusLabels[s]; ok {
			return l
		}
		return string(s)
	},
	"patentType": func(t patent.Type) string {
		if l, ok := patentTypeLabels[t]; ok {
			return l
		}
		return string(t)
	},
	"plAction": func(a string) string { return lookup(plActionLabels, a) },
	// share is an asset's share of the collateral value in percent.
	"share": func(bp int) string { return fmt.Sprintf("%d.%02d%%", bp/100, bp%100) },
}

// plFieldLabels name the pledge forms' fields in Chinese.
var plFieldLabels = map[string]string{
	"pledgee_org_id": "质权人（银行）", "assets": "质押专利", "pledgor_address": "出质人地址", "pledgee_address": "质权人地址",
	"contract_number": "质押合同编号", "contract_date": "合同签订日期", "secured_claim_kind": "被担保债权种类",
	"amount": "被担保债权数额", "debt_start": "债务履行期限起始日", "debt_end": "债务履行期限届满日", "scope": "质押担保范围",
	"annual_fee_payer": "年费缴纳人", "grounds": "不予登记理由", "reason": "理由", "valuation_id": "评估",
}

func plFieldLabel(f string) string {
	if l, ok := plFieldLabels[f]; ok {
		return l
	}
	return fieldLabel(f)
}

// plFormField is the form field a service field error belongs to: the
// patents' checkboxes for every assets[i].…, the yuan amount for the
// fen, the grounds' checkboxes for grounds[i].
func plFormField(f string) string {
	switch {
	case strings.HasPrefix(f, "assets"):
		return "assets"
	case strings.HasPrefix(f, "grounds"):
		return "grounds"
	case f == "secured_amount_fen":
		return "amount"
	}
	return f
}

// plFieldMessage is a pledge field error in Chinese.
func plFieldMessage(fe problem.FieldError) string {
	field := plFormField(fe.Field)
	label := plFieldLabel(field)
	switch fe.Code {
	case "required":
		if field == "assets" || field == "grounds" || field == "pledgee_org_id" {
			return "请选择" + label
		}
		return "请填写" + label
	case "too_long":
		return label + "过长"
	case "unknown_bank":
		return "所选银行不是平台上的银行机构"
	case "in_future":
		return label + "不能晚于今天"
	case "before_start":
		return "债务履行期限届满日不能早于起始日"
	case "not_positive":
		return "被担保债权数额须大于 0"
	case "too_large":
		return "被担保债权数额不能超过 1000 亿元"
	case "unknown_patent":
		return "专利登记簿中没有所选专利"
	case "not_patentee":
		return "本企业不是所选专利的登记专利权人"
	case "duplicate":
		return "同一专利不能重复选择"
	case "too_many":
		return "一次最多质押 50 项"
	case "no_patent":
		return "请至少选择一项专利"
	case "unknown_ground":
		return "所选理由不是规定的不予登记情形"
	case "unknown_valuation":
		return "所选评估不存在，或不是本笔质押的当事人作出的"
	case "valuation_mismatch":
		return "所选评估涵盖的专利与本申请的质押专利不一致"
	}
	return label + "无效"
}

// plMessages are the Chinese messages of the pledge service's codes.
var plMessages = map[string]string{
	"registration_blocked":  "存在不予登记的情形，不能登记；请按计算出的理由作出不予登记决定。",
	"already_pledged":       "所涉专利已被登记质押且质押尚在有效期内，不能登记；请以“专利已质押”为由不予登记。",
	"ground_not_applicable": "所选理由不适用于该申请，请仅勾选计算结果中成立的理由（或“其他”）。",
	"amendment_open":        "该质押已有正在办理的变更、注销或质权实现申请。",
	"forbidden":             "您无权办理该事项。",
}

// plRefused answers a pledge service's refusal of a form: s.refused with
// the pledge's messages, its fields named as the form names them.
func (s *Server) plRefused(w http.ResponseWriter, r *http.Request, err error, form string, id int64, raw map[string]string,
	show func(fe *formError)) {
	msgs := maps.Clone(plMessages)
	p, _ := problem.As(err)
	if p != nil && p.Code == "invalid_state" {
		cur, _ := p.Extra["current_state"].(string)
		msgs["invalid_state"] = "该申请当前状态（" + plStateLabel(pledge.State(cur)) + "）下不能办理该事项。"
		if strings.HasPrefix(form, "amend") {
			msgs["invalid_state"] = "该申请已处理或状态已变化，当前不能办理该事项。"
		}
	}
	s.refused(w, r, err, form, id, raw, msgs, func(fe *formError) {
		if p != nil {
			fe.Fields = map[string]string{}
			for _, f := range p.Fields {
				fe.Fields[plFormField(f.Field)] = plFieldMessage(f)
			}
			if p.Code == "validation_failed" {
				fe.Message = "提交的内容有误，请按提示修改。"
				if len(fe.Fields) == 1 {
					for _, m := range fe.Fields {
						fe.Message = m + "。"
					}
				}
			}
		}
		show(fe)
	})
}
