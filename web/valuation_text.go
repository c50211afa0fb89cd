package web

import (
	"fmt"
	"html/template"
	"regexp"
	"strconv"
	"strings"

	"github.com/ipledge/ipledge/patent"
	"github.com/ipledge/ipledge/platform/problem"
	"github.com/ipledge/ipledge/pledge"
	"github.com/ipledge/ipledge/registry"
	"github.com/ipledge/ipledge/valuation"
)

// The valuation's words as the pages show them.

var indicatorLabels = map[valuation.Indicator]string{
	valuation.Stability:                 "稳定性",
	valuation.RemainingLife:             "剩余保护期",
	valuation.Scope:                     "保护范围（权利要求数）",
	valuation.Dependence:                "依赖性",
	valuation.InfringementDetectability: "侵权可判定性",
	valuation.LegalStatus:               "法律状态",
	valuation.Advancement:               "先进性",
	valuation.Maturity:                  "成熟度",
	valuation.Substitutability:          "不可替代性",
	valuation.Applicability:             "适用范围",
	valuation.ForwardCitations:          "被引用次数",
	valuation.FamilySize:                "同族专利数量",
	valuation.MarketApplication:         "市场应用情况",
	valuation.MarketSize:                "市场规模",
	valuation.MarketShare:               "市场占有率",
	valuation.Competitiveness:           "竞争优势",
	valuation.PolicyFit:                 "政策适应性",
}

func indicatorLabel(i valuation.Indicator) string {
	if l, ok := indicatorLabels[i]; ok {
		return l
	}
	return string(i)
}

var groupLabels = map[valuation.Group]string{valuation.Legal: "法律价值度", valuation.Technical: "技术价值度", valuation.Economic: "经济价值度"}

func groupLabel(g valuation.Group) string {
	if l, ok := groupLabels[g]; ok {
		return l
	}
	return string(g)
}

var industryLabels = map[string]string{
	"general":                    "通用",
	"pharmaceuticals_biotech":    "医药与生物技术",
	"medical_devices":            "医疗器械",
	"software_internet":          "软件与互联网",
	"chemicals_materials":        "化工与新材料",
	"electronics_semiconductors": "电子与半导体",
	"telecommunications":         "通信",
	"machinery_equipment":        "机械装备",
	"energy_environment":         "能源与环保",
	"automotive":                 "汽车及零部件",
	"consumer_goods":             "消费品",
	"agriculture_food":           "农业与食品",
}

func industryLabel(k string) string { return lookup(industryLabels, k) }

var scenarioLabels = map[string]string{"general": "通用场景", "finance": "金融（质押融资）场景"}

// weightsSourceLabel says whose weight table scored a patent: the
// platform's defaults are never passed off as the national standard's.
func weightsSourceLabel(src string) string {
	if strings.HasPrefix(src, valuation.SourcePlatformDefault) {
		return "平台默认权重（非国家标准原表）"
	}
	return "知识产权局设定的权重"
}

func ratesSourceLabel(src string) string {
	if strings.HasPrefix(src, valuation.SourcePlatformDefault) {
		return "平台默认质押率"
	}
	return "银行设定的质押率"
}

// yuanText is an amount in fen as "¥1,234.56".
func vaYuan(fen int64) string { return pledge.FormatYuan(fen) }

// Basis lines of measured indicators (valuation/measure.go) in Chinese.
var basisPatterns = []struct {
	re  *regexp.Regexp
	out func(m []string) string
}{
	{regexp.MustCompile(`^100 × ([\d.]+) remaining years / (\d+)-year term$`),
		func(m []string) string { return "100 × 剩余 " + m[1] + " 年 ÷ " + m[2] + " 年保护期" }},
	{regexp.MustCompile(`^10 × (\d+) claims, at most 100$`),
		func(m []string) string { return "10 × " + m[1] + " 项权利要求，最高 100" }},
	{regexp.MustCompile(`^20 × (\d+) forward citations, at most 100$`),
		func(m []string) string { return "20 × 被引用 " + m[1] + " 次，最高 100" }},
	{regexp.MustCompile(`^20 × (\d+) family members, at most 100$`),
		func(m []string) string { return "20 × 同族 " + m[1] + " 件，最高 100" }},
	{regexp.MustCompile(`^60 \+ 10 × (\d+) recorded licences, at most 100$`),
		func(m []string) string { return "60 + 10 × 许可备案 " + m[1] + " 件，最高 100" }},
	{regexp.MustCompile(`^legal status (\w+)$`),
		func(m []string) string { return "法律状态：" + legalStatusText(m[1]) }},
}

func basisText(b string) string {
	for _, p := range basisPatterns {
		if m := p.re.FindStringSubmatch(b); m != nil {
			return p.out(m)
		}
	}
	return b
}

func legalStatusText(s string) string {
	if l, ok := legalStatusLabels[registry.Status(s)]; ok {
		return l
	}
	return s
}

// zeroReason says in Chinese why a loan line counts zero, or "".
func zeroReason(l valuation.LoanLine, p valuation.PatentResult, rates valuation.PledgeRates) string {
	typ := string(l.Type)
	if t, ok := patentTypeLabels[l.Type]; ok {
		typ = t
	}
	switch l.ZeroReason {
	case "":
		return ""
	case valuation.ZeroLegalStatus:
		return "法律状态为“" + legalStatusText(p.LegalStatus) + "”，仅有效的专利权计入建议贷款额"
	case valuation.ZeroRemainingLife:
		minYears := rates.MinRemainingYears[baseTypeOf(l.Type)]
		return fmt.Sprintf("剩余保护期 %s 年，低于%s专利适用质押率所需的 %d 年", l.RemainingYears, typ, minYears)
	case valuation.ZeroNoRate:
		return "未设定" + typ + "的质押率"
	}
	return l.ZeroReason
}

