package factory

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/testenv"
)

// The sandbox profile pointed at a serve (SIPCTL_API_URL) keeps a
// connection per request in flight: rounds of concurrent requests reuse
// them instead of dialing anew (http.DefaultTransport kept two, so a bulk
// run re-dialed for most requests).
func TestSandboxServeClientReusesConnections(t *testing.T) {
	dir := t.TempDir()
	for _, k := range []string{"SIPCTL_PROFILE", "SIPCTL_CONFIG_DIR", "SIPCTL_STATE_DIR", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"} {
		t.Setenv(k, "")
	}
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	sb, err := sandbox.OpenServer(filepath.Join(dir, "state", "sipctl"))
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	var dials atomic.Int64
	srv := httptest.NewUnstartedServer(sb.HandlerWith(sandbox.HandlerOptions{Latency: 20 * time.Millisecond}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	t.Setenv("SIPCTL_API_URL", srv.URL)
	t.Setenv("SIPCTL_PROVIDER", "sandbox")

	ios, _, _, _ := iostreams.Test()
	f := New(ios)
	defer Close(f)
	p, err := f.Provider()
	if err != nil {
		t.Fatal(err)
	}
	doms, ok := p.(provider.Domains)
	if !ok {
		t.Fatal("the sandbox provider has no domains")
	}
	const inFlight, rounds = 20, 5
	for range rounds {
		var wg sync.WaitGroup
		for range inFlight {
			wg.Go(func() {
				for _, err := range doms.ListDomains(context.Background()) {
					if err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
	}
	if n := dials.Load(); n > inFlight {
		t.Fatalf("%d connections dialed for %d rounds of %d requests at once, want at most %d", n, rounds, inFlight, inFlight)
	}
}

// The sandbox note prints once per process, only when a request is about
// to be sent (not before a refused flag or file), and never with -q.
func TestSandboxNoteOnceBeforeTheFirstRequest(t *testing.T) {
	env := testenv.NewEnv(t)
	const note = "note: working against the local sandbox"
	_, errOut, code := env.Run(t, "", "accounts", "create", "--from-file", filepath.Join(t.TempDir(), "missing.csv"), "--domain", "office", "--output", filepath.Join(t.TempDir(), "h.csv"))
	if code == 0 || strings.Contains(errOut, note) {
		t.Errorf("a refused file: exit %d, and the note printed:\n%s", code, errOut)
	}
	if _, errOut, code := env.Run(t, "", "domains", "create", "office", "--sip-registration"); code != 0 || strings.Count(errOut, note) != 1 {
		t.Errorf("domains create: exit %d, want one note:\n%s", code, errOut)
	}
	// Several requests (the domain, its lists, the account): one note.
	if _, errOut, code := env.Run(t, "", "accounts", "create", "alice", "--domain", "office"); code != 0 || strings.Count(errOut, note) != 1 {
		t.Errorf("accounts create: exit %d, want one note:\n%s", code, errOut)
	}
	if _, errOut, code := env.Run(t, "", "-q", "accounts", "list", "--domain", "office"); code != 0 || strings.Contains(errOut, note) {
		t.Errorf("-q: exit %d, the note printed:\n%s", code, errOut)
	}
}
