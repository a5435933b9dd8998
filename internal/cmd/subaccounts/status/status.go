// Package status is `sipctl subaccounts suspend|activate|close`: the three
// moves of a subaccount's status.
package status

import (
	"context"
	"fmt"
	"strings"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// Statuses as the provider names them.
const (
	Active    = "active"
	Suspended = "suspended"
	Closed    = "closed"
)

// StatusOptions are the inputs of suspend, activate and close.
type StatusOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.Accounts, error)
	Exporter *cmdutil.Exporter

	Ref    string
	Status string
	Yes    bool
}

// NewCmdSuspend is `subaccounts suspend SID|NAME`.
func NewCmdSuspend(f *cmdutil.Factory, runF func(*StatusOptions) error) *cobra.Command {
	cmd := newCmd(f, runF, Suspended, "suspend SID|NAME", "Suspend a subaccount (calls and registrations stop until it is activated)")
	cmd.Long = `Suspend a subaccount: its calls and registrations stop until it is activated again.
On a terminal you confirm; otherwise pass --yes.`
	return cmd
}

// NewCmdActivate is `subaccounts activate SID|NAME`.
func NewCmdActivate(f *cmdutil.Factory, runF func(*StatusOptions) error) *cobra.Command {
	return newCmd(f, runF, Active, "activate SID|NAME", "Activate a suspended subaccount")
}

// NewCmdClose is `subaccounts close SID|NAME`.
func NewCmdClose(f *cmdutil.Factory, runF func(*StatusOptions) error) *cobra.Command {
	cmd := newCmd(f, runF, Closed, "close SID|NAME", "Close a subaccount for good")
	cmd.Long = `Close a subaccount. This cannot be undone: its numbers are released and it can never be
activated again. On a terminal you confirm by typing the subaccount's name; otherwise pass --yes.`
	return cmd
}

func newCmd(f *cmdutil.Factory, runF func(*StatusOptions) error, status, use, short string) *cobra.Command {
	opts := &StatusOptions{IO: f.IOStreams, Provider: cmdutil.Capability[provider.Accounts](f.Provider, provider.WhatSubaccounts), Exporter: &cmdutil.Exporter{}, Status: status}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if runF != nil {
				return runF(opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	switch status {
	case Closed:
		cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Close without asking (irreversible)")
	case Suspended:
		cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Suspend without asking")
	}
	cmdutil.AddJSONFlags(cmd, opts.Exporter, provider.Account{})
	return cmd
}

// Find resolves a subaccount by SID or friendly name (case-insensitive).
func Find(ctx context.Context, p provider.Accounts, ref string) (provider.Account, error) {
	if provider.IsID(p, provider.WhatSubaccounts, ref) {
		return p.GetAccount(ctx, ref)
	}
	var found []provider.Account
	for a, err := range p.ListSubaccounts(ctx) {
		if err != nil {
			return provider.Account{}, err
		}
		if strings.EqualFold(a.FriendlyName, ref) {
			found = append(found, a)
		}
	}
	switch len(found) {
	case 0:
		return provider.Account{}, cmdutil.WithHint(notFound(fmt.Sprintf("no subaccount named %q", ref)), "list them with `sipctl subaccounts list`")
	case 1:
		return found[0], nil
	}
	sids := make([]string, len(found))
	for i, a := range found {
		sids[i] = a.SID
	}
	return provider.Account{}, cmdutil.WithHint(fmt.Errorf("%d subaccounts are named %q: %s", len(found), ref, strings.Join(sids, ", ")), "give the SID instead of the name")
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	if strings.TrimSpace(opts.Ref) == "" {
		return cmdutil.FlagErrorf("empty subaccount SID or name")
	}
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	if rules, ok := p.(provider.AccountStatusRules); ok {
		if err := rules.CheckAccountStatus(opts.Status); err != nil {
			return cmdutil.WithHint(err, "nothing was changed; `sipctl subaccounts suspend "+shellWord(opts.Ref)+"` stops its calls and registrations")
		}
	}
	a, err := Find(ctx, p, opts.Ref)
	if err != nil {
		return err
	}
	if a.SID == a.OwnerAccountSID {
		return cmdutil.FlagErrorf("%s is a main account, not a subaccount: sipctl changes only subaccounts", a.SID)
	}
	switch {
	case a.Status == opts.Status:
		fmt.Fprintf(opts.IO.ErrOut, "Subaccount %s (%s) is already %s\n", a.FriendlyName, a.SID, a.Status)
		return printAccount(opts, a)
	case a.Status == Closed:
		return cmdutil.WithHint(fmt.Errorf("subaccount %s (%s) is closed and cannot be %s", a.FriendlyName, a.SID, verbPast(opts.Status)),
			"closing is permanent; create a new one with `sipctl subaccounts create NAME`")
	}
	if opts.Status == Suspended {
		prompt := fmt.Sprintf("Suspend subaccount %s (%s)? Its calls and registrations stop until it is activated.", a.FriendlyName, a.SID)
		if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, prompt, ""); err != nil {
			return err
		}
	}
	if opts.Status == Closed {
		expect := a.FriendlyName
		if expect == "" {
			expect = a.SID
		}
		prompt := fmt.Sprintf("Close subaccount %s (%s)? This cannot be undone.", expect, a.SID)
		if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, prompt, expect); err != nil {
			return err
		}
	}
	a, err = p.SetAccountStatus(ctx, a.SID, opts.Status)
	if err != nil {
		return err
	}
	if opts.IO.IsStdoutTTY() && !opts.Exporter.Enabled() {
		fmt.Fprintf(opts.IO.Out, "Subaccount %s (%s) is now %s\n", a.FriendlyName, a.SID, a.Status)
		return nil
	}
	return printAccount(opts, a)
}

func printAccount(opts *StatusOptions, a provider.Account) error {
	if opts.IO.IsStdoutTTY() && !opts.Exporter.Enabled() {
		return nil
	}
	return output.PrintObject(opts.IO, opts.Exporter, a, []output.Field{
		{Label: "SID", Value: output.Text(a.SID)},
		{Label: "Friendly name", Value: output.Text(a.FriendlyName)},
		{Label: "Status", Value: output.Text(a.Status)},
	})
}

func verbPast(status string) string {
	switch status {
	case Active:
		return "activated"
	case Suspended:
		return "suspended"
	}
	return status
}

type notFound string

func (e notFound) Error() string        { return string(e) }
func (e notFound) Is(target error) bool { return target == provider.ErrNotFound }

// shellWord is s as one shell word, for a hint to copy.
func shellWord(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t'\"\\$`!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
