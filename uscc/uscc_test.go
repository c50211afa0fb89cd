package uscc_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ipledge/ipledge/uscc"
)

// alphabet repeats the code's character set in check-value order, so the
// test does not depend on the package's own constant.
const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// checkChar is an independent implementation of the GB 32100-2015 check
// (DOMAIN.md "Identifiers"), used to cross-check CheckCharacter.
func checkChar(first17 string) byte {
	w := []int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(alphabet, first17[i]) * w[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return alphabet[c]
}

func TestValidateValidCodes(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"Taiyuan", "91140100MA0G3K8T2B", "91140100MA0G3K8T2B"},
		{"Shuozhou", "91140600MA0H7L2N51", "91140600MA0H7L2N51"},
		// Published codes of real enterprises, checked with the algorithm.
		{"real Shenzhen numeric check", "914403001922038216", "914403001922038216"},
		{"real Shenzhen check X after G", "9144030071526726XG", "9144030071526726XG"},
		{"real Hangzhou", "91330100716105852F", "91330100716105852F"},
		{"real Beijing", "91110108551385082Q", "91110108551385082Q"},
		{"lower case", "91140100ma0g3k8t2b", "91140100MA0G3K8T2B"},
		{"mixed case", "91140600Ma0h7L2n51", "91140600MA0H7L2N51"},
		{"surrounding spaces", "  91140100MA0G3K8T2B  ", "91140100MA0G3K8T2B"},
		{"tabs and newline", "\t91140600ma0h7l2n51\n", "91140600MA0H7L2N51"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := uscc.Validate(tc.in)
			if err != nil {
				t.Fatalf("Validate(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Fatalf("Validate(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if c := checkChar(got[:17]); c != got[17] {
				t.Fatalf("independent check of %q gives %c", got, c)
			}
		})
	}
}

func TestValidateInvalidCodes(t *testing.T) {
	for _, tc := range []struct {
		name, in   string
		reason     string
		detailHas  []string
		normalised string
	}{
		{"empty", "", uscc.ReasonLength, []string{"not 0"}, ""},
		{"blank", "   ", uscc.ReasonLength, []string{"not 0"}, ""},
		{"17 chars", "91140100MA0G3K8T2", uscc.ReasonLength, []string{"18", "not 17"}, "91140100MA0G3K8T2"},
		{"19 chars", "91140100MA0G3K8T2BB", uscc.ReasonLength, []string{"not 19"}, "91140100MA0G3K8T2BB"},
		{"inner space", "91140100 MA0G3K8T2B", uscc.ReasonLength, []string{"not 19"}, "91140100 MA0G3K8T2B"},
		{"18 runes counted, not bytes", "91140100MA0G3K8T2统", uscc.ReasonAlphabet, []string{"character 18"}, "91140100MA0G3K8T2统"},
		{"letter I", "9114010IMA0G3K8T2B", uscc.ReasonAlphabet, []string{"character 8", "'I'"}, "9114010IMA0G3K8T2B"},
		{"letter O", "O1140100MA0G3K8T2B", uscc.ReasonAlphabet, []string{"character 1", "'O'"}, "O1140100MA0G3K8T2B"},
		{"letter Z", "91140100MA0G3K8TZB", uscc.ReasonAlphabet, []string{"character 17", "'Z'"}, "91140100MA0G3K8TZB"},
		{"letter S", "91140100MA0G3K8T2S", uscc.ReasonAlphabet, []string{"character 18", "'S'"}, "91140100MA0G3K8T2S"},
		{"letter V", "91140100MV0G3K8T2B", uscc.ReasonAlphabet, []string{"character 10", "'V'"}, "91140100MV0G3K8T2B"},
		{"punctuation", "91140100-A0G3K8T2B", uscc.ReasonAlphabet, []string{"character 9", "'-'"}, "91140100-A0G3K8T2B"},
		{"wrong check", "91140100MA0G3K8T2C", uscc.ReasonCheck, []string{"should be B, not C"}, "91140100MA0G3K8T2C"},
		{"wrong check digit", "91140600MA0H7L2N50", uscc.ReasonCheck, []string{"should be 1, not 0"}, "91140600MA0H7L2N50"},
		{"wrong check lower case", "91140100ma0g3k8t2c", uscc.ReasonCheck, []string{"should be B, not C"}, "91140100MA0G3K8T2C"},
		{"transposed digits", "91141000MA0G3K8T2B", uscc.ReasonCheck, []string{"should be"}, "91141000MA0G3K8T2B"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := uscc.Validate(tc.in)
			if err == nil {
				t.Fatalf("Validate(%q) accepted an invalid code", tc.in)
			}
			var ue *uscc.Error
			if !errors.As(err, &ue) {
				t.Fatalf("Validate(%q) error %T is not *uscc.Error", tc.in, err)
			}
			if ue.Reason != tc.reason {
				t.Fatalf("Validate(%q) reason %q, want %q (detail %q)", tc.in, ue.Reason, tc.reason, ue.Detail)
			}
			for _, s := range tc.detailHas {
				if !strings.Contains(ue.Detail, s) {
					t.Errorf("detail %q does not contain %q", ue.Detail, s)
				}
			}
			if err.Error() != ue.Detail {
				t.Errorf("Error() = %q, want the detail %q", err.Error(), ue.Detail)
			}
			if got != tc.normalised {
				t.Errorf("returned %q, want normalised %q", got, tc.normalised)
			}
		})
	}
}

