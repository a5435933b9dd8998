package auth_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/auth/authtest"
	"github.com/sipctl/sipctl/internal/keyring"
	"github.com/sipctl/sipctl/internal/testenv"
)

// secretService is a private D-Bus session bus with gnome-keyring's Secret
// Service on it, in a throwaway HOME.
type secretService struct {
	busAddress string
	env        []string // for processes that should see the keyring
}

// busConfig is a session bus without service activation, so nothing but the
// daemon we start can claim org.freedesktop.secrets (activation would start
// a locked keyring that waits for a prompt).
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// startBus runs dbus-daemon until the test ends.
func startBus(t *testing.T, env *testenv.Env) *secretService {
	t.Helper()
	dbusDaemon := testenv.LookPath(t, "dbus-daemon")
	// A short path: unix socket paths are limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "sipctl-bus-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	conf := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, busConfig, filepath.Join(dir, "bus")), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(dbusDaemon, "--config-file="+conf, "--nofork", "--print-address")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop(t, cmd)
	// The address is printed once the bus listens.
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon did not start: %v\n%s", err, stderr.String())
	}
	runtimeDir := filepath.Join(dir, "run")
	os.Mkdir(runtimeDir, 0o700)
	ss := &secretService{busAddress: strings.TrimSpace(addr)}
	ss.env = append(env.Environ(), "DBUS_SESSION_BUS_ADDRESS="+ss.busAddress, "XDG_RUNTIME_DIR="+runtimeDir)
	return ss
}

