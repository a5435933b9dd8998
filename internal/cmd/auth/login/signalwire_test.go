package login

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/keyring"
	"github.com/sipctl/sipctl/internal/sandbox"
)

func runSignalWire(t *testing.T, opts *LoginOptions, stdin string) (string, string, error) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	opts.IO, opts.Config, opts.Provider = ios, config.Load, config.ProviderSignalWire
	if opts.Profile == "" {
		opts.Profile = "sw"
	}
	cmd := NewCmdLogin(&cmdutil.Factory{IOStreams: ios, Config: config.Load, Globals: &cmdutil.Globals{}}, nil)
	err := signalWireLogin(context.Background(), cmd, opts, nil)
	return out.String(), errOut.String(), err
}

// `auth login --provider signalwire` against the sandbox's SignalWire face:
// the token is checked with one request and kept in the keyring, the
// profile gets the space, project and SIP domain; a refused token (an
// expired one) saves nothing and is an authentication error; a space of
// the wrong shape is refused before any request.
func TestSignalWireLoginAgainstTheSandbox(t *testing.T) {
	setup(t)
	sb, err := sandbox.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(func() { srv.Close(); sb.Close() })
	project, token := sb.SignalWireProject()

	_, _, err = runSignalWire(t, &LoginOptions{Space: sandbox.SignalWireSpace, Project: project, APIURL: srv.URL, WithToken: true}, "PTexpired\n")
	var authErr *cmdutil.AuthError
	if !errors.As(err, &authErr) || !strings.Contains(err.Error(), "nothing saved") {
		t.Fatalf("expired token: %v", err)
	}
	if _, err := os.Stat(config.ConfigFile()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("config written after a refused token: %v", err)
	}
	if _, _, err := runSignalWire(t, &LoginOptions{Space: "Bad_Space", Project: project, WithToken: true}, token+"\n"); err == nil || !strings.Contains(err.Error(), `invalid SignalWire space "Bad_Space"`) {
		t.Fatalf("bad space: %v", err)
	}

	out, errOut, err := runSignalWire(t, &LoginOptions{Space: sandbox.SignalWireSpace, Project: project, APIURL: srv.URL, WithToken: true}, token+"\n")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `Logged in to SignalWire space sandbox`) || strings.Contains(out+errOut, token) {
		t.Errorf("out %q err %q", out, errOut)
	}
	if got, err := keyring.Get(keyring.Service, "profile:sw"); err != nil || got != token {
		t.Fatalf("keyring: %v", err)
	}
	cfg, _ := config.Load()
	if p := cfg.Profiles["sw"]; p == nil || p.Provider != "signalwire" || p.Space != "sandbox" || p.ProjectID != project ||
		p.DefaultDomain != sandbox.SignalWireRealm || p.InsecureSecret != "" {
		t.Fatalf("profile %+v", p)
	}
}