// TestCheckCharacterEveryPosition changes each of the first 17 characters
// of a valid code: the check always catches a single substitution
// (weights are non-zero and 31 is prime).
func TestCheckCharacterEveryPosition(t *testing.T) {
	const code = "91140100MA0G3K8T2B"
	for i := 0; i < 17; i++ {
		for j := 0; j < len(alphabet); j++ {
			if alphabet[j] == code[i] {
				continue
			}
			mutated := code[:i] + string(alphabet[j]) + code[i+1:]
			if _, err := uscc.Validate(mutated); err == nil {
				t.Fatalf("substitution at %d (%s) not detected", i+1, mutated)
			}
		}
	}
}

func TestCheckCharacterMatchesIndependentImplementation(t *testing.T) {
	// Deterministic walk over many prefixes, including all-zero (sum 0 →
	// check 0) and all-Y.
	prefixes := []string{strings.Repeat("0", 17), strings.Repeat("Y", 17)}
	for n := 0; n < 2000; n++ {
		b := make([]byte, 17)
		x := uint32(n*2654435761 + 12345)
		for i := range b {
			x = x*1103515245 + 12345
			b[i] = alphabet[(x>>16)%31]
		}
		prefixes = append(prefixes, string(b))
	}
	for _, p := range prefixes {
		if got, want := uscc.CheckCharacter(p), checkChar(p); got != want {
			t.Fatalf("CheckCharacter(%q) = %c, want %c", p, got, want)
		}
	}
	if got := uscc.CheckCharacter(strings.Repeat("0", 17)); got != '0' {
		t.Fatalf("all-zero prefix check = %c, want 0", got)
	}
}

func TestRegion(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"91140100MA0G3K8T2B", "140100"},
		{"91140600MA0H7L2N51", "140600"},
		{"9122000", ""},
		{"", ""},
	} {
		if got := uscc.Region(tc.in); got != tc.want {
			t.Errorf("Region(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzValidate: Validate never panics; any 17 characters of the alphabet
// plus CheckCharacter validate, and every other final character fails with
// the check_character reason.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{
		"91140100MA0G3K8T2B", "91140600MA0H7L2N51", "91140100ma0g3k8t2c", "",
		"  9144030071526726XG ", "9114010IMA0G3K8T2B", "统一社会信用代码统一社会信用代码统一", "\xff\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// 1. Arbitrary input: no panic, and an error is always a *uscc.Error.
		if _, err := uscc.Validate(s); err != nil {
			var ue *uscc.Error
			if !errors.As(err, &ue) || ue.Reason == "" || ue.Detail == "" {
				t.Fatalf("Validate(%q): error %v is not a described *uscc.Error", s, err)
			}
		}
		// 2. Map the input's bytes onto 17 alphabet characters.
		if len(s) == 0 {
			return
		}
		p := make([]byte, 17)
		for i := range p {
			p[i] = alphabet[int(s[i%len(s)])%len(alphabet)]
		}
		prefix := string(p)
		want := uscc.CheckCharacter(prefix)
		if want != checkChar(prefix) {
			t.Fatalf("CheckCharacter(%q) = %c, independent %c", prefix, want, checkChar(prefix))
		}
		if got, err := uscc.Validate(prefix + string(want)); err != nil || got != prefix+string(want) {
			t.Fatalf("Validate(%q) = %q, %v", prefix+string(want), got, err)
		}
		for j := 0; j < len(alphabet); j++ {
			last := alphabet[j]
			if last == want {
				continue
			}
			_, err := uscc.Validate(prefix + string(last))
			var ue *uscc.Error
			if !errors.As(err, &ue) || ue.Reason != uscc.ReasonCheck {
				t.Fatalf("Validate(%q) = %v, want a check_character error", prefix+string(last), err)
			}
			if !strings.Contains(ue.Detail, "should be "+string(want)) {
				t.Fatalf("detail %q does not name the expected check character %c", ue.Detail, want)
			}
		}
	})
}
