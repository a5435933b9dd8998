// Package password holds password policies (what a provider or a device
// accepts), a generator that always satisfies a policy, and validation of
// passwords a user supplies.
package password

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/sipctl/sipctl/internal/redact"
)

// Character classes. Symbols are restricted per policy.
const (
	Lower  = "abcdefghijklmnopqrstuvwxyz"
	Upper  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	Digits = "0123456789"

	// Ambiguous characters are confused when read off a screen and typed on a
	// phone keypad.
	Ambiguous = "0O1lI"

	// StrictSymbols is the symbol set many providers require one of.
	StrictSymbols = "+-*!@/(){}[]|;#%=?^$&_.,"

	// DeviceSafeSymbols need no quoting in a SIP URI's password part, a POSIX
	// shell word or a CSV field, and survive phones' web forms.
	DeviceSafeSymbols = "-_."

	// AllSymbols is printable ASCII punctuation: what a provider with no
	// symbol rule accepts in a supplied password.
	AllSymbols = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
)

// Policy says what a password may and must contain.
type Policy struct {
	Name      string `json:"name"`
	MinLength int    `json:"min_length"`
	MaxLength int    `json:"max_length"`
	// Length is how long generated passwords are; 0 means the default
	// (16, raised to MinLength, capped at MaxLength).
	Length int `json:"length,omitempty"`

	MinLower   int `json:"min_lower"`
	MinUpper   int `json:"min_upper"`
	MinDigits  int `json:"min_digits"`
	MinSymbols int `json:"min_symbols"`

	// Symbols is the set of symbols accepted; generated passwords contain
	// exactly MinSymbols of them.
	Symbols string `json:"symbols"`
	// Exclude lists characters never generated and never accepted.
	Exclude string `json:"exclude,omitempty"`
	// NoAmbiguous keeps Ambiguous characters out of generated passwords.
	NoAmbiguous bool `json:"no_ambiguous,omitempty"`
}

const defaultLength = 16

var builtins = map[string]Policy{
	// Twilio: at least 12 characters, a digit, mixed case.
	"twilio": {
		Name: "twilio", MinLength: 12, MaxLength: 128, Length: 20,
		MinLower: 1, MinUpper: 1, MinDigits: 1,
		Symbols: AllSymbols,
	},
	// Telnyx credential connections: 8 to 128 characters. Generated ones
	// mix cases and digits, and stay long.
	"telnyx": {
		Name: "telnyx", MinLength: 8, MaxLength: 128, Length: 20,
		MinLower: 1, MinUpper: 1, MinDigits: 1,
		Symbols: AllSymbols,
	},
	// Plivo endpoints: at least 5 characters, no documented maximum (128
	// is sipctl's) nor character set. Generated ones mix cases and digits,
	// stay long, and take only symbols a phone's keypad and a SIP tool's
	// configuration carry (brackets break sipp's and some phones' files).
	"plivo": {
		Name: "plivo", MinLength: 5, MaxLength: 128, Length: 20,
		MinLower: 1, MinUpper: 1, MinDigits: 1,
		Symbols: DeviceSafeSymbols,
	},
	// SignalWire documents no rule for a SIP endpoint's password beyond
	// having one: sipctl generates 20 letters and digits, mixed case, which
	// any phone can be given, and accepts 12 to 128 printable ASCII
	// characters without spaces.
	"signalwire": {
		Name: "signalwire", MinLength: 12, MaxLength: 128, Length: 20,
		MinLower: 1, MinUpper: 1, MinDigits: 1,
		Symbols: AllSymbols,
	},
	// The common provider rule: at least 10, upper, lower, digit and one of
	// StrictSymbols; no spaces or non-ASCII.
	"strict": {
		Name: "strict", MinLength: 10, MaxLength: 64, Length: 16,
		MinLower: 1, MinUpper: 1, MinDigits: 1, MinSymbols: 1,
		Symbols: StrictSymbols,
	},
	// Safe to type into any phone and to paste into a URI, shell or CSV; it
	// also satisfies both rules above.
	"device-safe": {
		Name: "device-safe", MinLength: 16, MaxLength: 64, Length: 20,
		MinLower: 1, MinUpper: 1, MinDigits: 1, MinSymbols: 1,
		Symbols: DeviceSafeSymbols, Exclude: Ambiguous, NoAmbiguous: true,
	},
}

