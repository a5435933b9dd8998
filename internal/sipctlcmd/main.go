// Package sipctlcmd runs sipctl: it builds the command tree, executes it and
// turns errors into one line on stderr and a documented exit code.
package sipctlcmd

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/sipctl/sipctl/internal/cmd/root"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/factory"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/spf13/cobra"
)

// Main runs sipctl with os.Args and returns the exit code.
func Main() int {
	ios := iostreams.System()
	f := factory.New(ios)
	defer factory.Close(f)
	cmd := root.NewCmdRoot(f)
	cmd.SetArgs(cmdutil.JSONArgs(cmd, os.Args[1:]))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal stops new requests and lets the run hand over what
	// it did; a second one ends the process at once (a journal keeps what
	// it holds, fsync'd before anything was sent).
	go func() {
		<-ctx.Done()
		stop()
	}()
	sub, err := cmd.ExecuteContextC(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	return PrintError(ios.ErrOut, sub, err)
}

// PrintError writes err as one line (plus a hint line when there is one) and
// returns the exit code it maps to: cmdutil.PrintError, which sees only
// sipctl's own errors and provider-neutral classes.
func PrintError(w io.Writer, cmd *cobra.Command, err error) int {
	return cmdutil.PrintError(w, cmd, err)
}
