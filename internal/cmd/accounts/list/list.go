// Package list is `sipctl accounts list`.
package list

import (
	"context"

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
	Provider func() (provider.Provider, error)
	Profile  func() (*config.Profile, error)
	Exporter *cmdutil.Exporter

	Domain string
}

// NewCmdList is `accounts list --domain DOMAIN`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Provider: f.Provider, Profile: f.Profile, Exporter: &cmdutil.Exporter{}}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the SIP accounts on a domain",
		Long: `List the SIP accounts on a domain: every username on every credential list attached to it,
for calls or registrations, with the list's name.`,
		Example: `  $ sipctl accounts list --domain office
  $ sipctl accounts list --domain office --json=username,credential_list`,
		Aliases: []string{"ls"},
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Domain, "domain", "d", "", "SIP `domain` (name, bare name or SID; default: the profile's default domain)")
	cmdutil.AddJSONFlags(cmd, opts.Exporter, lookup.Account{})
	cmdutil.AddListFlags(cmd, opts.Exporter)
	return cmd
}

var columns = []output.Column[lookup.Account]{
	{Header: "USERNAME", Value: func(a lookup.Account) output.Cell { return output.Text(a.Username) }},
	{Header: "CREDENTIAL LIST", Value: func(a lookup.Account) output.Cell { return output.Text(a.CredentialList) }},
	{Header: "SID", Value: func(a lookup.Account) output.Cell { return output.Text(a.SID) }},
	{Header: "CREATED", Value: func(a lookup.Account) output.Cell { return output.Time(a.DateCreated) }},
}

func listRun(ctx context.Context, opts *ListOptions) error {
	domainRef := opts.Domain
	if domainRef == "" && opts.Profile != nil {
		if prof, err := opts.Profile(); err == nil && prof != nil {
			domainRef = prof.DefaultDomain
		}
	}
	if domainRef == "" {
		return cmdutil.FlagErrorf("no domain: pass --domain NAME or set the profile's default domain")
	}
	if err := lookup.DomainRef(domainRef); err != nil {
		return err
	}
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	d, err := resolve.Domain(ctx, p, domainRef)
	if err != nil {
		return err
	}
	lists, err := lookup.AttachedLists(ctx, p, d.SID)
	if err != nil {
		return err
	}
	n, err := output.PrintList(opts.IO, opts.Exporter, lookup.Accounts(ctx, p, d, lists), columns)
	if err != nil {
		return err
	}
	if n == 0 && !opts.Exporter.Enabled() && opts.IO.IsStderrTTY() {
		if len(lists) == 0 {
			opts.IO.ErrOut.Write([]byte("No credential list is attached to " + d.DomainName + ": create an account with `sipctl accounts create USERNAME --domain " + d.DomainName + "`\n"))
		} else {
			opts.IO.ErrOut.Write([]byte("No SIP accounts on " + d.DomainName + "\n"))
		}
	}
	return nil
}
