package root

import (
	"strings"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/spf13/cobra"
)

// registerCompletions gives the shell the names and choices of the tree, all
// in one place: a flag is completed by its name wherever it appears (so a
// new command with --domain completes domains with no line of its own), and
// a positional argument by the table below, one line per command.
func registerCompletions(root *cobra.Command, f *cmdutil.Factory) {
	domains := cmdutil.CompleteDomains(f)
	lists := cmdutil.CompleteCredentialLists(f)
	acls := cmdutil.CompleteIPACLs(f)
	subaccounts := cmdutil.CompleteSubaccounts(f)
	profiles := cmdutil.CompleteProfiles(f)
	outbound := cmdutil.CompleteOutboundProfiles(f)
	users := cmdutil.CompleteUsernames(f)
	runs := cmdutil.CompleteRunIDsOnly(f)
	callerIDs := cmdutil.CompleteCallerIDs(f)

	byFlag := map[string]cmdutil.CompleteFunc{
		"domain":     domains,
		"for":        cmdutil.Choices("calls", "registrations", "both"),
		"policy":     cmdutil.Choices(password.Names()...),
		"transport":  cmdutil.Choices("udp", "tcp", "tls"),
		"resume":     cmdutil.CompleteRunIDs(f),
		"profile":    profiles,
		"subaccount": subaccounts,
		// accounts update's; its value is an id.
		"outbound-voice-profile": cmdutil.CompleteOutboundProfileIDs(f),
		"caller-id":              callerIDs,
	}
	// Commands that take several usernames complete each of them.
	everyArg := map[string]cmdutil.CompleteFunc{
		"accounts show":     users,
		"accounts delete":   users,
		"accounts update":   users,
		"accounts restrict": users,
		"accounts check":    users,
		"password rotate":   users,
	}
	byArg := map[string]cmdutil.CompleteFunc{
		"domains show":                 domains,
		"domains update":               domains,
		"domains delete":               domains,
		"domains check":                domains,
		"credlists show":               lists,
		"credlists rename":             lists,
		"credlists delete":             lists,
		"credlists credentials add":    lists,
		"credlists credentials list":   lists,
		"credlists credentials remove": lists,
		"attach credlist":              lists,
		"detach credlist":              lists,
		"ipacls show":                  acls,
		"ipacls delete":                acls,
		"ipacls addresses add":         acls,
		"ipacls addresses list":        acls,
		"ipacls addresses remove":      acls,
		"attach ipacl":                 acls,
		"detach ipacl":                 acls,
		"subaccounts suspend":          subaccounts,
		"subaccounts activate":         subaccounts,
		"subaccounts close":            subaccounts,
		"outbound-profiles show":       outbound,
		"outbound-profiles update":     outbound,
		"outbound-profiles delete":     outbound,
		"profile use":                  profiles,
		"profile show":                 profiles,
		"profile delete":               profiles,
		"password runs show":           runs,
		"password runs discard":        runs,
		"password runs salvage":        runs,
		"callerid remove":              callerIDs,
		"callerid rename":              callerIDs,
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		path := strings.TrimPrefix(strings.TrimPrefix(c.CommandPath(), root.Name()), " ")
		if fn, ok := byArg[path]; ok && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = cmdutil.FirstArg(fn)
		}
		if fn, ok := everyArg[path]; ok && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = fn
		}
		for name, fn := range byFlag {
			if fl := c.LocalNonPersistentFlags().Lookup(name); fl != nil || (c == root && c.PersistentFlags().Lookup(name) != nil) {
				if _, exists := c.GetFlagCompletionFunc(name); !exists {
					c.RegisterFlagCompletionFunc(name, fn)
				}
			}
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
}
