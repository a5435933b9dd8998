// Package use is `sipctl profile use`.
package use

import (
	"fmt"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/spf13/cobra"
)

// UseOptions are the inputs of `profile use`.
type UseOptions struct {
	IO     *iostreams.IOStreams
	Config func() (*config.Config, error)
	Name   string
}

// NewCmdUse returns `profile use`; runF replaces the run function in tests.
func NewCmdUse(f *cmdutil.Factory, runF func(*UseOptions) error) *cobra.Command {
	opts := &UseOptions{IO: f.IOStreams, Config: f.Config}
	cmd := &cobra.Command{
		Use:     "use <name>",
		Short:   "Make a profile the default for later commands",
		Example: `  $ sipctl profile use acme`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(opts)
			}
			return useRun(opts)
		},
	}
	return cmd
}

func useRun(opts *UseOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	if _, err := cfg.Profile(opts.Name); err != nil {
		return err
	}
	cfg.CurrentProfile = opts.Name
	if err := cfg.Save(); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "Now using profile %q\n", opts.Name)
	return nil
}
