package api_test

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/ipledge/ipledge/app/apptest"
	"github.com/ipledge/ipledge/dashboard"
	"github.com/ipledge/ipledge/pledge"
	"github.com/ipledge/ipledge/whitelist"
)

func getDashboard(t *testing.T, env *apptest.Env, user string) dashboard.Dashboard {
	t.Helper()
	r := env.Do(t, http.MethodGet, v1+"/dashboard", env.Login(t, user), nil)
	r.WantStatus(t, http.StatusOK)
	var d dashboard.Dashboard
	r.JSON(t, &d)
	return d
}

func chartOf(t *testing.T, d dashboard.Dashboard, key string) *dashboard.Chart {
	t.Helper()
	c := d.Chart(key)
	if c == nil {
		t.Fatalf("no chart %s", key)
	}
	return c
}

// checkTotals: every chart's total is the sum of its rows.
func checkTotals(t *testing.T, d dashboard.Dashboard) {
	t.Helper()
	for _, c := range d.Charts {
		if c.Total == nil {
			continue
		}
		sum := make([]int64, len(c.Columns))
		for _, r := range c.Rows {
			for j, v := range r.Values {
				sum[j] += v
			}
		}
		for j := range sum {
			if sum[j] != c.Total.Values[j] {
				t.Errorf("%s: column %s sums to %d, total says %d", c.Key, c.Columns[j].Key, sum[j], c.Total.Values[j])
			}
		}
	}
}

