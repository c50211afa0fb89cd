package pledge

import (
	"context"

	"github.com/ipledge/ipledge/platform/date"
	"github.com/ipledge/ipledge/platform/db"
)

// LastPledgedOn returns, in q, the date the patent's most recent pledge
// was registered (whether still in force, released or enforced since), or
// the zero date when it was never pledged, and whether a pledge is in
// force on it now. The licensing domain counts a pledge as activity when
// it tells whether a patent is dormant.
func (s *Service) LastPledgedOn(ctx context.Context, q db.Queryer, patentID int64) (last date.Date, inForce bool, err error) {
	var row struct {
		Last    date.Date `db:"last"`
		InForce int       `db:"in_force"`
	}
	err = q.GetContext(ctx, &row, s.st.q(`SELECT MAX(registered_on) AS last,
		COUNT(CASE WHEN state = 'registered' THEN 1 END) AS in_force FROM pledge_assets WHERE patent_id = ?
		AND registered_on IS NOT NULL AND state IN ('registered','released','enforced')`), patentID)
	if err != nil {
		return date.Date{}, false, err
	}
	return row.Last, row.InForce > 0, nil
}
