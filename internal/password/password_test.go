package password

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// checkIndependently re-states each policy rule without going through
// Validate, so a bug shared by Validate and Generate cannot hide itself.
func checkIndependently(t *testing.T, p Policy, pw string) {
	t.Helper()
	var lo, up, dg, sy int
	for i := 0; i < len(pw); i++ {
		c := pw[i]
		switch {
		case c >= 'a' && c <= 'z':
			lo++
		case c >= 'A' && c <= 'Z':
			up++
		case c >= '0' && c <= '9':
			dg++
		case strings.IndexByte(p.Symbols, c) >= 0:
			sy++
		default:
			t.Fatalf("%s: generated a character outside every allowed class (index %d)", p.Name, i)
		}
		if strings.IndexByte(p.Exclude, c) >= 0 {
			t.Fatalf("%s: generated an excluded character at index %d", p.Name, i)
		}
		if p.NoAmbiguous && strings.IndexByte(Ambiguous, c) >= 0 {
			t.Fatalf("%s: generated an ambiguous character at index %d", p.Name, i)
		}
	}
	if len(pw) != p.GenLength() || len(pw) < p.MinLength || len(pw) > p.MaxLength {
		t.Fatalf("%s: generated length %d, want %d within %d..%d", p.Name, len(pw), p.GenLength(), p.MinLength, p.MaxLength)
	}
	if lo < p.MinLower || up < p.MinUpper || dg < p.MinDigits || sy < p.MinSymbols {
		t.Fatalf("%s: class counts lower=%d upper=%d digits=%d symbols=%d below minimums %d/%d/%d/%d",
			p.Name, lo, up, dg, sy, p.MinLower, p.MinUpper, p.MinDigits, p.MinSymbols)
	}
}

// TestGeneratePropertyBuiltins: 100,000 passwords per built-in policy, every
// one satisfying its policy, none with an excluded character.
func TestGeneratePropertyBuiltins(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 5_000
	}
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, err := Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			seen := make(map[string]struct{}, n)
			for range n {
				pw, err := p.Generate()
				if err != nil {
					t.Fatal(err)
				}
				if err := p.Validate(pw); err != nil {
					t.Fatalf("generated password fails its own policy: %v", err)
				}
				checkIndependently(t, p, pw)
				seen[pw] = struct{}{}
			}
			if len(seen) != n {
				t.Fatalf("%d duplicates among %d passwords", n-len(seen), n)
			}
		})
	}
}

// Forcing matters most when the letters must be split exactly: go-password
// alone would almost never produce 7 upper and 7 lower letters.
func TestGenerateForcesLetterCases(t *testing.T) {
	p, err := Parse("min=16 max=16 lower=7 upper=7 digits=1 symbols=1 symbol-set=-_. no-ambiguous=true")
	if err != nil {
		t.Fatal(err)
	}
	for range 20_000 {
		pw, err := p.Generate()
		if err != nil {
			t.Fatal(err)
		}
		checkIndependently(t, p, pw)
	}
}

func TestGenerateLettersOnlyOneCase(t *testing.T) {
	p, err := Parse("min=12 max=12 lower=0 upper=4 digits=2 symbols=0 exclude=abcdefghijklmnopqrstuvwxyz")
	if err != nil {
		t.Fatal(err)
	}
	for range 2_000 {
		pw, err := p.Generate()
		if err != nil {
			t.Fatal(err)
		}
		if strings.ToUpper(pw) != pw {
			t.Fatalf("lower-case letter generated though all are excluded (len %d)", len(pw))
		}
		checkIndependently(t, p, pw)
	}
}

