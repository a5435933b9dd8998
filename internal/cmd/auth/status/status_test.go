package status

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/auth"
	"github.com/sipctl/sipctl/internal/auth/authtest"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	_ "github.com/sipctl/sipctl/internal/factory" // registers each provider's auth.Method
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/keyring"
	"github.com/sipctl/sipctl/internal/testenv"
	gokeyring "github.com/zalando/go-keyring"
)

const (
	sid    = "AC0123456789abcdef0123456789abcdef"
	secret = "status-secret-77"
)

func setup(t *testing.T, apiURL string) {
	t.Helper()
	testenv.NewEnv(t).Apply(t)
	gokeyring.MockInit()
	cfg, _ := config.Load()
	cfg.SetProfile(&config.Profile{Name: "acme", Provider: config.ProviderTwilio, AccountSID: sid, APIURL: apiURL})
	cfg.CurrentProfile = "acme"
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, opts *StatusOptions) (string, string, error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	opts.IO, opts.Config = ios, config.Load
	err := statusRun(context.Background(), opts)
	if strings.Contains(out.String()+errOut.String(), secret) {
		t.Fatalf("secret printed:\n%s\n%s", out, errOut)
	}
	return out.String(), errOut.String(), err
}

func TestKeyringCredentialsThatWork(t *testing.T) {
	srv := authtest.NewServer(t, sid, sid, secret, "Acme Corp")
	setup(t, srv.URL)
	keyring.Set(keyring.Service, "profile:acme", secret)
	out, _, err := run(t, &StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"acme (active)", "OS keyring (service sipctl, key profile:acme)", "working: reached " + sid + " (Acme Corp)", "(0600)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestEnvironmentWinsAndIsNamed(t *testing.T) {
	srv := authtest.NewServer(t, sid, sid, "env-token", "Acme")
	setup(t, srv.URL)
	keyring.Set(keyring.Service, "profile:acme", secret)
	t.Setenv("TWILIO_AUTH_TOKEN", "env-token")
	out, _, err := run(t, &StatusOptions{Profile: "acme"})
	if err != nil || !strings.Contains(out, "environment (TWILIO_* variables)") || strings.Contains(out, "env-token") {
		t.Fatalf("%v\n%s", err, out)
	}
}

func TestRefusedAndMissingAreAuthErrors(t *testing.T) {
	srv := authtest.NewServer(t, sid, sid, "the-real-one", "Acme")
	setup(t, srv.URL)
	_, _, err := run(t, &StatusOptions{})
	var authErr *cmdutil.AuthError
	if !errors.As(err, &authErr) || !errors.Is(err, auth.ErrNoCredentials) {
		t.Fatalf("no credentials: %v", err)
	}
	keyring.Set(keyring.Service, "profile:acme", secret)
	out, _, err := run(t, &StatusOptions{})
	if !errors.As(err, &authErr) || !errors.Is(err, auth.ErrRefused) || !strings.Contains(out, "failed: provider refused") {
		t.Fatalf("refused: %v\n%s", err, out)
	}
}

func TestKeyringTimeoutIsShownNotSkipped(t *testing.T) {
	srv := authtest.NewServer(t, sid, sid, secret, "Acme")
	setup(t, srv.URL)
	gokeyring.MockInitWithError(context.DeadlineExceeded)
	out, _, err := run(t, &StatusOptions{})
	if !errors.Is(err, keyring.ErrTimeout) || !strings.Contains(out, "did not answer") {
		t.Fatalf("%v\n%s", err, out)
	}
	if srv.Calls.Load() != 0 {
		t.Fatalf("an API call was made without credentials")
	}
}

func TestOfflineAllAndJSON(t *testing.T) {
	srv := authtest.NewServer(t, sid, sid, secret, "Acme")
	setup(t, srv.URL)
	keyring.Set(keyring.Service, "profile:acme", secret)
	ios, _, out, _ := iostreams.Test()
	opts := &StatusOptions{IO: ios, Config: config.Load, All: true, Offline: true}
	if err := opts.Exporter.Prepare("", true); err != nil {
		t.Fatal(err)
	}
	if err := statusRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rep.Profiles) != 2 || rep.Profiles[0].Profile != "acme" || rep.Profiles[0].Checked || rep.Profiles[1].Source != "the built-in sandbox" {
		t.Fatalf("%+v", rep)
	}
	if srv.Calls.Load() != 0 {
		t.Errorf("--offline called the API")
	}
}

