package web

import "github.com/ipledge/ipledge/platform/auth"

// PlatformName is the platform's name as users see it.
const PlatformName = "知识产权质押融资服务平台"

// navItem is one entry of a role's navigation and one link on its home page.
type navItem struct {
	Label string
	Path  string
	Desc  string
}

// roleInfo is what the web shell shows a role: its name, its home page
// and its navigation.
type roleInfo struct {
	Key     string
	Name    string // the role as users call it
	Heading string // the home page heading
	Intro   string // what the role does on the platform
	Nav     []navItem
}

// allows reports whether path is one of the role's pages.
func (r *roleInfo) allows(path string) bool {
	for _, n := range r.Nav {
		if n.Path == path {
			return true
		}
	}
	return false
}

// label returns the navigation label of path, or "".
func (r *roleInfo) label(path string) string {
	for _, n := range r.Nav {
		if n.Path == path {
			return n.Label
		}
	}
	return ""
}

// notificationsPath is every role's notification list (the header link).
const notificationsPath = "/notifications"

// roles is the navigation per role. A path may belong to several roles
// (the audit log; an organisation's own patents); its page then shows
// each role its own view. Pages that are not built yet are answered by
// the "建设中" handler (see Server.routes).
var roles = map[string]*roleInfo{
	auth.RoleIPOffice: {
		Key: auth.RoleIPOffice, Name: "知识产权局", Heading: "知识产权局工作台",
		Intro: "审核民营经济发展局推荐的企业并分批发布融资白名单，审查并登记专利质押，核定贷款贴息，掌握全省知识产权质押融资情况，并查验全平台的审计日志。",
		Nav: []navItem{
			{"白名单审核", "/whitelist/review", "审核推荐企业，分批发布、暂停或撤销融资白名单"},
			{"质押登记审查", "/pledges/review", "审查专利质押登记申请，予以登记或说明不予登记的理由"},
			{"专利评估", "/valuations", "专利价值指标评分、收益法估值与建议贷款额"},
			{"专利检索", "/search", "检索专利，查看沉睡状态、筛选评分和开放许可条件"},
			{"贴息管理", "/subsidies", "设置贴息政策，核定并拨付贷款贴息"},
			{"数据看板", "/dashboard", "质押融资金额、白名单企业、贷款与贴息的统计"},
			{"审计日志", "/audit", "查询全平台的操作记录并校验日志链完整性"},
			{"系统设置", "/settings", "办理期限、贴息比例等业务参数"},
		},
	},
	auth.RoleEconBureau: {
		Key: auth.RoleEconBureau, Name: "民营经济发展局", Heading: "民营经济发展局工作台",
		Intro: "推荐优质民营企业进入知识产权质押融资白名单，并跟踪推荐企业的审核与发布进度。",
		Nav: []navItem{
			{"企业推荐", "/whitelist/nominate", "推荐优质民营企业进入融资白名单"},
			{"推荐进度", "/whitelist/nominations", "跟踪已推荐企业的审核、发布情况"},
			{"数据看板", "/dashboard", "白名单企业、质押融资、贷款与贴息的统计"},
		},
	},
	auth.RoleBank: {
		Key: auth.RoleBank, Name: "银行", Heading: "银行工作台",
		Intro: "查询企业的白名单状态，确认企业提交给本行的专利质押申请并办理质押登记，登记质押所担保的贷款，关注白名单与专利的风险变化。",
		Nav: []navItem{
			{"白名单查询", "/whitelist/lookup", "按统一社会信用代码查询企业的白名单状态，可一次查询多家"},
			{"待确认质押", "/pledges/pending", "确认企业提交给本行的质押申请"},
			{"质押登记", "/pledges", "本行经办的专利质押登记及其办理状态"},
			{"专利评估", "/valuations", "评估拟质押专利的价值，计算建议贷款额"},
			{"专利检索", "/search", "检索专利，查看法律状态、沉睡状态和开放许可条件"},
			{"贷款", "/loans", "登记质押担保的贷款、放款与还款"},
			{"风险提示", "/risks", "白名单状态变化、专利权失效等风险提示"},
		},
	},
	auth.RoleEnterprise: {
		Key: auth.RoleEnterprise, Name: "企业", Heading: "企业工作台",
		Intro: "查看本企业的融资白名单状态和专利，向合作银行提交专利质押申请，申请贷款贴息，并发布技术需求与高校专利对接。",
		Nav: []navItem{
			{"我的白名单状态", "/whitelist/mine", "本企业是否在融资白名单内及其有效期"},
			{"我的专利", "/patents", "本企业的专利、法律状态与评估价值"},
			{"质押申请", "/pledges/applications", "向合作银行提交专利质押申请并跟踪办理进度"},
			{"专利评估", "/valuations", "评估本企业专利的价值，了解可获得的质押贷款额度"},
			{"我的贷款", "/loans", "本企业的质押贷款、还款计划与还款记录"},
			{"贴息申请", "/subsidies/applications", "申请贷款贴息，查看核定金额与拨付情况"},
			{"技术需求", "/demands", "发布技术需求，与高校专利对接"},
			{"专利检索", "/search", "检索高校专利、沉睡专利和开放许可专利，实施开放许可"},
		},
	},
	auth.RoleUniversity: {
		Key: auth.RoleUniversity, Name: "高校技术转移机构", Heading: "技术转移工作台",
		Intro: "维护本校专利清单，发现长期未实施的沉睡专利，发布开放许可，并处理企业提出的许可意向，促进专利转化运用。",
		Nav: []navItem{
			{"专利清单", "/patents", "本校持有的专利及其法律状态"},
			{"转化清单", "/licensing/listings", "列入转化专利池的专利、转化前景评价与批量导入"},
			{"沉睡专利", "/patents/dormant", "长期未实施、可优先转化的专利"},
			{"开放许可", "/licences", "发布专利开放许可声明及许可条件"},
			{"许可意向", "/licences/intents", "处理企业提交的许可意向"},
			{"专利检索", "/search", "检索专利，查看沉睡状态、筛选评分和开放许可条件"},
		},
	},
	auth.RoleAdmin: {
		Key: auth.RoleAdmin, Name: "平台管理员", Heading: "平台管理工作台",
		Intro: "管理平台上的机构与用户账号，并查验全平台的审计日志。",
		Nav: []navItem{
			{"机构管理", "/admin/organisations", "创建和查看银行、企业、高校等机构"},
			{"用户管理", "/admin/users", "为机构开设账号、停用账号"},
			{"审计日志", "/audit", "查询全平台的操作记录并校验日志链完整性"},
		},
	},
}

// navPaths returns every navigation path once, in a stable order.
func navPaths() []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range []string{auth.RoleIPOffice, auth.RoleEconBureau, auth.RoleBank, auth.RoleEnterprise, auth.RoleUniversity, auth.RoleAdmin} {
		for _, n := range roles[k].Nav {
			if !seen[n.Path] {
				seen[n.Path] = true
				out = append(out, n.Path)
			}
		}
	}
	return out
}
