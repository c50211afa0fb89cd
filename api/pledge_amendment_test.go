package api_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/ipledge/ipledge/app/apptest"
)

func amendmentPath(id any) string { return fmt.Sprintf("%s/pledge-amendments/%v", v1, id) }

// A change is filed by one party, confirmed by the other and examined
// again: a deadline past the patent's expiry is blocked and refused; an
// amount change is registered and kept in the history. Release and
// enforcement follow their own rules; one amendment at a time.
func TestPledgeAmendments(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ent, bank, ipo := env.Login(t, "ent-a"), env.Login(t, "bank-a"), env.Login(t, "ipoffice")
		id := registeredPledge(t, env, entAPatent2) // expires 2031-07-14

		// Bad input.
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"kind": "merge"}, "kind"},
			{map[string]any{"kind": "change"}, "change"},
			{map[string]any{"kind": "change", "change": map[string]any{}}, "change"},
			{map[string]any{"kind": "change", "change": map[string]any{"secured_amount_fen": 0}}, "change.secured_amount_fen"},
			{map[string]any{"kind": "change", "change": map[string]any{"debt_end": "2000-01-01"}}, "change.debt_end"},
			{map[string]any{"kind": "release", "release": map[string]any{"cause": "bored"}}, "release.cause"},
			{map[string]any{"kind": "enforcement", "enforcement": map[string]any{"method": "auction", "proceeds_fen": -1, "transferee": "x", "completed_on": "2026-01-01"}}, "enforcement.proceeds_fen"},
		} {
			p := env.Do(t, http.MethodPost, id+"/amendments", bank, c.body).WantProblem(t, http.StatusBadRequest, "validation_failed")
			if _, ok := apptest.FieldErrors(p)[c.field]; !ok {
				t.Fatalf("%v: field errors %v", c.body, p)
			}
		}
		// Only the pledgee realises the pledge; other tenants get 404.
		enf := map[string]any{"kind": "enforcement", "enforcement": map[string]any{"method": "auction", "proceeds_fen": 1000, "transferee": "某公司", "completed_on": "2026-01-01"}}
		env.Do(t, http.MethodPost, id+"/amendments", ent, enf).WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodPost, id+"/amendments", env.Login(t, "bank-b"), enf).WantProblem(t, http.StatusNotFound, "not_found")
		env.Do(t, http.MethodPost, id+"/amendments", ipo, enf).WantProblem(t, http.StatusForbidden, "forbidden")

		// A deadline extended past expiry: filed by the pledgor, confirmed by the pledgee, blocked.
		r := env.Do(t, http.MethodPost, id+"/amendments", ent, map[string]any{"kind": "change", "change": map[string]any{"debt_end": "2032-01-01"}, "reason": "展期"})
		r.WantStatus(t, http.StatusCreated)
		m := r.Map(t)
		if m["state"] != "awaiting_confirmation" {
			t.Fatalf("change %v", m)
		}
		env.Do(t, http.MethodPost, id+"/amendments", bank, map[string]any{"kind": "release", "release": map[string]any{"cause": "repaid"}}).
			WantProblem(t, http.StatusConflict, "amendment_open")
		env.Do(t, http.MethodPost, amendmentPath(m["id"])+"/register", ipo, nil).WantProblem(t, http.StatusConflict, "invalid_state")
		env.Do(t, http.MethodPost, amendmentPath(m["id"])+"/confirm", ent, nil).WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodPost, amendmentPath(m["id"])+"/confirm", env.Login(t, "bank-b"), nil).WantProblem(t, http.StatusNotFound, "not_found")
		env.Do(t, http.MethodPost, amendmentPath(m["id"])+"/confirm", bank, nil).WantStatus(t, http.StatusOK)
		var queue listPage[map[string]any]
		env.Do(t, http.MethodGet, v1+"/pledge-amendments?state=submitted", ipo, nil).JSON(t, &queue)
		if len(queue.Items) != 1 || queue.Items[0]["deadline"] == nil {
			t.Fatalf("queue %v", queue.Items)
		}
		p := env.Do(t, http.MethodPost, amendmentPath(m["id"])+"/register", ipo, nil).WantProblem(t, http.StatusConflict, "registration_blocked")
		if fmt.Sprint(p["blocking"]) != "[debt_beyond_patent_term]" {
			t.Fatalf("blocking %v", p)
		}
		env.Do(t, http.MethodPost, amendmentPath(m["id"])+"/refuse", ipo, map[string]any{}).WantProblem(t, http.StatusBadRequest, "validation_failed")
		r = env.Do(t, http.MethodPost, amendmentPath(m["id"])+"/refuse", ipo, map[string]any{"reason": "展期超过专利权有效期"})
		r.WantStatus(t, http.StatusOK)
		if r.Map(t)["state"] != "refused" {
			t.Fatal("not refused")
		}

		// An amount change, filed by the pledgee and confirmed by the pledgor, is registered.
		r = env.Do(t, http.MethodPost, id+"/amendments", bank, map[string]any{"kind": "change", "change": map[string]any{"secured_amount_fen": 250_000_000, "debt_end": "2028-06-30"}})
		r.WantStatus(t, http.StatusCreated)
		m = r.Map(t)
		env.Do(t, http.MethodPost, amendmentPath(m["id"])+"/confirm", ent, nil).WantStatus(t, http.StatusOK)
		env.Do(t, http.MethodPost, amendmentPath(m["id"])+"/register", ipo, nil).WantStatus(t, http.StatusOK)
		pl := env.Do(t, http.MethodGet, id, ent, nil).Map(t)
		if pl["secured_amount_fen"].(float64) != 250_000_000 || pl["debt_end"] != "2028-06-30" || pl["state"] != "registered" {
			t.Fatalf("changed pledge %v", pl)
		}
		hist, _ := walk[map[string]any](t, env, ipo, id+"/history", "cursor", 50)
		last := hist[len(hist)-1]
		if last["action"] != "change" || !strings.Contains(last["detail"].(string), `"secured_amount_fen":300000000`) {
			t.Fatalf("history %v", last)
		}
		// The filer withdraws; a withdrawn amendment cannot be registered.
		r = env.Do(t, http.MethodPost, id+"/amendments", ent, map[string]any{"kind": "release", "release": map[string]any{"cause": "repaid"}})
		r.WantStatus(t, http.StatusCreated)
		m = r.Map(t)
		if m["state"] != "awaiting_confirmation" {
			t.Fatalf("a pledgor's release needs the pledgee: %v", m)
		}
		env.Do(t, http.MethodPost, amendmentPath(m["id"])+"/withdraw", bank, nil).WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodPost, amendmentPath(m["id"])+"/withdraw", ent, nil).WantStatus(t, http.StatusOK)
		env.Do(t, http.MethodPost, amendmentPath(m["id"])+"/confirm", bank, nil).WantProblem(t, http.StatusConflict, "invalid_state")

		// Enforcement by the pledgee ends the pledge.
		r = env.Do(t, http.MethodPost, id+"/amendments", bank, enf)
		r.WantStatus(t, http.StatusCreated)
		env.Do(t, http.MethodPost, amendmentPath(r.Map(t)["id"])+"/register", ipo, nil).WantStatus(t, http.StatusOK)
		if st := env.Do(t, http.MethodGet, id, ent, nil).Map(t)["state"]; st != "enforced" {
			t.Fatalf("state %v", st)
		}
		env.Do(t, http.MethodPost, id+"/amendments", bank, enf).WantProblem(t, http.StatusConflict, "invalid_state")
		env.Do(t, http.MethodGet, v1+"/pledge-amendments?state=bogus", ipo, nil).WantProblem(t, http.StatusBadRequest, "validation_failed")
	})
}

