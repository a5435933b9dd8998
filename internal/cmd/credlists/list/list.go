// Package list is `sipctl credlists list`.
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

// ListOptions is what `credlists list` needs.
type ListOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.CredentialLists, error)
	Exporter cmdutil.Exporter
}

// NewCmdList builds the command; runF replaces the run function in tests.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Provider: cmdutil.Capability[provider.CredentialLists](f.Provider, provider.WhatCredentialLists)}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List credential lists",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, provider.CredentialList{})
	cmdutil.AddListFlags(cmd, &opts.Exporter)
	return cmd
}

// Columns is how credential lists appear in a table.
var Columns = []output.Column[provider.CredentialList]{
	{Header: "NAME", Value: func(l provider.CredentialList) output.Cell { return output.Text(l.FriendlyName) }},
	{Header: "SID", Value: func(l provider.CredentialList) output.Cell { return output.Text(l.SID) }},
	{Header: "CREATED", Value: func(l provider.CredentialList) output.Cell { return output.Time(l.DateCreated) }},
}

func listRun(ctx context.Context, opts *ListOptions) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	n, err := output.PrintList(opts.IO, &opts.Exporter, p.ListCredentialLists(ctx), Columns)
	if err != nil {
		return err
	}
	if n == 0 && !opts.Exporter.Enabled() && opts.IO.IsStdoutTTY() {
		fmt.Fprintln(opts.IO.ErrOut, "No credential lists yet; create one with `sipctl credlists create NAME`")
	}
	return nil
}
