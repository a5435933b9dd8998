package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func isolate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, k := range []string{"SIPCTL_PROFILE", "SIPCTL_API_URL", "SIPCTL_ACCOUNT_SID", "SIPCTL_AUTH_TOKEN", "SIPCTL_API_KEY",
		"SIPCTL_API_SECRET", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET", "SIPCTL_CONFIG_DIR", "SIPCTL_STATE_DIR",
		"SIPCTL_PROVIDER", "TELNYX_API_KEY", "SIPCTL_DB_URL", "SIPCTL_RPC_URL", "SIPCTL_REGISTRAR", "SIPCTL_DB_PASSWORD", "CI"} {
		t.Setenv(k, "")
	}
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	return dir
}

func TestPaths(t *testing.T) {
	dir := isolate(t)
	if got := ConfigFile(); got != filepath.Join(dir, "config", "sipctl", "config.yaml") {
		t.Errorf("ConfigFile = %s", got)
	}
	if got := StateDir(); got != filepath.Join(dir, "state", "sipctl") {
		t.Errorf("StateDir = %s", got)
	}
	t.Setenv("SIPCTL_STATE_DIR", "/x/y")
	if StateDir() != "/x/y" {
		t.Errorf("SIPCTL_STATE_DIR ignored")
	}
}

func TestMissingFileIsEmptyAndSandboxIsDefault(t *testing.T) {
	isolate(t)
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.ActiveProfile("")
	if err != nil || p.Name != SandboxProfile || p.Provider != ProviderSandbox {
		t.Fatalf("active = %+v, %v", p, err)
	}
}

func TestSaveWrites0600AndRoundTrips(t *testing.T) {
	isolate(t)
	c, _ := Load()
	c.SetProfile(&Profile{Name: "acme", Provider: ProviderTwilio, AccountSID: "AC" + strings.Repeat("a", 32), DefaultDomain: "office.sip.twilio.com"})
	c.CurrentProfile = "acme"
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(ConfigFile())
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v err %v", info.Mode(), err)
	}
	c2, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(c2.Warnings) != 0 {
		t.Errorf("warnings on a 0600 file: %v", c2.Warnings)
	}
	p, err := c2.ActiveProfile("")
	if err != nil || p.Name != "acme" || p.DefaultDomain != "office.sip.twilio.com" || p.Provider != ProviderTwilio {
		t.Fatalf("active = %+v, %v", p, err)
	}
	data, _ := os.ReadFile(ConfigFile())
	if strings.Contains(string(data), "warnings") {
		t.Errorf("runtime fields written:\n%s", data)
	}
}

func TestReadableByOthersWarnsAndFixes(t *testing.T) {
	isolate(t)
	c, _ := Load()
	c.SetProfile(&Profile{Name: "a"})
	c.Save()
	os.Chmod(ConfigFile(), 0o644)
	c, err := Load()
	if err != nil || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "readable by others") {
		t.Fatalf("warnings %v err %v", c.Warnings, err)
	}
	if err := c.FixPermissions(); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(ConfigFile())
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", info.Mode())
	}
}

func TestBadFilesGiveOneLineErrors(t *testing.T) {
	isolate(t)
	os.MkdirAll(ConfigDir(), 0o700)
	os.WriteFile(ConfigFile(), []byte("profiles: [\n  bad"), 0o600)
	_, err := Load()
	if err == nil || !strings.Contains(err.Error(), "not valid YAML") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v", err)
	}
	if os.Geteuid() != 0 {
		os.Chmod(ConfigFile(), 0o000)
		_, err = Load()
		if err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Fatalf("unreadable: err = %v", err)
		}
	}
}

func TestActiveProfilePrecedence(t *testing.T) {
	isolate(t)
	c, _ := Load()
	c.SetProfile(&Profile{Name: "acme", Provider: ProviderTwilio, AccountSID: "AC1"})
	c.SetProfile(&Profile{Name: "other", Provider: ProviderTwilio})
	c.CurrentProfile = "other"

	if p, _ := c.ActiveProfile(""); p.Name != "other" {
		t.Errorf("current profile not used: %s", p.Name)
	}
	// The environment's own choices (env.go's specs, registered by the
	// factory) are tested in internal/factory; here only its override.
	t.Setenv("SIPCTL_API_URL", "http://127.0.0.1:9")
	t.Setenv("SIPCTL_PROFILE", "acme")
	if p, _ := c.ActiveProfile(""); p.Name != "acme" || p.APIURL != "http://127.0.0.1:9" {
		t.Errorf("SIPCTL_PROFILE: %+v", p)
	}
	if p, _ := c.ActiveProfile("sandbox"); p.Provider != ProviderSandbox {
		t.Errorf("--profile sandbox: %+v", p)
	}
	if _, err := c.ActiveProfile("nope"); err == nil || !strings.Contains(err.Error(), `profile "nope" not found`) {
		t.Errorf("missing profile: %v", err)
	}
	// The returned profile is a copy: overriding the URL must not leak into the file.
	if c.Profiles["acme"].APIURL != "" {
		t.Errorf("ActiveProfile mutated the stored profile")
	}
}
