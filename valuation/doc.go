// Package valuation holds the pure computations behind a patent valuation
// (issue 7): the indicator score (PVD = α·LVD + β·TVD + γ·EVD), the
// income-approach value by relief from royalty, and the recommended loan
// amount for a pledge. Nothing here touches a database or HTTP; the API
// stores and serves what these functions return, as is.
//
// Numbers. Money is int64 fen. Rates, weights and scores cross the API as
// decimal strings ("0.4", "5.5") and are computed as exact math/big.Rat,
// never float, so a weight table that sums to 1 on paper sums to 1 here.
// Percentages (royalty, discount, tax, growth, pledge rates) are written in
// percent ("25" is 25 %); weights are fractions ("0.25").
//
// Rounding. Every computation is exact until the value is shown: fen
// amounts are rounded once, half up (half away from zero), to the fen, and
// scores are shown with two decimal places, half up. A total is rounded
// from the exact sum of its rows, not summed from rounded rows, so a table
// of rounded rows may differ from its total by a few fen.
package valuation
