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
	// Provider is the client for the active profile (and --subaccount).
	Provider func() (provider.Provider, error)
}
