// Package list is `sipctl ipacls addresses list`.
package list

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

// ListOptions is what `ipacls addresses list` needs.
type ListOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.IPACLs, error)
	Exporter cmdutil.Exporter

	ACL string
}

// NewCmdList builds the command; runF replaces the run function in tests.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Provider: cmdutil.Capability[provider.IPACLs](f.Provider, provider.WhatIPACLs)}
	cmd := &cobra.Command{
		Use:     "list ACL",
		Aliases: []string{"ls"},
		Short:   "List the addresses in an IP access control list",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ACL = args[0]
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, provider.IPAddress{})
	cmdutil.AddListFlags(cmd, &opts.Exporter)
	return cmd
}

// CIDR writes an entry as address/prefix.
func CIDR(ip provider.IPAddress) string {
	if ip.CIDRPrefixLength == 0 {
		return ip.IPAddress
	}
	return fmt.Sprintf("%s/%d", ip.IPAddress, ip.CIDRPrefixLength)
}

// Columns is how addresses appear in a table.
var Columns = []output.Column[provider.IPAddress]{
	{Header: "ADDRESS", Value: func(ip provider.IPAddress) output.Cell { return output.Text(CIDR(ip)) }},
	{Header: "NAME", Value: func(ip provider.IPAddress) output.Cell { return output.Text(ip.FriendlyName) }},
	{Header: "SID", Value: func(ip provider.IPAddress) output.Cell { return output.Text(ip.SID) }},
	{Header: "CREATED", Value: func(ip provider.IPAddress) output.Cell { return output.Time(ip.DateCreated) }},
}

func listRun(ctx context.Context, opts *ListOptions) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	a, err := resolve.IPACL(ctx, p, opts.ACL)
	if err != nil {
		return err
	}
	_, err = output.PrintList(opts.IO, &opts.Exporter, p.ListIPAddresses(ctx, a.SID), Columns)
	return err
}