// baseTypeOf folds a PCT type into the type whose rules it follows.
func baseTypeOf(t patent.Type) patent.Type {
	switch t {
	case patent.PCTInvention:
		return patent.Invention
	case patent.PCTUtilityModel:
		return patent.UtilityModel
	}
	return t
}

// ----- the form's fields -----

var vaFieldRE = regexp.MustCompile(`^patents\[(\d+)\]\.(.+)$`)

// vaIncomeFields are the income inputs' form names.
var vaIncomeFields = map[string]string{"royalty_rate": "royalty", "discount_rate": "discount", "tax_rate": "tax",
	"economic_life": "life", "revenue_fen": "revenue", "base_revenue_fen": "base", "growth_rate": "growth"}

// vaFormField is the form field a service field error belongs to: a
// patent's errors go to its row (slotOf maps the request's patents to the
// form's rows), a year's revenue to the forecast.
func vaFormField(f string, slotOf []int) string {
	m := vaFieldRE.FindStringSubmatch(f)
	if m == nil {
		if strings.HasPrefix(f, "weights") {
			return "scenario"
		}
		return f
	}
	i, _ := strconv.Atoi(m[1])
	if i >= len(slotOf) {
		return "patents"
	}
	p, rest := slotPrefix(slotOf[i]), m[2]
	switch {
	case strings.HasPrefix(rest, "entered."):
		return p + "ind_" + strings.TrimPrefix(rest, "entered.")
	case strings.HasPrefix(rest, "income."):
		name := strings.TrimPrefix(rest, "income.")
		if j := strings.IndexByte(name, '['); j >= 0 {
			name = name[:j]
		}
		if n, ok := vaIncomeFields[name]; ok {
			return p + n
		}
	}
	return p + "number"
}

var vaFieldLabels = map[string]string{
	"number": "申请号", "industry": "所属行业", "royalty": "提成率", "discount": "折现率", "tax": "所得税税率",
	"life": "经济寿命", "revenue": "收入预测", "base": "首年收入", "growth": "年增长率",
	"scenario": "评估场景", "patents": "评估专利", "bank_org_id": "适用质押率的银行",
}

// vaFieldLabel names a form field: p3_royalty is 提成率, p0_ind_stability 稳定性.
func vaFieldLabel(field string) string {
	name := field
	if strings.HasPrefix(field, "p") {
		if _, rest, ok := strings.Cut(field, "_"); ok {
			name = rest
		}
	}
	if ind, ok := strings.CutPrefix(name, "ind_"); ok {
		return indicatorLabel(valuation.Indicator(ind))
	}
	return lookup(vaFieldLabels, name)
}

var countsRE = regexp.MustCompile(`\d+`)

// vaFieldMessage is a valuation field error in Chinese.
func vaFieldMessage(fe problem.FieldError, field string) string {
	label := vaFieldLabel(field)
	isInd := strings.Contains(field, "_ind_")
	suffix := field[strings.LastIndexByte(field, '_')+1:]
	switch fe.Code {
	case "required":
		switch {
		case field == "patents":
			return "请至少选择一项专利"
		case isInd:
			return "平台没有该指标的数据，请填写 0–100 的分值"
		case suffix == "revenue":
			return "请逐年填写收入预测，或填写首年收入"
		}
		return "请填写" + label
	case "invalid_decimal":
		return label + "请填写数字，如 5 或 5.25"
	case "out_of_range":
		switch {
		case isInd:
			return label + "的分值应在 0 到 100 之间"
		case suffix == "life":
			return "经济寿命应大于 0 年且不超过 50 年"
		case suffix == "growth":
			return "年增长率应在 -100% 到 100% 之间"
		case suffix == "royalty" || suffix == "discount" || suffix == "tax":
			return label + "应在 0% 到 100% 之间"
		}
		return label + "超出允许范围"
	case "too_short":
		if n := countsRE.FindAllString(fe.Message, 2); len(n) == 2 {
			return fmt.Sprintf("剩余经济寿命需要 %s 年的收入预测，目前只填写了 %s 年", n[0], n[1])
		}
		return "收入预测的年数不足剩余经济寿命"
	case "too_large":
		return "收入合计过大，无法估值"
	case "conflict":
		if suffix == "growth" {
			return "年增长率须与首年收入一起填写，逐年填写收入预测时请留空"
		}
		return "逐年收入预测与首年收入只能填写一种"
	case "unknown_patent":
		return "专利登记簿中没有该专利"
	case "not_patentee":
		return "本企业不是该专利的登记专利权人"
	case "duplicate":
		return "同一专利不能重复填写"
	case "too_many":
		return "一次最多评估 50 项专利"
	case "invalid_patent_number":
		return "申请号有误，应为 12 位数字、小数点和校验位，如 202110123456.7"
	case "invalid":
		if field == "scenario" {
			return "评估场景应为通用或金融"
		}
	}
	return label + "无效"
}

var valuationFuncs = template.FuncMap{
	"indicatorLabel": indicatorLabel,
	"industryLabel":  industryLabel,
	"scenarioLabel":  func(s string) string { return lookup(scenarioLabels, s) },
	"legalText":      legalStatusText,
	"lifeLimitedBy": func(s string) string {
		return lookup(map[string]string{"legal": "法定剩余保护期", "economic": "经济寿命"}, s)
	},
	"discounting": func(s string) string {
		return lookup(map[string]string{"end_year": "年末折现", "mid_year": "年中折现"}, s)
	},
	"inc":           func(i int) int { return i + 1 },
	"valuationLink": valuationLink,
	"isCentre":      func(c valuation.SensitivityCell) bool { return c.DiscountShift == "0" && c.RoyaltyShift == "0%" },
}