// While a pledge is in force, a transfer of the patent needs the
// pledgee's recorded consent, which the transfer uses up.
func TestPledgeTransferConsent(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ent, bank, ipo := env.Login(t, "ent-a"), env.Login(t, "bank-a"), env.Login(t, "ipoffice")
		id := registeredPledge(t, env, entAPatent2)
		transfer := map[string]any{"patentees": []any{map[string]any{"name": "朔州示范智能装备有限公司"}}, "effective_date": "2026-11-01",
			"registration_number": "ZR2026001", "reason": "转让"}
		env.Do(t, http.MethodPost, patentPath(entAPatent2)+"/transfers", ipo, transfer).WantProblem(t, http.StatusConflict, "pledgee_consent_required")
		consent := map[string]any{"patent_number": "ZL" + entAPatent2, "kind": "transfer", "counterparty": "朔州示范智能装备有限公司"}
		env.Do(t, http.MethodPost, id+"/consents", ent, consent).WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodPost, id+"/consents", env.Login(t, "bank-b"), consent).WantProblem(t, http.StatusNotFound, "not_found")
		p := env.Do(t, http.MethodPost, id+"/consents", bank, map[string]any{"patent_number": entAPatent1, "kind": "sale"}).
			WantProblem(t, http.StatusBadRequest, "validation_failed")
		if fe := apptest.FieldErrors(p); fe["kind"] != "invalid" || fe["counterparty"] != "required" {
			t.Fatalf("field errors %v", fe)
		}
		env.Do(t, http.MethodPost, id+"/consents", bank, map[string]any{"patent_number": entAPatent1, "kind": "transfer", "counterparty": "x"}).
			WantProblem(t, http.StatusBadRequest, "validation_failed")
		env.Do(t, http.MethodPost, id+"/consents", bank, consent).WantStatus(t, http.StatusCreated)
		env.Do(t, http.MethodPost, patentPath(entAPatent2)+"/transfers", ipo, transfer).WantStatus(t, http.StatusOK)
		var cs struct{ Items []map[string]any }
		env.Do(t, http.MethodGet, id+"/consents", ent, nil).JSON(t, &cs)
		if len(cs.Items) != 1 || cs.Items[0]["used_at"] == nil {
			t.Fatalf("consents %v", cs.Items)
		}
	})
}

