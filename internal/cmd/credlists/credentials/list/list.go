// Package list is `sipctl credlists credentials list`.
package list

import (
	"context"

	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// ListOptions is what `credlists credentials list` needs.
type ListOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.CredentialLists, error)
	Exporter cmdutil.Exporter

	List string
}

// NewCmdList builds the command; runF replaces the run function in tests.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Provider: cmdutil.Capability[provider.CredentialLists](f.Provider, provider.WhatCredentialLists)}
	cmd := &cobra.Command{
		Use:     "list LIST",
		Aliases: []string{"ls"},
		Short:   "List the usernames in a credential list",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.List = args[0]
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, provider.Credential{})
	cmdutil.AddListFlags(cmd, &opts.Exporter)
	return cmd
}

// Columns is how credentials appear in a table.
var Columns = []output.Column[provider.Credential]{
	{Header: "USERNAME", Value: func(c provider.Credential) output.Cell { return output.Text(c.Username) }},
	{Header: "SID", Value: func(c provider.Credential) output.Cell { return output.Text(c.SID) }},
	{Header: "CREATED", Value: func(c provider.Credential) output.Cell { return output.Time(c.DateCreated) }},
}

func listRun(ctx context.Context, opts *ListOptions) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	l, err := resolve.CredentialList(ctx, p, opts.List)
	if err != nil {
		return err
	}
	_, err = output.PrintList(opts.IO, &opts.Exporter, p.ListCredentials(ctx, l.SID), Columns)
	return err
}
