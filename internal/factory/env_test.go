package factory

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/testenv"
)

// catcher is a loopback listener that counts connections: the proxy every
// provider's HTTPS request goes through (HTTPS_PROXY) and the URL the
// environment's API and RPC variables name, so "sends nothing" is counted.
type catcher struct {
	ln       net.Listener
	mu       sync.Mutex
	accepted int
	marker   chan struct{}
}

func newCatcher(t *testing.T) *catcher {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &catcher{ln: ln, marker: make(chan struct{}, 1)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 6)
			n, _ := io.ReadFull(conn, buf)
			conn.Close()
			if string(buf[:n]) == "marker" {
				c.marker <- struct{}{}
				continue
			}
			c.mu.Lock()
			c.accepted++
			c.mu.Unlock()
		}
	}()
	return c
}

// connections is how many connections arrived before now: a marker
// connection is accepted after every earlier one (the backlog is FIFO).
func (c *catcher) connections(t *testing.T) int {
	t.Helper()
	conn, err := net.Dial("tcp", c.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn.Write([]byte("marker"))
	conn.Close()
	<-c.marker
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.accepted
}

// envCase is one environment that names a provider but does not select one.
type envCase struct {
	name string
	vars map[string]string
	// want is in the error line: what is set, or "no provider configured".
	want []string
}

// halfCredentialCases are built from the registry, so every provider
// registered later is covered: each of its variables alone (unless it
// selects the provider by itself), SIPCTL_PROVIDER=<name> alone, each of
// its sets with one partner missing; SIPCTL_API_URL alone; CI=true with
// nothing set.
func halfCredentialCases(value func(name string) string) []envCase {
	var cases []envCase
	seen := map[string]bool{}
	add := func(c envCase) {
		if !seen[c.name] {
			seen[c.name] = true
			cases = append(cases, c)
		}
	}
	one := func(names ...string) envCase {
		c := envCase{name: strings.Join(names, "+"), vars: map[string]string{}}
		for _, n := range names {
			k, v, ok := strings.Cut(n, "=")
			if !ok {
				v = value(k)
			}
			c.vars[k] = v
			c.want = append(c.want, n)
		}
		return c
	}
	for _, name := range Registered() {
		info, _ := Lookup(name)
		spec := info.Env
		selectsAlone := func(v string) bool {
			return slices.ContainsFunc(spec.Sets, func(set []string) bool { return len(set) == 1 && set[0] == v })
		}
		for _, v := range spec.Vars {
			if !selectsAlone(v.Name) {
				add(one(v.Name))
			}
		}
		if len(spec.Sets) > 0 {
			add(one(config.EnvProvider + "=" + name))
		}
		for _, set := range spec.Sets {
			if len(set) < 2 {
				continue
			}
			for i := range set {
				rest := slices.Delete(slices.Clone(set), i, i+1)
				add(one(rest...))
			}
		}
	}
	add(one(config.EnvAPIURL))
	add(envCase{name: "CI=true", vars: map[string]string{"CI": "true"}, want: []string{"no provider configured"}})
	return cases
}

// TestHalfCredentialsExit4 is issue 19's proof through the built binary in
// a clean environment: an environment that names a provider without all it
// needs, or CI with nothing named, exits 4 before any request, naming what
// is set, and never creates the sandbox's store.
func TestHalfCredentialsExit4(t *testing.T) {
	catch := newCatcher(t)
	addr := catch.ln.Addr().String()
	root := t.TempDir()
	kamDB := filepath.Join(root, "kamailio.db")
	value := func(name string) string {
		switch {
		case strings.HasSuffix(name, "_URL") && name != "SIPCTL_DB_URL":
			return "http://" + addr
		case name == "SIPCTL_DB_URL":
			return "sqlite://" + kamDB
		case name == "SIPCTL_REGISTRAR":
			return addr
		case strings.HasSuffix(name, "ACCOUNT_SID"):
			return "AC0123456789abcdef0123456789abcdef"
		}
		return "half-" + strings.ToLower(name)
	}
	cases := halfCredentialCases(value)
	if len(cases) < 20 {
		t.Fatalf("only %d cases from the registry: %v", len(cases), Registered())
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := testenv.NewEnv(t)
			for _, k := range []string{"HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"} {
				env.Set(k, "http://"+addr)
			}
			env.Set("NO_PROXY", "").Set("no_proxy", "")
			for k, v := range tc.vars {
				env.Set(k, v)
			}
			before := catch.connections(t)
			_, errOut, code := env.Run(t, "", "domains", "list")
			if code != 4 {
				t.Errorf("exit %d, want 4\n%s", code, errOut)
			}
			line, _, _ := strings.Cut(errOut, "\n")
			for _, w := range tc.want {
				if !strings.Contains(line, w) {
					t.Errorf("the error does not name %s:\n%s", w, errOut)
				}
			}
			if !strings.HasPrefix(errOut, "error: ") || !strings.Contains(errOut, "\nhint: ") || strings.Count(errOut, "\n") != 2 {
				t.Errorf("want one error line and one hint:\n%s", errOut)
			}
			if strings.Contains(errOut, "sandbox (") {
				t.Errorf("the sandbox note printed:\n%s", errOut)
			}
			if n := catch.connections(t) - before; n != 0 {
				t.Errorf("%d connections made", n)
			}
			// Commands that fill a missing --domain from the profile report
			// the profile's error, not the domain it would have given.
			for _, args := range [][]string{{"accounts", "list"}, {"accounts", "show", "bob"}, {"accounts", "delete", "bob", "--yes"}} {
				if _, errOut, code := env.Run(t, "", args...); code != 4 {
					t.Errorf("%v: exit %d, want 4\n%s", args, code, errOut)
				}
			}
			if n := catch.connections(t) - before; n != 0 {
				t.Errorf("%d connections made", n)
			}
			if _, err := os.Stat(filepath.Join(env.StateHome, "sipctl", sandbox.DBName)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the sandbox store was created (%v)", err)
			}
			if _, err := os.Stat(kamDB); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the Kamailio database was created (%v)", err)
			}
		})
	}
}

