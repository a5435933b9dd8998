package audit

import (
	"os"
	"path/filepath"
)

// stateDir mirrors config.StateDir ($XDG_STATE_HOME/sipctl, falling back to
// ~/.local/state/sipctl) until the config package lands.
func stateDir() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "sipctl")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "sipctl-state")
	}
	return filepath.Join(home, ".local", "state", "sipctl")
}
