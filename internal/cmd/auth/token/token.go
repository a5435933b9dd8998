// Package token is `sipctl auth token`.
package token

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sipctl/sipctl/internal/auth"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/spf13/cobra"
)

// TokenOptions are the inputs of `auth token`.
type TokenOptions struct {
	IO      *iostreams.IOStreams
	Config  func() (*config.Config, error)
	Profile string
	Yes     bool
}

// NewCmdToken returns `auth token`; runF replaces the run function in tests.
func NewCmdToken(f *cmdutil.Factory, runF func(*TokenOptions) error) *cobra.Command {
	opts := &TokenOptions{IO: f.IOStreams, Config: f.Config}
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print the active profile's secret, for piping into another tool",
		Long: `Print the secret sipctl would use for the active profile, from wherever it comes
(environment, OS keyring, plain-text config), followed by a newline: the provider's own,
one of ` + strings.Join(auth.SecretNames(), ", ") + `.
It refuses to print to a terminal unless --yes is given, so the secret does not end up on
screen or in scrollback. A profile without credentials exits 4.`,
		Example: `  $ sipctl auth token --profile acme | other-tool --token-stdin`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.Globals != nil {
				opts.Profile = f.Globals.Profile
			}
			if runF != nil {
				return runF(opts)
			}
			return tokenRun(opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Print the secret even when standard output is a terminal")
	return cmd
}

func tokenRun(opts *TokenOptions) error {
	if opts.IO.IsStdoutTTY() && !opts.Yes {
		return cmdutil.FlagErrorf("refusing to print the secret to a terminal: pipe it into another command, or pass --yes")
	}
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	if err := auth.ConfigureKeyring(cfg); err != nil {
		return err
	}
	p, err := cfg.ActiveProfile(opts.Profile)
	if err != nil {
		return err
	}
	m, ok := auth.MethodFor(p.Provider)
	if !ok {
		return fmt.Errorf("profile %q: sipctl does not know where provider %q keeps its secret", p.Name, p.Provider)
	}
	creds, err := m.Resolve(p)
	if errors.Is(err, auth.ErrNoCredentials) {
		return &cmdutil.AuthError{Err: err}
	}
	if err != nil {
		return err
	}
	if creds.Secret == "" {
		why := creds.NoneNeeded
		if creds.Source == auth.SourceSandbox {
			why = "it uses the built-in sandbox, which has no stored API secret"
		}
		return fmt.Errorf("profile %q has no secret to print: %s", p.Name, why)
	}
	if creds.Warning != "" {
		fmt.Fprintln(opts.IO.ErrOut, creds.Warning)
	}
	_, err = fmt.Fprintln(opts.IO.Out, creds.Secret)
	return err
}
