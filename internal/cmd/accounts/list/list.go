// Package list is `sipctl accounts list`.
package list

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sort"
	"strings"

	"github.com/sipctl/sipctl/internal/cmd/accounts/lookup"
	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// ListOptions are the inputs of `accounts list`.
type ListOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.SIPAccounts, error)
	Profile  func() (*config.Profile, error)
	Exporter *cmdutil.Exporter

	Domain string
	// Sort is the order of the rows: username (natural: 101 before 1000),
	// created, status, or none (the provider's, streamed as it comes); ""
	// is username.
	Sort string
}

// sortKeys are --sort's values.
var sortKeys = []string{"username", "created", "status", "none"}

// NewCmdList is `accounts list --domain DOMAIN`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Provider: f.Provider, Profile: f.Profile, Exporter: &cmdutil.Exporter{}}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the SIP accounts on a domain",
		Long: `List the SIP accounts on a domain. On Twilio these are the usernames on every credential list
attached to the domain, for calls or registrations, with the list's name. Where the provider
tells registration status (Kamailio, Telnyx), a STATUS column says whether a phone is registered
now; --json adds status, contact, user_agent and expires.`,
		Example: `  $ sipctl accounts list --domain office
  $ sipctl accounts list --domain office --json=username,credential_list
  $ sipctl accounts list --domain office --json=username,status --jq '.[] | select(.status == "registered")'`,
		Aliases: []string{"ls"},
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(sortKeys, opts.Sort) {
				return cmdutil.FlagErrorf("invalid --sort %q: use one of %s", opts.Sort, strings.Join(sortKeys, ", "))
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Sort, "sort", "username", "Order rows by `field`: username (101 before 1000), created, status, or none (the provider's order, printed as it arrives)")
	cmd.RegisterFlagCompletionFunc("sort", cobra.FixedCompletions(sortKeys, cobra.ShellCompDirectiveNoFileComp))
	cmd.Flags().StringVarP(&opts.Domain, "domain", "d", "", "SIP `domain` (name, bare name or SID; default: the profile's default domain)")
	cmdutil.AddJSONFlags(cmd, opts.Exporter, lookup.Account{})
	cmdutil.OmitJSONFields(opts.Exporter, "password") // only create prints one
	cmdutil.AddListFlags(cmd, opts.Exporter)
	return cmd
}

// statusBatch is how many accounts one registration-status call covers.
const statusBatch = 100

func columns(twilioLists, status bool) []output.Column[lookup.Account] {
	cols := []output.Column[lookup.Account]{
		{Header: "USERNAME", Value: func(a lookup.Account) output.Cell { return output.Text(a.Username) }},
	}
	if status {
		cols = append(cols, output.Column[lookup.Account]{Header: "STATUS", Value: func(a lookup.Account) output.Cell { return output.Text(lookup.StatusText(a)) }})
	}
	if twilioLists {
		cols = append(cols,
			output.Column[lookup.Account]{Header: "CREDENTIAL LIST", Value: func(a lookup.Account) output.Cell { return output.Text(a.CredentialList) }},
			output.Column[lookup.Account]{Header: "SID", Value: func(a lookup.Account) output.Cell { return output.Text(a.SID) }})
	} else {
		cols = append(cols, output.Column[lookup.Account]{Header: "REF", Value: func(a lookup.Account) output.Cell { return output.Text(a.Ref) }})
	}
	return append(cols, output.Column[lookup.Account]{Header: "CREATED", Value: func(a lookup.Account) output.Cell { return output.Time(a.DateCreated) }})
}

func listRun(ctx context.Context, opts *ListOptions) error {
	domainRef := opts.Domain
	if domainRef == "" && opts.Profile != nil {
		// A profile that cannot be chosen (a half-set environment) is the
		// error to report, not the missing domain it leaves behind.
		prof, err := opts.Profile()
		if err != nil {
			return err
		}
		if prof != nil {
			domainRef = prof.DefaultDomain
		}
	}
	if domainRef == "" {
		return cmdutil.FlagErrorf("no domain: pass --domain NAME, or set a default with `sipctl profile set default_domain NAME`")
	}
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	domain, err := resolve.CanonicalDomain(p, domainRef)
	if err != nil {
		return err
	}
	seq := p.ListSIPAccounts(ctx, provider.AccountQuery{Domain: domain})
	reg, hasStatus := provider.Lookup[provider.Registrations](p)
	if hasStatus {
		seq = lookup.WithStatus(ctx, reg, seq, statusBatch)
	}
	full := domain
	var accounts iter.Seq2[lookup.Account, error] = func(yield func(lookup.Account, error) bool) {
		for a, err := range seq {
			if err != nil {
				yield(lookup.Account{}, lookup.Hint(err, domainRef))
				return
			}
			full = a.Domain
			if !yield(lookup.FromSIP(a), nil) {
				return
			}
		}
	}
	if opts.Sort != "none" {
		if accounts, err = sorted(accounts, opts.Sort); err != nil {
			return err
		}
	}
	_, twilioLists := provider.Lookup[provider.CredentialLists](p)
	n, err := output.PrintList(opts.IO, opts.Exporter, accounts, columns(twilioLists, hasStatus))
	if err != nil {
		return err
	}
	if n == 0 && !opts.Exporter.Enabled() && opts.IO.IsStderrTTY() {
		fmt.Fprintf(opts.IO.ErrOut, "No SIP accounts on %s: create one with `sipctl accounts create USERNAME --domain %s`\n", full, full)
	}
	return nil
}

// sorted reads every account and orders them by key, usernames breaking
// ties, each compared in natural order.
func sorted(seq iter.Seq2[lookup.Account, error], key string) (iter.Seq2[lookup.Account, error], error) {
	var all []lookup.Account
	for a, err := range seq {
		if err != nil {
			return nil, err
		}
		all = append(all, a)
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		switch key {
		case "created":
			if !a.DateCreated.Equal(b.DateCreated) {
				return a.DateCreated.Before(b.DateCreated)
			}
		case "status":
			if sa, sb := lookup.StatusText(a), lookup.StatusText(b); sa != sb {
				return output.NaturalLess(sa, sb)
			}
		}
		return output.NaturalLess(a.Username, b.Username)
	})
	return output.All(all), nil
}
