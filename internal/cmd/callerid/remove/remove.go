// Package remove is `sipctl callerid remove`.
package remove

import (
	"context"
	"fmt"

	"github.com/sipctl/sipctl/internal/cmd/callerid/lookup"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// RemoveOptions are the inputs of `callerid remove`.
type RemoveOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.CallerIDs, error)

	Ref string
	Yes bool
}

// NewCmdRemove is `callerid remove NUMBER|SID`.
func NewCmdRemove(f *cmdutil.Factory, runF func(*RemoveOptions) error) *cobra.Command {
	opts := &RemoveOptions{IO: f.IOStreams, Provider: cmdutil.Capability[provider.CallerIDs](f.Provider, provider.WhatCallerIDs)}
	cmd := &cobra.Command{
		Use:     "remove NUMBER|SID",
		Short:   "Remove a verified caller ID",
		Long:    "Remove a verified caller ID; calls can no longer show it. Confirms on a terminal; pass --yes otherwise.",
		Example: `  $ sipctl callerid remove +14155550100 --yes`,
		Aliases: []string{"rm"},
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
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
	// The provider is made, not asked: the reference is still checked
	// before any request.
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	ref, err := lookup.CheckRef(p, opts.Ref)
	if err != nil {
		return err
	}
	c, err := lookup.Find(ctx, p, ref)
	if err != nil {
		return err
	}
	label := c.PhoneNumber
	if c.FriendlyName != "" && c.FriendlyName != c.PhoneNumber {
		label += " (" + c.FriendlyName + ")"
	}
	if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, fmt.Sprintf("Remove caller ID %s?", label), ""); err != nil {
		return err
	}
	if err := p.RemoveCallerID(ctx, c.SID); err != nil {
		return err
	}
	if opts.IO.IsStdoutTTY() {
		fmt.Fprintf(opts.IO.Out, "Removed caller ID %s\n", label)
	}
	return nil
}
