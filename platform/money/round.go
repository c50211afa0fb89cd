package money

import (
	"fmt"
	"math/big"
	"slices"
)

// RoundHalfUp rounds x to the nearest whole fen, halves away from zero
// (四舍五入, as banks and finance bureaus round), never to even. It panics
// if the result does not fit in an int64, which no real amount reaches.
func RoundHalfUp(x *big.Rat) int64 {
	if x.Sign() < 0 {
		return -RoundHalfUp(new(big.Rat).Neg(x))
	}
	// floor(x + 1/2) for x ≥ 0: (2·num + den) div (2·den).
	n := new(big.Int).Lsh(x.Num(), 1)
	n.Add(n, x.Denom())
	d := new(big.Int).Lsh(x.Denom(), 1)
	n.Quo(n, d)
	if !n.IsInt64() {
		panic(fmt.Sprintf("money: %s fen does not fit in int64", x.FloatString(2)))
	}
	return n.Int64()
}

// FormatFen writes an exact amount of fen with four decimals, for showing
// intermediate steps of a computation; it is display only, never an input.
func FormatFen(x *big.Rat) string { return x.FloatString(4) }

// Fen converts an int64 amount of fen to a rational for exact products.
func Fen(n int64) *big.Rat { return new(big.Rat).SetInt64(n) }

// AllocateLargestRemainder splits totalFen in proportion to weights so
// that the parts sum to totalFen exactly: each part is first rounded
// down, then the fen left over go one each to the parts with the largest
// remainders, ties to the earlier index (the earlier submission). Since
// every remainder is under one fen, fewer fen are left over than there
// are parts, so no part gets more than one extra. When totalFen ≤ the sum
// of the weights, no part exceeds its weight. If all weights are zero
// every part is zero (there is nothing to be proportional to). It panics
// on a negative total or weight: those are programming errors.
func AllocateLargestRemainder(totalFen int64, weights []int64) []int64 {
	if totalFen < 0 {
		panic("money: negative total")
	}
	sum := new(big.Int)
	for _, w := range weights {
		if w < 0 {
			panic("money: negative weight")
		}
		sum.Add(sum, big.NewInt(w))
	}
	parts := make([]int64, len(weights))
	if sum.Sign() == 0 {
		return parts
	}
	rems := make([]*big.Int, len(weights))
	left := totalFen
	t := big.NewInt(totalFen)
	for i, w := range weights {
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(t, big.NewInt(w)), sum, new(big.Int))
		parts[i] = q.Int64() // q ≤ totalFen, so it fits
		rems[i] = r
		left -= parts[i]
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	// Largest remainder first; equal remainders in index order, said
	// explicitly rather than left to a stable sort.
	slices.SortFunc(order, func(a, b int) int {
		if c := rems[b].Cmp(rems[a]); c != 0 {
			return c
		}
		return a - b
	})
	for k := int64(0); k < left; k++ {
		parts[order[k]]++
	}
	return parts
}