// startKeyring runs gnome-keyring-daemon's secrets component on the bus,
// with a fresh login keyring unlocked by a password on stdin, and waits
// until it answers through go-keyring.
func (ss *secretService) startKeyring(t *testing.T) {
	t.Helper()
	gkd := testenv.LookPath(t, "gnome-keyring-daemon")
	cmd := exec.Command(gkd, "--foreground", "--unlock", "--components=secrets")
	cmd.Env = ss.env
	cmd.Stdin = strings.NewReader("sipctl-test-keyring-password")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop(t, cmd)

	// This test process talks to the same bus to read secrets back.
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", ss.busAddress)
	var err error
	for range 200 { // up to ~20s for a slow CI machine; normally the first few tries
		_, err = keyring.Get(keyring.Service, "readiness-probe")
		if errors.Is(err, keyring.ErrNotFound) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("gnome-keyring-daemon never answered on the bus: %v\n%s", err, out.String())
}

func stop(t *testing.T, cmd *exec.Cmd) {
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
}

type result struct {
	stdout, stderr string
	code           int
}

func sipctl(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(testenv.Binary(t), args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("running sipctl %v: %v", args, err)
	}
	return result{out.String(), errOut.String(), code}
}

// TestSecretServiceEndToEnd runs the built binary against a real
// gnome-keyring Secret Service and an httptest server playing Twilio.
func TestSecretServiceEndToEnd(t *testing.T) {
	const (
		sid    = "AC0123456789abcdef0123456789abcdef"
		secret = "e2e-auth-token-8d1f0c"
		prof   = "e2e"
	)
	env := testenv.NewEnv(t)
	ss := startBus(t, env)
	srv := authtest.NewServer(t, sid, sid, secret, "End To End Ltd")
	login := []string{"auth", "login", "--profile", prof, "--account-sid", sid, "--api-url", srv.URL, "--with-token"}
	configFile := filepath.Join(env.ConfigHome, "sipctl", "config.yaml")

	// A bus with no Secret Service on it: login lays out the choices and
	// saves nothing.
	r := sipctl(t, ss.env, secret+"\n", login...)
	if r.code != 4 || !strings.Contains(r.stderr, "OS keyring unavailable") || !strings.Contains(r.stderr, "--insecure-storage") ||
		!strings.Contains(r.stderr, "nothing saved") {
		t.Fatalf("login without a Secret Service: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(configFile); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("config written without a stored secret: %v", err)
	}

	ss.startKeyring(t)

	// Wrong credentials: refused, nothing in the keyring.
	r = sipctl(t, ss.env, "not-the-token\n", login...)
	if r.code != 4 || !strings.Contains(r.stderr, "provider refused the credentials") {
		t.Fatalf("wrong token: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := keyring.Get(keyring.Service, "profile:"+prof); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("refused secret reached the keyring: %v", err)
	}

	r = sipctl(t, ss.env, secret+"\n", login...)
	if r.code != 0 || !strings.Contains(r.stdout, sid) || !strings.Contains(r.stdout, "End To End Ltd") {
		t.Fatalf("login: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, secret) {
		t.Fatalf("login printed the secret")
	}

	// Read back through go-keyring (the same Secret Service API sipctl uses)...
	got, err := keyring.Get(keyring.Service, "profile:"+prof)
	if err != nil || got != secret {
		t.Fatalf("keyring holds %q, %v", got, err)
	}
	// ...and through libsecret, independently of go-keyring.
	secretTool, lookErr := exec.LookPath("secret-tool")
	if lookErr != nil && testenv.InCI() {
		t.Fatal("secret-tool (libsecret-tools) is missing under CI")
	}
	if lookErr == nil {
		cmd := exec.Command(secretTool, "lookup", "service", keyring.Service, "username", "profile:"+prof)
		cmd.Env = ss.env
		out, err := cmd.Output()
		if err != nil || string(out) != secret {
			t.Fatalf("secret-tool lookup = %q, %v", out, err)
		}
	}

	data, err := os.ReadFile(configFile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), secret) || !strings.Contains(string(data), sid) {
		t.Fatalf("config file:\n%s", data)
	}
	if info, _ := os.Stat(configFile); info.Mode().Perm() != 0o600 {
		t.Fatalf("config file mode %v", info.Mode())
	}

	// status: source and verdict, never the secret.
	r = sipctl(t, ss.env, "", "auth", "status", "--profile", prof)
	if r.code != 0 || !strings.Contains(r.stdout, "OS keyring (service sipctl, key profile:e2e)") || !strings.Contains(r.stdout, "working") ||
		strings.Contains(r.stdout+r.stderr, secret) {
		t.Fatalf("status: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// token: prints the secret into a pipe.
	r = sipctl(t, ss.env, "", "auth", "token", "--profile", prof)
	if r.code != 0 || r.stdout != secret+"\n" {
		t.Fatalf("token: exit %d %q %s", r.code, r.stdout, r.stderr)
	}
	// The environment outranks the keyring.
	r = sipctl(t, append(ss.env, "TWILIO_AUTH_TOKEN=from-env"), "", "auth", "token", "--profile", prof)
	if r.stdout != "from-env\n" {
		t.Fatalf("TWILIO_AUTH_TOKEN did not win: %q %s", r.stdout, r.stderr)
	}

	r = sipctl(t, ss.env, "", "auth", "logout", "--profile", prof, "--yes")
	if r.code != 0 || !strings.Contains(r.stdout, "removed its secret from the OS keyring") {
		t.Fatalf("logout: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if _, err := keyring.Get(keyring.Service, "profile:"+prof); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("secret still in the keyring after logout: %v", err)
	}
	if lookErr == nil {
		cmd := exec.Command(secretTool, "lookup", "service", keyring.Service, "username", "profile:"+prof)
		cmd.Env = ss.env
		if out, _ := cmd.Output(); len(out) != 0 {
			t.Fatalf("secret-tool still finds %q", out)
		}
	}
	// Logged out: status says so and exits 4.
	r = sipctl(t, ss.env, "", "auth", "status", "--profile", prof)
	if r.code != 4 {
		t.Fatalf("status after logout: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestHangingKeyringTimesOut points sipctl at a session bus that accepts the
// connection and never says a word, as a wedged D-Bus does: login must give
// up after SIPCTL_KEYRING_TIMEOUT with a clear message and save nothing.
func TestHangingKeyringTimesOut(t *testing.T) {
	const sid = "AC0123456789abcdef0123456789abcdef"
	dir, err := os.MkdirTemp("", "sipctl-hang-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "bus")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c) // held open, never answered
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-accepted
		for _, c := range conns {
			c.Close()
		}
	})

	env := testenv.NewEnv(t)
	srv := authtest.NewServer(t, sid, sid, "tok", "Acme")
	vars := append(env.Environ(), "DBUS_SESSION_BUS_ADDRESS=unix:path="+sock, "SIPCTL_KEYRING_TIMEOUT=300ms")
	r := sipctl(t, vars, "tok\n", "auth", "login", "--profile", "hang", "--account-sid", sid, "--api-url", srv.URL, "--with-token")
	if r.code != 4 || !strings.Contains(r.stderr, "OS keyring did not answer within 300ms") || !strings.Contains(r.stderr, "nothing saved") ||
		!strings.Contains(r.stderr, "hint: choose one") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(env.ConfigHome, "sipctl", "config.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("config written: %v", err)
	}
}
