// Package delete is `sipctl outbound-profiles delete`.
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

// DeleteOptions are the inputs of `outbound-profiles delete`.
type DeleteOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.OutboundProfiles, error)

	Ref string
	Yes bool
}

// NewCmdDelete is `outbound-profiles delete ID|NAME`.
func NewCmdDelete(f *cmdutil.Factory, runF func(*DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{IO: f.IOStreams,
		Provider: cmdutil.Capability[provider.OutboundProfiles](f.Provider, provider.WhatOutboundProfiles)}
	cmd := &cobra.Command{
		Use:     "delete ID|NAME",
		Aliases: []string{"rm"},
		Short:   "Delete an outbound profile",
		Long: `Delete an outbound profile. Accounts assigned to it lose its restrictions and, on Telnyx, their
outbound calls until they are assigned another (` + "`sipctl accounts restrict`" + `). Asks on a terminal,
saying how many accounts are assigned; pass --yes otherwise.`,
		Example: "  $ sipctl outbound-profiles delete \"North America\" --yes",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if err := resolve.Name("outbound profile", opts.Ref); err != nil {
				return err
			}
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
	o, err := resolve.OutboundProfile(ctx, p, opts.Ref)
	if err != nil {
		return err
	}
	prompt := fmt.Sprintf("Delete outbound profile %s (%s)?", o.Name, o.ID)
	if o.Accounts > 0 {
		prompt += fmt.Sprintf(" %d account(s) are assigned to it.", o.Accounts)
	}
	if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, prompt, ""); err != nil {
		return err
	}
	if err := p.DeleteOutboundProfile(ctx, o.ID); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Deleted outbound profile %s (%s)\n", o.Name, o.ID)
	return nil
}
