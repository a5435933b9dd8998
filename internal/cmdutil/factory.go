package cmdutil

import (
	"os"

	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
)

// Globals are the values of the root command's persistent flags.
type Globals struct {
	Profile    string // --profile
	Subaccount string // --subaccount SID or friendly name
	Debug      bool   // --debug (or SIPCTL_DEBUG=1)
	AuditLog   string // --audit-log PATH
	Quiet      bool   // --quiet (or SIPCTL_QUIET=1): no notes on stderr
}

// QuietNotes reports whether notes ("working against the local sandbox") are
// silenced, by --quiet or SIPCTL_QUIET. Warnings and errors still print.
func (g *Globals) QuietNotes() bool {
	if g.Quiet {
		return true
	}
	v := os.Getenv("SIPCTL_QUIET")
	return v != "" && v != "0" && v != "false"
}

// Factory gives commands their dependencies, lazily: nothing reads the
// configuration, the keyring or the network until a command asks.
type Factory struct {
	IOStreams      *iostreams.IOStreams
	ExecutableName string
	Version        string
	Globals        *Globals

	// Config loads the configuration file once.
	Config func() (*config.Config, error)
	// Profile is the active profile (see config.ActiveProfile).
	Profile func() (*config.Profile, error)
	// Provider is the client for the active profile (and --subaccount): the
	// provider-neutral core. Commands ask for anything more (domains,
	// credential lists, …) with Capability or provider.Require.
	Provider func() (provider.SIPAccounts, error)
}

// Capability adapts the Factory's provider to the capability T a command
// needs. The returned func fails with a *provider.MissingCapabilityError
// (exit 2) naming what when the active provider lacks it, before any
// request. what is one of the provider.What… names.
func Capability[T any](get func() (provider.SIPAccounts, error), what string) func() (T, error) {
	return func() (T, error) {
		p, err := get()
		if err != nil {
			var zero T
			return zero, err
		}
		return provider.Require[T](p, what)
	}
}
