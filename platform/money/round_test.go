package money

import (
	"math/big"
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestRoundHalfUp(t *testing.T) {
	tests := []struct {
		num, den int64
		want     int64
	}{
		{1, 2, 1},    // exactly half goes up, not to even (banker's rounding gives 0)
		{5, 2, 3},    // 2.5 → 3 (banker's would give 2)
		{3, 2, 2},    // 1.5 → 2
		{49, 100, 0}, // 0.49 → 0
		{51, 100, 1},
		{10, 1, 10},
		{0, 1, 0},
		{-1, 2, -1}, // halves go away from zero for negative amounts too
		{-5, 2, -3},
		{-49, 100, 0},
		{1013888889, 1000000, 1014}, // 1013.888889
	}
	for _, tt := range tests {
		if got := RoundHalfUp(big.NewRat(tt.num, tt.den)); got != tt.want {
			t.Errorf("RoundHalfUp(%d/%d) = %d, want %d", tt.num, tt.den, got, tt.want)
		}
	}
}

func TestRoundHalfUpOverflowPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	x := new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), 70))
	RoundHalfUp(x)
}

func TestAllocateLargestRemainder(t *testing.T) {
	tests := []struct {
		name    string
		total   int64
		weights []int64
		want    []int64
	}{
		// DOMAIN.md: a ¥100k claim, ¥1M approved in total, ¥500k budget → ¥50k.
		{"domain example", 50_000_000, []int64{10_000_000, 40_000_000, 50_000_000}, []int64{5_000_000, 20_000_000, 25_000_000}},
		// 100 fen over three equal claims: 33 each, 1 left, remainders tie → index 0.
		{"tie goes to earlier", 100, []int64{1, 1, 1}, []int64{34, 33, 33}},
		// 1 fen budget: every share rounds down to 0, the fen goes to the largest
		// remainder: 1·w/10 → remainders 2, 3, 5 (of 10) → the third claim.
		{"1 fen budget", 1, []int64{2, 3, 5}, []int64{0, 0, 1}},
		// 10 fen over 3,3,4 (sum 10): exact, nothing left over.
		{"exact", 10, []int64{3, 3, 4}, []int64{3, 3, 4}},
		// 7 fen over 1,2,4 (sum 7) in the other order of remainders.
		// 5·1/7=0 r5, 5·2/7=1 r3, 5·4/7=2 r6 → floors 0,1,2 (3), 2 left → idx2 (r6), idx0 (r5).
		{"largest remainders", 5, []int64{1, 2, 4}, []int64{1, 1, 3}},
		// Many ties (enough to leave insertion sort): 25 over 20 equal weights gives
		// 1 each and 5 left over, which go to the first five.
		{"many ties", 25, []int64{3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3},
			[]int64{2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		{"zero weight gets nothing", 5, []int64{0, 1, 1}, []int64{0, 3, 2}},
		{"all zero weights", 5, []int64{0, 0}, []int64{0, 0}},
		{"zero total", 0, []int64{4, 5}, []int64{0, 0}},
		{"no parts", 5, nil, []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AllocateLargestRemainder(tt.total, tt.weights); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestAllocateProperties: the parts sum to the total exactly, each part is
// within one fen of its exact share, and no part exceeds its weight when
// the total does not exceed the weights' sum.
func TestAllocateProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for range 2000 {
		n := 1 + rng.IntN(8)
		w := make([]int64, n)
		var sum int64
		for i := range w {
			w[i] = rng.Int64N(1_000_000_000_00) // up to ¥1bn in fen
			sum += w[i]
		}
		if sum == 0 {
			continue
		}
		total := rng.Int64N(sum + 1)
		parts := AllocateLargestRemainder(total, w)
		var got int64
		for i, p := range parts {
			got += p
			if p > w[i] {
				t.Fatalf("part %d = %d above weight %d", i, p, w[i])
			}
			exact := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(total), big.NewInt(w[i])), big.NewInt(sum))
			diff := new(big.Rat).Sub(Fen(p), exact)
			if diff.Cmp(big.NewRat(-1, 1)) <= 0 || diff.Cmp(big.NewRat(1, 1)) >= 0 {
				t.Fatalf("part %d = %d too far from %s", i, p, exact.FloatString(3))
			}
		}
		if got != total {
			t.Fatalf("parts %v sum to %d, want %d", parts, got, total)
		}
	}
}

func TestAllocatePanicsOnNegative(t *testing.T) {
	for _, f := range []func(){
		func() { AllocateLargestRemainder(-1, []int64{1}) },
		func() { AllocateLargestRemainder(1, []int64{1, -1}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		}()
	}
}

// TestAllocateOrder: a part gets an extra fen only if every part with a
// larger remainder, and every earlier part with the same remainder, got
// one too. Small weights make ties common.
func TestAllocateOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for range 500 {
		n := 1 + rng.IntN(60)
		w := make([]int64, n)
		var sum int64
		for i := range w {
			w[i] = 1 + rng.Int64N(3)
			sum += w[i]
		}
		total := rng.Int64N(sum)
		parts := AllocateLargestRemainder(total, w)
		extra := make([]bool, n)
		rem := make([]int64, n)
		for i := range w {
			rem[i] = total * w[i] % sum
			extra[i] = parts[i] != total*w[i]/sum
		}
		for i := range n {
			for j := range n {
				before := rem[i] > rem[j] || (rem[i] == rem[j] && i < j)
				if before && extra[j] && !extra[i] {
					t.Fatalf("weights %v total %d: part %d got the extra fen before %d", w, total, j, i)
				}
			}
		}
	}
}