func TestValidateNamesTheRule(t *testing.T) {
	strict, _ := Builtin("strict")
	twilio, _ := Builtin("twilio")
	safe, _ := Builtin("device-safe")
	tests := []struct {
		p    Policy
		pw   string
		rule string
	}{
		{strict, "Ab1!xyzwv", "at least 10 are required"},
		{strict, "Abcdefghij1", "symbol from"},
		{strict, "abcdefghij1!", "upper-case letter"},
		{strict, "ABCDEFGHIJ1!", "lower-case letter"},
		{strict, "Abcdefghij!!", "digit"},
		{strict, "Abcde fghij1!", "character 6 is a space"},
		{strict, "Abcdéfghij1!", "character 5 is not ASCII"},
		{strict, "Abcdefghij1!~", "outside the allowed set"},
		{strict, " Abcdefghij1!", "whitespace"},
		{strict, "Abcdefghij1!\n", "whitespace"},
		{strict, "Abcd\tefghij1!", "control character"},
		{twilio, "Abcdefghij1", "at least 12"},
		{twilio, "abcdefghijk1", "upper-case"},
		{twilio, "Abcdefghijkl", "digit"},
		{safe, "Abcdefghijklmn1-O", "excluded characters"},
		{safe, "Abcdefghijkmnp2\"", "outside the allowed set -_."},
		{strict, "", "empty"},
	}
	for _, tt := range tests {
		err := tt.p.Validate(tt.pw)
		if err == nil {
			t.Errorf("%s accepted a password breaking %q", tt.p.Name, tt.rule)
			continue
		}
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("error type %T, want *ValidationError", err)
		}
		if !strings.Contains(err.Error(), tt.rule) || !strings.Contains(err.Error(), tt.p.Name) {
			t.Errorf("error %q does not name rule %q and policy %q", err, tt.rule, tt.p.Name)
		}
		if tt.pw != "" && strings.Contains(err.Error(), strings.TrimSpace(tt.pw)) {
			t.Errorf("error %q contains the password", err)
		}
	}
	for _, ok := range []struct {
		p  Policy
		pw string
	}{{strict, "Abcdefghi1!"}, {twilio, "Abcdefghijk1"}, {twilio, "Abc\"efghijk1"}, {safe, "Abcdefghijkmn2-_"}} {
		if err := ok.p.Validate(ok.pw); err != nil {
			t.Errorf("%s rejected a conforming password: %v", ok.p.Name, err)
		}
	}
}

func TestValidateErrorNeverLeaksPassword(t *testing.T) {
	strict, _ := Builtin("strict")
	// A long run of one symbol the policy rejects: the message must say
	// where, not what.
	pw := "Secretpassword1~~~~"
	err := strict.Validate(pw)
	if err == nil || strings.Contains(err.Error(), "~") || strings.Contains(err.Error(), "Secret") {
		t.Fatalf("got %v", err)
	}
}

func TestBuiltinAndNames(t *testing.T) {
	if got := strings.Join(Names(), ","); got != "device-safe,plivo,signalwire,strict,telnyx,twilio" {
		t.Fatalf("Names() = %s", got)
	}
	_, err := Builtin("nope")
	if err == nil || !strings.Contains(err.Error(), "device-safe, plivo, signalwire, strict, telnyx, twilio") {
		t.Fatalf("Builtin error %v does not list the names", err)
	}
	for _, n := range Names() {
		p, _ := Builtin(n)
		if err := p.Check(); err != nil {
			t.Errorf("built-in %s fails Check: %v", n, err)
		}
	}
	if DefaultFor("twilio") != "twilio" || DefaultFor("sandbox") != "twilio" || DefaultFor("telnyx") != "telnyx" {
		t.Fatal("DefaultFor mismatch")
	}
}

