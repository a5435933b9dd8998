// Package delete is `sipctl profile delete`.
package delete

import (
	"errors"
	"fmt"

	"github.com/sipctl/sipctl/internal/auth"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/keyring"
	"github.com/spf13/cobra"
)

// DeleteOptions are the inputs of `profile delete`.
type DeleteOptions struct {
	IO     *iostreams.IOStreams
	Config func() (*config.Config, error)
	Name   string
	Yes    bool
}

// NewCmdDelete returns `profile delete`; runF replaces the run function in tests.
func NewCmdDelete(f *cmdutil.Factory, runF func(*DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{IO: f.IOStreams, Config: f.Config}
	cmd := &cobra.Command{
		Use:     "delete <name>",
		Aliases: []string{"rm"},
		Short:   "Delete a profile and its stored secret",
		Long:    "Delete a profile from the config file and its secret from the OS keyring. Asks first on a\nterminal; needs --yes otherwise.",
		Example: `  $ sipctl profile delete old-customer --yes`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(opts)
			}
			return deleteRun(opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Delete without asking")
	return cmd
}

func deleteRun(opts *DeleteOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	if err := auth.ConfigureKeyring(cfg); err != nil {
		return err
	}
	if _, ok := cfg.Profiles[opts.Name]; !ok {
		if opts.Name == config.SandboxProfile {
			return cmdutil.FlagErrorf("the built-in sandbox profile cannot be deleted")
		}
		_, err := cfg.Profile(opts.Name)
		return err
	}
	if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, fmt.Sprintf("Delete profile %q and its stored secret?", opts.Name), ""); err != nil {
		return err
	}
	key := auth.KeyringKey(opts.Name)
	if err := keyring.Delete(keyring.Service, key); err != nil {
		switch {
		case errors.Is(err, keyring.ErrNotFound):
		case errors.Is(err, keyring.ErrUnavailable):
			// Without a keyring nothing can be stored there; say how to check.
			fmt.Fprintf(opts.IO.ErrOut, "warning: %v; if a secret was stored there for this profile, remove it with `secret-tool clear service %s username %s`\n",
				err, keyring.Service, key)
		default:
			return cmdutil.WithHint(fmt.Errorf("deleting profile %q: %w", opts.Name, err), "nothing was deleted; retry when the keyring answers")
		}
	}
	cfg.DeleteProfile(opts.Name)
	if err := cfg.Save(); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "Deleted profile %q\n", opts.Name)
	return nil
}