func TestFixPermissions(t *testing.T) {
	srv := authtest.NewServer(t, sid, sid, secret, "Acme")
	setup(t, srv.URL)
	os.Chmod(config.ConfigFile(), 0o644)
	out, _, _ := run(t, &StatusOptions{Offline: true})
	if !strings.Contains(out, "readable by others") {
		t.Errorf("no permission warning:\n%s", out)
	}
	_, errOut, _ := run(t, &StatusOptions{Offline: true, FixPermissions: true})
	if info, _ := os.Stat(config.ConfigFile()); info.Mode().Perm() != 0o600 || !strings.Contains(errOut, "now 0600") {
		t.Fatalf("mode %v, %q", info.Mode(), errOut)
	}
}

func TestFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Globals: &cmdutil.Globals{Profile: "acme"}}
	var got *StatusOptions
	cmd := NewCmdStatus(f, func(o *StatusOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--offline", "--fix-permissions"})
	if err := cmd.Execute(); err != nil || got.Profile != "acme" || !got.Offline || !got.FixPermissions {
		t.Fatalf("%v %+v", err, got)
	}
	cmd = NewCmdStatus(f, func(o *StatusOptions) error { return nil })
	cmd.SetArgs([]string{"--all"})
	cmd.SetErr(ios.ErrOut)
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "--all and --profile") {
		t.Fatalf("err = %v", err)
	}
}

// A Kamailio profile's database password is described by where it comes
// from, the environment over the keyring, and never printed; SQLite needs
// none; a missing one is an authentication error (exit 4).
func TestKamailioDatabasePasswordSource(t *testing.T) {
	setup(t, "")
	cfg, _ := config.Load()
	cfg.SetProfile(&config.Profile{Name: "pbx", Provider: config.ProviderKamailio, DBURL: "postgres://kamailio@127.0.0.1:5432/kamailio",
		RPCURL: "http://127.0.0.1:5071/RPC", Registrar: "127.0.0.1:5060"})
	cfg.SetProfile(&config.Profile{Name: "lab", Provider: config.ProviderKamailio, DBURL: "sqlite:///var/lib/kamailio/kamailio.db"})
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}

	_, _, err := run(t, &StatusOptions{Profile: "pbx"})
	var authErr *cmdutil.AuthError
	if !errors.As(err, &authErr) || !errors.Is(err, auth.ErrNoCredentials) {
		t.Fatalf("no stored database password: %v", err)
	}

	keyring.Set(keyring.Service, "profile:pbx", secret) // run fails the test if it is printed
	out, _, err := run(t, &StatusOptions{Profile: "pbx"})
	for _, want := range []string{"database password: OS keyring (service sipctl, key profile:pbx)", "postgres://kamailio@127.0.0.1:5432/kamailio", "RPC URL\thttp://127.0.0.1:5071/RPC"} {
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("keyring: %v; output lacks %q:\n%s", err, want, out)
		}
	}

	t.Setenv("SIPCTL_DB_PASSWORD", "from-the-environment-9")
	out, _, err = run(t, &StatusOptions{Profile: "pbx", Exporter: cmdutil.Exporter{JSON: true}})
	var rep Report
	if err != nil || json.Unmarshal([]byte(out), &rep) != nil || len(rep.Profiles) != 1 ||
		rep.Profiles[0].DBPasswordSource != "environment (SIPCTL_DB_PASSWORD)" || strings.Contains(out, "from-the-environment-9") {
		t.Errorf("environment: %v\n%s", err, out)
	}

	out, _, err = run(t, &StatusOptions{Profile: "lab"})
	if err != nil || !strings.Contains(out, "database password: none needed (SQLite)") {
		t.Errorf("sqlite: %v\n%s", err, out)
	}
}
