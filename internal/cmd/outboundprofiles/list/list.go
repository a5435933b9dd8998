// Package list is `sipctl outbound-profiles list`.
package list

import (
	"context"

	"github.com/sipctl/sipctl/internal/cmd/outboundprofiles/shared"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// ListOptions are the inputs of `outbound-profiles list`.
type ListOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.OutboundProfiles, error)
	Exporter *cmdutil.Exporter
}

// NewCmdList is `outbound-profiles list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Exporter: &cmdutil.Exporter{},
		Provider: cmdutil.Capability[provider.OutboundProfiles](f.Provider, provider.WhatOutboundProfiles)}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List outbound profiles: allowed countries, daily spend limit, accounts using each",
		Example: "  $ sipctl outbound-profiles list\n  $ sipctl outbound-profiles list --json=name,whitelisted_destinations",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, opts.Exporter, provider.OutboundProfile{})
	cmdutil.AddListFlags(cmd, opts.Exporter)
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	n, err := output.PrintList(opts.IO, opts.Exporter, p.ListOutboundProfiles(ctx), shared.Columns)
	if err == nil && n == 0 && !opts.Exporter.Enabled() && opts.IO.IsStderrTTY() {
		opts.IO.ErrOut.Write([]byte("No outbound profiles: create one with `sipctl outbound-profiles create NAME --countries US`\n"))
	}
	return err
}
