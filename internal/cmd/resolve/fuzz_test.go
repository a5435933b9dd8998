package resolve

import (
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/twilio"
)

var nameSeeds = []string{"alice", "office", "Zürich Office", "\x1b]0;pwned\a\x1b[2J", "evil\nSD999\tforged", "del\x7f", "\x01soh",
	"rev\u202eexe", "bad\xffutf8", "a@b", "", strings.Repeat("x", 40), "c1\u009b"}

// FuzzNameValidators: whatever a validator accepts prints unchanged (it
// holds nothing the escaper would rewrite), and none of them panics.
func FuzzNameValidators(f *testing.F) {
	for _, s := range nameSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, check := range map[string]func(string) error{
			"provider.CheckSIPUser": provider.CheckSIPUser, "twilio.ValidateUsername": twilio.ValidateUsername,
		} {
			if check(s) == nil && output.Escape(s) != s {
				t.Fatalf("%s accepted %q, which holds a control character", name, s)
			}
		}
		if Name("name", s) == nil && output.Escape(s) != s {
			t.Fatalf("Name accepted %q, which holds a control character", s)
		}
		if d, err := twilio.DomainName(s); err == nil && output.Escape(d) != d {
			t.Fatalf("DomainName accepted %q as %q", s, d)
		}
	})
}

func TestNameRefusesControlCharacters(t *testing.T) {
	for _, s := range nameSeeds[3:9] {
		if err := Name("credential list name", s); err == nil {
			t.Errorf("Name(%q) accepted", s)
		}
		if err := twilio.ValidateUsername(s); err == nil {
			t.Errorf("twilio.ValidateUsername(%q) accepted", s)
		}
	}
	for _, s := range []string{"alice", "Zürich Office"} {
		if err := Name("name", s); err != nil {
			t.Errorf("Name(%q): %v", s, err)
		}
	}
}
