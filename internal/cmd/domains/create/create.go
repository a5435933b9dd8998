// Package create is `sipctl domains create`.
package create

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sipctl/sipctl/internal/cmd/domains/settings"
	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// CreateOptions is what `domains create` needs.
type CreateOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.SIPAccounts, error)
	Exporter cmdutil.Exporter

	// DomainName is complete, as the provider names it (p.CanonicalDomain:
	// NAME.sip.twilio.com on Twilio).
	DomainName string
	Params     provider.DomainParams
}

// NewCmdCreate builds the command; runF replaces the run function in tests.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{IO: f.IOStreams, Provider: f.Provider}
	var flags settings.Flags
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a SIP domain",
		Long: `Create a SIP domain. Twilio requires the name to end in sip.twilio.com; a bare name
such as "office" becomes office.sip.twilio.com. Names are unique across all of Twilio.
Other providers take the name as phones will use it (Kamailio: a host name such as pbx.example.com);
the settings flags apply where the provider has them.`,
		Example: `  $ sipctl domains create office --sip-registration --voice-url https://example.com/voice
  $ sipctl domains create branch.sip.twilio.com --secure`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Params, err = flags.Params(cmd.Flags()); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			// The provider completes and checks the name before any request.
			sa, err := opts.Provider()
			if err != nil {
				return err
			}
			if opts.DomainName, err = resolve.CanonicalDomain(sa, args[0]); err != nil {
				return err
			}
			opts.Params.DomainName = &opts.DomainName
			if runF != nil {
				return runF(opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	flags.Add(cmd.Flags())
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, provider.Domain{})
	return cmd
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	sa, err := opts.Provider()
	if err != nil {
		return err
	}
	p, err := provider.Require[provider.Domains](sa, provider.WhatDomains)
	if err != nil {
		return err
	}
	name, err := resolve.CanonicalDomain(sa, opts.DomainName)
	if err != nil {
		return err
	}
	opts.DomainName = name
	opts.Params.DomainName = &opts.DomainName
	d, err := p.CreateDomain(ctx, opts.Params)
	if errors.Is(err, provider.ErrExists) {
		return takenError(ctx, p, opts.DomainName, err)
	}
	if err != nil {
		return err
	}
	return output.PrintObject(opts.IO, &opts.Exporter, d, settings.Fields(sa, d))
}

// takenError tells a name that is already in the account apart from one
// that another account of the provider holds (Twilio's domain names are
// unique across Twilio): the first is there to use, the second needs
// another name.
func takenError(ctx context.Context, p provider.Domains, name string, err error) error {
	for d, lerr := range p.ListDomains(ctx) {
		if lerr != nil {
			return err
		}
		if strings.EqualFold(d.DomainName, name) {
			return cmdutil.WithHint(fmt.Errorf("domain %s already exists in your account (%s)", d.DomainName, d.SID),
				fmt.Sprintf("see it with `sipctl domains show %s`, or change it with `sipctl domains update %s`", d.DomainName, d.DomainName))
		}
	}
	return cmdutil.WithHint(fmt.Errorf("domain %s is taken by someone else: the provider has it in another account (%w)", name, err),
		"domain names are unique across the provider: pick another name")
}
