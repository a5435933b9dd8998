package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/httpsafe"
	"github.com/sipctl/sipctl/internal/keyring"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/redact"
	"github.com/spf13/cobra"
)

// ExitCodeOf is the exit code of a provider-neutral error class.
func ExitCodeOf(c provider.Code) int {
	switch c {
	case provider.Auth:
		return ExitAuth
	case provider.Unavailable:
		return ExitNoAnswer
	}
	return ExitFail
}

// Default hints for the neutral classes whose errors carry none.
const (
	hintAuth     = "the provider refused the credentials: run `sipctl auth login`, and check them with `sipctl auth status`"
	hintNoAnswer = "check the network and the profile's API URL (`sipctl profile show`)"
	hintDeadline = "the API did not answer in time; check the network and the profile's API URL (`sipctl profile show`)"
)

// PrintError writes err as one line (plus a hint line when there is one) and
// returns the exit code it maps to. It decides by sipctl's own error types
// and the provider-neutral classes (provider.ErrorCode, provider.Hint),
// never by a provider's error type. cmd (may be nil) names the command in
// a usage hint.
func PrintError(w io.Writer, cmd *cobra.Command, err error) int {
	if errors.Is(err, ErrSilent) {
		return ExitFail
	}
	if errors.Is(err, ErrChangesPending) {
		return ExitChanges
	}
	var cancel *CancelError
	if errors.As(err, &cancel) {
		fmt.Fprintln(w, cancel.Error())
		return ExitUsage
	}
	if errors.Is(err, ErrCancel) || errors.Is(err, context.Canceled) {
		fmt.Fprintln(w, "cancelled")
		return ExitUsage
	}
	// Every error line passes the redactor (a server may have echoed a
	// token or a password) and the escaper (it may quote a hostile name).
	msg := redact.Line(oneLine(err.Error()))
	code, hint := classify(cmd, err)
	fmt.Fprintf(w, "error: %s\n", msg)
	if hint != "" {
		fmt.Fprintf(w, "hint: %s\n", redact.Line(oneLine(hint)))
	}
	return code
}

func classify(cmd *cobra.Command, err error) (code int, hint string) {
	var (
		flagErr    *FlagError
		authErr    *AuthError
		partial    *PartialError
		exitErr    *ExitError
		hintErr    *HintError
		offOrigin  *httpsafe.OffOriginError
		retryLater *httpsafe.RetryAfterError
		missing    *provider.MissingCapabilityError
		envErr     *config.EnvError
		// Peers that are not providers (a SIP registrar) say so by behaviour.
		noAnswer interface{ NoAnswer() bool }
	)
	class := provider.ErrorCode(err)
	code = ExitFail
	switch {
	case errors.As(err, &missing):
		// The active provider lacks what the command needs: a usage error,
		// refused before any request.
		code = ExitUsage
		hint = "this command needs another provider; see `sipctl profile list`"
	case errors.As(err, &flagErr) || isCobraUsageError(err):
		code = ExitUsage
		if cmd != nil {
			hint = fmt.Sprintf("run `%s --help` for usage", cmd.CommandPath())
		}
	case errors.As(err, &envErr):
		// The environment half-describes a provider, or none under CI:
		// credentials are what is missing, found before any request.
		code = ExitAuth
		hint = envErr.Hint
	case errors.As(err, &partial):
		code = ExitPartial
		if partial.RetryCommand != "" {
			hint = "retry the failed ones: " + partial.RetryCommand
		}
	case errors.As(err, &authErr):
		code = ExitAuth
		hint = "run `sipctl auth login`, or set the provider's variables (`sipctl help environment`)"
	case errors.Is(err, keyring.ErrUnavailable) || errors.Is(err, keyring.ErrTimeout):
		// No keyring means no stored credentials: authentication is what is
		// missing, and the user has three ways to provide it.
		code = ExitAuth
		hint = "run sipctl in a session with a Secret Service (e.g. gnome-keyring under dbus), authenticate from the environment (`sipctl help environment` lists each provider's variables), or `sipctl auth login --insecure-storage`"
	case class == provider.Auth:
		code = ExitAuth
		if hint = provider.Hint(err); hint == "" {
			hint = hintAuth
		}
	case class == provider.Unavailable:
		code = ExitNoAnswer
		hint = provider.Hint(err)
		if hint == "" && errors.Is(err, context.DeadlineExceeded) {
			hint = hintDeadline
		}
	case errors.As(err, &noAnswer) && noAnswer.NoAnswer():
		code = ExitNoAnswer
		hint = hintNoAnswer
	case errors.As(err, &offOrigin):
		hint = "the API answered with a link or redirect to another host; if the profile's API URL is right, the server is misbehaving"
	default:
		code = ExitCodeOf(class)
		hint = provider.Hint(err)
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
	return code, hint
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
