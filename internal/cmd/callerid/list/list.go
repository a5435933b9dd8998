// Package list is `sipctl callerid list`.
package list

import (
	"context"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// ListOptions are the inputs of `callerid list`.
type ListOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.CallerIDs, error)
	Exporter *cmdutil.Exporter
}

// NewCmdList is `callerid list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Provider: cmdutil.Capability[provider.CallerIDs](f.Provider, provider.WhatCallerIDs), Exporter: &cmdutil.Exporter{}}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List verified outgoing caller IDs",
		Aliases: []string{"ls"},
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, opts.Exporter, provider.CallerID{})
	cmdutil.AddListFlags(cmd, opts.Exporter)
	return cmd
}

var columns = []output.Column[provider.CallerID]{
	{Header: "PHONE NUMBER", Value: func(c provider.CallerID) output.Cell { return output.Text(c.PhoneNumber) }},
	{Header: "NAME", Value: func(c provider.CallerID) output.Cell { return output.Text(c.FriendlyName) }},
	{Header: "SID", Value: func(c provider.CallerID) output.Cell { return output.Text(c.SID) }},
	{Header: "CREATED", Value: func(c provider.CallerID) output.Cell { return output.Time(c.DateCreated) }},
}

func listRun(ctx context.Context, opts *ListOptions) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	n, err := output.PrintList(opts.IO, opts.Exporter, p.ListCallerIDs(ctx), columns)
	if err == nil && n == 0 && !opts.Exporter.Enabled() && opts.IO.IsStderrTTY() {
		opts.IO.ErrOut.Write([]byte("No verified caller IDs: add one with `sipctl callerid add +NUMBER`\n"))
	}
	return err
}
