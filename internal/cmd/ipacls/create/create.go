// Package create is `sipctl ipacls create`.
package create

import (
	"context"
	"fmt"
	"github.com/sipctl/sipctl/internal/cmd/resolve"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// CreateOptions is what `ipacls create` needs.
type CreateOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.IPACLs, error)
	Exporter cmdutil.Exporter

	Name string
}

// NewCmdCreate builds the command; runF replaces the run function in tests.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{IO: f.IOStreams, Provider: cmdutil.Capability[provider.IPACLs](f.Provider, provider.WhatIPACLs)}
	cmd := &cobra.Command{
		Use:     "create NAME",
		Short:   "Create an IP access control list",
		Long:    "Create an empty IP access control list. Names must be unique in the account; sipctl checks before asking the provider.",
		Example: "  $ sipctl ipacls create office-ips\n  $ sipctl ipacls addresses add office-ips 203.0.113.0/24",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] == "" || len(args[0]) > 255 {
				return cmdutil.FlagErrorf("the name must be 1 to 255 characters")
			}
			if err := resolve.Name("IP access control list name", args[0]); err != nil {
				return err
			}
			opts.Name = args[0]
			if runF != nil {
				return runF(opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, provider.IPACL{})
	return cmd
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	for a, err := range p.ListIPACLs(ctx) {
		if err != nil {
			return err
		}
		if a.FriendlyName == opts.Name {
			return cmdutil.WithHint(fmt.Errorf("an IP access control list named %q already exists (%s)", opts.Name, a.SID),
				"choose another name, or add addresses to it with `sipctl ipacls addresses add`")
		}
	}
	a, err := p.CreateIPACL(ctx, opts.Name)
	if err != nil {
		return err
	}
	return output.PrintObject(opts.IO, &opts.Exporter, a, Fields(a))
}

// Fields is how one IP ACL is shown as labelled lines.
func Fields(a provider.IPACL) []output.Field {
	return []output.Field{
		{Label: "Name", Value: output.Text(a.FriendlyName)},
		{Label: "SID", Value: output.Text(a.SID)},
		{Label: "Created", Value: output.Time(a.DateCreated)},
	}
}
