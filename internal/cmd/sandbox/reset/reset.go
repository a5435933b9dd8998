// Package reset is `sipctl sandbox reset`.
package reset

import (
	"fmt"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/spf13/cobra"
)

// ResetOptions are the inputs of `sandbox reset`.
type ResetOptions struct {
	IO       *iostreams.IOStreams
	StateDir func() (string, error)
	Yes      bool
}

// NewCmdReset is `sandbox reset`.
func NewCmdReset(f *cmdutil.Factory, runF func(*ResetOptions) error) *cobra.Command {
	opts := &ResetOptions{IO: f.IOStreams, StateDir: config.EnsureStateDir}
	cmd := &cobra.Command{
		Use:   "reset",
		Short: "Empty the sandbox",
		Long: `Delete every SIP domain, credential list, IP ACL, caller ID and subaccount in the
sandbox. The sandbox's main account (SID and token) stays, so profiles and a
running ` + "`sipctl sandbox serve`" + ` keep working.`,
		Example: `  sipctl sandbox reset
  sipctl sandbox reset --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return resetRun(opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Do not ask for confirmation")
	return cmd
}

func resetRun(opts *ResetOptions) error {
	dir, err := opts.StateDir()
	if err != nil {
		return fmt.Errorf("creating the state directory: %w", err)
	}
	sb, err := sandbox.Open(dir)
	if err != nil {
		return err
	}
	defer sb.Close()
	if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, "Empty the sandbox (every domain, credential list, IP ACL, caller ID and subaccount)?", ""); err != nil {
		return err
	}
	if err := sb.Reset(); err != nil {
		return fmt.Errorf("emptying the sandbox: %w", err)
	}
	if opts.IO.IsStderrTTY() {
		fmt.Fprintln(opts.IO.ErrOut, "✓ Sandbox emptied")
	}
	return nil
}
