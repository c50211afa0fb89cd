package subsidy

import (
	"slices"

	"github.com/ipledge/ipledge/platform/money"
)

// AllocateBudget decides what each approved application receives when a
// round closes. approvedFen must be in submission order, because ties go
// to the earlier submission. If the approved amounts fit the budget each
// gets its full amount; otherwise each is scaled by budget / total,
// rounded down to the fen, and the leftover fen go one each to the
// largest remainders, so that the parts sum to the budget exactly and no
// part exceeds its approved amount.
func AllocateBudget(budgetFen int64, approvedFen []int64) []int64 {
	var total int64
	for _, a := range approvedFen {
		total += a
	}
	if total <= budgetFen {
		return slices.Clone(approvedFen)
	}
	return money.AllocateLargestRemainder(budgetFen, approvedFen)
}
