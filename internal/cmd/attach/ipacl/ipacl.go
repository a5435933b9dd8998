// Package ipacl is `sipctl attach ipacl`.
package ipacl

import (
	"context"

	"github.com/sipctl/sipctl/internal/cmd/attach/attachment"
	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// Options is what `attach ipacl` needs.
type Options struct {
	IO       *iostreams.IOStreams
	Provider func() (attachment.IPACLProvider, error)
	Exporter cmdutil.Exporter

	ACL    string
	Domain string
}

// NewCmdIPACL builds the command; runF replaces the run function in tests.
func NewCmdIPACL(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Provider: cmdutil.Capability[attachment.IPACLProvider](f.Provider, provider.WhatMappings)}
	var domain string
	cmd := &cobra.Command{
		Use:   "ipacl ACL --domain DOMAIN",
		Short: "Attach an IP access control list to a domain for calls",
		Long: `Attach an IP access control list to a domain, so calls from its addresses are accepted
without a password (Twilio applies IP ACLs to calls only). ACL and DOMAIN are names or SIDs.`,
		Example: "  $ sipctl attach ipacl office-ips --domain office",
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
	cmd.Flags().StringVarP(&domain, "domain", "d", "", "The `domain` to attach to (default: the profile's default domain)")
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
	already, err := attachment.Attached(p.ListIPACLMappings(ctx, d.SID), a.SID)
	if err != nil {
		return err
	}
	if !already {
		if _, err := p.AttachIPACL(ctx, d.SID, a.SID); err != nil {
			return err
		}
		r.Changed = true
	}
	return attachment.Report(opts.IO, &opts.Exporter, "Attached", []attachment.Result{r})
}
