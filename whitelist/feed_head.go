package whitelist

import (
	"context"
	"fmt"
)

// LatestChangeSeq returns the sequence number of the newest change in the
// feed (0 when there is none), so that a reader can start at the newest
// page and page back.
func (s *Service) LatestChangeSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.db.GetContext(ctx, &seq, `SELECT COALESCE(max(seq), 0) FROM whitelist_changes`); err != nil {
		return 0, fmt.Errorf("change feed head: %w", err)
	}
	return seq, nil
}
