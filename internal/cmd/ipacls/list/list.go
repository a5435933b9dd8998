// Package list is `sipctl ipacls list`.
package list

import (
	"context"
	"fmt"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// ListOptions is what `ipacls list` needs.
type ListOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.IPACLs, error)
	Exporter cmdutil.Exporter
}

// NewCmdList builds the command; runF replaces the run function in tests.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Provider: cmdutil.Capability[provider.IPACLs](f.Provider, provider.WhatIPACLs)}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List IP access control lists",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, provider.IPACL{})
	cmdutil.AddListFlags(cmd, &opts.Exporter)
	return cmd
}

var columns = []output.Column[provider.IPACL]{
	{Header: "NAME", Value: func(a provider.IPACL) output.Cell { return output.Text(a.FriendlyName) }},
	{Header: "SID", Value: func(a provider.IPACL) output.Cell { return output.Text(a.SID) }},
	{Header: "CREATED", Value: func(a provider.IPACL) output.Cell { return output.Time(a.DateCreated) }},
}

func listRun(ctx context.Context, opts *ListOptions) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	n, err := output.PrintList(opts.IO, &opts.Exporter, p.ListIPACLs(ctx), columns)
	if err != nil {
		return err
	}
	if n == 0 && !opts.Exporter.Enabled() && opts.IO.IsStdoutTTY() {
		fmt.Fprintln(opts.IO.ErrOut, "No IP access control lists yet; create one with `sipctl ipacls create NAME`")
	}
	return nil
}
