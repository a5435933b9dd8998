// Package add is `sipctl credlists credentials add`.
package add

import (
	"context"
	"fmt"

	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/twilio"
	"github.com/spf13/cobra"
)

// AddOptions is what `credlists credentials add` needs.
type AddOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.CredentialLists, error)
	Profile  func() (*config.Profile, error)
	Exporter cmdutil.Exporter

	List          string
	Username      string
	PasswordStdin bool
	Policy        string // --policy; else the profile's, else the provider's default
}

// NewCmdAdd builds the command; runF replaces the run function in tests.
func NewCmdAdd(f *cmdutil.Factory, runF func(*AddOptions) error) *cobra.Command {
	opts := &AddOptions{IO: f.IOStreams, Provider: cmdutil.Capability[provider.CredentialLists](f.Provider, provider.WhatCredentialLists), Profile: f.Profile}
	cmd := &cobra.Command{
		Use:   "add LIST USERNAME",
		Short: "Add a username to a credential list",
		Long: `Add a SIP username (at most 32 characters) to a credential list. The password is generated to
the profile's password policy and printed once, on stdout; or read from stdin with --password-stdin
and checked against the policy. Twilio never returns it again.`,
		Example: `  $ sipctl credlists credentials add staff alice
  $ pass show sip/bob | sipctl credlists credentials add staff bob --password-stdin`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.List, opts.Username = args[0], args[1]
			if err := twilio.ValidateUsername(opts.Username); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			if runF != nil {
				return runF(opts)
			}
			return addRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.PasswordStdin, "password-stdin", false, "Read the password from stdin instead of generating one")
	cmd.Flags().StringVar(&opts.Policy, "policy", "", password.FlagUsage("", ""))
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, Added{})
	return cmd
}

// Added is what --json prints: the credential, and the password only when
// sipctl generated it.
type Added struct {
	provider.Credential
	CredentialListName string `json:"credential_list_name"`
	Password           string `json:"password,omitempty"`
}

func (o *AddOptions) policy() (password.Policy, error) {
	var spec, prov string
	if o.Profile != nil {
		if p, err := o.Profile(); err == nil && p != nil {
			spec, prov = p.PasswordPolicy, p.Provider
		}
	}
	pol, err := password.Resolve(o.Policy, spec, prov)
	if err != nil {
		return pol, cmdutil.FlagErrorf("%v", err)
	}
	return pol, nil
}

func addRun(ctx context.Context, opts *AddOptions) error {
	pol, err := opts.policy()
	if err != nil {
		return err
	}
	// Read or generate the password before any request, so a bad one costs nothing.
	var pw string
	generated := !opts.PasswordStdin
	if opts.PasswordStdin {
		if pw, err = password.ReadStdin(opts.IO.In); err != nil {
			return cmdutil.FlagErrorf("%v", err)
		}
		if err := pol.Validate(pw); err != nil {
			return cmdutil.FlagErrorf("%v", err)
		}
	} else if pw, err = pol.Generate(); err != nil {
		return err
	}

	p, err := opts.Provider()
	if err != nil {
		return err
	}
	l, err := resolve.CredentialList(ctx, p, opts.List)
	if err != nil {
		return err
	}
	for c, err := range p.ListCredentials(ctx, l.SID) {
		if err != nil {
			return err
		}
		if c.Username == opts.Username {
			return cmdutil.WithHint(fmt.Errorf("username %q is already in credential list %q", opts.Username, l.FriendlyName),
				"give it a new password with `sipctl password rotate`, or choose another username")
		}
	}
	c, err := p.CreateCredential(ctx, l.SID, opts.Username, pw)
	if err != nil {
		return err
	}
	res := Added{Credential: c, CredentialListName: l.FriendlyName}
	if generated {
		res.Password = pw
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, res)
	}
	if opts.IO.IsStdoutTTY() {
		fmt.Fprintf(opts.IO.Out, "Added %s to %s (%s)\n", c.Username, l.FriendlyName, c.SID)
		if generated {
			fmt.Fprintf(opts.IO.Out, "Password: %s\n", pw)
			fmt.Fprintln(opts.IO.ErrOut, "Store this password now: it is shown once and Twilio never returns it.")
		}
		return nil
	}
	// In a pipe, print only the generated password, for the next program.
	if generated {
		fmt.Fprintln(opts.IO.Out, pw)
	}
	return nil
}
