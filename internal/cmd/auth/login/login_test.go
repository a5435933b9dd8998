package login

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/auth/authtest"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/keyring"
	"github.com/sipctl/sipctl/internal/testenv"
	gokeyring "github.com/zalando/go-keyring"
)

const (
	sid    = "AC0123456789abcdef0123456789abcdef"
	keySID = "SK0123456789abcdef0123456789abcdef"
	secret = "tok-5f2b9c0e"
)

func setup(t *testing.T) {
	t.Helper()
	testenv.NewEnv(t).Apply(t)
	gokeyring.MockInit()
}

func factory(ios *iostreams.IOStreams, profile string) *cmdutil.Factory {
	return &cmdutil.Factory{IOStreams: ios, Globals: &cmdutil.Globals{Profile: profile}, Config: config.Load}
}

func TestFlags(t *testing.T) {
	setup(t)
	for _, tc := range []struct {
		name, profile string
		args          []string
		wantErr       string
		check         func(*LoginOptions) bool
	}{
		{name: "defaults", args: []string{"--account-sid", sid, "--with-token"},
			check: func(o *LoginOptions) bool {
				return o.Profile == "default" && o.Provider == "twilio" && o.AccountSID == sid && o.WithToken && !o.InsecureStorage
			}},
		{name: "all", profile: "acme", args: []string{"--account-sid", sid, "--api-key", keySID, "--api-url", "http://127.0.0.1:8080", "--insecure-storage"},
			check: func(o *LoginOptions) bool {
				return o.Profile == "acme" && o.APIKeySID == keySID && o.APIURL == "http://127.0.0.1:8080" && o.InsecureStorage
			}},
		{name: "bad sid", args: []string{"--account-sid", "AC12"}, wantErr: "invalid --account-sid"},
		{name: "other provider", args: []string{"--provider", "kazoo"}, wantErr: `unsupported provider "kazoo"`},
		{name: "telnyx takes no sid", args: []string{"--provider", "telnyx", "--account-sid", sid}, wantErr: "a Telnyx login needs only its API key"},
		{name: "telnyx", profile: "tx", args: []string{"--provider", "telnyx", "--with-token"},
			check: func(o *LoginOptions) bool { return o.Profile == "tx" && o.Provider == "telnyx" && o.WithToken }},
		{name: "sandbox name", profile: "sandbox", args: []string{"--account-sid", sid}, wantErr: "reserved for the built-in sandbox"},
		{name: "bad name", profile: "a b", args: []string{"--account-sid", sid}, wantErr: "invalid profile name"},
		{name: "plain http off loopback", args: []string{"--account-sid", sid, "--api-url", "http://example.com"}, wantErr: "refusing plain http"},
		{name: "no secret flag", args: []string{"--token", "x"}, wantErr: "unknown flag: --token"},
		{name: "kamailio", profile: "pbx", args: []string{"--provider", "kamailio", "--db-url", "postgres://kamailio@db.example.com/kamailio",
			"--rpc-url", "http://127.0.0.1:5071/RPC", "--registrar", "sip.example.com:5060", "--store-plaintext", "--with-token"},
			check: func(o *LoginOptions) bool {
				return o.Provider == "kamailio" && o.DBURL == "postgres://kamailio@db.example.com/kamailio" && o.RPCURL == "http://127.0.0.1:5071/RPC" &&
					o.Registrar == "sip.example.com:5060" && o.StorePlaintext && o.WithToken && !o.RPCAllowHTTP
			}},
		{name: "kamailio password in URL", args: []string{"--provider", "kamailio", "--db-url", "mysql://kamailio:pw@db/kamailio"}, wantErr: "refusing a database URL with a password"},
		{name: "kamailio remote http", args: []string{"--provider", "kamailio", "--rpc-url", "http://10.1.2.3:5071/RPC"}, wantErr: "--rpc-allow-http"},
		{name: "kamailio remote http opted in", args: []string{"--provider", "kamailio", "--rpc-url", "http://10.1.2.3:5071/RPC", "--rpc-allow-http"},
			check: func(o *LoginOptions) bool { return o.RPCAllowHTTP }},
		{name: "kamailio bad registrar", args: []string{"--provider", "kamailio", "--registrar", "sip.example.com"}, wantErr: "expected HOST:PORT"},
		{name: "kamailio with a twilio flag", args: []string{"--provider", "kamailio", "--account-sid", sid}, wantErr: "--account-sid is for Twilio"},
		{name: "twilio with a kamailio flag", args: []string{"--account-sid", sid, "--db-url", "sqlite:///x.db"}, wantErr: "--db-url is for --provider kamailio"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *LoginOptions
			cmd := NewCmdLogin(factory(ios, tc.profile), func(o *LoginOptions) error { got = o; return nil })
			cmd.SetArgs(tc.args)
			cmd.SetOut(ios.ErrOut)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got == nil || !tc.check(got) {
				t.Fatalf("err %v, opts %+v", err, got)
			}
		})
	}
}

