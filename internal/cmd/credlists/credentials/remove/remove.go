// Package remove is `sipctl credlists credentials remove`.
package remove

import (
	"context"
	"fmt"

	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// RemoveOptions is what `credlists credentials remove` needs.
type RemoveOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.CredentialLists, error)

	List     string
	Username string // or the credential's SID
	Yes      bool
}

// NewCmdRemove builds the command; runF replaces the run function in tests.
func NewCmdRemove(f *cmdutil.Factory, runF func(*RemoveOptions) error) *cobra.Command {
	opts := &RemoveOptions{IO: f.IOStreams, Provider: cmdutil.Capability[provider.CredentialLists](f.Provider, provider.WhatCredentialLists)}
	cmd := &cobra.Command{
		Use:     "remove LIST USERNAME",
		Aliases: []string{"rm"},
		Short:   "Remove a username from a credential list",
		Long:    "Remove a username (or credential SID) from a credential list. Asks on a terminal; pass --yes otherwise.",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.List, opts.Username = args[0], args[1]
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
	l, err := resolve.CredentialList(ctx, p, opts.List)
	if err != nil {
		return err
	}
	c, err := resolve.Credential(ctx, p, l, opts.Username)
	if err != nil {
		return err
	}
	if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, fmt.Sprintf("Remove %s from %q?", c.Username, l.FriendlyName), ""); err != nil {
		return err
	}
	if err := p.DeleteCredential(ctx, l.SID, c.SID); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Removed %s from %q\n", c.Username, l.FriendlyName)
	return nil
}
