// Package credlist is `sipctl detach credlist`.
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

// Options is what `detach credlist` needs.
type Options struct {
	IO       *iostreams.IOStreams
	Provider func() (attachment.CredentialListProvider, error)
	Exporter cmdutil.Exporter

	List   string
	Domain string
	Kinds  []provider.AuthKind
	Yes    bool
}

// NewCmdCredlist builds the command; runF replaces the run function in tests.
func NewCmdCredlist(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Provider: cmdutil.Capability[attachment.CredentialListProvider](f.Provider, provider.WhatCredentialLists)}
	var domain, kinds string
	cmd := &cobra.Command{
		Use:   "credlist LIST --domain DOMAIN",
		Short: "Detach a credential list from a domain",
		Long: `Detach a credential list from a domain for calls, registrations, or both (the default).
The list and its usernames are kept. Detaching what is not attached changes nothing.
Phones that register or call with the list's usernames stop working on the domain, so
it asks on a terminal; pass --yes otherwise.`,
		Example: "  $ sipctl detach credlist staff --domain office --for registrations --yes",
		Args:    cobra.ExactArgs(1),
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
	cmd.Flags().StringVarP(&domain, "domain", "d", "", "The `domain` to detach from (default: the profile's default domain)")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Detach without asking")
	cmd.Flags().StringVar(&kinds, "for", "both", "What to stop authenticating with the list: `calls`, registrations or both")
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
	var detaching []string
	for _, kind := range opts.Kinds {
		r := attachment.Result{DomainSID: d.SID, DomainName: d.DomainName, SID: l.SID, FriendlyName: l.FriendlyName, Type: "credential_list", Kind: kind}
		if r.Changed, err = attachment.Attached(p.ListCredentialListMappings(ctx, d.SID, kind), l.SID); err != nil {
			return err
		}
		if r.Changed {
			detaching = append(detaching, string(kind))
		}
		results = append(results, r)
	}
	if len(detaching) > 0 {
		prompt := fmt.Sprintf("Detach credential list %q (%s) from %s? Its usernames stop working there.", l.FriendlyName, strings.Join(detaching, ", "), d.DomainName)
		if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, prompt, ""); err != nil {
			return err
		}
	}
	for _, r := range results {
		if r.Changed {
			if err := p.DetachCredentialList(ctx, d.SID, r.Kind, l.SID); err != nil {
				return err
			}
		}
	}
	return attachment.Report(opts.IO, &opts.Exporter, "Detached", results)
}