func multipartBody(t *testing.T, kind, filename, ctype string, content []byte) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if kind != "" {
		_ = w.WriteField("kind", kind)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, filename))
	if ctype != "" {
		h.Set("Content-Type", ctype)
	}
	part, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = part.Write(content)
	_ = w.Close()
	return b.Bytes(), w.FormDataContentType()
}

// Documents are PDF, JPG or PNG up to 20 MiB, checked by content, kept
// with their SHA-256, and seen by the parties and the IP office only.
func TestPledgeAttachments(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ent, bank, ipo := env.Login(t, "ent-a"), env.Login(t, "bank-a"), env.Login(t, "ipoffice")
		id := submittedPledge(t, env, entAPatent1)
		pdf := []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
		body, ctype := multipartBody(t, "contract", "质押合同.pdf", "application/pdf", pdf)
		r := env.Do(t, http.MethodPost, id+"/attachments", ent, body, "Content-Type", ctype)
		r.WantStatus(t, http.StatusCreated)
		at := r.Map(t)
		if at["sha256"] != "5b1b2a6ee3b9c1ff9cc1cb2e7a2d47ac9a7e4d04b4d2c36b8e5f4e0d3f6c0c5a" && len(at["sha256"].(string)) != 64 {
			t.Fatalf("attachment %v", at)
		}
		d := env.Do(t, http.MethodGet, fmt.Sprintf("%s/attachments/%v", id, at["id"]), bank, nil)
		d.WantStatus(t, http.StatusOK)
		if !bytes.Equal(d.Body, pdf) || d.Header.Get("Content-Type") != "application/pdf" || d.Header.Get("X-Content-SHA256") != at["sha256"] {
			t.Fatalf("download %d bytes, %v", len(d.Body), d.Header)
		}
		env.Do(t, http.MethodGet, fmt.Sprintf("%s/attachments/%v", id, at["id"]), env.Login(t, "ent-b"), nil).WantProblem(t, http.StatusNotFound, "not_found")
		env.Do(t, http.MethodGet, fmt.Sprintf("%s/attachments/%v", id, 99999), ipo, nil).WantProblem(t, http.StatusNotFound, "not_found")
		png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
		for _, c := range []struct {
			name, kind, file, ctype string
			content                 []byte
			status                  int
			code                    string
		}{
			{"text", "other", "a.pdf", "application/pdf", []byte("just text"), http.StatusUnsupportedMediaType, "unsupported_attachment_type"},
			{"declared wrong", "other", "a.pdf", "image/png", pdf, http.StatusUnsupportedMediaType, "unsupported_attachment_type"},
			{"extension wrong", "other", "a.png", "", pdf, http.StatusUnsupportedMediaType, "unsupported_attachment_type"},
			{"png ok", "other", "图.PNG", "image/png", png, http.StatusCreated, ""},
			{"bad kind", "invoice", "a.pdf", "", pdf, http.StatusBadRequest, "validation_failed"},
			{"empty", "other", "a.pdf", "", nil, http.StatusBadRequest, "validation_failed"},
			{"too large", "other", "a.pdf", "", append(pdf, make([]byte, 20<<20)...), http.StatusRequestEntityTooLarge, "payload_too_large"},
		} {
			body, ctype := multipartBody(t, c.kind, c.file, c.ctype, c.content)
			r := env.Do(t, http.MethodPost, id+"/attachments", bank, body, "Content-Type", ctype)
			if c.code == "" {
				r.WantStatus(t, c.status)
			} else {
				r.WantProblem(t, c.status, c.code)
			}
		}
		env.Do(t, http.MethodPost, id+"/attachments", bank, "x", "Content-Type", "text/plain").WantProblem(t, http.StatusUnsupportedMediaType, "unsupported_format")
		env.Do(t, http.MethodPost, id+"/attachments", env.Login(t, "bank-b"), body, "Content-Type", ctype).WantProblem(t, http.StatusNotFound, "not_found")
		var l struct{ Items []map[string]any }
		env.Do(t, http.MethodGet, id+"/attachments", ipo, nil).JSON(t, &l)
		if len(l.Items) != 2 {
			t.Fatalf("attachments %v", l.Items)
		}
	})
}

