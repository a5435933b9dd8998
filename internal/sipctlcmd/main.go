// Package sipctlcmd runs sipctl: it builds the command tree, executes it and
// turns errors into one line on stderr and a documented exit code.
package sipctlcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/sipctl/sipctl/internal/cmd/root"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/factory"
	"github.com/sipctl/sipctl/internal/httpsafe"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/keyring"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/redact"
	"github.com/sipctl/sipctl/internal/twilio"
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
	sub, err := cmd.ExecuteContextC(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	return PrintError(ios.ErrOut, sub, err)
}

// PrintError writes err as one line (plus a hint line when there is one) and
// returns the exit code it maps to.
func PrintError(w io.Writer, cmd *cobra.Command, err error) int {
	if errors.Is(err, cmdutil.ErrSilent) {
		return cmdutil.ExitFail
	}
	if errors.Is(err, cmdutil.ErrChangesPending) {
		return cmdutil.ExitChanges
	}
	var cancel *cmdutil.CancelError
	if errors.As(err, &cancel) {
		fmt.Fprintln(w, cancel.Error())
		return cmdutil.ExitUsage
	}
	if errors.Is(err, cmdutil.ErrCancel) || errors.Is(err, context.Canceled) {
		fmt.Fprintln(w, "cancelled")
		return cmdutil.ExitUsage
	}
	// Every error line passes the redactor (a server may have echoed a
	// token or a password) and the escaper (it may quote a hostile name).
	msg := redact.Line(oneLine(err.Error()))
	var hint string
	code := cmdutil.ExitFail

	var (
		flagErr    *cmdutil.FlagError
		authErr    *cmdutil.AuthError
		partial    *cmdutil.PartialError
		exitErr    *cmdutil.ExitError
		hintErr    *cmdutil.HintError
		apiErr     *twilio.APIError
		unreach    *twilio.UnreachableError
		offOrigin  *httpsafe.OffOriginError
		retryLater *httpsafe.RetryAfterError
		missing    *provider.MissingCapabilityError
		envErr     *config.EnvError
		usageLabel = cmd != nil
		// Other providers' errors (Telnyx) say what they are by behaviour.
		refused interface{ Unauthorized() bool }
		hinted  interface{ ErrorHint() string }
		noReply interface{ Unreachable() bool }
	)
	switch {
	case errors.As(err, &missing):
		// The active provider lacks what the command needs: a usage error,
		// refused before any request.
		code = cmdutil.ExitUsage
		hint = "this command needs another provider; see `sipctl profile list`"
	case errors.As(err, &flagErr) || isCobraUsageError(err):
		code = cmdutil.ExitUsage
		if usageLabel {
			hint = fmt.Sprintf("run `%s --help` for usage", cmd.CommandPath())
		}
	case errors.As(err, &envErr):
		// The environment half-describes a provider, or none under CI:
		// credentials are what is missing, found before any request.
		code = cmdutil.ExitAuth
		hint = envErr.Hint
	case errors.As(err, &partial):
		code = cmdutil.ExitPartial
		if partial.RetryCommand != "" {
			hint = "retry the failed ones: " + partial.RetryCommand
		}
	case errors.As(err, &authErr):
		code = cmdutil.ExitAuth
		hint = "run `sipctl auth login`, or set the provider's variables (`sipctl help environment`)"
	case errors.As(err, &apiErr) && apiErr.Unauthorized():
		code = cmdutil.ExitAuth
		hint = "the provider refused the credentials; check them with `sipctl auth status`"
	case errors.As(err, &apiErr):
		hint = twilio.Hint(apiErr.Code)
		if hint == "" && apiErr.MoreInfo != "" {
			hint = "see " + apiErr.MoreInfo
		}
	case errors.As(err, &unreach):
		// Twilio's (it has NoAnswer too, so it comes first for its hint).
		code = cmdutil.ExitNoAnswer
		hint = "check the network and the profile's API URL (`sipctl profile show`)"
	case isNoAnswer(err):
		code = cmdutil.ExitNoAnswer
		hint = "check that the database and the RPC endpoint are up and the profile names them (`sipctl profile show`)"
	case errors.Is(err, keyring.ErrUnavailable) || errors.Is(err, keyring.ErrTimeout):
		// No keyring means no stored credentials: authentication is what is
		// missing, and the user has three ways to provide it.
		code = cmdutil.ExitAuth
		hint = "run sipctl in a session with a Secret Service (e.g. gnome-keyring under dbus), authenticate from the environment (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN), or `sipctl auth login --insecure-storage`"
	case errors.As(err, &refused) && refused.Unauthorized():
		code = cmdutil.ExitAuth
		hint = "the provider refused the credentials: run `sipctl auth login`, and check them with `sipctl auth status`"
		if errors.As(err, &hinted) && hinted.ErrorHint() != "" {
			hint = hinted.ErrorHint()
		}
	case errors.As(err, &hinted):
		hint = hinted.ErrorHint()
	case errors.As(err, &noReply) && noReply.Unreachable():
		code = cmdutil.ExitNoAnswer
		hint = "check the network and the profile's API URL (`sipctl profile show`)"
	case errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, keyring.ErrTimeout):
		// A request that hung past its deadline, whichever client made it.
		code = cmdutil.ExitNoAnswer
		hint = "the API did not answer in time; check the network and the profile's API URL (`sipctl profile show`)"
	case errors.As(err, &offOrigin):
		hint = "the API answered with a link or redirect to another host; if the profile's API URL is right, the server is misbehaving"
	}
	if errors.As(err, &retryLater) && hint == "" {
		hint = "run the command again later"
	}
	if errors.As(err, &exitErr) {
		code = exitErr.Code
	}
	if errors.As(err, &hintErr) {
		hint = hintErr.Hint
	}
	fmt.Fprintf(w, "error: %s\n", msg)
	if hint != "" {
		fmt.Fprintf(w, "hint: %s\n", redact.Line(oneLine(hint)))
	}
	return code
}

// isCobraUsageError recognises cobra's own argument and command errors,
// which are not typed.
func isCobraUsageError(err error) bool {
	m := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument",
		"invalid argument", "accepts ", "requires at least", "requires at most", "received ", "accepts at most"} {
		if strings.HasPrefix(m, p) || strings.Contains(m, "\n\nDid you mean") {
			return true
		}
	}
	return false
}

// oneLine folds a multi-line message ("unknown command ... Did you mean
// this?\n\tfoo") into a single line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	s = strings.Replace(s, "\n\nDid you mean this?\n\t", "; did you mean ", 1)
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}
	return strings.Join(fields, "; ")
}

// isNoAnswer matches a provider's unreachable-peer errors that are not
// Twilio's (Kamailio's database or RPC endpoint): they have NoAnswer().
func isNoAnswer(err error) bool {
	var na interface{ NoAnswer() bool }
	return errors.As(err, &na) && na.NoAnswer()
}
