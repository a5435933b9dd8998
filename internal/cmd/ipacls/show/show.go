// Package show is `sipctl ipacls show`.
package show

import (
	"context"
	"fmt"

	"github.com/sipctl/sipctl/internal/cmd/ipacls/addresses/list"
	"github.com/sipctl/sipctl/internal/cmd/ipacls/create"
	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// ShowOptions is what `ipacls show` needs.
type ShowOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.IPACLs, error)
	Exporter cmdutil.Exporter

	ACL string
}

// NewCmdShow builds the command; runF replaces the run function in tests.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{IO: f.IOStreams, Provider: cmdutil.Capability[provider.IPACLs](f.Provider, provider.WhatIPACLs)}
	cmd := &cobra.Command{
		Use:     "show ACL",
		Aliases: []string{"view"},
		Short:   "Show an IP access control list and its addresses",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ACL = args[0]
			if runF != nil {
				return runF(opts)
			}
			return showRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, Detail{})
	return cmd
}

// Detail is an IP ACL with its addresses, as --json prints it.
type Detail struct {
	provider.IPACL
	IPAddresses []provider.IPAddress `json:"ip_addresses"`
}

func showRun(ctx context.Context, opts *ShowOptions) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	a, err := resolve.IPACL(ctx, p, opts.ACL)
	if err != nil {
		return err
	}
	det := Detail{IPACL: a, IPAddresses: []provider.IPAddress{}}
	for ip, err := range p.ListIPAddresses(ctx, a.SID) {
		if err != nil {
			return err
		}
		det.IPAddresses = append(det.IPAddresses, ip)
	}
	fields := append(create.Fields(a), output.Field{Label: "Addresses", Value: output.Text(fmt.Sprint(len(det.IPAddresses)))})
	return output.PrintDetail(opts.IO, &opts.Exporter, det, fields, det.IPAddresses, list.Columns)
}