// TestDashboardReconciles registers pledges, then checks every pledge and
// whitelist figure against the line items the pledge and whitelist APIs
// list, and each chart's total against its rows.
func TestDashboardReconciles(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ipo := env.Login(t, "ipoffice")
		registeredPledge(t, env, entAPatent1)
		b := pledgeBody(t, env, entAPatent2)
		b["contract_number"], b["secured_amount_fen"] = "ZY-2026-002", 123_456_789
		ent, bank := env.Login(t, "ent-a"), env.Login(t, "bank-a")
		r := env.Do(t, http.MethodPost, v1+"/pledges", ent, b)
		r.WantStatus(t, http.StatusCreated)
		id := pledgePath(r.Map(t)["id"])
		env.Do(t, http.MethodPost, id+"/file", ent, nil).WantStatus(t, http.StatusOK)
		env.Do(t, http.MethodPost, id+"/confirm", bank, nil).WantStatus(t, http.StatusOK)
		env.Do(t, http.MethodPost, id+"/register", ipo, nil).WantStatus(t, http.StatusOK)

		d := getDashboard(t, env, "ipoffice")
		checkTotals(t, d)

		// Pledges: the line items of GET /pledges, registered ones only.
		items, _ := walk[pledge.Pledge](t, env, ipo, v1+"/pledges", "cursor", 50)
		var n, fen int64
		byBank := map[string]int64{}
		for _, p := range items {
			if p.State == pledge.StateRegistered || p.State == pledge.StateReleased || p.State == pledge.StateEnforced {
				n++
				fen += p.SecuredAmountFen
				byBank[p.PledgeeName] += p.SecuredAmountFen
			}
		}
		if n < 3 {
			t.Fatalf("only %d registered pledges listed", n)
		}
		for _, key := range []string{dashboard.ChartPledgesByMonth, dashboard.ChartPledgesByBank, dashboard.ChartPledgesByRegion} {
			c := chartOf(t, d, key)
			if c.Total.Values[0] != n || c.Total.Values[1] != fen {
				t.Errorf("%s: total %v, the pledge list gives %d registrations, %d fen", key, c.Total.Values, n, fen)
			}
		}
		for _, row := range chartOf(t, d, dashboard.ChartPledgesByBank).Rows {
			if byBank[row.Label] != row.Values[1] {
				t.Errorf("bank %s: %d fen on the dashboard, %d in the list", row.Label, row.Values[1], byBank[row.Label])
			}
		}
		region := chartOf(t, d, dashboard.ChartPledgesByRegion)
		if len(region.Rows) == 0 || region.Rows[0].Label == "" || region.Rows[0].Label == "其他地区" {
			t.Errorf("regions: %+v", region.Rows)
		}

		// Whitelist: the entries of GET /whitelist/entries by batch and state.
		entries, _ := walk[whitelist.Entry](t, env, ipo, v1+"/whitelist/entries", "cursor", 100)
		perBatch := map[int64]map[string]int64{}
		for _, e := range entries {
			if perBatch[e.BatchID] == nil {
				perBatch[e.BatchID] = map[string]int64{}
			}
			perBatch[e.BatchID][e.State]++
		}
		wl := chartOf(t, d, dashboard.ChartWhitelist)
		var all int64
		for _, row := range wl.Rows {
			var bid int64
			for _, e := range entries {
				if row.Key == itoa(e.BatchID) {
					bid = e.BatchID
				}
			}
			for j, col := range wl.Columns[:4] {
				if got, want := row.Values[j], perBatch[bid][col.Key]; got != want {
					t.Errorf("batch %s %s: %d on the dashboard, %d entries", row.Label, col.Key, got, want)
				}
			}
			all += row.Values[4]
		}
		if all != int64(len(entries)) || wl.Total.Values[4] != all {
			t.Errorf("whitelist: %d entries on the dashboard, %d listed by the API", all, len(entries))
		}

		// The seeded target, against the pledge total.
		var tgt *dashboard.Target
		for i := range d.Targets {
			if d.Targets[i].Key == "pledge_financing" {
				tgt = &d.Targets[i]
			}
		}
		if tgt == nil || !tgt.Set || tgt.Value != 500_000_000_000 || tgt.Actual != fen || tgt.ProgressBP != fen*10000/500_000_000_000 {
			t.Errorf("pledge_financing target: %+v (pledges %d fen)", tgt, fen)
		}
		if tc := chartOf(t, d, dashboard.ChartTargets); len(tc.Rows) != 1 || tc.Rows[0].Values[1] != fen {
			t.Errorf("targets chart: %+v", tc.Rows)
		}
		// Loans outstanding: principal less principal repaid.
		if lc := chartOf(t, d, dashboard.ChartLoansOutstanding); lc.Available && lc.Total.Values[2] > lc.Total.Values[1] {
			t.Errorf("loans: outstanding above principal: %v", lc.Total.Values)
		}

		// The bureau sees the same figures; nobody else sees the dashboard.
		if b := getDashboard(t, env, "bureau"); chartOf(t, b, dashboard.ChartPledgesByMonth).Total.Values[1] != fen {
			t.Error("the bureau sees other figures")
		}
		for _, user := range []string{"bank-a", "ent-a", "tto-a", "admin"} {
			env.Do(t, http.MethodGet, v1+"/dashboard", env.Login(t, user), nil).WantProblem(t, http.StatusForbidden, "forbidden")
			env.Do(t, http.MethodGet, v1+"/dashboard/export.xlsx", env.Login(t, user), nil).WantProblem(t, http.StatusForbidden, "forbidden")
		}

		// The XLSX of a chart holds the table view, total included.
		x := env.Do(t, http.MethodGet, v1+"/dashboard/export.xlsx?chart="+dashboard.ChartPledgesByBank, ipo, nil)
		x.WantStatus(t, http.StatusOK)
		f, err := excelize.OpenReader(bytes.NewReader(x.Body))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows(f.GetSheetName(0))
		if err != nil {
			t.Fatal(err)
		}
		last := rows[len(rows)-1]
		if last[0] != "合计" || last[1] != itoa(n) || last[2] != yuanCell(fen) {
			t.Errorf("XLSX total row %v, want 合计 %d %s", last, n, yuanCell(fen))
		}
		env.Do(t, http.MethodGet, v1+"/dashboard/export.xlsx", env.Login(t, "bureau"), nil).WantStatus(t, http.StatusOK)
		env.Do(t, http.MethodGet, v1+"/dashboard/export.xlsx?chart=nope", ipo, nil).WantProblem(t, http.StatusBadRequest, "validation_failed")
	})
}

