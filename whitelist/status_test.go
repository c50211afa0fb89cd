package whitelist

import (
	"testing"

	"github.com/ipledge/ipledge/platform/date"
)

func TestEntryStatus(t *testing.T) {
	d := date.MustParse
	published := func(state string) Entry {
		return Entry{State: state, BatchStatus: BatchPublished, EffectiveOn: d("2026-03-01"), ValidUntil: d("2027-02-28")}
	}
	cases := []struct {
		name  string
		entry Entry
		today string
		want  Status
	}{
		{"draft batch", Entry{State: EntryListed, BatchStatus: BatchDraft}, "2026-03-05", StatusPending},
		{"under public notice", Entry{State: EntryListed, BatchStatus: BatchPublicNotice}, "2026-03-05", StatusPending},
		{"published, not yet effective", published(EntryListed), "2026-02-28", StatusPending},
		{"effective day", published(EntryListed), "2026-03-01", StatusActive},
		{"last valid day is inclusive", published(EntryListed), "2027-02-28", StatusActive},
		{"day after validity", published(EntryListed), "2027-03-01", StatusExpired},
		{"suspended in force", published(EntrySuspended), "2026-06-01", StatusSuspended},
		{"suspended, then expired", published(EntrySuspended), "2027-03-01", StatusExpired},
		{"revoked outranks expiry", published(EntryRevoked), "2030-01-01", StatusRevoked},
		{"objection upheld", Entry{State: EntryRemoved, BatchStatus: BatchPublicNotice}, "2026-03-05", StatusNotListed},
	}
	for _, c := range cases {
		if got := EntryStatus(c.entry, d(c.today)); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func TestDeriveStatusNewestDecides(t *testing.T) {
	d := date.MustParse
	ent := Enterprise{USCC: "91140100MA0G3K8T2B", Name: "甲"}
	active := &Entry{NominationID: 1, State: EntryListed, BatchStatus: BatchPublished, BatchName: "2026年第1批",
		EffectiveOn: d("2026-03-01"), ValidUntil: d("2027-02-28")}
	revoked := &Entry{NominationID: 1, State: EntryRevoked, Reason: "失信", BatchStatus: BatchPublished,
		EffectiveOn: d("2026-03-01"), ValidUntil: d("2027-02-28")}
	pending := &Nomination{ID: 2, Status: NominationPending}
	rejected := &Nomination{ID: 2, Status: NominationRejected, Reason: "无有效发明专利"}
	older := &Nomination{ID: 0, Status: NominationRejected, Reason: "旧的"}
	cases := []struct {
		name       string
		entry      *Entry
		nom        *Nomination
		today      string
		want       Status
		wantReason string
	}{
		{"unknown firm", nil, nil, "2026-06-01", StatusNotListed, ""},
		{"open nomination", nil, pending, "2026-06-01", StatusPending, ""},
		{"rejected nomination keeps its reason", nil, rejected, "2026-06-01", StatusNotListed, "无有效发明专利"},
		{"active entry stands over a renewal nomination", active, pending, "2026-06-01", StatusActive, ""},
		{"expired entry, renewal pending", active, pending, "2027-06-01", StatusPending, ""},
		{"expired entry, renewal rejected", active, rejected, "2027-06-01", StatusNotListed, "无有效发明专利"},
		{"an older rejected nomination does not override", active, older, "2027-06-01", StatusExpired, ""},
		{"revoked stays revoked until a new entry", revoked, pending, "2026-06-01", StatusRevoked, "失信"},
	}
	for _, c := range cases {
		got := DeriveStatus(ent, c.entry, c.nom, d(c.today))
		if got.Status != c.want || got.Reason != c.wantReason {
			t.Errorf("%s: got %s %q, want %s %q", c.name, got.Status, got.Reason, c.want, c.wantReason)
		}
	}
}

func TestNextBoundary(t *testing.T) {
	d := date.MustParse
	r := StatusResult{EffectiveOn: d("2026-03-01"), ValidUntil: d("2027-02-28")}
	for _, c := range []struct{ today, want string }{
		{"2026-02-10", "2026-03-01"}, // activation
		{"2026-06-01", "2027-03-01"}, // expiry
		{"2027-06-01", "2027-06-02"}, // nothing ahead: tomorrow
	} {
		if got := nextBoundary(r, d(c.today)); got != d(c.want) {
			t.Errorf("today %s: boundary %s, want %s", c.today, got, c.want)
		}
	}
	if got := nextBoundary(StatusResult{}, d("2026-06-01")); got != d("2026-06-02") {
		t.Errorf("no dates: %s", got)
	}
}
