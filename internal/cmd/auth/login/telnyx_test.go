package login

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/keyring"
	"github.com/sipctl/sipctl/internal/sandbox"
)

// telnyxFace serves the sandbox's Telnyx face and returns its API root and key.
func telnyxFace(t *testing.T) (string, string) {
	t.Helper()
	sb, err := sandbox.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(func() { srv.Close(); sb.Close() })
	return srv.URL + sandbox.TelnyxPrefix, sb.TelnyxAPIKey()
}

func runTelnyx(t *testing.T, opts *LoginOptions, stdin string) (string, string, error) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	opts.IO, opts.Config, opts.Provider = ios, config.Load, config.ProviderTelnyx
	if opts.Profile == "" {
		opts.Profile = "tx"
	}
	err := telnyxLogin(context.Background(), opts, nil)
	return out.String(), errOut.String(), err
}

func TestTelnyxLoginStoresKeyInKeyring(t *testing.T) {
	setup(t)
	url, key := telnyxFace(t)
	out, errOut, err := runTelnyx(t, &LoginOptions{APIURL: url, WithToken: true}, key+"\n")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `Logged in to Telnyx as profile "tx"`) || strings.Contains(out+errOut, key) {
		t.Errorf("out %q err %q", out, errOut)
	}
	if got, err := keyring.Get(keyring.Service, "profile:tx"); err != nil || got != key {
		t.Fatalf("keyring %q %v", got, err)
	}
	data, _ := os.ReadFile(config.ConfigFile())
	if strings.Contains(string(data), key) {
		t.Errorf("key in config:\n%s", data)
	}
	cfg, _ := config.Load()
	if p := cfg.Profiles["tx"]; p == nil || p.Provider != "telnyx" || p.APIURL != url || p.DefaultDomain != "sip.telnyx.com" {
		t.Fatalf("profile %+v", p)
	}
}

func TestTelnyxWrongKeySavesNothing(t *testing.T) {
	setup(t)
	url, _ := telnyxFace(t)
	_, _, err := runTelnyx(t, &LoginOptions{APIURL: url, WithToken: true}, "KEYREVOKED123\n")
	var authErr *cmdutil.AuthError
	if !errors.As(err, &authErr) || !strings.Contains(err.Error(), "nothing saved") || strings.Contains(err.Error(), "KEYREVOKED123") {
		t.Fatalf("err = %v", err)
	}
	if _, err := keyring.Get(keyring.Service, "profile:tx"); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("keyring written: %v", err)
	}
	if _, err := os.Stat(config.ConfigFile()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("config written: %v", err)
	}
}

func TestTelnyxLoginKeepsTwilioProfilesApart(t *testing.T) {
	setup(t)
	cfg, _ := config.Load()
	cfg.SetProfile(&config.Profile{Name: "acme", Provider: config.ProviderTwilio, AccountSID: sid})
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}
	url, key := telnyxFace(t)
	_, _, err := runTelnyx(t, &LoginOptions{Profile: "acme", APIURL: url, WithToken: true}, key+"\n")
	if err == nil || !strings.Contains(err.Error(), `uses provider "twilio"`) {
		t.Fatalf("err = %v", err)
	}
}