func TestDashboardTargets(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ipo := env.Login(t, "ipoffice")
		path := v1 + "/dashboard/targets/"
		stored := func() dashboard.Target {
			t.Helper()
			for _, tg := range getDashboard(t, env, "ipoffice").Targets {
				if tg.Key == "pledge_registrations" {
					return tg
				}
			}
			t.Fatal("no pledge_registrations target")
			return dashboard.Target{}
		}

		t.Run("only the IP office sets targets", func(t *testing.T) {
			for _, user := range []string{"bureau", "bank-a", "ent-a", "tto-a", "admin"} {
				env.Do(t, http.MethodPut, path+"pledge_registrations", env.Login(t, user), map[string]any{"value": 10}).
					WantProblem(t, http.StatusForbidden, "forbidden")
			}
			if stored().Set {
				t.Fatal("a refused change was stored")
			}
		})

		t.Run("bad input is refused and stores nothing", func(t *testing.T) {
			long := make([]rune, 501)
			for i := range long {
				long[i] = '字'
			}
			for _, tc := range []struct {
				name  string
				body  any
				field string
			}{
				{"missing value", map[string]any{"note": "x"}, "value"},
				{"zero", map[string]any{"value": 0}, "value"},
				{"negative", map[string]any{"value": -5}, "value"},
				{"too large", map[string]any{"value": int64(dashboard.MaxTargetValue) + 1}, "value"},
				{"note too long", map[string]any{"value": 5, "note": string(long)}, "note"},
			} {
				p := env.Do(t, http.MethodPut, path+"pledge_registrations", ipo, tc.body).WantProblem(t, http.StatusBadRequest, "validation_failed")
				if _, ok := apptest.FieldErrors(p)[tc.field]; !ok {
					t.Errorf("%s: no field error on %s: %v", tc.name, tc.field, p)
				}
			}
			for _, body := range []any{map[string]any{"value": "5"}, map[string]any{"value": 5, "extra": 1}, map[string]any{"value": 1.5}} {
				env.Do(t, http.MethodPut, path+"pledge_registrations", ipo, body).WantStatus(t, http.StatusBadRequest)
			}
			env.Do(t, http.MethodPut, path+"no_such_target", ipo, map[string]any{"value": 5}).WantProblem(t, http.StatusNotFound, "not_found")
			if stored().Set {
				t.Fatal("a refused change was stored")
			}
		})

		t.Run("a target is set, audited and drawn against the actual figure", func(t *testing.T) {
			r := env.Do(t, http.MethodPut, path+"pledge_registrations", ipo, map[string]any{"value": 200, "note": "年度计划"})
			r.WantStatus(t, http.StatusOK)
			var tg dashboard.Target
			r.JSON(t, &tg)
			if !tg.Set || tg.Value != 200 || tg.Note != "年度计划" || tg.UpdatedBy == nil {
				t.Fatalf("target %+v", tg)
			}
			if got := stored(); got.Value != 200 || got.ProgressBP != got.Actual*10000/200 {
				t.Fatalf("stored %+v", got)
			}
			if len(findAudit(auditLog(t, env), "dashboard.set_target", "")) == 0 {
				// findAudit filters by request id when given; fall back to a scan.
				found := false
				for _, rec := range auditLog(t, env) {
					found = found || rec.Action == "dashboard.set_target"
				}
				if !found {
					t.Error("the change is not in the audit log")
				}
			}
			d := getDashboard(t, env, "bureau")
			if tc := d.Chart(dashboard.ChartTargets); tc == nil || len(tc.Rows) != 2 {
				t.Errorf("targets chart after setting a second target: %+v", tc)
			}
		})
	})
}

// yuanCell is an amount in fen as the XLSX shows it (a number of yuan).
func yuanCell(fen int64) string { return strconv.FormatFloat(float64(fen)/100, 'f', -1, 64) }
