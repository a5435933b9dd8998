package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/sipctl/sipctl/internal/twilio"
)

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		args    string
		wantErr string
		check   func(*ServeOptions) bool
	}{
		{"", "", func(o *ServeOptions) bool { return o.HTTPAddr == "127.0.0.1:8080" && o.SIPAddr == "127.0.0.1:5060" }},
		{"--http-addr [::1]:0 --sip-addr localhost:5070", "", func(o *ServeOptions) bool { return o.HTTPAddr == "[::1]:0" }},
		{"--http-addr 0.0.0.0:8080", "not a loopback address", nil},
		{"--sip-addr :5060", "not a loopback address", nil},
		{"--http-addr 0.0.0.0:8080 --sip-addr 192.0.2.1:5060 --listen-any", "", func(o *ServeOptions) bool { return o.ListenAny }},
		{"--sip-addr ''", "", func(o *ServeOptions) bool { return o.SIPAddr == "" }},
		{"--http-addr 8080", "expected host:port", nil},
		{"--fail-rate 1.5", "--fail-rate", nil},
		{"--max-concurrency -1", "--max-concurrency", nil},
		{"--latency 150ms --max-concurrency 100 --fail-rate 0.01", "", func(o *ServeOptions) bool {
			return o.Latency == 150*time.Millisecond && o.MaxConcurrency == 100 && o.FailRate == 0.01
		}},
	} {
		t.Run(tc.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *ServeOptions
			cmd := NewCmdServe(&cmdutil.Factory{IOStreams: ios}, func(o *ServeOptions) error { got = o; return nil })
			args := strings.Fields(tc.args)
			if tc.args == "--sip-addr ''" {
				args = []string{"--sip-addr", ""}
			}
			cmd.SetArgs(args)
			cmd.SetOut(&strings.Builder{})
			cmd.SetErr(&strings.Builder{})
			err := cmd.Execute()
			if tc.wantErr != "" {
				var fe *cmdutil.FlagError
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.As(err, &fe) {
					t.Fatalf("err = %v, want a usage error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got == nil || !tc.check(got) {
				t.Fatalf("err = %v, options = %+v", err, got)
			}
		})
	}
}

// startServe runs ServeRun on free loopback ports in dir until the test ends.
func startServe(t *testing.T, dir string) (httpAddr, sipAddr string) {
	t.Helper()
	ios, _, _, stderr := iostreams.Test()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan [2]string, 1)
	done := make(chan error, 1)
	opts := &ServeOptions{
		IO:       ios,
		StateDir: func() (string, error) { return dir, nil },
		HTTPAddr: "127.0.0.1:0",
		SIPAddr:  "127.0.0.1:0",
		Ready:    func(h, s string) { ready <- [2]string{h, s} },
	}
	go func() { done <- ServeRun(ctx, opts) }()
	select {
	case a := <-ready:
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("ServeRun: %v", err)
			}
			if strings.Contains(stderr.String(), "level=ERROR") {
				t.Errorf("serve logged errors:\n%s", stderr)
			}
		})
		return a[0], a[1]
	case err := <-done:
		cancel()
		t.Fatalf("ServeRun ended before serving: %v", err)
	}
	return "", ""
}

func client(t *testing.T, sb *sandbox.Sandbox, baseURL string, rt http.RoundTripper) *twilio.Client {
	t.Helper()
	sid, tok := sb.Account()
	c, err := twilio.New(twilio.Options{BaseURL: baseURL, AccountSID: sid, Secret: tok, HTTPClient: &http.Client{Transport: rt}, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

// An account created in-process (as any sipctl command does) registers at
// once with the registrar of a running `sandbox serve` on the same database.
func TestServeSharesDatabaseWithInProcessUse(t *testing.T) {
	dir := t.TempDir()
	httpAddr, sipAddr := startServe(t, dir)

	rec, ok := sandbox.RunningServer(dir)
	if !ok || rec.HTTPAddr != httpAddr || rec.SIPAddr != sipAddr || rec.PID != os.Getpid() {
		t.Fatalf("serve record = %+v, %v; want %s and %s", rec, ok, httpAddr, sipAddr)
	}
	_, port, _ := net.SplitHostPort(httpAddr)
	if info, err := os.Stat(filepath.Join(dir, fmt.Sprintf("sandbox-serve-%d-%s.json", os.Getpid(), port))); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("serve record mode: %v %v", info, err)
	}

	// Another "process": its own Sandbox on the same directory, in-process.
	sb, err := sandbox.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	ctx := context.Background()
	local := client(t, sb, "http://localhost", sb.RoundTripper())
	d, err := local.CreateDomain(ctx, provider.DomainParams{DomainName: ptr("e2e.sip.twilio.com"), SIPRegistration: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	l, err := local.CreateCredentialList(ctx, "e2e-users")
	if err != nil {
		t.Fatal(err)
	}
	const password = "Registrar-Pass-2024x"
	if _, err := local.CreateCredential(ctx, l.SID, "alice", password); err != nil {
		t.Fatal(err)
	}
	if _, err := local.AttachCredentialList(ctx, d.SID, provider.ForRegistrations, l.SID); err != nil {
		t.Fatal(err)
	}

	// The served API sees what the in-process client wrote.
	remote := client(t, sb, "http://"+httpAddr, http.DefaultTransport)
	got, err := remote.GetDomain(ctx, d.SID)
	if err != nil || got.DomainName != "e2e.sip.twilio.com" {
		t.Fatalf("served GetDomain = %+v, %v", got, err)
	}

	for _, tr := range []string{"udp", "tcp"} {
		res, err := sip.Check(ctx, sip.CheckOptions{Username: "alice", Password: password, Domain: "e2e.sip.twilio.com",
			Registrar: sipAddr, Transport: tr, Timeout: 5 * time.Second})
		if err != nil || res.Outcome != sip.Accepted {
			t.Fatalf("%s REGISTER with the right password: %+v, %v", tr, res, err)
		}
		res, err = sip.Check(ctx, sip.CheckOptions{Username: "alice", Password: "Wrong-Pass-2024x", Domain: "e2e.sip.twilio.com",
			Registrar: sipAddr, Transport: tr, Timeout: 5 * time.Second})
		if err != nil || res.Outcome != sip.Rejected || res.StatusCode != 403 {
			t.Fatalf("%s REGISTER with a wrong password: %+v, %v", tr, res, err)
		}
	}
	res, err := sip.Check(ctx, sip.CheckOptions{Username: "bob", Password: password, Domain: "e2e.sip.twilio.com",
		Registrar: sipAddr, Transport: "udp", Timeout: 5 * time.Second})
	if err != nil || res.Outcome != sip.Rejected || res.StatusCode != 404 {
		t.Fatalf("REGISTER for an unknown user: %+v, %v", res, err)
	}
}

func TestServeRefusesBusyPort(t *testing.T) {
	dir := t.TempDir()
	httpAddr, _ := startServe(t, dir)
	ios, _, _, _ := iostreams.Test()
	err := ServeRun(context.Background(), &ServeOptions{
		IO: ios, StateDir: func() (string, error) { return dir, nil }, HTTPAddr: httpAddr,
	})
	var he *cmdutil.HintError
	if err == nil || !errors.As(err, &he) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want one line with a hint", err)
	}
}
