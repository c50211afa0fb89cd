package whitelist

import "github.com/ipledge/ipledge/platform/date"

// EntryStatus derives the status of one entry on a day. Expiry and
// activation are computed on read, so no job can forget them: an entry is
// pending until its batch is published and its effective date comes,
// active until its validity end (inclusive), then expired. Revocation is
// final and outranks expiry; a suspension shows only while the entry
// would otherwise be in force.
func EntryStatus(e Entry, today date.Date) Status {
	switch {
	case e.State == EntryRemoved:
		return StatusNotListed
	case e.State == EntryRevoked:
		return StatusRevoked
	case e.BatchStatus != BatchPublished || e.EffectiveOn.IsZero():
		return StatusPending
	case today.After(e.ValidUntil):
		return StatusExpired
	case today.Before(e.EffectiveOn):
		return StatusPending
	case e.State == EntrySuspended:
		return StatusSuspended
	default:
		return StatusActive
	}
}

// DeriveStatus answers a status check from an enterprise's newest entry
// and newest nomination that did not become an entry (either may be
// absent). The newest entry decides while it stands (active, suspended,
// revoked, pending); when it has expired or been removed — or when there
// is none — a newer open nomination makes the firm pending, and a newer
// rejected one not_listed with its reason. A revoked firm comes back only
// through a new entry, so a nomination does not change its status.
func DeriveStatus(ent Enterprise, entry *Entry, nom *Nomination, today date.Date) StatusResult {
	r := StatusResult{USCC: ent.USCC, Name: ent.Name, Status: StatusNotListed}
	if entry != nil {
		r.Status = EntryStatus(*entry, today)
		r.Batch = entry.BatchName
		r.EffectiveOn, r.ValidUntil = entry.EffectiveOn, entry.ValidUntil
		if r.Status != StatusActive && r.Status != StatusPending {
			r.Reason = entry.Reason
		}
	}
	entryStands := entry != nil && r.Status != StatusExpired && r.Status != StatusNotListed
	if nom != nil && !entryStands && (entry == nil || nom.ID > entry.NominationID) {
		r.Batch, r.EffectiveOn, r.ValidUntil = "", date.Date{}, date.Date{}
		switch nom.Status {
		case NominationPending:
			r.Status, r.Reason = StatusPending, ""
		case NominationRejected:
			r.Status, r.Reason = StatusNotListed, nom.Reason
		}
	}
	return r
}

// nextBoundary is the first day on which a status derived today may
// change by the calendar alone (activation or expiry); a cached status
// must not outlive it.
func nextBoundary(r StatusResult, today date.Date) date.Date {
	tomorrow := today.AddDays(1)
	switch {
	case !r.EffectiveOn.IsZero() && today.Before(r.EffectiveOn):
		return r.EffectiveOn
	case !r.ValidUntil.IsZero() && !today.After(r.ValidUntil):
		return r.ValidUntil.AddDays(1)
	}
	return tomorrow
}
