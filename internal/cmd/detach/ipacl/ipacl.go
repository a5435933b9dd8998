// Package ipacl is `sipctl detach ipacl`.
package ipacl

import (
	"context"
	"fmt"

	"github.com/sipctl/sipctl/internal/cmd/attach/attachment"
	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// Options is what `detach ipacl` needs.
type Options struct {
	IO       *iostreams.IOStreams
	Provider func() (attachment.IPACLProvider, error)
	Exporter cmdutil.Exporter

	ACL    string
	Domain string
	Yes    bool
}

// NewCmdIPACL builds the command; runF replaces the run function in tests.
func NewCmdIPACL(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Provider: cmdutil.Capability[attachment.IPACLProvider](f.Provider, provider.WhatMappings)}
	var domain string
	cmd := &cobra.Command{
		Use:   "ipacl ACL --domain DOMAIN",
		Short: "Detach an IP access control list from a domain",
		Long: `Detach an IP access control list from a domain. The list and its addresses are kept;
calls from those addresses are no longer let in by it. Detaching what is not attached
changes nothing. Asks on a terminal; pass --yes otherwise.`,
		Example: "  $ sipctl detach ipacl office-ips --domain office --yes",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ACL = args[0]
			var err error
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
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, attachment.Result{})
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	d, a, err := attachment.IPACLTargets(ctx, p, opts.Domain, opts.ACL)
	if err != nil {
		return err
	}
	r := attachment.Result{DomainSID: d.SID, DomainName: d.DomainName, SID: a.SID, FriendlyName: a.FriendlyName, Type: "ip_acl", Kind: provider.ForCalls}
	attached, err := attachment.Attached(p.ListIPACLMappings(ctx, d.SID), a.SID)
	if err != nil {
		return err
	}
	if attached {
		prompt := fmt.Sprintf("Detach IP ACL %q from %s? Calls from its addresses are no longer let in by it.", a.FriendlyName, d.DomainName)
		if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, prompt, ""); err != nil {
			return err
		}
		if err := p.DetachIPACL(ctx, d.SID, a.SID); err != nil {
			return err
		}
		r.Changed = true
	}
	return attachment.Report(opts.IO, &opts.Exporter, "Detached", []attachment.Result{r})
}
