package config

import (
	"fmt"
	"os"
)

// EditableProfile is the profile `profile set/get` work on: name (--profile),
// else $SIPCTL_PROFILE, else the current profile, else the built-in sandbox.
// It is the file's own entry, so a value that breaks its rule can be fixed;
// the built-in sandbox is added to the file the first time it is set.
func (c *Config) EditableProfile(name string) (*Profile, error) {
	if name == "" {
		name = os.Getenv("SIPCTL_PROFILE")
	}
	if name == "" {
		name = c.CurrentProfile
	}
	if name == "" {
		name = SandboxProfile
	}
	if name == EnvProfile {
		return nil, fmt.Errorf("profile %q is made from environment variables and has no settings to change", name)
	}
	if p, ok := c.Profiles[name]; ok {
		return p, nil
	}
	if name == SandboxProfile {
		return &Profile{Name: SandboxProfile, Provider: ProviderSandbox}, nil
	}
	return c.Profile(name) // the not-found error
}

// ProfileFixed records that p's values follow their rules again.
func (c *Config) ProfileFixed(p *Profile) error {
	if err := validateProfile(p); err != nil {
		return err
	}
	delete(c.invalid, p.Name)
	return nil
}
