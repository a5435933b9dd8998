// Package create is `sipctl credlists create`.
package create

import (
	"context"
	"fmt"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// CreateOptions is what `credlists create` needs.
type CreateOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.CredentialLists, error)
	Exporter cmdutil.Exporter

	Name string
}

// NewCmdCreate builds the command; runF replaces the run function in tests.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{IO: f.IOStreams, Provider: cmdutil.Capability[provider.CredentialLists](f.Provider, provider.WhatCredentialLists)}
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a credential list",
		Long: `Create an empty credential list. Names are unique within the account: sipctl refuses a
name already in use before asking Twilio. Add usernames with ` + "`sipctl credlists credentials add`" + `.`,
		Example: "  $ sipctl credlists create staff\n  $ sipctl attach credlist staff --domain office",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := CheckName(args[0]); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			opts.Name = args[0]
			if runF != nil {
				return runF(opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, provider.CredentialList{})
	return cmd
}

// CheckName applies Twilio's rule for a credential list's friendly name.
func CheckName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty credential list name")
	case len(name) > 64:
		return fmt.Errorf("credential list name is %d characters: Twilio allows at most 64", len(name))
	}
	return output.CheckText("credential list name", name)
}

// RefuseDuplicate fails when a credential list other than except already
// has the name; Twilio would answer 21240 anyway, this says which list.
func RefuseDuplicate(ctx context.Context, p provider.CredentialLists, name, except string) error {
	for l, err := range p.ListCredentialLists(ctx) {
		if err != nil {
			return err
		}
		if l.FriendlyName == name && l.SID != except {
			return cmdutil.WithHint(fmt.Errorf("a credential list named %q already exists (%s)", name, l.SID),
				"choose another name, or add usernames to the existing list with `sipctl credlists credentials add`")
		}
	}
	return nil
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	if err := RefuseDuplicate(ctx, p, opts.Name, ""); err != nil {
		return err
	}
	l, err := p.CreateCredentialList(ctx, opts.Name)
	if err != nil {
		return err
	}
	return output.PrintObject(opts.IO, &opts.Exporter, l, Fields(l))
}

// Fields is how one credential list is shown as labelled lines.
func Fields(l provider.CredentialList) []output.Field {
	return []output.Field{
		{Label: "Name", Value: output.Text(l.FriendlyName)},
		{Label: "SID", Value: output.Text(l.SID)},
		{Label: "Created", Value: output.Time(l.DateCreated)},
		{Label: "Updated", Value: output.Time(l.DateUpdated)},
	}
}
