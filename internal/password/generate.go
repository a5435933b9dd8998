package password

import (
	"crypto/rand"
	"fmt"
	"math/big"

	gopassword "github.com/sethvargo/go-password/password"
)

// maxAttempts bounds regeneration when the forced classes still fail
// validation; with a checked policy the first attempt always passes.
const maxAttempts = 100

// Generate returns a new random password (crypto/rand) that satisfies the
// policy. go-password places exact counts of digits and symbols but draws
// letters from both cases at random, so the required letter cases are
// forced afterwards and the result verified.
func (p Policy) Generate() (string, error) {
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
		if p.Validate(string(b)) == nil {
			return string(b), nil
		}
	}
	return "", fmt.Errorf("%s: could not generate a conforming password", p.label())
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