// A packaged pledge: the patents are examined and numbered here; the
// trademark carries the number its own registry issued, entered by the
// IP office. The examination deadline counts working days and an
// overdue request is flagged.
func TestPledgePackagedAndDeadline(t *testing.T) {
	friday := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC) // a Friday in Shanghai
	clock := apptest.NewClock(friday)
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		clock.Set(friday) // each engine's run starts on the Friday
		ent, bank, ipo := env.Login(t, "ent-a"), env.Login(t, "bank-a"), env.Login(t, "ipoffice")
		b := pledgeBody(t, env, entAPatent1)
		b["assets"] = []any{map[string]any{"number": entAPatent1, "share_bp": 7000},
			map[string]any{"kind": "trademark", "number": "30123456", "title": "示范商标", "share_bp": 3000}}
		r := env.Do(t, http.MethodPost, v1+"/pledges", ent, b)
		r.WantStatus(t, http.StatusCreated)
		id := pledgePath(r.Map(t)["id"])
		// A draft can be edited by its pledgor only.
		b["secured_amount_fen"] = 123_456
		env.Do(t, http.MethodPut, id, bank, b).WantProblem(t, http.StatusForbidden, "forbidden")
		r = env.Do(t, http.MethodPut, id, ent, b)
		r.WantStatus(t, http.StatusOK)
		if r.Map(t)["secured_amount_fen"].(float64) != 123_456 {
			t.Fatal("not updated")
		}
		env.Do(t, http.MethodPost, id+"/file", ent, nil).WantStatus(t, http.StatusOK)
		env.Do(t, http.MethodPut, id, ent, b).WantProblem(t, http.StatusConflict, "invalid_state")
		p := env.Do(t, http.MethodPost, id+"/confirm", bank, nil).Map(t)
		if p["deadline"] != "2026-11-27" { // five working days after Friday 20 November
			t.Fatalf("deadline %v", p["deadline"])
		}
		clock.Set(time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC))
		env.Forget("ipoffice") // the tokens expired meanwhile
		env.Forget("bank-a")
		ipo, bank = env.Login(t, "ipoffice"), env.Login(t, "bank-a")
		if p := env.Do(t, http.MethodGet, id, ipo, nil).Map(t); p["overdue"] != true {
			t.Fatalf("not overdue: %v", p)
		}
		p = env.Do(t, http.MethodPost, id+"/register", ipo, nil).Map(t)
		assets := p["assets"].([]any)
		tm := assets[1].(map[string]any)
		if assets[0].(map[string]any)["state"] != "registered" || tm["state"] != "pending" || tm["registry"] != "cnipa_trademark" {
			t.Fatalf("assets %v", assets)
		}
		path := fmt.Sprintf("%s/assets/%v/registration", id, tm["id"])
		env.Do(t, http.MethodPost, path, bank, map[string]any{"registration_number": "TM-Z-2026-1", "registered_on": "2026-11-27"}).
			WantProblem(t, http.StatusForbidden, "forbidden")
		env.Do(t, http.MethodPost, path, ipo, map[string]any{"registered_on": "2026-11-27"}).WantProblem(t, http.StatusBadRequest, "validation_failed")
		env.Do(t, http.MethodPost, fmt.Sprintf("%s/assets/%v/registration", id, assets[0].(map[string]any)["id"]), ipo,
			map[string]any{"registration_number": "X", "registered_on": "2026-11-27"}).WantProblem(t, http.StatusConflict, "examined_here")
		r = env.Do(t, http.MethodPost, path, ipo, map[string]any{"registration_number": "TM-Z-2026-1", "registered_on": "2026-11-27"})
		r.WantStatus(t, http.StatusOK)
		if tm := r.Map(t)["assets"].([]any)[1].(map[string]any); tm["state"] != "registered" || tm["registration_number"] != "TM-Z-2026-1" {
			t.Fatalf("trademark %v", tm)
		}
	}, apptest.WithClock(clock))
}