func TestDeviceSafeSatisfiesProviderRules(t *testing.T) {
	safe, _ := Builtin("device-safe")
	strict, _ := Builtin("strict")
	twilio, _ := Builtin("twilio")
	for range 5_000 {
		pw, err := safe.Generate()
		if err != nil {
			t.Fatal(err)
		}
		if err := strict.Validate(pw); err != nil {
			t.Fatal(err)
		}
		if err := twilio.Validate(pw); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCheckRejectsBadPolicies(t *testing.T) {
	for spec, want := range map[string]string{
		"symbol-set=-_a":                     "overlaps letters or digits",
		"symbol-set=-_3":                     "overlaps letters or digits",
		"min=20 max=10":                      "not a valid range",
		"min=10 max=12 length=20":            "outside",
		"min=4 max=4 upper=3 lower=3":        "exceed the length",
		"digits=1 exclude=0123456789":        "excludes all of them",
		"symbols=1 symbol-set=-_ exclude=-_": "excludes all of them",
		"frob=1":                             "unknown key",
		"min=x":                              "not a non-negative number",
		"min=12 base=strict":                 "base= must come first",
		"symbol-set=\u00e9-":                 "printable ASCII",
	} {
		_, err := Parse(spec)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want error containing %q", spec, err, want)
		}
	}
	p, err := Parse("base=strict min=14 length=24 symbol-set=-_.")
	if err != nil {
		t.Fatal(err)
	}
	if p.MinLength != 14 || p.GenLength() != 24 || p.Symbols != "-_." || p.MinSymbols != 1 || p.Name != "custom" {
		t.Fatalf("Parse result %+v", p)
	}
	if _, err := p.WithLength(8); err == nil {
		t.Fatal("WithLength below the minimum accepted")
	}
	if q, err := p.WithLength(32); err != nil || q.GenLength() != 32 {
		t.Fatalf("WithLength(32) = %v, %v", q.GenLength(), err)
	}
}

func TestEntropy(t *testing.T) {
	// A 20-character password of letters only (52 symbols, no digits
	// forced) would be 20*log2(52) = 114 bits; twilio's has 3 digits.
	p, _ := Parse("min=20 max=20 lower=0 upper=0 digits=0 symbols=0 symbol-set=")
	if p.MinDigits != 0 {
		t.Fatal("digits default not overridden")
	}
	l, d, s := p.composition()
	want := float64(l)*math.Log2(52) + float64(d)*math.Log2(10) + math.Log2(binom(20, d))
	if s != 0 || math.Abs(p.Entropy()-want) > 1e-9 {
		t.Fatalf("entropy %.3f, want %.3f (l=%d d=%d s=%d)", p.Entropy(), want, l, d, s)
	}
	for _, n := range Names() {
		b, _ := Builtin(n)
		if e := b.Entropy(); e < 80 || e > float64(b.GenLength())*7 {
			t.Errorf("%s entropy %.1f bits is implausible", n, e)
		}
	}
	short, _ := Builtin("strict")
	long, _ := short.WithLength(32)
	if long.Entropy() <= short.Entropy() {
		t.Fatal("longer passwords should have more entropy")
	}
}

func binom(n, k int) float64 {
	r := 1.0
	for i := 1; i <= k; i++ {
		r = r * float64(n-k+i) / float64(i)
	}
	return r
}

func TestReadStdin(t *testing.T) {
	for in, want := range map[string]string{
		"Secret1234ab\n":   "Secret1234ab",
		"Secret1234ab\r\n": "Secret1234ab",
		"Secret1234ab":     "Secret1234ab",
		"Secret1234ab \n":  "Secret1234ab ", // left for Validate to name
		"Secret1234ab\n\n": "",
		"":                 "",
		"\n":               "",
		"a\nb\n":           "",
	} {
		got, err := ReadStdin(strings.NewReader(in))
		if want == "" {
			if err == nil {
				t.Errorf("ReadStdin(%q) accepted %q", in, got)
			} else if strings.Contains(err.Error(), "Secret") {
				t.Errorf("error leaks input: %v", err)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("ReadStdin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ReadStdin(strings.NewReader(strings.Repeat("a", 5000))); err == nil {
		t.Error("oversized stdin accepted")
	}
}

func TestTelnyxPolicy(t *testing.T) {
	p, err := Builtin(DefaultFor("telnyx"))
	if err != nil || p.Name != "telnyx" {
		t.Fatalf("DefaultFor(telnyx) = %v, %v", p.Name, err)
	}
	if err := p.Validate("Abc1efg"); err == nil || !strings.Contains(err.Error(), "at least 8") {
		t.Errorf("7 characters: %v", err)
	}
	if err := p.Validate(strings.Repeat("aB3", 43)); err == nil || !strings.Contains(err.Error(), "at most 128") {
		t.Errorf("129 characters: %v", err)
	}
	if err := p.Validate("Abcdefg1"); err != nil {
		t.Errorf("8 characters: %v", err)
	}
	for range 50 {
		pw, err := p.Generate()
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Validate(pw); err != nil || len(pw) != 20 {
			t.Fatalf("generated %d characters: %v", len(pw), err)
		}
	}
}

// Plivo's documented rule is at least five characters; generated passwords
// are longer and mix cases and digits.
func TestPlivoPolicy(t *testing.T) {
	p, err := Builtin("plivo")
	if err != nil {
		t.Fatal(err)
	}
	if p.MinLength != 5 {
		t.Errorf("plivo MinLength = %d, want 5 (Plivo's documented minimum)", p.MinLength)
	}
	for range 20 {
		pw, err := p.Generate()
		if err != nil || len(pw) != 20 || p.Validate(pw) != nil {
			t.Fatalf("generated %d characters: %v %v", len(pw), err, p.Validate(pw))
		}
	}
	if p.Validate("abcd") == nil {
		t.Error("a 4-character password passed the plivo policy")
	}
}
