// Package delete is `sipctl ipacls delete`.
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

// DeleteOptions is what `ipacls delete` needs.
type DeleteOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.IPACLs, error)

	ACL string
	Yes bool
}

// NewCmdDelete builds the command; runF replaces the run function in tests.
func NewCmdDelete(f *cmdutil.Factory, runF func(*DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{IO: f.IOStreams, Provider: cmdutil.Capability[provider.IPACLs](f.Provider, provider.WhatIPACLs)}
	cmd := &cobra.Command{
		Use:     "delete ACL",
		Aliases: []string{"rm"},
		Short:   "Delete an IP access control list and its addresses",
		Long:    "Delete an IP access control list and its addresses. Asks on a terminal; pass --yes otherwise.",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ACL = args[0]
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
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	a, err := resolve.IPACL(ctx, p, opts.ACL)
	if err != nil {
		return err
	}
	if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, fmt.Sprintf("Delete IP access control list %q and its addresses?", a.FriendlyName), ""); err != nil {
		return err
	}
	if err := p.DeleteIPACL(ctx, a.SID); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Deleted IP access control list %q (%s)\n", a.FriendlyName, a.SID)
	return nil
}
