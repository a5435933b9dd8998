package auth

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/keyring"
	"github.com/sipctl/sipctl/internal/testenv"
	gokeyring "github.com/zalando/go-keyring"
)

const (
	sidA = "AC0123456789abcdef0123456789abcdef"
	sidB = "ACfedcba9876543210fedcba9876543210"
	keyS = "SK0123456789abcdef0123456789abcdef"
)

func isolate(t *testing.T) {
	t.Helper()
	testenv.NewEnv(t).Apply(t)
	gokeyring.MockInit()
}

func TestPrecedence(t *testing.T) {
	isolate(t)
	p := &config.Profile{Name: "acme", Provider: config.ProviderTwilio, AccountSID: sidA, InsecureSecret: "plain"}

	// 4. insecure config, with a warning.
	c, err := Resolve(p)
	if err != nil || c.Source != SourceInsecureConfig || c.Secret != "plain" || c.Username != sidA || !strings.Contains(c.Warning, "plain text") {
		t.Fatalf("insecure: %v %v warning=%q", c, err, c.Warning)
	}
	// 3. keyring beats insecure config, never silently when they differ.
	if err := keyring.Set(keyring.Service, "profile:acme", "from-keyring"); err != nil {
		t.Fatal(err)
	}
	c, err = Resolve(p)
	if err != nil || c.Source != SourceKeyring || c.Secret != "from-keyring" || !strings.Contains(c.Warning, "different secrets in the OS keyring and in the config file") {
		t.Fatalf("keyring: %v %v warning=%q", c, err, c.Warning)
	}
	if d := Disagreements(p, c); len(d) != 1 || !strings.Contains(d[0], "config file holds a different plain-text secret") {
		t.Errorf("disagreements %q", d)
	}
	same := *p
	same.InsecureSecret = "from-keyring"
	if c, _ := Resolve(&same); c.Warning != "" || Disagreements(&same, c) != nil {
		t.Errorf("agreeing sources reported: %q", c.Warning)
	}
	// 2. TWILIO_* beats the keyring.
	t.Setenv("TWILIO_ACCOUNT_SID", sidB)
	t.Setenv("TWILIO_AUTH_TOKEN", "twilio-token")
	c, err = Resolve(p)
	if err != nil || c.Source != SourceEnvTwilio || c.Secret != "twilio-token" || c.AccountSID != sidB || c.Username != sidB {
		t.Fatalf("TWILIO_*: %v %v", c, err)
	}
	// 1. SIPCTL_* beats TWILIO_*; an API key pair beats the token.
	t.Setenv("SIPCTL_AUTH_TOKEN", "sipctl-token")
	c, err = Resolve(p)
	// No SIPCTL_ACCOUNT_SID: the TWILIO_ one is used.
	if err != nil || c.Source != SourceEnvSipctl || c.Secret != "sipctl-token" || c.AccountSID != sidB {
		t.Fatalf("SIPCTL_* token: %v %v", c, err)
	}
	t.Setenv("SIPCTL_ACCOUNT_SID", sidA)
	t.Setenv("SIPCTL_API_KEY", keyS)
	t.Setenv("SIPCTL_API_SECRET", "key-secret")
	c, err = Resolve(p)
	if err != nil || c.Source != SourceEnvSipctl || c.Username != keyS || c.Secret != "key-secret" || c.AccountSID != sidA {
		t.Fatalf("SIPCTL_* key: %v %v", c, err)
	}
}

func TestAPIKeyProfileUsesKeyAsUsername(t *testing.T) {
	isolate(t)
	keyring.Set(keyring.Service, KeyringKey("k"), "key-secret")
	c, err := Resolve(&config.Profile{Name: "k", Provider: config.ProviderTwilio, AccountSID: sidA, APIKeySID: keyS})
	if err != nil || c.Username != keyS || c.AccountSID != sidA || c.Secret != "key-secret" {
		t.Fatalf("%v %v", c, err)
	}
}

func TestNoCredentials(t *testing.T) {
	isolate(t)
	_, err := Resolve(&config.Profile{Name: "empty", Provider: config.ProviderTwilio, AccountSID: sidA})
	if !errors.Is(err, ErrNoCredentials) || !strings.Contains(err.Error(), `profile "empty"`) {
		t.Fatalf("err = %v", err)
	}
	_, err = Resolve(nil)
	if !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("nil profile: %v", err)
	}
}

