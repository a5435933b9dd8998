// Package add is `sipctl ipacls addresses add`.
package add

import (
	"context"
	"fmt"

	"github.com/sipctl/sipctl/internal/cmd/ipacls/addresses/list"
	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// AddOptions is what `ipacls addresses add` needs.
type AddOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.IPACLs, error)
	Exporter cmdutil.Exporter

	ACL    string
	IP     string // validated IPv4
	Prefix int    // 0: a single address
	Name   string
	// AllowWide admits a range wider than /8.
	AllowWide bool
}

// NewCmdAdd builds the command; runF replaces the run function in tests.
func NewCmdAdd(f *cmdutil.Factory, runF func(*AddOptions) error) *cobra.Command {
	opts := &AddOptions{IO: f.IOStreams, Provider: cmdutil.Capability[provider.IPACLs](f.Provider, provider.WhatIPACLs)}
	cmd := &cobra.Command{
		Use:   "add ACL ADDRESS[/PREFIX]",
		Short: "Add an IPv4 address or range to an IP access control list",
		Long: `Add an IPv4 address, or a range as address/prefix-length (1-32), to an IP access control
list. IP ACLs take IPv4 only; sipctl checks the address before sending it. A range is written by
its network address (198.51.100.0/24, not 198.51.100.7/24: that is refused, naming the range it
covers), and a range wider than /8 needs --allow-wide.`,
		Example: "  $ sipctl ipacls addresses add office-ips 203.0.113.7 --name pbx\n  $ sipctl ipacls addresses add office-ips 198.51.100.0/24",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ACL = args[0]
			var err error
			if opts.IP, opts.Prefix, err = provider.ParseIPv4Entry(args[1], opts.AllowWide); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			if len(opts.Name) > 255 {
				return cmdutil.FlagErrorf("--name is %d characters: Twilio allows at most 255", len(opts.Name))
			}
			if runF != nil {
				return runF(opts)
			}
			return addRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.AllowWide, "allow-wide", false, "Allow a range wider than /8 (more than 16 million addresses)")
	cmd.Flags().StringVarP(&opts.Name, "name", "n", "", "A descriptive `name` for the address (default: the address)")
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, provider.IPAddress{})
	return cmd
}

func addRun(ctx context.Context, opts *AddOptions) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	a, err := resolve.IPACL(ctx, p, opts.ACL)
	if err != nil {
		return err
	}
	for have, err := range p.ListIPAddresses(ctx, a.SID) {
		if err != nil {
			return err
		}
		if resolve.SameIPv4Entry(have.IPAddress, have.CIDRPrefixLength, opts.IP, opts.Prefix) {
			return cmdutil.WithHint(fmt.Errorf("%s is already in IP access control list %q (%s, %q): %w", list.CIDR(have), a.FriendlyName, have.SID, have.FriendlyName, provider.ErrExists),
				fmt.Sprintf("nothing changed; see the list with `sipctl ipacls show %s`", a.FriendlyName))
		}
	}
	ip, err := p.AddIPAddress(ctx, a.SID, opts.Name, opts.IP, opts.Prefix)
	if err != nil {
		return err
	}
	return output.PrintObject(opts.IO, &opts.Exporter, ip, []output.Field{
		{Label: "Address", Value: output.Text(list.CIDR(ip))},
		{Label: "Name", Value: output.Text(ip.FriendlyName)},
		{Label: "SID", Value: output.Text(ip.SID)},
		{Label: "IP ACL", Value: output.Text(fmt.Sprintf("%s (%s)", a.FriendlyName, a.SID))},
	})
}
