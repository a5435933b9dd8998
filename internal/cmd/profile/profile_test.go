package profile

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/keyring"
	"github.com/sipctl/sipctl/internal/testenv"
	gokeyring "github.com/zalando/go-keyring"
)

const (
	sidA = "AC0123456789abcdef0123456789abcdef"
	sidB = "ACfedcba9876543210fedcba9876543210"
)

// setup writes two customer profiles, as a reseller keeps them.
func setup(t *testing.T) {
	t.Helper()
	testenv.NewEnv(t).Apply(t)
	gokeyring.MockInit()
	cfg, _ := config.Load()
	cfg.SetProfile(&config.Profile{Name: "acme", Provider: "twilio", AccountSID: sidA, DefaultDomain: "acme.sip.twilio.com"})
	cfg.SetProfile(&config.Profile{Name: "globex", Provider: "twilio", AccountSID: sidB, InsecureSecret: "globex-plain"})
	cfg.CurrentProfile = "acme"
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}
}

// exec runs `profile <args>` through the real command tree.
func exec(t *testing.T, stdoutTTY bool, args ...string) (string, string, error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(stdoutTTY)
	g := &cmdutil.Globals{}
	f := &cmdutil.Factory{IOStreams: ios, Globals: g, Config: config.Load}
	cmd := NewCmdProfile(f)
	cmd.PersistentFlags().StringVar(&g.Profile, "profile", "", "")
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	err := cmd.Execute()
	if strings.Contains(out.String()+errOut.String(), "globex-plain") {
		t.Fatalf("secret printed:\n%s\n%s", out, errOut)
	}
	return out.String(), errOut.String(), err
}

func TestList(t *testing.T) {
	setup(t)
	out, _, err := exec(t, false, "list")
	if err != nil {
		t.Fatal(err)
	}
	want := "*\tacme\ttwilio\t" + sidA + "\tacme.sip.twilio.com\t\n" +
		"\tglobex\ttwilio\t" + sidB + "\t\t\n" +
		"\tsandbox\tsandbox\t\t\t\n"
	if out != want {
		t.Fatalf("TSV:\n%q\nwant\n%q", out, want)
	}
	out, _, err = exec(t, false, "list", "--json=name,current,insecure_storage")
	var items []map[string]any
	if err != nil || json.Unmarshal([]byte(out), &items) != nil || len(items) != 3 {
		t.Fatalf("%v\n%s", err, out)
	}
	if items[1]["name"] != "globex" || items[1]["insecure_storage"] != true || items[0]["current"] != true || len(items[0]) != 3 {
		t.Fatalf("%v", items)
	}
}

func TestUse(t *testing.T) {
	setup(t)
	out, _, err := exec(t, false, "use", "globex")
	if err != nil || !strings.Contains(out, `"globex"`) {
		t.Fatalf("%q %v", out, err)
	}
	cfg, _ := config.Load()
	if cfg.CurrentProfile != "globex" {
		t.Fatalf("current %q", cfg.CurrentProfile)
	}
	if _, _, err := exec(t, false, "use", "sandbox"); err != nil {
		t.Fatalf("built-in sandbox: %v", err)
	}
	_, _, err = exec(t, false, "use", "initech")
	if err == nil || !strings.Contains(err.Error(), `profile "initech" not found`) {
		t.Fatalf("unknown: %v", err)
	}
	if cfg, _ := config.Load(); cfg.CurrentProfile != "sandbox" {
		t.Fatalf("a failed use changed the current profile to %q", cfg.CurrentProfile)
	}
}

func TestShow(t *testing.T) {
	setup(t)
	out, _, err := exec(t, true, "show")
	if err != nil || !strings.Contains(out, "Name:") || !strings.Contains(out, "acme") || !strings.Contains(out, "acme.sip.twilio.com") {
		t.Fatalf("%v\n%s", err, out)
	}
	out, _, err = exec(t, false, "show", "globex", "--json")
	var v map[string]any
	if err != nil || json.Unmarshal([]byte(out), &v) != nil || v["account_sid"] != sidB || v["insecure_storage"] != true || v["current"] != false {
		t.Fatalf("%v\n%s", err, out)
	}
	out, _, err = exec(t, false, "show", "--profile", "globex", "--json=name")
	if err != nil || strings.TrimSpace(out) != `{
  "name": "globex"
}` {
		t.Fatalf("--profile: %v\n%s", err, out)
	}
	if _, _, err := exec(t, false, "show", "initech"); err == nil {
		t.Fatal("unknown profile shown")
	}
}

func TestDelete(t *testing.T) {
	setup(t)
	keyring.Set(keyring.Service, "profile:acme", "acme-secret")

	var flagErr *cmdutil.FlagError
	if _, _, err := exec(t, false, "delete", "acme"); !errors.As(err, &flagErr) || !strings.Contains(err.Error(), "--yes") {
		t.Fatalf("without --yes: %v", err)
	}
	if cfg, _ := config.Load(); cfg.Profiles["acme"] == nil {
		t.Fatal("deleted without confirmation")
	}
	out, _, err := exec(t, false, "delete", "acme", "--yes")
	if err != nil || !strings.Contains(out, `Deleted profile "acme"`) {
		t.Fatalf("%q %v", out, err)
	}
	cfg, _ := config.Load()
	if cfg.Profiles["acme"] != nil || cfg.CurrentProfile != "" {
		t.Fatalf("profile left: %+v current %q", cfg.Profiles, cfg.CurrentProfile)
	}
	if _, err := keyring.Get(keyring.Service, "profile:acme"); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("keyring entry left: %v", err)
	}
	if _, _, err := exec(t, false, "delete", "acme", "--yes"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("unknown: %v", err)
	}
	if _, _, err := exec(t, false, "delete", "sandbox", "--yes"); !errors.As(err, &flagErr) {
		t.Fatalf("sandbox: %v", err)
	}
}

func TestDeleteWithHungKeyringKeepsProfile(t *testing.T) {
	setup(t)
	gokeyring.MockInitWithError(errors.New("org.freedesktop.DBus.Error.NoReply: no reply"))
	_, _, err := exec(t, false, "delete", "acme", "--yes")
	if !errors.Is(err, keyring.ErrTimeout) {
		t.Fatalf("%v", err)
	}
	if cfg, _ := config.Load(); cfg.Profiles["acme"] == nil {
		t.Fatal("profile deleted while its keyring entry may remain")
	}
	// No keyring at all: delete goes ahead and says how to check.
	gokeyring.MockInitWithError(errors.New("no D-Bus session bus"))
	_, errOut, err := exec(t, false, "delete", "globex", "--yes")
	if err != nil || !strings.Contains(errOut, "secret-tool clear service sipctl username profile:globex") {
		t.Fatalf("%v %q", err, errOut)
	}
}