func run(t *testing.T, opts *LoginOptions, stdin string) (string, string, error) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	opts.IO = ios
	opts.Config = config.Load
	if opts.Profile == "" {
		opts.Profile = "default"
	}
	if opts.Provider == "" {
		opts.Provider = "twilio"
	}
	err := loginRun(context.Background(), opts)
	return out.String(), errOut.String(), err
}

func TestLoginStoresSecretInKeyringOnly(t *testing.T) {
	setup(t)
	srv := authtest.NewServer(t, sid, sid, secret, "Acme Corp")
	out, errOut, err := run(t, &LoginOptions{Profile: "acme", AccountSID: sid, APIURL: srv.URL, WithToken: true}, secret+"\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := `Logged in to ` + sid + ` (Acme Corp) as profile "acme"`; !strings.Contains(out, want) {
		t.Errorf("stdout %q lacks %q", out, want)
	}
	if !strings.Contains(errOut, "key profile:acme") {
		t.Errorf("stderr %q", errOut)
	}
	if strings.Contains(out+errOut, secret) || strings.Contains(out+errOut, "must-not-keep") {
		t.Errorf("secret printed: %q %q", out, errOut)
	}
	if got, err := keyring.Get(keyring.Service, "profile:acme"); err != nil || got != secret {
		t.Fatalf("keyring = %q, %v", got, err)
	}
	data, err := os.ReadFile(config.ConfigFile())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), secret) || strings.Contains(string(data), "must-not-keep") {
		t.Errorf("secret in config file:\n%s", data)
	}
	info, _ := os.Stat(config.ConfigFile())
	if info.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v", info.Mode())
	}
	cfg, _ := config.Load()
	p := cfg.Profiles["acme"]
	if p == nil || p.AccountSID != sid || p.APIURL != srv.URL || p.InsecureSecret != "" || cfg.CurrentProfile != "acme" {
		t.Fatalf("config %+v current %q", p, cfg.CurrentProfile)
	}
	if srv.Calls.Load() != 1 {
		t.Errorf("%d API calls, want 1", srv.Calls.Load())
	}
}

func TestLoginWithAPIKey(t *testing.T) {
	setup(t)
	srv := authtest.NewServer(t, sid, keySID, "key-secret", "Acme")
	if _, _, err := run(t, &LoginOptions{AccountSID: sid, APIKeySID: keySID, APIURL: srv.URL, WithToken: true}, "key-secret"); err != nil {
		t.Fatal(err)
	}
	cfg, _ := config.Load()
	if p := cfg.Profiles["default"]; p.APIKeySID != keySID {
		t.Fatalf("profile %+v", p)
	}
}

func TestWrongCredentialsSaveNothing(t *testing.T) {
	setup(t)
	srv := authtest.NewServer(t, sid, sid, "the-right-one", "Acme")
	_, _, err := run(t, &LoginOptions{AccountSID: sid, APIURL: srv.URL, WithToken: true}, "a-wrong-one\n")
	var authErr *cmdutil.AuthError
	if !errors.As(err, &authErr) || !strings.Contains(err.Error(), "provider refused the credentials") || !strings.Contains(err.Error(), "nothing saved") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "a-wrong-one") {
		t.Errorf("secret in error: %v", err)
	}
	if _, err := keyring.Get(keyring.Service, "profile:default"); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("keyring written: %v", err)
	}
	if _, err := os.Stat(config.ConfigFile()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("config written: %v", err)
	}
}

func TestEmptyTokenIsRefusedBeforeAnyCall(t *testing.T) {
	setup(t)
	srv := authtest.NewServer(t, sid, sid, secret, "Acme")
	_, _, err := run(t, &LoginOptions{AccountSID: sid, APIURL: srv.URL, WithToken: true}, " \n")
	var flagErr *cmdutil.FlagError
	if !errors.As(err, &flagErr) || !strings.Contains(err.Error(), "standard input was empty") {
		t.Fatalf("err = %v", err)
	}
	if srv.Calls.Load() != 0 {
		t.Errorf("API called with an empty secret")
	}
}

func TestNoTerminalNoWithToken(t *testing.T) {
	setup(t)
	_, _, err := run(t, &LoginOptions{AccountSID: sid}, secret)
	if err == nil || !strings.Contains(err.Error(), "--with-token") {
		t.Fatalf("err = %v", err)
	}
	_, _, err = run(t, &LoginOptions{WithToken: true}, secret)
	if err == nil || !strings.Contains(err.Error(), "--account-sid is required") {
		t.Fatalf("missing SID: %v", err)
	}
}

