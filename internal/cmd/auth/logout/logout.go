// Package logout is `sipctl auth logout`.
package logout

import (
	"errors"
	"fmt"
	"os"

	"github.com/sipctl/sipctl/internal/auth"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/keyring"
	"github.com/spf13/cobra"
)

// LogoutOptions are the inputs of `auth logout`.
type LogoutOptions struct {
	IO      *iostreams.IOStreams
	Config  func() (*config.Config, error)
	Profile string // empty: $SIPCTL_PROFILE, the current profile, or "default"
	Yes     bool
}

// NewCmdLogout returns `auth logout`; runF replaces the run function in tests.
func NewCmdLogout(f *cmdutil.Factory, runF func(*LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{IO: f.IOStreams, Config: f.Config}
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Remove a profile's secret from the OS keyring and the config file",
		Long: `Remove the profile's API secret: its OS keyring entry and any plain-text config entry.
The profile's other settings stay; ` + "`sipctl profile delete`" + ` removes the profile itself.
sipctl cannot give the secret back afterwards, so it asks on a terminal; pass --yes otherwise.`,
		Example: `  $ sipctl auth logout --profile acme --yes`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.Globals != nil {
				opts.Profile = f.Globals.Profile
			}
			if runF != nil {
				return runF(opts)
			}
			return logoutRun(opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Remove the secret without asking")
	return cmd
}

func logoutRun(opts *LogoutOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	if err := auth.ConfigureKeyring(cfg); err != nil {
		return err
	}
	name := opts.Profile
	if name == "" {
		name = os.Getenv("SIPCTL_PROFILE")
	}
	if name == "" {
		name = cfg.CurrentProfile
	}
	if name == "" {
		name = "default"
	}
	if name == config.SandboxProfile {
		if _, inFile := cfg.Profiles[name]; !inFile {
			return cmdutil.FlagErrorf("the built-in sandbox profile has no stored secret to remove")
		}
	}
	prof, ok := cfg.Profiles[name]
	if !ok {
		_, err := cfg.Profile(name)
		return err
	}

	if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, fmt.Sprintf("Remove profile %q's stored secret? Log in again to use the profile.", name), ""); err != nil {
		return err
	}
	key := auth.KeyringKey(name)
	removed := "removed its secret from the OS keyring"
	if err := keyring.Delete(keyring.Service, key); err != nil {
		switch {
		case errors.Is(err, keyring.ErrNotFound):
			removed = "the OS keyring held no secret for it"
		case errors.Is(err, keyring.ErrUnavailable) && prof.InsecureSecret != "":
			// An insecure-storage profile on a machine without a keyring.
			removed = "the OS keyring is unavailable here, so only the config entry was removed"
		default:
			return cmdutil.WithHint(fmt.Errorf("logging out of profile %q: %w", name, err),
				"nothing was changed; retry when the keyring answers, or remove the entry with `secret-tool clear service sipctl username "+key+"`")
		}
	}
	if prof.InsecureSecret != "" {
		prof.InsecureSecret = ""
		removed += "; removed the plain-text secret from the config file"
	}
	if err := cfg.Save(); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "Logged out of profile %q: %s\n", name, removed)
	return nil
}
