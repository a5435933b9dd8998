// Package rename is `sipctl credlists rename`.
package rename

import (
	"context"

	"github.com/sipctl/sipctl/internal/cmd/credlists/create"
	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// RenameOptions is what `credlists rename` needs.
type RenameOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.CredentialLists, error)
	Exporter cmdutil.Exporter

	List    string
	NewName string
}

// NewCmdRename builds the command; runF replaces the run function in tests.
func NewCmdRename(f *cmdutil.Factory, runF func(*RenameOptions) error) *cobra.Command {
	opts := &RenameOptions{IO: f.IOStreams, Provider: cmdutil.Capability[provider.CredentialLists](f.Provider, provider.WhatCredentialLists)}
	cmd := &cobra.Command{
		Use:     "rename LIST NEW-NAME",
		Short:   "Rename a credential list",
		Example: "  $ sipctl credlists rename staff office-staff",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := create.CheckName(args[1]); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			opts.List, opts.NewName = args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return renameRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, provider.CredentialList{})
	return cmd
}

func renameRun(ctx context.Context, opts *RenameOptions) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	l, err := resolve.CredentialList(ctx, p, opts.List)
	if err != nil {
		return err
	}
	if err := create.RefuseDuplicate(ctx, p, opts.NewName, l.SID); err != nil {
		return err
	}
	l, err = p.RenameCredentialList(ctx, l.SID, opts.NewName)
	if err != nil {
		return err
	}
	return output.PrintObject(opts.IO, &opts.Exporter, l, create.Fields(l))
}
