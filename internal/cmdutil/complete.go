package cmdutil

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// CompletionTimeout bounds a completion that asks the provider: a shell
// waiting on Tab must not hang on a slow API or a locked keyring.
var CompletionTimeout = 2 * time.Second

// CompleteFunc completes an argument or a flag value.
type CompleteFunc = cobra.CompletionFunc

const noFiles = cobra.ShellCompDirectiveNoFileComp

// Choices completes one of fixed values.
func Choices(values ...string) CompleteFunc {
	return func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return values, noFiles
	}
}

// FirstArg applies fn to the first positional argument only.
func FirstArg(fn CompleteFunc) CompleteFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, noFiles
		}
		return fn(cmd, args, toComplete)
	}
}

// fromProvider lists names from the active profile's provider (and
// --subaccount), within CompletionTimeout; at the deadline it offers what it
// has. Notes are silenced: they would land in the shell's prompt.
func fromProvider(f *Factory, list func(ctx context.Context, p provider.SIPAccounts, add func(name, desc string))) CompleteFunc {
	return fromProviderFor(f, func(ctx context.Context, _ *cobra.Command, p provider.SIPAccounts, add func(name, desc string)) {
		list(ctx, p, add)
	})
}

// fromProviderFor is fromProvider for a list that depends on the command
// line (its --domain).
func fromProviderFor(f *Factory, list func(ctx context.Context, cmd *cobra.Command, p provider.SIPAccounts, add func(name, desc string))) CompleteFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		f.Globals.Quiet = true
		ctx, cancel := context.WithTimeout(context.Background(), CompletionTimeout)
		defer cancel()
		results := make(chan []cobra.Completion, 1)
		go func() {
			var out []cobra.Completion
			defer func() { results <- out }()
			p, err := f.Provider()
			if err != nil {
				return
			}
			list(ctx, cmd, p, func(name, desc string) {
				if name == "" || !strings.HasPrefix(strings.ToLower(name), strings.ToLower(toComplete)) {
					return
				}
				out = append(out, cobra.CompletionWithDesc(name, desc))
			})
		}()
		select {
		case out := <-results:
			return out, noFiles
		case <-ctx.Done():
			return nil, noFiles
		}
	}
}

// CompleteDomains completes SIP domain names.
func CompleteDomains(f *Factory) CompleteFunc {
	return fromProvider(f, func(ctx context.Context, p provider.SIPAccounts, add func(string, string)) {
		ds, ok := any(p).(provider.Domains)
		if !ok {
			return
		}
		for d, err := range ds.ListDomains(ctx) {
			if err != nil {
				return
			}
			add(d.DomainName, d.FriendlyName)
		}
	})
}

// CompleteCredentialLists completes credential list names.
func CompleteCredentialLists(f *Factory) CompleteFunc {
	return fromProvider(f, func(ctx context.Context, p provider.SIPAccounts, add func(string, string)) {
		cl, ok := any(p).(provider.CredentialLists)
		if !ok {
			return
		}
		for l, err := range cl.ListCredentialLists(ctx) {
			if err != nil {
				return
			}
			add(l.FriendlyName, l.SID)
		}
	})
}

// CompleteIPACLs completes IP access control list names.
func CompleteIPACLs(f *Factory) CompleteFunc {
	return fromProvider(f, func(ctx context.Context, p provider.SIPAccounts, add func(string, string)) {
		acls, ok := any(p).(provider.IPACLs)
		if !ok {
			return
		}
		for a, err := range acls.ListIPACLs(ctx) {
			if err != nil {
				return
			}
			add(a.FriendlyName, a.SID)
		}
	})
}

// CompleteSubaccounts completes subaccount names.
func CompleteSubaccounts(f *Factory) CompleteFunc {
	return fromProvider(f, func(ctx context.Context, p provider.SIPAccounts, add func(string, string)) {
		accts, ok := any(p).(provider.Accounts)
		if !ok {
			return
		}
		for a, err := range accts.ListSubaccounts(ctx) {
			if err != nil {
				return
			}
			add(a.FriendlyName, a.SID+" "+a.Status)
		}
	})
}

// CompleteUsernames completes the usernames of the SIP accounts on the
// command's --domain, else the profile's default domain.
func CompleteUsernames(f *Factory) CompleteFunc {
	return fromProviderFor(f, func(ctx context.Context, cmd *cobra.Command, p provider.SIPAccounts, add func(string, string)) {
		domain := ""
		if fl := cmd.Flags().Lookup("domain"); fl != nil {
			domain = fl.Value.String()
		}
		if domain == "" && f.Profile != nil {
			if prof, err := f.Profile(); err == nil && prof != nil {
				domain = prof.DefaultDomain
			}
		}
		if domain == "" {
			return
		}
		full, err := p.CanonicalDomain(domain)
		if err != nil {
			return
		}
		for a, err := range p.ListSIPAccounts(ctx, provider.AccountQuery{Domain: full}) {
			if err != nil {
				return
			}
			add(a.Username, a.Domain)
		}
	})
}

// CompleteCallerIDs completes verified caller ID numbers.
func CompleteCallerIDs(f *Factory) CompleteFunc {
	return fromProvider(f, func(ctx context.Context, p provider.SIPAccounts, add func(string, string)) {
		ids, ok := any(p).(provider.CallerIDs)
		if !ok {
			return
		}
		for c, err := range ids.ListCallerIDs(ctx) {
			if err != nil {
				return
			}
			add(c.PhoneNumber, c.FriendlyName)
		}
	})
}

// CompleteProfiles completes profile names from the config file.
func CompleteProfiles(f *Factory) CompleteFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		cfg, err := f.Config()
		if err != nil {
			return nil, noFiles
		}
		return cfg.ProfileNames(), noFiles
	}
}

// CompleteRunIDs completes the run IDs of unfinished runs' journals in the
// state directory, and "all" (for --resume).
func CompleteRunIDs(f *Factory) CompleteFunc {
	return completeRunIDs("all")
}

// CompleteRunIDsOnly completes the run IDs alone (`password runs
// show|discard`).
func CompleteRunIDsOnly(f *Factory) CompleteFunc {
	return completeRunIDs()
}

func completeRunIDs(extra ...string) CompleteFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		paths, _ := journal.List(journal.Dir(config.StateDir()))
		out := append([]cobra.Completion{}, extra...)
		for _, p := range paths {
			out = append(out, strings.TrimSuffix(filepath.Base(p), ".jsonl"))
		}
		return out, noFiles
	}
}
