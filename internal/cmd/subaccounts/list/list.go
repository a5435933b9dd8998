// Package list is `sipctl subaccounts list`.
package list

import (
	"context"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// ListOptions are the inputs of `subaccounts list`.
type ListOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.Accounts, error)
	Exporter *cmdutil.Exporter
}

// NewCmdList is `subaccounts list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Provider: cmdutil.Capability[provider.Accounts](f.Provider, provider.WhatSubaccounts), Exporter: &cmdutil.Exporter{}}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List subaccounts",
		Aliases: []string{"ls"},
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, opts.Exporter, provider.Account{})
	cmdutil.AddListFlags(cmd, opts.Exporter)
	return cmd
}

var columns = []output.Column[provider.Account]{
	{Header: "SID", Value: func(a provider.Account) output.Cell { return output.Text(a.SID) }},
	{Header: "NAME", Value: func(a provider.Account) output.Cell { return output.Text(a.FriendlyName) }},
	{Header: "STATUS", Value: func(a provider.Account) output.Cell { return output.Text(a.Status) }},
	{Header: "TYPE", Value: func(a provider.Account) output.Cell { return output.Text(a.Type) }},
	{Header: "CREATED", Value: func(a provider.Account) output.Cell { return output.Time(a.DateCreated) }},
}

func listRun(ctx context.Context, opts *ListOptions) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	n, err := output.PrintList(opts.IO, opts.Exporter, p.ListSubaccounts(ctx), columns)
	if err == nil && n == 0 && !opts.Exporter.Enabled() && opts.IO.IsStderrTTY() {
		opts.IO.ErrOut.Write([]byte("No subaccounts: create one with `sipctl subaccounts create NAME`\n"))
	}
	return err
}
