package whitelist

import (
	"strconv"

	"github.com/ipledge/ipledge/platform/problem"
)

func itoa(i int) string { return strconv.Itoa(i) }

func asProblem(err error) (*problem.Error, bool) { return problem.As(err) }
