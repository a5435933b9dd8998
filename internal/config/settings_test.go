package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSettingsCheckValues(t *testing.T) {
	for _, c := range []struct {
		key, value, stored, errPart string
	}{
		{"default_domain", "Office", "office", ""},
		{"default_domain", "office.sip.twilio.com.", "office.sip.twilio.com", ""},
		{"default_domain", "off ice", "", `default_domain "off ice" is not allowed: expected a SIP domain name`},
		{"password_policy", "strict", "strict", ""},
		{"password_policy", "strongest", "", `password_policy "strongest" is not allowed`},
		{"api_url", "https://api.example.com/", "https://api.example.com", ""},
		{"api_url", "http://127.0.0.1:8080", "http://127.0.0.1:8080", ""},
		{"api_url", "http://api.example.com", "", "http is allowed only for loopback"},
		{"api_url", "https://user:secret@api.example.com", "", "with no user"},
		{"registrar", "127.0.0.1:5060", "127.0.0.1:5060", ""},
		{"registrar", "127.0.0.1", "", `registrar "127.0.0.1" is not allowed: expected host:port`},
		{"provider", "Twilio", "twilio", ""},
		{"provider", "telnyx", "telnyx", ""},
		{"provider", "freeswitch", "", "expected twilio, sandbox, kamailio, telnyx"},
		{"account_sid", "AC" + strings.Repeat("a", 32), "AC" + strings.Repeat("a", 32), ""},
		{"account_sid", "AC123", "", "AC followed by 32 hexadecimal digits"},
		{"api_key_sid", "SK" + strings.Repeat("0", 32), "SK" + strings.Repeat("0", 32), ""},
	} {
		s, err := LookupSetting(c.key)
		if err != nil {
			t.Fatal(err)
		}
		p := &Profile{Name: "acme", Provider: ProviderTwilio}
		err = s.Set(p, c.value)
		switch {
		case c.errPart == "" && (err != nil || s.Get(p) != c.stored):
			t.Errorf("set %s %q: stored %q, %v; want %q", c.key, c.value, s.Get(p), err, c.stored)
		case c.errPart != "" && (err == nil || !strings.Contains(err.Error(), c.errPart)):
			t.Errorf("set %s %q: %v, want an error with %q", c.key, c.value, err, c.errPart)
		}
	}
	s, _ := LookupSetting("db_url")
	if err := s.Set(&Profile{Name: "k", Provider: ProviderKamailio}, "postgres://kamailio:secret@db/kamailio"); err == nil || !strings.Contains(err.Error(), "holds a password") || strings.Contains(err.Error(), "secret@") && !strings.Contains(err.Error(), "db_url") {
		t.Errorf("db_url with a password: %v", err)
	}
	if err := s.Set(&Profile{Name: "acme", Provider: ProviderTwilio}, "sqlite:///tmp/k.db"); err == nil || !strings.Contains(err.Error(), "a setting of kamailio") {
		t.Errorf("db_url on a Twilio profile: %v", err)
	}
	if _, err := LookupSetting("default-domain"); err != nil {
		t.Errorf("dashes: %v", err)
	}
	if _, err := LookupSetting("colour"); err == nil || !strings.Contains(err.Error(), "settings: provider, account_sid") {
		t.Errorf("unknown key: %v", err)
	}
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A value of the wrong type names the key and what it is, not mapstructure's
// "decoding failed due to the following error(s):".
func TestConfigTypeErrorNamesTheKey(t *testing.T) {
	_, err := LoadFile(writeConfig(t, "profiles:\n  acme:\n    provider: [1, 2]\n"))
	if err == nil || strings.Contains(err.Error(), "decoding failed") || !strings.Contains(err.Error(), "profiles.acme.provider is a list [1 2], expected a string") {
		t.Fatalf("%v", err)
	}
}

// A value that breaks its rule fails the profile's use, naming the key, the
// value, what is allowed and the command that fixes it; the file still loads
// so that command can.
func TestConfigRuleErrorNamesKeyValueAndFix(t *testing.T) {
	c, err := LoadFile(writeConfig(t, "current_profile: acme\nprofiles:\n  acme:\n    provider: twilio\n    password_policy: strongest\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ActiveProfile("")
	if err == nil || !strings.Contains(err.Error(), `password_policy "strongest" is not allowed`) || !strings.Contains(err.Error(), "sipctl profile set password_policy VALUE --profile acme") {
		t.Fatalf("%v", err)
	}
	p, err := c.EditableProfile("")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := LookupSetting("password_policy")
	if err := s.Set(p, "strict"); err != nil {
		t.Fatal(err)
	}
	if err := c.ProfileFixed(p); err != nil {
		t.Fatal(err)
	}
	if p, err := c.ActiveProfile(""); err != nil || p.PasswordPolicy != "strict" {
		t.Fatalf("after the fix: %+v %v", p, err)
	}
}
