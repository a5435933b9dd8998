// Package show is `sipctl credlists show`.
package show

import (
	"context"
	"fmt"

	"github.com/sipctl/sipctl/internal/cmd/credlists/create"
	credentials "github.com/sipctl/sipctl/internal/cmd/credlists/credentials/list"
	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// ShowOptions is what `credlists show` needs.
type ShowOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.CredentialLists, error)
	Exporter cmdutil.Exporter

	List string
}

// NewCmdShow builds the command; runF replaces the run function in tests.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{IO: f.IOStreams, Provider: cmdutil.Capability[provider.CredentialLists](f.Provider, provider.WhatCredentialLists)}
	cmd := &cobra.Command{
		Use:     "show LIST",
		Aliases: []string{"view"},
		Short:   "Show a credential list and its usernames",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.List = args[0]
			if runF != nil {
				return runF(opts)
			}
			return showRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, Detail{})
	return cmd
}

// Detail is a credential list with its credentials, as --json prints it.
type Detail struct {
	provider.CredentialList
	Credentials []provider.Credential `json:"credentials"`
}

func showRun(ctx context.Context, opts *ShowOptions) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	l, err := resolve.CredentialList(ctx, p, opts.List)
	if err != nil {
		return err
	}
	det := Detail{CredentialList: l, Credentials: []provider.Credential{}}
	for c, err := range p.ListCredentials(ctx, l.SID) {
		if err != nil {
			return err
		}
		det.Credentials = append(det.Credentials, c)
	}
	fields := append(create.Fields(l), output.Field{Label: "Usernames", Value: output.Text(fmt.Sprint(len(det.Credentials)))})
	return output.PrintDetail(opts.IO, &opts.Exporter, det, fields, det.Credentials, credentials.Columns)
}