func TestSandboxNeedsNoSecret(t *testing.T) {
	isolate(t)
	t.Setenv("TWILIO_ACCOUNT_SID", sidA)
	t.Setenv("TWILIO_AUTH_TOKEN", "x")
	c, err := Resolve(&config.Profile{Name: "sandbox", Provider: config.ProviderSandbox})
	if err != nil || c.Source != SourceSandbox || c.Secret != "" {
		t.Fatalf("%v %v", c, err)
	}
}

func TestKeyringFailuresPropagate(t *testing.T) {
	isolate(t)
	p := &config.Profile{Name: "acme", Provider: config.ProviderTwilio, AccountSID: sidA}

	gokeyring.MockInitWithError(errors.New("dbus: connection refused"))
	_, err := Resolve(p)
	if !errors.Is(err, keyring.ErrUnavailable) || errors.Is(err, ErrNoCredentials) {
		t.Fatalf("unavailable must propagate, not read as logged out: %v", err)
	}

	gokeyring.MockInitWithError(fmt.Errorf("call: %w", errTimeoutLike{}))
	_, err = Resolve(p)
	if !errors.Is(err, keyring.ErrTimeout) {
		t.Fatalf("timeout must propagate: %v", err)
	}
	// Even with a plain-text fallback, a keyring that times out might hold
	// the real secret: fail rather than guess.
	p.InsecureSecret = "plain"
	if _, err = Resolve(p); !errors.Is(err, keyring.ErrTimeout) {
		t.Fatalf("timeout with insecure entry: %v", err)
	}
	// No keyring at all on this machine and an explicit insecure choice:
	// that choice is used, with its warning.
	gokeyring.MockInitWithError(errors.New("The name org.freedesktop.secrets was not provided"))
	c, err := Resolve(p)
	if err != nil || c.Source != SourceInsecureConfig || c.Warning == "" {
		t.Fatalf("unavailable with insecure entry: %v %v", c, err)
	}
}

type errTimeoutLike struct{}

func (errTimeoutLike) Error() string { return "i/o timeout" }
func (errTimeoutLike) Timeout() bool { return true }

func TestIncompleteEnvironmentIsAnError(t *testing.T) {
	isolate(t)
	p := &config.Profile{Name: "x", Provider: config.ProviderTwilio}
	t.Setenv("TWILIO_AUTH_TOKEN", "tok")
	if _, err := Resolve(p); err == nil || !strings.Contains(err.Error(), "set TWILIO_ACCOUNT_SID") || strings.Contains(err.Error(), "tok") {
		t.Fatalf("missing SID: %v", err)
	}
	t.Setenv("TWILIO_AUTH_TOKEN", "")
	t.Setenv("TWILIO_ACCOUNT_SID", sidA)
	t.Setenv("TWILIO_API_SECRET", "sec")
	if _, err := Resolve(p); err == nil || !strings.Contains(err.Error(), "without TWILIO_API_KEY") {
		t.Fatalf("secret without key: %v", err)
	}
}

func TestCredentialsNeverFormatTheSecret(t *testing.T) {
	c := Credentials{AccountSID: sidA, Username: sidA, Secret: "hunter2", Source: SourceKeyring}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c)} {
		if strings.Contains(s, "hunter2") {
			t.Fatalf("secret formatted: %s", s)
		}
	}
}

func TestConfigureKeyring(t *testing.T) {
	isolate(t)
	t.Cleanup(func() { keyring.SetTimeout(0) })
	if err := ConfigureKeyring(&config.Config{KeyringTimeout: "9s"}); err != nil || KeyringTimeout().String() != "9s" {
		t.Fatalf("config: %v %v", KeyringTimeout(), err)
	}
	t.Setenv("SIPCTL_KEYRING_TIMEOUT", "250ms")
	if err := ConfigureKeyring(&config.Config{KeyringTimeout: "9s"}); err != nil || KeyringTimeout().String() != "250ms" {
		t.Fatalf("env wins: %v %v", KeyringTimeout(), err)
	}
	t.Setenv("SIPCTL_KEYRING_TIMEOUT", "later")
	if err := ConfigureKeyring(nil); err == nil {
		t.Fatal("bad value accepted")
	}
}
