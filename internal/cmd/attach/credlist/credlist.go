// Package credlist is `sipctl attach credlist`.
package credlist

import (
	"context"
	"fmt"
	"strings"

	"github.com/sipctl/sipctl/internal/cmd/attach/attachment"
	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// Options is what `attach credlist` needs.
type Options struct {
	IO       *iostreams.IOStreams
	Provider func() (attachment.CredentialListProvider, error)
	Exporter cmdutil.Exporter

	List   string
	Domain string
	Kinds  []provider.AuthKind
}

// NewCmdCredlist builds the command; runF replaces the run function in tests.
func NewCmdCredlist(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Provider: cmdutil.Capability[attachment.CredentialListProvider](f.Provider, provider.WhatCredentialLists)}
	var domain, kinds string
	cmd := &cobra.Command{
		Use:   "credlist LIST --domain DOMAIN",
		Short: "Attach a credential list to a domain",
		Long: `Attach a credential list to a domain, so its usernames authenticate calls, registrations,
or both (the default: phones that register also place calls). LIST and DOMAIN are names or SIDs;
DOMAIN defaults to the profile's default domain. Attaching what is already attached changes nothing.`,
		Example: `  $ sipctl attach credlist staff --domain office
  $ sipctl attach credlist trunk-users --domain office --for calls`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.List = args[0]
			var err error
			if opts.Kinds, err = resolve.AuthKinds(kinds); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			if opts.Domain, err = resolve.DomainRef(domain, f.Profile); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&domain, "domain", "d", "", "The `domain` to attach to (default: the profile's default domain)")
	cmd.Flags().StringVar(&kinds, "for", "both", "What the list authenticates: `calls`, registrations or both")
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, attachment.Result{})
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	d, l, err := attachment.CredentialListTargets(ctx, p, opts.Domain, opts.List)
	if err != nil {
		return err
	}
	var results []attachment.Result
	for _, kind := range opts.Kinds {
		r := attachment.Result{DomainSID: d.SID, DomainName: d.DomainName, SID: l.SID, FriendlyName: l.FriendlyName, Type: "credential_list", Kind: kind}
		already, err := attachment.Attached(p.ListCredentialListMappings(ctx, d.SID, kind), l.SID)
		if err != nil {
			return err
		}
		if !already {
			if _, err := p.AttachCredentialList(ctx, d.SID, kind, l.SID); err != nil {
				return err
			}
			r.Changed = true
		}
		results = append(results, r)
	}
	if err := attachment.Report(opts.IO, &opts.Exporter, "Attached", results); err != nil {
		return err
	}
	for _, k := range opts.Kinds {
		if k == provider.ForRegistrations && !d.SIPRegistration {
			fmt.Fprintf(opts.IO.ErrOut, "warning: registration is off on %s, so phones cannot register yet; turn it on with `sipctl domains update %s --sip-registration`\n",
				d.DomainName, strings.TrimSuffix(d.DomainName, "."+resolve.DomainSuffix))
		}
	}
	return nil
}
