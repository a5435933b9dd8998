package config

import (
	"fmt"
	"regexp"
)

var profileNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidateNewProfileName checks a name for a profile `auth login` creates:
// safe in a keyring key and a YAML key, and not one sipctl reserves.
func ValidateNewProfileName(name string) error {
	switch name {
	case SandboxProfile:
		return fmt.Errorf("profile name %q is reserved for the built-in sandbox, which needs no login", name)
	case EnvProfile:
		return fmt.Errorf("profile name %q is reserved for credentials from the environment", name)
	}
	if !profileNamePattern.MatchString(name) {
		return fmt.Errorf("invalid profile name %q: use letters, digits, '.', '_' and '-' (at most 64)", name)
	}
	return nil
}
