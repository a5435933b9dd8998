package config

import (
	"os"
	"path/filepath"
	"runtime"
)

// ConfigDir is where config.yaml lives: $SIPCTL_CONFIG_DIR, else
// $XDG_CONFIG_HOME/sipctl, else the OS's user config directory.
func ConfigDir() string {
	if d := os.Getenv("SIPCTL_CONFIG_DIR"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "sipctl")
	}
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "sipctl")
	}
	return filepath.Join(".", ".sipctl")
}

// ConfigFile is the configuration file's path.
func ConfigFile() string { return filepath.Join(ConfigDir(), "config.yaml") }

// StateDir holds journals, the audit log and sandbox data: $SIPCTL_STATE_DIR,
// else $XDG_STATE_HOME/sipctl, else ~/.local/state/sipctl (on Windows,
// %LocalAppData%\sipctl\state).
func StateDir() string {
	if d := os.Getenv("SIPCTL_STATE_DIR"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "sipctl")
	}
	if runtime.GOOS == "windows" {
		if d, err := os.UserCacheDir(); err == nil {
			return filepath.Join(d, "sipctl", "state")
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "state", "sipctl")
	}
	return filepath.Join(".", ".sipctl-state")
}

// EnsureStateDir creates the state directory, private to the user.
func EnsureStateDir() (string, error) {
	d := StateDir()
	return d, os.MkdirAll(d, 0o700)
}
