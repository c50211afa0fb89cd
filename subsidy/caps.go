package subsidy

// ApplyCaps limits amountFen by what remains of the enterprise's annual
// cap (prior subsidies of the same policy year) and cumulative cap (all
// prior subsidies given). A cap that exactly equals the amount does not
// count as hit: nothing was cut.
func ApplyCaps(p Policy, amountFen int64, prior []Prior) Caps {
	c := Caps{UncappedFen: amountFen, SubsidyFen: amountFen}
	var year, all int64
	for _, pr := range prior {
		all += pr.AmountFen
		if pr.PolicyYear == p.Year {
			year += pr.AmountFen
		}
	}
	limit := func(capFen, used int64, name string) *int64 {
		rem := max(capFen-used, 0)
		if c.SubsidyFen > rem {
			c.SubsidyFen, c.CapHit = rem, name
		}
		return &rem
	}
	if p.AnnualCapFen > 0 {
		c.AnnualRemainingFen = limit(p.AnnualCapFen, year, "annual")
	}
	if p.CumulativeCapFen > 0 {
		c.CumulativeRemainingFen = limit(p.CumulativeCapFen, all, "cumulative")
	}
	return c
}
