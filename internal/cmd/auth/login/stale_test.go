package login

import (
	"bufio"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/auth/authtest"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/keyring"
	gokeyring "github.com/zalando/go-keyring"
)

const staleSecret = "stale-keyring-token-1234"

func insecureLogin(t *testing.T, tty bool, answer string) (string, error) {
	t.Helper()
	srv := authtest.NewServer(t, sid, sid, secret, "Acme")
	ios, in, _, errOut := iostreams.Test()
	opts := &LoginOptions{IO: ios, Config: config.Load, Profile: "default", Provider: "twilio", AccountSID: sid, APIURL: srv.URL, InsecureStorage: true}
	if tty {
		// A person at a terminal (the hidden secret prompt needs a real
		// one, so the check after verification is called directly).
		ios.SetStdinTTY(true)
		ios.SetStdoutTTY(true)
		err := staleKeyringEntry(opts, bufio.NewReader(strings.NewReader(answer)), "default", secret)
		return errOut.String(), err
	}
	opts.WithToken = true
	in.WriteString(secret)
	err := loginRun(context.Background(), opts)
	return errOut.String(), err
}

func TestInsecureLoginWarnsOfStaleKeyringEntryInAPipe(t *testing.T) {
	setup(t)
	keyring.Set(keyring.Service, "profile:default", staleSecret)
	errOut, err := insecureLogin(t, false, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"the OS keyring holds a different secret for profile \"default\"", "secret-tool clear service sipctl username profile:default"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if got, _ := keyring.Get(keyring.Service, "profile:default"); got != staleSecret {
		t.Errorf("the entry was changed without asking: %q", got)
	}
	if strings.Contains(errOut, staleSecret) || strings.Contains(errOut, secret) {
		t.Fatal("a secret was printed")
	}
}

func TestInsecureLoginOffersToRemoveStaleKeyringEntry(t *testing.T) {
	for answer, removed := range map[string]bool{"y\n": true, "\n": true, "n\n": false} {
		t.Run(strings.TrimSpace(answer), func(t *testing.T) {
			setup(t)
			keyring.Set(keyring.Service, "profile:default", staleSecret)
			errOut, err := insecureLogin(t, true, answer)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(errOut, "Remove the keyring entry? [Y/n]") {
				t.Errorf("no prompt:\n%s", errOut)
			}
			_, kerr := keyring.Get(keyring.Service, "profile:default")
			if gone := errors.Is(kerr, keyring.ErrNotFound); gone != removed {
				t.Errorf("answer %q: removed=%v, want %v", answer, gone, removed)
			}
		})
	}
}

func TestInsecureLoginWithoutKeyringSaysItCouldNotCheck(t *testing.T) {
	setup(t)
	gokeyring.MockInitWithError(errors.New("no D-Bus session"))
	errOut, err := insecureLogin(t, false, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "could not check the OS keyring for an older secret") {
		t.Errorf("stderr:\n%s", errOut)
	}
}
