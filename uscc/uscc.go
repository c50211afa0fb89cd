// Package uscc validates the unified social credit code (统一社会信用代码,
// GB 32100-2015) that identifies every enterprise.
package uscc

import (
	"fmt"
	"strings"
)

// alphabet is the code's character set, in check-value order (no I, O, Z,
// S, V).
const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var weights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// Reason codes say why a code is invalid.
const (
	ReasonLength   = "length"
	ReasonAlphabet = "alphabet"
	ReasonCheck    = "check_character"
)

// Error describes an invalid code.
type Error struct {
	Reason string
	Detail string
}

func (e *Error) Error() string { return e.Detail }

// Normalize trims surrounding space and upper-cases.
func Normalize(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// Validate normalises s and checks its length, alphabet and check
// character. It returns the normalised code.
func Validate(s string) (string, error) {
	c := Normalize(s)
	if n := len([]rune(c)); n != 18 {
		return c, &Error{Reason: ReasonLength, Detail: fmt.Sprintf("a unified social credit code has 18 characters, not %d", n)}
	}
	for i, r := range c {
		if !strings.ContainsRune(alphabet, r) {
			return c, &Error{Reason: ReasonAlphabet, Detail: fmt.Sprintf("character %d (%q) is not allowed (allowed: 0-9 and A-Y without I, O, S, V, Z)", i+1, r)}
		}
	}
	want := CheckCharacter(c[:17])
	if c[17] != want {
		return c, &Error{Reason: ReasonCheck, Detail: fmt.Sprintf("the check character should be %c, not %c", want, c[17])}
	}
	return c, nil
}

// CheckCharacter computes the 18th character for the first 17 (which must
// be in the alphabet).
func CheckCharacter(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(alphabet, first17[i]) * weights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return alphabet[c]
}

// Region returns the 6-digit administrative division code inside a valid
// code (positions 3–8).
func Region(code string) string {
	if len(code) < 8 {
		return ""
	}
	return code[2:8]
}
