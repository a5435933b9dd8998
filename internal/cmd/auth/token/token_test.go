package token

import (
	"errors"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/auth"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	_ "github.com/sipctl/sipctl/internal/factory" // registers each provider's auth.Method
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/keyring"
	"github.com/sipctl/sipctl/internal/testenv"
	gokeyring "github.com/zalando/go-keyring"
)

const sid = "AC0123456789abcdef0123456789abcdef"

func setup(t *testing.T, p *config.Profile) {
	t.Helper()
	testenv.NewEnv(t).Apply(t)
	gokeyring.MockInit()
	cfg, _ := config.Load()
	cfg.SetProfile(p)
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}
}

func run(opts *TokenOptions, tty bool) (string, string, error) {
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(tty)
	opts.IO, opts.Config = ios, config.Load
	err := tokenRun(opts)
	return out.String(), errOut.String(), err
}

func TestPrintsIntoAPipeOnly(t *testing.T) {
	setup(t, &config.Profile{Name: "acme", Provider: "twilio", AccountSID: sid})
	keyring.Set(keyring.Service, "profile:acme", "tok-1")
	out, _, err := run(&TokenOptions{Profile: "acme"}, false)
	if err != nil || out != "tok-1\n" {
		t.Fatalf("%q %v", out, err)
	}
	out, _, err = run(&TokenOptions{Profile: "acme"}, true)
	var flagErr *cmdutil.FlagError
	if !errors.As(err, &flagErr) || out != "" || !strings.Contains(err.Error(), "--yes") {
		t.Fatalf("terminal without --yes: %q %v", out, err)
	}
	out, _, err = run(&TokenOptions{Profile: "acme", Yes: true}, true)
	if err != nil || out != "tok-1\n" {
		t.Fatalf("--yes: %q %v", out, err)
	}
}

func TestInsecureEntryWarns(t *testing.T) {
	setup(t, &config.Profile{Name: "plain", Provider: "twilio", AccountSID: sid, InsecureSecret: "tok-2"})
	out, errOut, err := run(&TokenOptions{Profile: "plain"}, false)
	if err != nil || out != "tok-2\n" || !strings.Contains(errOut, "plain text") {
		t.Fatalf("%q %q %v", out, errOut, err)
	}
}

func TestNoCredentialsAndUnknownProfile(t *testing.T) {
	setup(t, &config.Profile{Name: "acme", Provider: "twilio", AccountSID: sid})
	_, _, err := run(&TokenOptions{Profile: "acme"}, false)
	var authErr *cmdutil.AuthError
	if !errors.As(err, &authErr) || !errors.Is(err, auth.ErrNoCredentials) {
		t.Fatalf("%v", err)
	}
	_, _, err = run(&TokenOptions{Profile: "nope"}, false)
	if err == nil || !strings.Contains(err.Error(), `profile "nope" not found`) {
		t.Fatalf("%v", err)
	}
	_, _, err = run(&TokenOptions{Profile: "sandbox"}, false)
	if err == nil || !strings.Contains(err.Error(), "sandbox") {
		t.Fatalf("%v", err)
	}
}
