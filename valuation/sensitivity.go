package valuation

import "math/big"

// SensitivityCell is the value at one combination of shifted rates.
type SensitivityCell struct {
	DiscountShift string `json:"discount_shift"` // percentage points: "-2", "0", "+2"
	RoyaltyShift  string `json:"royalty_shift"`  // relative: "-25%", "0%", "+25%"
	DiscountRate  string `json:"discount_rate"`  // the rate used, percent
	RoyaltyRate   string `json:"royalty_rate"`   // the rate used, percent
	ValueFen      int64  `json:"value_fen"`
}

// Sensitivity grid: rows shift the discount rate by −2, 0, +2 percentage
// points, columns scale the royalty rate by 75 %, 100 %, 125 %. A shifted
// discount rate below 0 is taken as 0 and a royalty rate above 100 % as
// 100 %; the cell shows the rate actually used.
var (
	discountShifts = []struct {
		label string
		by    int64
	}{{"-2", -2}, {"0", 0}, {"+2", 2}}
	royaltyShifts = []struct {
		label string
		by    *big.Rat
	}{{"-25%", big.NewRat(3, 4)}, {"0%", big.NewRat(1, 1)}, {"+25%", big.NewRat(5, 4)}}
)

// sensitivity returns the grid; ok is false if a cell does not fit int64.
func (p incomeParams) sensitivity() (grid [][]SensitivityCell, ok bool) {
	ok = true
	grid = make([][]SensitivityCell, 0, len(discountShifts))
	for _, ds := range discountShifts {
		d := new(big.Rat).Add(p.discount, ratInt(ds.by))
		if d.Sign() < 0 {
			d.SetInt64(0)
		}
		row := make([]SensitivityCell, 0, len(royaltyShifts))
		for _, rs := range royaltyShifts {
			r := minRat(new(big.Rat).Mul(p.royalty, rs.by), ratHundred)
			total, _ := p.compute(r, d)
			v, fits := roundFen(total)
			ok = ok && fits
			row = append(row, SensitivityCell{DiscountShift: ds.label, RoyaltyShift: rs.label,
				DiscountRate: decimalString(d), RoyaltyRate: decimalString(r), ValueFen: v})
		}
		grid = append(grid, row)
	}
	return grid, ok
}
