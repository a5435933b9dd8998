package verify

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/cmd/sandbox/serve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/sip"
)

var sandboxProfile = &config.Profile{Name: "sandbox", Provider: config.ProviderSandbox}

// startServe runs a real `sandbox serve` on free loopback ports in dir.
func startServe(t *testing.T, dir string) (sipAddr string) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve.ServeRun(ctx, &serve.ServeOptions{IO: ios, StateDir: func() (string, error) { return dir, nil },
			HTTPAddr: "127.0.0.1:0", SIPAddr: "127.0.0.1:0", Ready: func(_, s string) { ready <- s }})
	}()
	select {
	case s := <-ready:
		t.Cleanup(func() { cancel(); <-done })
		return s
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	}
	return ""
}

func TestResolveFindsTheSandboxRegistrar(t *testing.T) {
	dir := t.TempDir()
	o := Options{Enabled: true, Transport: "udp"}
	err := o.Resolve(sandboxProfile, dir)
	var he *cmdutil.HintError
	if err == nil || !strings.Contains(err.Error(), "no sandbox registrar is running") || !errors.As(err, &he) ||
		!strings.Contains(he.Hint, "sipctl sandbox serve") {
		t.Fatalf("without a server: %v", err)
	}

	sipAddr := startServe(t, dir)
	o = Options{Enabled: true, Transport: "udp"}
	if err := o.Resolve(sandboxProfile, dir); err != nil || o.Registrar != sipAddr || !o.Discovered {
		t.Fatalf("with a server: %+v, %v; want %s", o, err, sipAddr)
	}

	// --registrar wins, and other providers keep DNS.
	o = Options{Enabled: true, Registrar: "127.0.0.1:5999"}
	if err := o.Resolve(sandboxProfile, dir); err != nil || o.Registrar != "127.0.0.1:5999" || o.Discovered {
		t.Fatalf("with --registrar: %+v, %v", o, err)
	}
	o = Options{Enabled: true}
	if err := o.Resolve(&config.Profile{Name: "prod", Provider: config.ProviderTwilio}, dir); err != nil || o.Registrar != "" {
		t.Fatalf("twilio profile: %+v, %v", o, err)
	}
	o = Options{}
	if err := o.Resolve(sandboxProfile, t.TempDir()); err != nil {
		t.Fatalf("without --verify: %v", err)
	}
}

// Run keeps the accounts' order and reports each outcome, against the
// registrar of a real `sandbox serve` (unknown domain: 404) and a dead port.
func TestRunOutcomesInOrder(t *testing.T) {
	sipAddr := startServe(t, t.TempDir())
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := pc.LocalAddr().String()
	pc.Close()

	accounts := make([]Account, 20)
	for i := range accounts {
		accounts[i] = Account{Username: "u" + string(rune('a'+i)), Domain: "nowhere.sip.twilio.com", Password: "Some-Password-2024x"}
	}
	res := Run(context.Background(), Options{Registrar: sipAddr, Transport: "udp", Timeout: 5 * time.Second}, accounts)
	if len(res) != len(accounts) {
		t.Fatalf("%d results for %d accounts", len(res), len(accounts))
	}
	for i, r := range res {
		if r.Outcome != sip.Rejected || r.StatusCode != 404 || r.Registrar != sipAddr {
			t.Fatalf("result %d: %+v", i, r)
		}
	}
	if d := Describe(res[0]); !strings.HasPrefix(d, "rejected (404 ") {
		t.Fatalf("Describe = %q", d)
	}
	res = Run(context.Background(), Options{Registrar: dead, Transport: "udp", Timeout: 200 * time.Millisecond}, accounts[:1])
	if res[0].Outcome != sip.NoAnswer || Describe(res[0]) != "no answer from "+dead+" within 200ms" {
		t.Fatalf("dead port: %+v", res[0])
	}
	if got := (Options{Registrar: dead, Transport: "tcp"}).CheckArgs(); got != " --registrar "+dead+" --transport tcp" {
		t.Fatalf("CheckArgs = %q", got)
	}
}
