package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ipledge/ipledge/account"
	"github.com/ipledge/ipledge/platform/page"
	"github.com/ipledge/ipledge/pledge"
	"github.com/ipledge/ipledge/registry"
)

// The enterprise's pledge request form: submitted, it creates the
// request and files it with the bank at once.

// plFormFields are the request form's text fields.
var plFormFields = []string{"pledgee_org_id", "amount", "contract_number", "contract_date", "debt_start", "debt_end",
	"pledgor_address", "pledgee_address", "scope", "secured_claim_kind", "annual_fee_payer"}

// plDeclarations are the form's checkboxes besides the patents.
var plDeclarations = []string{"transfer_allowed", "licensing_allowed", "forfeiture_clause", "all_co_owners_consent",
	"special_agreement", "confirmed_dual_filing", "confirmed_invalidation"}

type option struct {
	Value string
	Label string
}

type newView struct {
	Patents   []registry.Patent
	Banks     []account.Organisation
	Claims    []option
	Payers    []option
	Err       *formError
	NoPatents bool
}

func (s *Server) plNewForm(w http.ResponseWriter, r *http.Request, sess *session) {
	fe := newFormError("new", 0, "")
	fe.Values = map[string]string{"secured_claim_kind": pledge.ClaimLoan, "annual_fee_payer": "pledgor"}
	if n := r.URL.Query().Get("patent"); n != "" {
		fe.Values["asset:"+n] = "1"
	}
	s.renderNew(w, r, sess, http.StatusOK, fe)
}

func (s *Server) renderNew(w http.ResponseWriter, r *http.Request, sess *session, status int, fe *formError) {
	ctx := r.Context()
	pats, err := s.registry.List(ctx, page.Request{Limit: page.MaxLimit}, sess.Org.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	banks, err := s.accounts.Organisations(ctx, page.Request{Limit: page.MaxLimit}, account.KindBank)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := newView{Patents: pats.Items, Banks: banks.Items, Err: fe, NoPatents: len(pats.Items) == 0}
	for _, k := range claimKinds {
		v.Claims = append(v.Claims, option{k, claimKindLabels[k]})
	}
	for _, k := range feePayers {
		v.Payers = append(v.Payers, option{k, feePayerLabels[k]})
	}
	s.render(w, r, sess, status, "pl_new", "新建质押申请", pathPLApplications, v)
}

func (s *Server) plCreate(w http.ResponseWriter, r *http.Request, sess *session) {
	if !s.parseForm(w, r, sess) {
		return
	}
	f := r.PostForm
	raw := map[string]string{}
	for _, k := range append(plFormFields, plDeclarations...) {
		raw[k] = f.Get(k)
	}
	local := newFormError("new", 0, "")
	local.Values = raw
	in := pledge.RequestInput{PledgorAddress: raw["pledgor_address"], PledgeeAddress: raw["pledgee_address"],
		ContractNumber: raw["contract_number"], Scope: raw["scope"], SecuredClaimKind: raw["secured_claim_kind"],
		AnnualFeePayer:  raw["annual_fee_payer"],
		ContractDate:    parseDate(local, "contract_date", raw["contract_date"]),
		DebtStart:       parseDate(local, "debt_start", raw["debt_start"]),
		DebtEnd:         parseDate(local, "debt_end", raw["debt_end"]),
		TransferAllowed: raw["transfer_allowed"] != "", LicensingAllowed: raw["licensing_allowed"] != "",
		ForfeitureClause: raw["forfeiture_clause"] != "", AllCoOwnersConsent: raw["all_co_owners_consent"] != "",
		SpecialAgreement: raw["special_agreement"] != "", ConfirmedDualFiling: raw["confirmed_dual_filing"] != "",
		ConfirmedInvalidation: raw["confirmed_invalidation"] != ""}
	for k, msg := range local.Fields {
		local.Fields[k] = strings.Replace(msg, fieldLabel(k), plFieldLabel(k), 1)
	}
	for _, n := range f["assets"] {
		if n = strings.TrimSpace(n); n != "" {
			in.Assets = append(in.Assets, pledge.AssetInput{Kind: pledge.AssetPatent, Number: n})
			raw["asset:"+n] = "1"
		}
	}
	if v := strings.TrimSpace(raw["pledgee_org_id"]); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			local.field("pledgee_org_id", "请从列表中选择银行")
		}
		in.PledgeeOrgID = id
	}
	if fen, msg := parseYuan(raw["amount"]); msg != "" {
		local.field("amount", msg)
	} else {
		in.SecuredAmountFen = fen
	}
	if len(local.Fields) > 0 {
		local.Message = "提交的内容有误，请按提示修改。"
		if len(local.Fields) == 1 {
			for _, m := range local.Fields {
				local.Message = m + "。"
			}
		}
		s.renderNew(w, r, sess, http.StatusBadRequest, local)
		return
	}
	a := s.actor(r, sess.Principal)
	p, err := s.pledges.Create(r.Context(), a, in)
	if err != nil {
		s.plRefused(w, r, err, "new", 0, raw, func(fe *formError) { s.renderNew(w, r, sess, fe.Status, fe) })
		return
	}
	if _, err := s.pledges.File(r.Context(), a, p.ID); err != nil {
		logger(r).Error("pledge saved but not filed", "pledge", p.ID, "err", err)
		s.redirectFlash(w, r, plPath(p.ID), "申请已保存为草稿，但未能提交银行确认，请在本页重新提交。")
		return
	}
	s.redirectFlash(w, r, plPath(p.ID), fmt.Sprintf("质押申请已提交%s确认，合同号 %s。", p.PledgeeName, p.ContractNumber))
}

// maxYuanDigits bounds the integer part of an amount in yuan: twelve
// digits is ¥999,999,999,999, beyond the service's cap and far from
// int64 overflow once in fen.
const maxYuanDigits = 12

// parseYuan reads an amount in yuan ("3000000", "3,000,000.50", "0.5")
// exactly into fen, without floating point; msg says in Chinese what is
// wrong, or is "".
func parseYuan(s string) (fen int64, msg string) {
	return yuanToFen(s, "被担保债权数额", false)
}

// yuanToFen is parseYuan for any amount: label names it in the messages,
// and zeroOK admits 0 (a year without revenue).
func yuanToFen(s, label string, zeroOK bool) (fen int64, msg string) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "¥"), "￥")
	s = strings.ReplaceAll(s, ",", "")
	s = strings.ReplaceAll(s, "，", "")
	if s == "" {
		return 0, "请填写" + label
	}
	if strings.HasPrefix(s, "-") {
		if zeroOK {
			return 0, label + "不能为负数"
		}
		return 0, label + "须大于 0"
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if intPart == "" || (hasPoint && frac == "") || !digits(intPart) || !digits(frac) {
		return 0, label + "请填写以元为单位的数字，如 3000000 或 3000000.50"
	}
	if len(frac) > 2 {
		return 0, label + "最多精确到分（小数点后两位）"
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > maxYuanDigits {
		return 0, label + "不能超过 1000 亿元"
	}
	frac += strings.Repeat("0", 2-len(frac))
	for _, c := range intPart + frac {
		fen = fen*10 + int64(c-'0')
	}
	if fen == 0 && !zeroOK {
		return 0, label + "须大于 0"
	}
	return fen, ""
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