// clearEnv empties every variable a provider reads, and CI.
func clearEnv(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	for _, k := range []string{"CI", "SIPCTL_PROFILE", "SIPCTL_CONFIG_DIR", "SIPCTL_STATE_DIR", config.EnvProvider, config.EnvAPIURL} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	for _, spec := range config.EnvSpecs() {
		for _, v := range spec.Vars {
			t.Setenv(v.Name, "")
			os.Unsetenv(v.Name)
		}
	}
}

// What the environment selects, in-process: complete sets choose their
// provider, the message names the closest set's missing partner, and a
// named profile is never second-guessed.
func TestEnvironmentSelectsProvider(t *testing.T) {
	for _, tc := range []struct {
		name     string
		vars     map[string]string
		profile  string // --profile
		provider string // want; "" for an error
		errWant  string
	}{
		{name: "nothing", provider: config.ProviderSandbox},
		{name: "twilio token", vars: map[string]string{"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"}, provider: config.ProviderTwilio},
		{name: "twilio key", vars: map[string]string{"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_API_KEY": "SK1", "TWILIO_API_SECRET": "s"}, provider: config.ProviderTwilio},
		{name: "mixed prefixes", vars: map[string]string{"TWILIO_ACCOUNT_SID": "AC1", "SIPCTL_AUTH_TOKEN": "t"}, provider: config.ProviderTwilio},
		{name: "telnyx", vars: map[string]string{"TELNYX_API_KEY": "k"}, provider: config.ProviderTelnyx},
		{name: "kamailio", vars: map[string]string{"SIPCTL_PROVIDER": "kamailio", "SIPCTL_DB_URL": "sqlite:///x.db"}, provider: config.ProviderKamailio},
		{name: "sandbox by name", vars: map[string]string{"SIPCTL_PROVIDER": "sandbox", "SIPCTL_API_URL": "http://127.0.0.1:1"}, provider: config.ProviderSandbox},
		{name: "CI with sandbox named", vars: map[string]string{"CI": "true"}, profile: "sandbox", provider: config.ProviderSandbox},
		{name: "SIPCTL_PROVIDER picks among two", vars: map[string]string{"SIPCTL_PROVIDER": "telnyx", "TELNYX_API_KEY": "k", "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"}, provider: config.ProviderTelnyx},

		{name: "sid alone", vars: map[string]string{"TWILIO_ACCOUNT_SID": "AC1"}, errWant: "TWILIO_ACCOUNT_SID is set but TWILIO_AUTH_TOKEN is not"},
		{name: "empty token", vars: map[string]string{"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": ""}, errWant: "TWILIO_ACCOUNT_SID is set but TWILIO_AUTH_TOKEN is empty"},
		{name: "key without secret", vars: map[string]string{"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_API_KEY": "SK1"}, errWant: "TWILIO_ACCOUNT_SID and TWILIO_API_KEY are set but TWILIO_API_SECRET is not"},
		{name: "telnyx by name without key", vars: map[string]string{"SIPCTL_PROVIDER": "telnyx"}, errWant: "SIPCTL_PROVIDER=telnyx is set but TELNYX_API_KEY is not"},
		{name: "db url alone", vars: map[string]string{"SIPCTL_DB_URL": "sqlite:///x.db"}, errWant: "SIPCTL_DB_URL is set but SIPCTL_PROVIDER=kamailio is not"},
		{name: "unknown provider", vars: map[string]string{"SIPCTL_PROVIDER": "nope"}, errWant: "SIPCTL_PROVIDER=nope names no provider"},
		{name: "two providers", vars: map[string]string{"TELNYX_API_KEY": "k", "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"}, errWant: "describes 2 providers"},
		{name: "api url alone", vars: map[string]string{"SIPCTL_API_URL": "http://127.0.0.1:1"}, errWant: "SIPCTL_API_URL is set but no provider is"},
		{name: "CI", vars: map[string]string{"CI": "true"}, errWant: "no provider configured"},
		// A named profile is what the user chose: half a set of variables
		// does not overrule it.
		{name: "named profile", vars: map[string]string{"TWILIO_ACCOUNT_SID": "AC1"}, profile: "sandbox", provider: config.ProviderSandbox},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tc.vars {
				t.Setenv(k, v)
			}
			ios, _, _, _ := iostreams.Test()
			f := New(ios)
			f.Globals.Profile = tc.profile
			p, err := f.Profile()
			if tc.errWant != "" {
				var ee *config.EnvError
				if !errors.As(err, &ee) || !strings.Contains(err.Error(), tc.errWant) || ee.Hint == "" {
					t.Fatalf("got %+v, %v; want an EnvError with %q", p, err, tc.errWant)
				}
				return
			}
			if err != nil || p.Provider != tc.provider {
				t.Fatalf("got %+v, %v; want %s", p, err, tc.provider)
			}
		})
	}
}

// A partner may come from the current profile of the same provider (its
// account SID, its database), never from another provider's.
func TestEnvironmentCompletesCurrentProfile(t *testing.T) {
	clearEnv(t)
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg.SetProfile(&config.Profile{Name: "acme", Provider: config.ProviderTwilio, AccountSID: "AC0123456789abcdef0123456789abcdef"})
	cfg.CurrentProfile = "acme"
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TWILIO_AUTH_TOKEN", "t")
	cfg, _ = config.Load()
	if p, err := cfg.ActiveProfile(""); err != nil || p.Name != "acme" {
		t.Fatalf("token with the current profile's SID: %+v %v", p, err)
	}
	t.Setenv("SIPCTL_DB_URL", "sqlite:///x.db")
	if _, err := cfg.ActiveProfile(""); err == nil || !strings.Contains(err.Error(), "SIPCTL_DB_URL is set but SIPCTL_PROVIDER=kamailio is not") {
		t.Fatalf("kamailio's variable with a twilio profile: %v", err)
	}
}
