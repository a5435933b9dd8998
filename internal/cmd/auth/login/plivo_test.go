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

// plivoFace serves the sandbox's Plivo face: its origin, Auth ID and token.
func plivoFace(t *testing.T) (string, string, string) {
	t.Helper()
	sb, err := sandbox.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(func() { srv.Close(); sb.Close() })
	return srv.URL, sb.PlivoAuthID(), sb.PlivoAuthToken()
}

func runPlivo(t *testing.T, opts *LoginOptions, stdin string) (string, string, error) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	opts.IO, opts.Config, opts.Provider = ios, config.Load, config.ProviderPlivo
	if opts.Profile == "" {
		opts.Profile = "pl"
	}
	err := plivoLogin(context.Background(), opts, nil)
	return out.String(), errOut.String(), err
}

func TestPlivoLoginStoresTokenInKeyring(t *testing.T) {
	setup(t)
	url, id, token := plivoFace(t)
	out, errOut, err := runPlivo(t, &LoginOptions{APIURL: url, AuthID: id, WithToken: true}, token+"\n")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `Logged in to Plivo (`+id+`) as profile "pl"`) || strings.Contains(out+errOut, token) {
		t.Errorf("out %q err %q", out, errOut)
	}
	if got, err := keyring.Get(keyring.Service, "profile:pl"); err != nil || got != token {
		t.Fatalf("keyring %q %v", got, err)
	}
	data, _ := os.ReadFile(config.ConfigFile())
	if strings.Contains(string(data), token) {
		t.Errorf("token in config:\n%s", data)
	}
	cfg, _ := config.Load()
	if p := cfg.Profiles["pl"]; p == nil || p.Provider != "plivo" || p.AccountSID != id || p.APIURL != url || p.DefaultDomain != "phone.plivo.com" {
		t.Fatalf("profile %+v", p)
	}
}

func TestPlivoLoginRefusesBadInputBeforeAnyRequest(t *testing.T) {
	setup(t)
	url, id, _ := plivoFace(t)
	_, _, err := runPlivo(t, &LoginOptions{APIURL: url, AuthID: id, WithToken: true}, "wrong-token\n")
	var authErr *cmdutil.AuthError
	if !errors.As(err, &authErr) || !strings.Contains(err.Error(), "nothing saved") || strings.Contains(err.Error(), "wrong-token") {
		t.Fatalf("wrong token: %v", err)
	}
	if _, err := keyring.Get(keyring.Service, "profile:pl"); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("keyring written: %v", err)
	}
	for _, bad := range []string{"", "MA123", "XX2025RK4E639VJFZAGV", "ma2025rk4e639vjfzagv"} {
		_, _, err := runPlivo(t, &LoginOptions{APIURL: url, AuthID: bad, WithToken: true}, "x\n")
		var fe *cmdutil.FlagError
		if !errors.As(err, &fe) || strings.Contains(err.Error(), "\n") {
			t.Errorf("--auth-id %q: %v", bad, err)
		}
	}
	if _, err := os.Stat(config.ConfigFile()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("config written: %v", err)
	}
}
