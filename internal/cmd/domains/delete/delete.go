// Package delete is `sipctl domains delete`.
package delete

import (
	"context"
	"fmt"

	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// DeleteOptions is what `domains delete` needs.
type DeleteOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.SIPAccounts, error)

	Domain string
	Yes    bool
}

// NewCmdDelete builds the command; runF replaces the run function in tests.
func NewCmdDelete(f *cmdutil.Factory, runF func(*DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{IO: f.IOStreams, Provider: f.Provider}
	cmd := &cobra.Command{
		Use:     "delete DOMAIN",
		Aliases: []string{"rm"},
		Short:   "Delete a SIP domain",
		Long: `Delete a SIP domain. Phones registered to it stop working and calls to it fail.
The credential lists and IP ACLs attached to it are kept. Asks on a terminal; pass --yes otherwise.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Domain = args[0]
			if runF != nil {
				return runF(opts)
			}
			return deleteRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Delete without asking")
	return cmd
}

func deleteRun(ctx context.Context, opts *DeleteOptions) error {
	sa, err := opts.Provider()
	if err != nil {
		return err
	}
	p, err := provider.Require[provider.Domains](sa, provider.WhatDomains)
	if err != nil {
		return err
	}
	d, err := resolve.Domain(ctx, p, opts.Domain)
	if err != nil {
		return err
	}
	if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, fmt.Sprintf("Delete domain %s?", d.DomainName), ""); err != nil {
		return err
	}
	if err := p.DeleteDomain(ctx, d.SID); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Deleted domain %s (%s)\n", d.DomainName, d.SID)
	return nil
}
