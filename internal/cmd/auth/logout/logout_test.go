package logout

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
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
	cfg.CurrentProfile = p.Name
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}
}

func run(opts *LogoutOptions) (string, error) {
	ios, _, out, _ := iostreams.Test()
	opts.IO, opts.Config = ios, config.Load
	err := logoutRun(opts)
	return out.String(), err
}

func TestRemovesKeyringAndInsecureEntries(t *testing.T) {
	setup(t, &config.Profile{Name: "acme", Provider: "twilio", AccountSID: sid, InsecureSecret: "plain-tok"})
	keyring.Set(keyring.Service, "profile:acme", "kr-tok")
	out, err := run(&LogoutOptions{Yes: true}) // the current profile
	if err != nil || !strings.Contains(out, `profile "acme"`) {
		t.Fatalf("%q %v", out, err)
	}
	if _, err := keyring.Get(keyring.Service, "profile:acme"); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("keyring: %v", err)
	}
	data, _ := os.ReadFile(config.ConfigFile())
	if strings.Contains(string(data), "plain-tok") || !strings.Contains(string(data), sid) {
		t.Fatalf("config:\n%s", data)
	}
}

func TestUnknownProfile(t *testing.T) {
	setup(t, &config.Profile{Name: "acme", Provider: "twilio", AccountSID: sid})
	if _, err := run(&LogoutOptions{Profile: "nope", Yes: true}); err == nil || !strings.Contains(err.Error(), `profile "nope" not found`) {
		t.Fatalf("%v", err)
	}
	var flagErr *cmdutil.FlagError
	if _, err := run(&LogoutOptions{Profile: "sandbox", Yes: true}); !errors.As(err, &flagErr) {
		t.Fatalf("sandbox: %v", err)
	}
}

func TestKeyringFailureChangesNothing(t *testing.T) {
	setup(t, &config.Profile{Name: "acme", Provider: "twilio", AccountSID: sid, InsecureSecret: "plain-tok"})
	gokeyring.MockInitWithError(context.DeadlineExceeded)
	_, err := run(&LogoutOptions{Yes: true})
	if !errors.Is(err, keyring.ErrTimeout) || !strings.Contains(err.Error(), "did not answer") {
		t.Fatalf("%v", err)
	}
	cfg, _ := config.Load()
	if cfg.Profiles["acme"].InsecureSecret != "plain-tok" {
		t.Fatal("config changed although the keyring entry may remain")
	}
	// Without any keyring, an insecure-storage profile can still log out.
	gokeyring.MockInitWithError(errors.New("no D-Bus session bus"))
	out, err := run(&LogoutOptions{Yes: true})
	if err != nil || !strings.Contains(out, "unavailable") {
		t.Fatalf("%q %v", out, err)
	}
	cfg, _ = config.Load()
	if cfg.Profiles["acme"].InsecureSecret != "" {
		t.Fatal("insecure secret kept")
	}
	// A keyring-only profile with no keyring: an error, with the hint.
	gokeyring.MockInitWithError(errors.New("no D-Bus session bus"))
	_, err = run(&LogoutOptions{Yes: true})
	var hint *cmdutil.HintError
	if !errors.As(err, &hint) || !errors.Is(err, keyring.ErrUnavailable) {
		t.Fatalf("%v", err)
	}
}

// sipctl cannot give a removed secret back: without a terminal and without
// --yes, nothing is removed.
func TestLogoutWithoutTerminalNeedsYes(t *testing.T) {
	setup(t, &config.Profile{Name: "acme", Provider: "twilio", AccountSID: sid, InsecureSecret: "plain-tok"})
	keyring.Set(keyring.Service, "profile:acme", "kr-tok")
	_, err := run(&LogoutOptions{Profile: "acme"})
	var flagErr *cmdutil.FlagError
	if !errors.As(err, &flagErr) || err.Error() != `profile "acme"'s stored secret not removed: confirmation required in a non-interactive run; pass --yes` {
		t.Fatalf("%v", err)
	}
	if got, err := keyring.Get(keyring.Service, "profile:acme"); got != "kr-tok" || err != nil {
		t.Fatalf("keyring entry gone: %q %v", got, err)
	}
	cfg, _ := config.Load()
	if cfg.Profiles["acme"].InsecureSecret != "plain-tok" {
		t.Fatal("config entry removed without confirmation")
	}
}
