package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/provision"
	"github.com/sipctl/sipctl/internal/rotate"
	"github.com/sipctl/sipctl/internal/testenv"
)

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuf) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// startBackground runs the built sipctl (or another program) until the test
// ends, or until stop is called.
func startBackground(t *testing.T, env *testenv.Env, name string, args ...string) (out *lockedBuf, stdin io.WriteCloser, stop func()) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env.Environ()
	out = &lockedBuf{}
	cmd.Stdout, cmd.Stderr = out, out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			stdin.Close() // linphonec ends (unregistering) at the end of its input
			cmd.Process.Signal(os.Interrupt)
			select {
			case <-done:
			case <-time.After(15 * time.Second):
				cmd.Process.Kill()
				<-done
			}
		})
	}
	t.Cleanup(stop)
	return out, stdin, stop
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestLinphoneEndToEnd is the last mile with a real softphone: linphonec
// (Debian's linphone-cli) takes its configuration from `provision serve`
// over HTTPS (remote provisioning, Digest with the device's credential,
// the self-signed certificate as its root), registers to the sandbox
// registrar, and `accounts list` shows it registered. Then the password is
// rotated and the file rendered anew; linphonec acts on no NOTIFY, so it is
// restarted: it fetches the new file and registers with the new password
// (`devices resync --wait` sees both), and the old password is refused by a
// REGISTER check.
func TestLinphoneEndToEnd(t *testing.T) {
	linphonec := testenv.LookPath(t, "linphonec")
	env := testenv.NewEnv(t)
	sb := testenv.StartServe(t, env)
	bin := testenv.Binary(t)
	dir := t.TempDir()
	run := func(stdin string, args ...string) string {
		t.Helper()
		out, errOut, code := env.Run(t, stdin, args...)
		if code != 0 {
			t.Fatalf("sipctl %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	run("", "domains", "create", "lab", "--sip-registration")
	ho := filepath.Join(dir, "handover.csv")
	run("", "accounts", "create", "alice", "bob", "--domain", "lab", "--output", ho)
	inv := filepath.Join(dir, "softphones.csv")
	os.WriteFile(inv, []byte("id,vendor,model,account\nalice-laptop,linphone,linphonec,alice@lab\n"), 0o600)
	prov := filepath.Join(dir, "prov")
	run("", "provision", "render", "--devices", inv, "--from-handover", ho, "--dir", prov, "--registrar", sb.SIPAddr)
	cred := strings.Fields(run("", "provision", "credentials", "create", "alice-laptop"))
	if len(cred) != 2 || cred[0] != "alice-laptop" {
		t.Fatalf("credential: %q", cred)
	}

	port := freePort(t)
	serveOut, _, _ := startBackground(t, env, bin, "provision", "serve", "--dir", prov, "--addr", fmt.Sprintf("127.0.0.1:%d", port))
	for i := 0; !strings.Contains(serveOut.String(), "Press Ctrl-C"); i++ {
		if i > 600 {
			t.Fatalf("provision serve did not start:\n%s", serveOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	stateDir := filepath.Join(env.StateHome, "sipctl")

	// linphonec does remote provisioning only once it has its database,
	// which it makes in $HOME/.local/share/linphone but not that folder.
	os.MkdirAll(filepath.Join(env.Home, ".local", "share", "linphone"), 0o700)
	rc := filepath.Join(dir, "linphonerc")
	// localhost: the mbedTLS in linphone matches DNS names, not IP
	// addresses, against the certificate.
	os.WriteFile(rc, []byte(fmt.Sprintf("[misc]\nconfig-uri=https://%s:%s@localhost:%d/alice-laptop.xml\n[sip]\nroot_ca=%s\nsip_port=-1\nsip_tcp_port=-1\n",
		cred[0], cred[1], port, provision.CertPath(stateDir))), 0o600)
	startPhone := func() func() {
		out, _, stop := startBackground(t, env, linphonec, "-c", rc, "-d", "1")
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("linphonec:\n%s", out.String())
			}
		})
		return stop
	}
	registered := func() bool {
		var accts []struct {
			Username, Status, UserAgent string `json:",omitempty"`
		}
		out := run("", "accounts", "list", "--domain", "lab", "--json=username,status,user_agent")
		json.Unmarshal([]byte(strings.ReplaceAll(out, "user_agent", "useragent")), &accts)
		for _, a := range accts {
			if a.Username == "alice" && a.Status == "registered" {
				return true
			}
		}
		return false
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for i := 0; !cond(); i++ {
			if i > 300 {
				t.Fatalf("%s never happened; provision serve:\n%s", what, serveOut.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	stop := startPhone()
	waitFor("linphonec registering", registered)
	if !strings.Contains(serveOut.String(), "200 GET /alice-laptop.xml device=alice-laptop") {
		t.Errorf("no fetch in the serve's log:\n%s", serveOut.String())
	}
	recs, _ := rotate.ReadHandover(ho)
	var oldPW string
	for _, r := range recs {
		if r.Username == "alice" {
			oldPW = r.Password
		}
	}

	// Rotate, render, restart the phone.
	ho2 := filepath.Join(dir, "rotated.csv")
	run("", "password", "rotate", "alice@lab.sip.twilio.com", "--output", ho2, "--yes")
	run("", "provision", "render", "--devices", inv, "--from-handover", ho2, "--dir", prov, "--registrar", sb.SIPAddr)
	// The first instance's binding may outlive it; the restarted one's
	// REGISTER is the one registration status reports as the latest, and
	// resync --wait counts only a registration after the new file.
	stop()
	startPhone()
	out, errOut, code := env.Run(t, "", "devices", "resync", "--dir", prov, "--wait", "60s", "--json")
	if code != 0 {
		t.Fatalf("resync --wait: exit %d\n%s%s\nserve:\n%s", code, out, errOut, serveOut.String())
	}
	var res []struct {
		Device     string `json:"device"`
		Fetched    bool   `json:"fetched"`
		Registered bool   `json:"registered"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) != 1 || !res[0].Fetched || !res[0].Registered {
		t.Fatalf("resync: %s %v", out, err)
	}
	// The old password is refused; the rotated one accepted.
	if out, errOut, code := env.Run(t, oldPW, "accounts", "check", "alice@lab.sip.twilio.com", "--registrar", sb.SIPAddr, "--password-stdin"); code != 5 {
		t.Errorf("old password: exit %d\n%s%s", code, out, errOut)
	}
	recs2, _ := rotate.ReadHandover(ho2)
	if len(recs2) != 1 || recs2[0].Password == oldPW {
		t.Fatalf("rotated handover: %+v", len(recs2))
	}
	run(recs2[0].Password, "accounts", "check", "alice@lab.sip.twilio.com", "--registrar", sb.SIPAddr, "--password-stdin")
}
