// Package rename is `sipctl callerid rename`.
package rename

import (
	"context"
	"fmt"
	"github.com/sipctl/sipctl/internal/cmd/resolve"

	"github.com/sipctl/sipctl/internal/cmd/callerid/lookup"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// RenameOptions are the inputs of `callerid rename`.
type RenameOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.CallerIDs, error)
	Exporter *cmdutil.Exporter

	Ref  string
	Name string
}

// NewCmdRename is `callerid rename NUMBER|SID NAME`.
func NewCmdRename(f *cmdutil.Factory, runF func(*RenameOptions) error) *cobra.Command {
	opts := &RenameOptions{IO: f.IOStreams, Provider: cmdutil.Capability[provider.CallerIDs](f.Provider, provider.WhatCallerIDs), Exporter: &cmdutil.Exporter{}}
	cmd := &cobra.Command{
		Use:     "rename NUMBER|SID NAME",
		Short:   "Change a caller ID's friendly name",
		Example: `  $ sipctl callerid rename +14155550100 "reception"`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref, opts.Name = args[0], args[1]
			if err := resolve.Name("caller ID name", opts.Name); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return renameRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, opts.Exporter, provider.CallerID{})
	return cmd
}

func renameRun(ctx context.Context, opts *RenameOptions) error {
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
	if opts.Name == "" {
		return cmdutil.FlagErrorf("empty name")
	}
	c, err := lookup.Find(ctx, p, ref)
	if err != nil {
		return err
	}
	c, err = p.RenameCallerID(ctx, c.SID, opts.Name)
	if err != nil {
		return err
	}
	if opts.IO.IsStdoutTTY() && !opts.Exporter.Enabled() {
		fmt.Fprintf(opts.IO.Out, "Renamed %s to %q\n", c.PhoneNumber, c.FriendlyName)
		return nil
	}
	return output.PrintObject(opts.IO, opts.Exporter, c, []output.Field{
		{Label: "Phone number", Value: output.Text(c.PhoneNumber)},
		{Label: "Friendly name", Value: output.Text(c.FriendlyName)},
		{Label: "SID", Value: output.Text(c.SID)},
	})
}
