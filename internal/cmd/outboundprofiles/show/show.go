// Package show is `sipctl outbound-profiles show`.
package show

import (
	"context"

	"github.com/sipctl/sipctl/internal/cmd/outboundprofiles/shared"
	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// ShowOptions are the inputs of `outbound-profiles show`.
type ShowOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.OutboundProfiles, error)
	Exporter *cmdutil.Exporter

	Ref string
}

// NewCmdShow is `outbound-profiles show ID|NAME`.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{IO: f.IOStreams, Exporter: &cmdutil.Exporter{},
		Provider: cmdutil.Capability[provider.OutboundProfiles](f.Provider, provider.WhatOutboundProfiles)}
	cmd := &cobra.Command{
		Use:     "show ID|NAME",
		Aliases: []string{"view"},
		Short:   "Show an outbound profile",
		Example: "  $ sipctl outbound-profiles show \"North America\"",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if err := resolve.Name("outbound profile", opts.Ref); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return showRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, opts.Exporter, provider.OutboundProfile{})
	return cmd
}

func showRun(ctx context.Context, opts *ShowOptions) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	o, err := resolve.OutboundProfile(ctx, p, opts.Ref)
	if err != nil {
		return err
	}
	return output.PrintObject(opts.IO, opts.Exporter, o, shared.Fields(o))
}
