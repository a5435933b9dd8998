// Package remove is `sipctl ipacls addresses remove`.
package remove

import (
	"context"
	"fmt"

	"github.com/sipctl/sipctl/internal/cmd/ipacls/addresses/list"
	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// RemoveOptions is what `ipacls addresses remove` needs.
type RemoveOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.IPACLs, error)

	ACL     string
	Address string // ADDRESS[/PREFIX] or the entry's SID
	Yes     bool
}

// NewCmdRemove builds the command; runF replaces the run function in tests.
func NewCmdRemove(f *cmdutil.Factory, runF func(*RemoveOptions) error) *cobra.Command {
	opts := &RemoveOptions{IO: f.IOStreams, Provider: cmdutil.Capability[provider.IPACLs](f.Provider, provider.WhatIPACLs)}
	cmd := &cobra.Command{
		Use:     "remove ACL ADDRESS[/PREFIX]",
		Aliases: []string{"rm"},
		Short:   "Remove an address from an IP access control list",
		Long:    "Remove an address (as added, or by its SID) from an IP access control list. Asks on a terminal; pass --yes otherwise.",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ACL, opts.Address = args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return removeRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Remove without asking")
	return cmd
}

func removeRun(ctx context.Context, opts *RemoveOptions) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	a, err := resolve.IPACL(ctx, p, opts.ACL)
	if err != nil {
		return err
	}
	ip, err := resolve.IPAddress(ctx, p, a, opts.Address)
	if err != nil {
		return err
	}
	if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, fmt.Sprintf("Remove %s from %q?", list.CIDR(ip), a.FriendlyName), ""); err != nil {
		return err
	}
	if err := p.RemoveIPAddress(ctx, a.SID, ip.SID); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Removed %s from %q\n", list.CIDR(ip), a.FriendlyName)
	return nil
}
