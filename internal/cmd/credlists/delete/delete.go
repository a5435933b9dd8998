// Package delete is `sipctl credlists delete`.
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

// DeleteOptions is what `credlists delete` needs.
type DeleteOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.CredentialLists, error)

	List string
	Yes  bool
}

// NewCmdDelete builds the command; runF replaces the run function in tests.
func NewCmdDelete(f *cmdutil.Factory, runF func(*DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{IO: f.IOStreams, Provider: cmdutil.Capability[provider.CredentialLists](f.Provider, provider.WhatCredentialLists)}
	cmd := &cobra.Command{
		Use:     "delete LIST",
		Aliases: []string{"rm"},
		Short:   "Delete a credential list and every username in it",
		Long: `Delete a credential list and every username in it. Phones using those usernames stop
authenticating. Asks on a terminal; pass --yes otherwise.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.List = args[0]
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
	l, err := resolve.CredentialList(ctx, p, opts.List)
	if err != nil {
		return err
	}
	if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, fmt.Sprintf("Delete credential list %q and every username in it?", l.FriendlyName), ""); err != nil {
		return err
	}
	if err := p.DeleteCredentialList(ctx, l.SID); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Deleted credential list %q (%s)\n", l.FriendlyName, l.SID)
	return nil
}