// FlagUsage is the usage of a --policy flag, listing the built-in policies
// from the registry (for, e.g. " for new accounts", goes after "policy").
func FlagUsage(forWhat, tail string) string {
	return "Password `policy`" + forWhat + ": " + strings.Join(Names(), ", ") + ", or settings such as \"base=strict min=20\"" + tail
}

// Names lists the built-in policies.
func Names() []string {
	names := make([]string, 0, len(builtins))
	for n := range builtins {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Builtin returns a built-in policy by name.
func Builtin(name string) (Policy, error) {
	p, ok := builtins[name]
	if !ok {
		return Policy{}, fmt.Errorf("unknown password policy %q (built-in policies: %s)", name, strings.Join(Names(), ", "))
	}
	return p, nil
}

// DefaultFor names the default policy for a provider's profiles.
func DefaultFor(provider string) string {
	defaultsMu.RLock()
	name, ok := defaults[provider]
	defaultsMu.RUnlock()
	if ok {
		return name
	}
	switch provider {
	case "twilio", "sandbox", "":
		return "twilio"
	case "kamailio":
		// Kamailio has no password policy of its own; phones type these.
		return "device-safe"
	case "telnyx":
		return "telnyx"
	default:
		return "strict"
	}
}

var (
	defaultsMu sync.RWMutex
	defaults   = map[string]string{}
)

// DefaultsText words each provider's default policy, for help:
// "device-safe for kamailio, twilio for sandbox and twilio, …".
func DefaultsText() string {
	defaultsMu.RLock()
	byPolicy := map[string][]string{}
	for prov, pol := range defaults {
		byPolicy[pol] = append(byPolicy[pol], prov)
	}
	defaultsMu.RUnlock()
	var parts []string
	for _, pol := range Names() {
		provs := byPolicy[pol]
		if len(provs) == 0 {
			continue
		}
		slices.Sort(provs)
		parts = append(parts, pol+" for "+strings.Join(provs, ", "))
	}
	return strings.Join(parts, "; ")
}

// Summary words what the policy asks for, for help: "12 to 128
// characters, upper and lower case and a digit".
func (p Policy) Summary() string {
	var must []string
	if p.MinUpper > 0 && p.MinLower > 0 {
		must = append(must, "upper and lower case")
	}
	if p.MinDigits > 0 {
		must = append(must, "a digit")
	}
	if p.MinSymbols > 0 {
		must = append(must, "one of "+p.Symbols)
	}
	s := fmt.Sprintf("%d to %d characters", p.MinLength, p.MaxLength)
	if len(must) > 0 {
		s += ", " + strings.Join(must, ", ")
	}
	if p.NoAmbiguous {
		s += "; no 0/O, 1/l/I"
	}
	return s
}

// SetDefault makes policy (a built-in name) the default for a provider's
// profiles; factory.Register calls it with Info.PasswordPolicy.
func SetDefault(provider, policy string) {
	defaultsMu.Lock()
	defaults[provider] = policy
	defaultsMu.Unlock()
}

// Parse reads a policy as a profile or the --policy flag states it: a
// built-in name, or space-separated key=value settings, optionally starting
// from a built-in with base=NAME. Keys: base, min, max, length, lower, upper,
// digits, symbols (minimum counts), symbol-set, exclude, no-ambiguous.
// Example: "base=strict min=14 symbol-set=-_. exclude=0O".
func Parse(spec string) (Policy, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return Policy{}, errors.New("empty password policy")
	}
	if !strings.Contains(spec, "=") {
		return Builtin(spec)
	}
	p := Policy{Name: "custom", MinLength: 12, MaxLength: 64, MinLower: 1, MinUpper: 1, MinDigits: 1, Symbols: StrictSymbols}
	for i, field := range strings.Fields(spec) {
		k, v, ok := strings.Cut(field, "=")
		if !ok {
			return Policy{}, fmt.Errorf("password policy: %q is not key=value", field)
		}
		if k == "base" {
			if i != 0 {
				return Policy{}, errors.New("password policy: base= must come first")
			}
			b, err := Builtin(v)
			if err != nil {
				return Policy{}, err
			}
			p = b
			p.Name = "custom"
			continue
		}
		var n *int
		switch k {
		case "min":
			n = &p.MinLength
		case "max":
			n = &p.MaxLength
		case "length":
			n = &p.Length
		case "lower":
			n = &p.MinLower
		case "upper":
			n = &p.MinUpper
		case "digits":
			n = &p.MinDigits
		case "symbols":
			n = &p.MinSymbols
		case "symbol-set":
			p.Symbols = v
			continue
		case "exclude":
			p.Exclude = v
			continue
		case "no-ambiguous":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return Policy{}, fmt.Errorf("password policy: no-ambiguous=%q is not true or false", v)
			}
			p.NoAmbiguous = b
			continue
		default:
			return Policy{}, fmt.Errorf("password policy: unknown key %q (keys: base, min, max, length, lower, upper, digits, symbols, symbol-set, exclude, no-ambiguous)", k)
		}
		x, err := strconv.Atoi(v)
		if err != nil || x < 0 {
			return Policy{}, fmt.Errorf("password policy: %s=%q is not a non-negative number", k, v)
		}
		*n = x
	}
	if err := p.Check(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// Check reports a policy that cannot be satisfied or is ill-formed.
func (p Policy) Check() error {
	name := p.label()
	if p.MinLength < 1 || p.MaxLength < p.MinLength {
		return fmt.Errorf("%s: length limits %d..%d are not a valid range", name, p.MinLength, p.MaxLength)
	}
	if p.Length != 0 && (p.Length < p.MinLength || p.Length > p.MaxLength) {
		return fmt.Errorf("%s: length %d is outside %d..%d", name, p.Length, p.MinLength, p.MaxLength)
	}
	for i := 0; i < len(p.Symbols); i++ {
		c := p.Symbols[i]
		if c <= ' ' || c >= 0x7f {
			return fmt.Errorf("%s: the symbol set may hold only printable ASCII, no spaces", name)
		}
		if strings.IndexByte(Lower+Upper+Digits, c) >= 0 {
			return fmt.Errorf("%s: the symbol set overlaps letters or digits", name)
		}
	}
	if utf8.RuneCountInString(p.Exclude) != len(p.Exclude) {
		return fmt.Errorf("%s: excluded characters must be ASCII", name)
	}
	sets := p.genSets()
	for _, c := range []struct {
		min  int
		set  string
		what string
	}{{p.MinLower, sets.lower, "lower-case letters"}, {p.MinUpper, sets.upper, "upper-case letters"},
		{p.MinDigits, sets.digits, "digits"}, {p.MinSymbols, sets.symbols, "symbols"}} {
		if c.min > 0 && c.set == "" {
			return fmt.Errorf("%s: requires %s but excludes all of them", name, c.what)
		}
	}
	if sets.lower == "" && sets.upper == "" {
		return fmt.Errorf("%s: excludes every letter", name)
	}
	if sum := p.MinLower + p.MinUpper + p.MinDigits + p.MinSymbols; sum > p.GenLength() {
		return fmt.Errorf("%s: the minimum counts (%d characters) exceed the length %d", name, sum, p.GenLength())
	}
	if l, d, _ := p.composition(); l == 0 && d == 0 && strings.Trim(sets.symbols, FormulaStart) == "" {
		return fmt.Errorf("%s: generated passwords would hold only formula characters (%s), and none may start with one", name, FormulaStart)
	}
	return nil
}

// GenLength is the length of generated passwords.
func (p Policy) GenLength() int {
	if p.Length > 0 {
		return p.Length
	}
	return min(max(defaultLength, p.MinLength), p.MaxLength)
}

// WithLength returns the policy generating passwords of n characters.
func (p Policy) WithLength(n int) (Policy, error) {
	p.Length = n
	if n < p.MinLength || n > p.MaxLength {
		return p, fmt.Errorf("length %d is outside what the %s allows (%d..%d)", n, p.label(), p.MinLength, p.MaxLength)
	}
	return p, p.Check()
}

func (p Policy) label() string {
	if p.Name == "" {
		return "password policy"
	}
	return p.Name + " password policy"
}

type charSets struct{ lower, upper, digits, symbols string }

// genSets are the alphabets generated passwords draw from.
func (p Policy) genSets() charSets {
	drop := p.Exclude
	if p.NoAmbiguous {
		drop += Ambiguous
	}
	keep := func(s string) string {
		return strings.Map(func(r rune) rune {
			if strings.ContainsRune(drop, r) {
				return -1
			}
			return r
		}, s)
	}
	return charSets{keep(Lower), keep(Upper), keep(Digits), keep(p.Symbols)}
}

// composition is how many characters of each class a generated password
// holds: go-password places exact counts of digits and symbols.
func (p Policy) composition() (letters, digits, symbols int) {
	n := p.GenLength()
	digits = max(p.MinDigits, n/6)
	if p.genSets().digits == "" {
		digits = 0
	}
	symbols = p.MinSymbols
	letters = n - digits - symbols
	if letters < p.MinLower+p.MinUpper {
		digits = p.MinDigits
		letters = n - digits - symbols
	}
	return letters, digits, symbols
}

// Entropy is the strength in bits of a password this policy generates: the
// class positions times each character's choices.
func (p Policy) Entropy() float64 {
	s := p.genSets()
	l, d, sy := p.composition()
	lg := func(n int) float64 { v, _ := math.Lgamma(float64(n + 1)); return v / math.Ln2 }
	bits := lg(l+d+sy) - lg(l) - lg(d) - lg(sy)
	bits += float64(l) * math.Log2(float64(len(s.lower)+len(s.upper)))
	if d > 0 {
		bits += float64(d) * math.Log2(float64(len(s.digits)))
	}
	if sy > 0 {
		bits += float64(sy) * math.Log2(float64(len(s.symbols)))
	}
	return bits
}

// ValidationError names the rule a password breaks. It never holds the
// password or any of its characters.
type ValidationError struct {
	Policy string
	Rule   string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("password rejected by the %s policy: %s", e.Policy, e.Rule)
}

// Validate checks a supplied password against the policy.
func (p Policy) Validate(pw string) error {
	name := p.Name
	if name == "" {
		name = "custom"
	}
	fail := func(format string, a ...any) error {
		return &ValidationError{Policy: name, Rule: fmt.Sprintf(format, a...)}
	}
	if pw == "" {
		return fail("it is empty")
	}
	if strings.TrimSpace(pw) != pw {
		return fail("it begins or ends with whitespace (a stray space or newline from copying?)")
	}
	var lower, upper, digits, symbols int
	for i, r := range pw {
		pos := i + 1
		switch {
		case r >= utf8.RuneSelf:
			return fail("character %d is not ASCII; only ASCII letters, digits and symbols are allowed", pos)
		case r == ' ':
			return fail("character %d is a space; spaces are not allowed", pos)
		case r < ' ' || r == 0x7f:
			return fail("character %d is a control character", pos)
		case strings.ContainsRune(p.Exclude, r):
			return fail("character %d is one of the excluded characters %q", pos, p.Exclude)
		case r >= 'a' && r <= 'z':
			lower++
		case r >= 'A' && r <= 'Z':
			upper++
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(p.Symbols, r):
			symbols++
		default:
			if p.Symbols == "" {
				return fail("character %d is a symbol; this policy allows letters and digits only", pos)
			}
			return fail("character %d is a symbol outside the allowed set %s", pos, p.Symbols)
		}
	}
	n := len(pw)
	if n < p.MinLength {
		return fail("it has %d characters; at least %d are required", n, p.MinLength)
	}
	if p.MaxLength > 0 && n > p.MaxLength {
		return fail("it has %d characters; at most %d are allowed", n, p.MaxLength)
	}
	for _, c := range []struct {
		got, want int
		what      string
	}{{lower, p.MinLower, "lower-case letter"}, {upper, p.MinUpper, "upper-case letter"},
		{digits, p.MinDigits, "digit"}, {symbols, p.MinSymbols, "symbol from " + p.Symbols}} {
		if c.got < c.want {
			return fail("it needs at least %d %s%s", c.want, c.what, plural(c.want))
		}
	}
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "(s)"
}

// maxStdin bounds what --password-stdin reads: no password is this long, and
// a mistaken pipe of a large file must not be slurped.
const maxStdin = 4096

// ReadStdin reads one password from r (--password-stdin): everything up to
// EOF, minus exactly one trailing "\n" or "\r\n".
func ReadStdin(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxStdin+1))
	if err != nil {
		return "", fmt.Errorf("reading the password from stdin: %w", err)
	}
	if len(b) > maxStdin {
		return "", fmt.Errorf("stdin holds more than %d bytes; expected one password", maxStdin)
	}
	s := string(b)
	if t, ok := strings.CutSuffix(s, "\r\n"); ok {
		s = t
	} else if t, ok := strings.CutSuffix(s, "\n"); ok {
		s = t
	}
	if s == "" {
		return "", errors.New("no password on stdin; pipe one in, e.g. `printf '%s\\n' \"$PW\" | sipctl ... --password-stdin`")
	}
	if strings.ContainsAny(s, "\r\n") {
		return "", errors.New("stdin holds more than one line; expected one password")
	}
	redact.Add(s)
	return s, nil
}
