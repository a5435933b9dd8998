package password

import (
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/redact"
)

// Over 100,000 passwords per policy, none starts with = + - @ or whitespace
// (a spreadsheet would read the cell as a formula), every one still
// satisfies its policy, and the first character still varies widely.
func TestGeneratedPasswordsNeverStartWithAFormulaCharacter(t *testing.T) {
	const n = 100_000
	custom, err := Parse("base=strict symbol-set=-+=@_ symbols=3")
	if err != nil {
		t.Fatal(err)
	}
	policies := []Policy{custom}
	for _, name := range []string{"strict", "device-safe", "twilio"} {
		p, _ := Builtin(name)
		policies = append(policies, p)
	}
	if testing.Short() {
		t.Skip("100,000 passwords per policy")
	}
	for _, p := range policies {
		t.Run(p.Name, func(t *testing.T) {
			first := map[byte]int{}
			for range n {
				pw, err := p.GenerateForDisplay()
				if err != nil {
					t.Fatal(err)
				}
				if strings.ContainsRune(FormulaStart+" \t\r\n", rune(pw[0])) {
					t.Fatalf("%q starts with a formula character", pw)
				}
				if err := p.Validate(pw); err != nil {
					t.Fatalf("%q: %v", pw, err)
				}
				first[pw[0]]++
			}
			// Letters and digits alone give 50+ first characters (fewer
			// with the ambiguous ones excluded); a swap that always chose
			// one position would show as a handful.
			if len(first) < 40 {
				t.Errorf("only %d distinct first characters: %v", len(first), first)
			}
		})
	}
}

func TestPolicyOfOnlyFormulaCharactersIsRefused(t *testing.T) {
	_, err := Parse("min=4 max=4 length=4 lower=0 upper=0 digits=0 symbols=4 symbol-set=-+=@")
	if err == nil || !strings.Contains(err.Error(), "formula characters") {
		t.Fatal("a policy that can only generate formula characters was accepted")
	}
}

func TestGeneratedAndReadPasswordsAreRegisteredWithTheRedactor(t *testing.T) {
	redact.Reset()
	t.Cleanup(redact.Reset)
	p, _ := Builtin("strict")
	pw, err := p.Generate()
	if err != nil {
		t.Fatal(err)
	}
	read, err := ReadStdin(strings.NewReader("Supplied-Passw0rd!\n"))
	if err != nil {
		t.Fatal(err)
	}
	line := redact.String("HTTP 400: Password=" + pw + " and " + read)
	if strings.Contains(line, pw) || strings.Contains(line, read) {
		t.Fatalf("not redacted: %q", line)
	}
	shown, _ := p.GenerateForDisplay()
	if redact.String(shown) != shown {
		t.Errorf("a display-only password was registered")
	}
}
