package password

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/sipctl/sipctl/internal/redact"

	gopassword "github.com/sethvargo/go-password/password"
)

// maxAttempts bounds regeneration when the forced classes still fail
// validation; with a checked policy the first attempt always passes.
const maxAttempts = 100

// generate returns a new random password (crypto/rand) that satisfies the
// policy and does not start with a formula character (see FormulaStart). go-password places exact counts of digits and symbols but draws
// letters from both cases at random, so the required letter cases are
// forced afterwards and the result verified.
func (p Policy) generate() (string, error) {
	if err := p.Check(); err != nil {
		return "", err
	}
	s := p.genSets()
	letters, digits, symbols := p.composition()
	in := &gopassword.GeneratorInput{LowerLetters: s.lower, UpperLetters: s.upper, Digits: s.digits, Symbols: s.symbols}
	noUpper := false
	if s.lower == "" {
		// go-password treats an empty set as "use the default": draw
		// letters from the upper set under the lower name instead.
		in.LowerLetters, noUpper = s.upper, true
	} else if s.upper == "" {
		noUpper = true
	}
	if in.Digits == "" {
		in.Digits = "\x00" // never drawn: digits is 0
	}
	if in.Symbols == "" {
		in.Symbols = "\x00" // never drawn: symbols is 0
	}
	gen, err := gopassword.NewGenerator(in)
	if err != nil {
		return "", err
	}
	for range maxAttempts {
		pw, err := gen.Generate(letters+digits+symbols, digits, symbols, noUpper, true)
		if err != nil {
			return "", fmt.Errorf("generating a password: %w", err)
		}
		b := []byte(pw)
		if err := forceCase(b, p.MinLower, s.lower, p.MinUpper, s.upper); err != nil {
			return "", err
		}
		if err := forceCase(b, p.MinUpper, s.upper, p.MinLower, s.lower); err != nil {
			return "", err
		}
		if err := safeStart(b); err != nil {
			return "", err
		}
		if p.Validate(string(b)) == nil {
			return string(b), nil
		}
	}
	return "", fmt.Errorf("%s: could not generate a conforming password", p.label())
}

// Generate returns a new password and registers it with the redactor, so no
// error or audit line can carry it even if a server echoes it back.
func (p Policy) Generate() (string, error) {
	pw, err := p.generate()
	if err == nil {
		redact.Add(pw)
	}
	return pw, err
}

// GenerateForDisplay is Generate for passwords that are only printed
// (`password generate`), never sent anywhere: they are not registered, so
// a million of them do not grow the redactor.
func (p Policy) GenerateForDisplay() (string, error) { return p.generate() }

// FormulaStart are the characters a generated password never starts with:
// a spreadsheet opening a CSV treats a cell starting with one as a formula,
// and a leading space is lost to trimming. Whitespace is never generated at all.
const FormulaStart = "=+-@"

// StartsSafely reports whether pw's first character is not a formula
// character or whitespace.
func StartsSafely(pw string) bool {
	return pw != "" && strings.IndexByte(FormulaStart+" \t\r\n", pw[0]) < 0
}

// safeStart swaps a formula character in first place with a randomly chosen
// later character that is not one. A swap keeps the password's composition,
// so it still satisfies the policy; the loss of entropy is a fraction of a
// bit (position 0 alone draws from fewer characters).
func safeStart(b []byte) error {
	if len(b) == 0 || StartsSafely(string(b[:1])) {
		return nil
	}
	var ok []int
	for i := 1; i < len(b); i++ {
		if StartsSafely(string(b[i : i+1])) {
			ok = append(ok, i)
		}
	}
	if len(ok) == 0 {
		return errors.New("every character of the password would be a formula character (= + - @); allow letters or digits")
	}
	k, err := randInt(len(ok))
	if err != nil {
		return err
	}
	b[0], b[ok[k]] = b[ok[k]], b[0]
	return nil
}

// forceCase turns randomly chosen letters of the other case into letters of
// want until want has need of them, never taking the other case below what
// it already needs (Check guarantees room for both).
func forceCase(b []byte, need int, want string, otherNeed int, other string) error {
	if need == 0 || want == "" {
		return nil
	}
	in := func(c byte, set string) bool {
		for i := 0; i < len(set); i++ {
			if set[i] == c {
				return true
			}
		}
		return false
	}
	have := 0
	var others []int
	for i, c := range b {
		switch {
		case in(c, want):
			have++
		case in(c, other):
			others = append(others, i)
		}
	}
	for have < need && len(others) > otherNeed {
		k, err := randInt(len(others))
		if err != nil {
			return err
		}
		j, err := randInt(len(want))
		if err != nil {
			return err
		}
		b[others[k]] = want[j]
		others = append(others[:k], others[k+1:]...)
		have++
	}
	return nil
}

func randInt(n int) (int, error) {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		return 0, fmt.Errorf("reading random numbers: %w", err)
	}
	return int(v.Int64()), nil
}