func TestNoKeyringLaysOutChoicesAndSavesNothing(t *testing.T) {
	for name, cause := range map[string]error{
		"unavailable": errors.New("The name org.freedesktop.secrets was not provided by any .service files"),
		"timeout":     context.DeadlineExceeded,
	} {
		t.Run(name, func(t *testing.T) {
			setup(t)
			gokeyring.MockInitWithError(cause)
			srv := authtest.NewServer(t, sid, sid, secret, "Acme")
			_, _, err := run(t, &LoginOptions{AccountSID: sid, APIURL: srv.URL, WithToken: true}, secret)
			var hint *cmdutil.HintError
			if !errors.As(err, &hint) || !strings.Contains(err.Error(), "nothing saved") {
				t.Fatalf("err = %v", err)
			}
			want := map[string]error{"unavailable": keyring.ErrUnavailable, "timeout": keyring.ErrTimeout}[name]
			if !errors.Is(err, want) {
				t.Errorf("err %v is not %v", err, want)
			}
			for _, choice := range []string{"Secret Service", "sipctl help environment", "--insecure-storage"} {
				if !strings.Contains(hint.Hint, choice) {
					t.Errorf("hint lacks %q: %s", choice, hint.Hint)
				}
			}
			if _, err := os.Stat(config.ConfigFile()); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("config written without a stored secret")
			}
		})
	}
}

func TestInsecureStorageIsExplicitAndWarned(t *testing.T) {
	setup(t)
	gokeyring.MockInitWithError(errors.New("no D-Bus session"))
	srv := authtest.NewServer(t, sid, sid, secret, "Acme")
	_, errOut, err := run(t, &LoginOptions{AccountSID: sid, APIURL: srv.URL, WithToken: true, InsecureStorage: true}, secret)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "plain text") {
		t.Errorf("no warning: %q", errOut)
	}
	info, _ := os.Stat(config.ConfigFile())
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", info.Mode())
	}
	cfg, _ := config.Load()
	if cfg.Profiles["default"].InsecureSecret != secret {
		t.Fatalf("insecure secret not stored")
	}
}

func TestReloginWithKeyringDropsInsecureEntry(t *testing.T) {
	setup(t)
	srv := authtest.NewServer(t, sid, sid, secret, "Acme")
	if _, _, err := run(t, &LoginOptions{AccountSID: sid, APIURL: srv.URL, WithToken: true, InsecureStorage: true}, secret); err != nil {
		t.Fatal(err)
	}
	// Second login: SID and URL come from the profile.
	if _, _, err := run(t, &LoginOptions{WithToken: true}, secret); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(config.ConfigFile())
	if strings.Contains(string(data), secret) {
		t.Fatalf("plain-text secret left behind:\n%s", data)
	}
	if got, _ := keyring.Get(keyring.Service, "profile:default"); got != secret {
		t.Fatalf("keyring %q", got)
	}
}

func TestUnreachableAPISavesNothing(t *testing.T) {
	setup(t)
	_, _, err := run(t, &LoginOptions{AccountSID: sid, APIURL: "http://127.0.0.1:1", WithToken: true}, secret)
	if err == nil || !strings.Contains(err.Error(), "could not verify") || !strings.Contains(err.Error(), "nothing saved") {
		t.Fatalf("err = %v", err)
	}
	if _, err := keyring.Get(keyring.Service, "profile:default"); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("keyring written: %v", err)
	}
}

// A flag that belongs to another provider's login is refused before any
// request, whichever provider is chosen; an unknown provider names those
// that log in.
func TestOtherProvidersFlagsAreRefused(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--provider", "telnyx", "--db-url", "sqlite:///x.db"}, "--db-url is for --provider kamailio or asterisk"},
		{[]string{"--provider", "kamailio", "--db-url", "sqlite:///x.db", "--space", "acme"}, "--space is for --provider signalwire"},
		{[]string{"--provider", "asterisk", "--auth-id", "MA1"}, "--auth-id is for --provider plivo"},
		{[]string{"--provider", "twilio", "--ami", "127.0.0.1:5038"}, "--ami is for --provider asterisk"},
		{[]string{"--provider", "bogus"}, "unsupported provider \"bogus\": asterisk, kamailio, plivo, signalwire, telnyx, twilio log in"},
	} {
		ios, _, _, _ := iostreams.Test()
		ran := false
		cmd := NewCmdLogin(&cmdutil.Factory{IOStreams: ios, Config: config.Load, Globals: &cmdutil.Globals{}}, func(*LoginOptions) error { ran = true; return nil })
		cmd.SetArgs(tc.args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.Execute()
		var fe *cmdutil.FlagError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.want) || ran {
			t.Errorf("%v: err = %v (ran %v), want a usage error with %q", tc.args, err, ran, tc.want)
		}
	}
}
