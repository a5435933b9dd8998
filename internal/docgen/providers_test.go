package docgen

import (
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/factory"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// twilioOnly are the commands and flags that exist for Twilio's model alone
// (credential lists, their mappings, caller IDs, domain call settings),
// which the sandbox's Twilio face shares: their help may speak of Twilio.
var twilioOnly = []string{
	"sipctl credlists", "sipctl attach", "sipctl detach", "sipctl callerid", "sipctl domains check",
	"sipctl accounts create --list",
	"sipctl password rotate --credential-list",
	"sipctl domains create --voice-url", "sipctl domains create --fallback-url", "sipctl domains create --status-callback-url",
	"sipctl domains update --voice-url", "sipctl domains update --fallback-url", "sipctl domains update --status-callback-url",
}

func isTwilioOnly(unit string) bool {
	for _, p := range twilioOnly {
		if unit == p || strings.HasPrefix(unit, p+" ") {
			return true
		}
	}
	return false
}

// Help that names Twilio where there are several providers is wrong: every
// help text (a command's, or a flag's) that says "Twilio" either belongs to
// a Twilio-only command or flag, or names another provider too (it is then
// describing each provider, not assuming one).
func TestHelpNamesTwilioOnlyWhereTwilioOnly(t *testing.T) {
	var others []string
	for _, n := range factory.Registered() {
		if n != "twilio" {
			others = append(others, n)
		}
	}
	namesAnother := func(text string) bool {
		low := strings.ToLower(text)
		for _, o := range others {
			if strings.Contains(low, o) {
				return true
			}
		}
		return false
	}
	check := func(unit, text string) {
		if strings.Contains(text, "Twilio") && !isTwilioOnly(unit) && !namesAnother(text) {
			t.Errorf("%s: its help names Twilio alone, but the command works with other providers (%s):\n%s",
				unit, strings.Join(others, ", "), text)
		}
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		check(c.CommandPath(), c.Short+"\n"+c.Long+"\n"+c.Example)
		c.LocalFlags().VisitAll(func(f *pflag.Flag) { check(c.CommandPath()+" --"+f.Name, f.Usage) })
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(Root())
}

// Every --policy flag lists every built-in policy (from the registry).
func TestPolicyFlagsListEveryPolicy(t *testing.T) {
	seen := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if f := c.LocalFlags().Lookup("policy"); f != nil {
			seen++
			for _, n := range password.Names() {
				if !strings.Contains(f.Usage, n) {
					t.Errorf("%s --policy does not list %s: %s", c.CommandPath(), n, f.Usage)
				}
			}
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(Root())
	if seen < 4 {
		t.Errorf("only %d --policy flags found", seen)
	}
}
