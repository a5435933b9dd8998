package check

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/sip"
)

const (
	domain   = "office.sip.twilio.com"
	user     = "alice"
	secret   = "Tr0ub4dor&3-horse"
	wrongPwd = "not-it"
)

type oneUser struct{}

func (oneUser) LookupHA1(_ context.Context, d, u string) (string, error) {
	if d != domain {
		return "", sip.ErrUnknownDomain
	}
	if u != user {
		return "", sip.ErrUnknownUser
	}
	sum := md5.Sum([]byte(u + ":" + d + ":" + secret))
	return hex.EncodeToString(sum[:]), nil
}

// registrar serves a real sip.Registrar on a free UDP port until the test ends.
func registrar(t *testing.T) string {
	t.Helper()
	r, err := sip.NewRegistrar(oneUser{}, sip.RegistrarOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := r.Listen("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done; r.Close() })
	return l.Addr().String()
}

func silent(t *testing.T) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		b := make([]byte, 65535)
		for {
			if _, _, err := pc.ReadFrom(b); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { pc.Close() })
	return pc.LocalAddr().String()
}

func run(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	f := &cmdutil.Factory{IOStreams: ios}
	cmd := NewCmdCheck(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err = cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func exitCode(err error) int {
	var e *cmdutil.ExitError
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return 1
	}
	return 0
}

func TestCheckAcceptedTSVAndJSON(t *testing.T) {
	addr := registrar(t)
	out, _, err := run(t, secret+"\n", user+"@"+domain, "--registrar", addr, "--password-stdin")
	if err != nil {
		t.Fatalf("err %v", err)
	}
	for _, want := range []string{"Outcome\taccepted", "Status\t200 OK", "Registrar\t" + addr + " (udp)", "Bindings\tnone"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, secret) {
		t.Fatal("password printed")
	}

	out, _, err = run(t, secret, user+"@"+domain, "--registrar", addr, "--password-stdin", "--register", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got Result
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Outcome != sip.Accepted || got.StatusCode != 200 || got.Username != user || got.Domain != domain ||
		got.Registrar != addr || got.Transport != "udp" || got.RTTMillis <= 0 || len(got.Bindings) != 1 {
		t.Fatalf("json %+v", got)
	}
}

func TestCheckRejectedExit5(t *testing.T) {
	addr := registrar(t)
	out, _, err := run(t, wrongPwd, user+"@"+domain, "--registrar", addr, "--password-stdin")
	if exitCode(err) != cmdutil.ExitRejected {
		t.Fatalf("exit %d (%v), want 5", exitCode(err), err)
	}
	if !strings.Contains(out, "Outcome\trejected") || !strings.Contains(out, "Status\t403") {
		t.Fatalf("output:\n%s", out)
	}
	if strings.Contains(err.Error(), wrongPwd) {
		t.Fatal("password in the error")
	}
	if _, _, err := run(t, secret, "mallory@"+domain, "--registrar", addr, "--password-stdin"); exitCode(err) != cmdutil.ExitRejected || !strings.Contains(err.Error(), "404") {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestCheckNoAnswerExit6(t *testing.T) {
	addr := silent(t)
	out, _, err := run(t, secret, user+"@"+domain, "--registrar", addr, "--password-stdin", "--timeout", "500ms", "--json")
	if exitCode(err) != cmdutil.ExitNoAnswer {
		t.Fatalf("exit %d (%v), want 6", exitCode(err), err)
	}
	var got Result
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.Outcome != sip.NoAnswer {
		t.Fatalf("json %q: %v", out, err)
	}
}

func TestCheckFromHandover(t *testing.T) {
	addr := registrar(t)
	dir := t.TempDir()
	js := filepath.Join(dir, "handover.json")
	os.WriteFile(js, []byte(`[{"sid":"CR1","username":"bob","domain":"`+domain+`","password":"x"},
{"sid":"CR2","username":"alice","domain":"`+domain+`","password":"`+secret+`"}]`), 0o600)
	csvPath := filepath.Join(dir, "handover.csv")
	os.WriteFile(csvPath, []byte("sid,username,domain,password\nCR2,alice,"+domain+","+wrongPwd+"\n"), 0o600)

	if _, _, err := run(t, "", user+"@"+domain, "--registrar", addr, "--from-handover", js); err != nil {
		t.Fatalf("json handover: %v", err)
	}
	if _, _, err := run(t, "", user+"@"+domain, "--registrar", addr, "--from-handover", csvPath); exitCode(err) != cmdutil.ExitRejected {
		t.Fatalf("csv handover with a wrong password: %v", err)
	}
	if _, _, err := run(t, "", "carol@"+domain, "--registrar", addr, "--from-handover", js); err == nil || !strings.Contains(err.Error(), "no password for carol@") {
		t.Fatalf("missing account: %v", err)
	}
}

func TestCheckFromJournal(t *testing.T) {
	addr := registrar(t)
	state := t.TempDir()
	dir := journal.Dir(state)
	old, err := journal.Create(dir, journal.Header{Created: time.Now()}, []journal.Entry{
		{Op: journal.OpRotate, Username: user, Domain: domain, Password: wrongPwd},
	})
	if err != nil {
		t.Fatal(err)
	}
	old.Mark(0, journal.Done, "", false, "", "CR1")
	old.Close()
	newer, err := journal.Create(dir, journal.Header{Created: time.Now()}, []journal.Entry{
		{Op: journal.OpRotate, Username: user, Domain: domain, Password: secret},
	})
	if err != nil {
		t.Fatal(err)
	}
	newer.Mark(0, journal.Done, "", false, "", "CR1")
	newer.Close()

	ios, _, out, _ := iostreams.Test()
	opts := &CheckOptions{IO: ios, Exporter: &cmdutil.Exporter{}, StateDir: func() string { return state }, Probe: sip.Check,
		Account: user + "@" + domain, Registrar: addr, Transport: "udp", Timeout: 5 * time.Second, FromJournal: true}
	if err := checkRun(context.Background(), opts); err != nil {
		t.Fatalf("newest journal password: %v\n%s", err, out)
	}
}

func TestCheckFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"a@b", "--password-stdin", "--from-journal"}, "only one of"},
		{[]string{"a@b", "--transport", "sctp"}, "--transport"},
		{[]string{"a@b", "--timeout", "0s"}, "--timeout"},
	} {
		_, _, err := run(t, "", tc.args...)
		var fe *cmdutil.FlagError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want a usage error about %s", tc.args, err, tc.want)
		}
	}

	var got *CheckOptions
	cmd := NewCmdCheck(&cmdutil.Factory{IOStreams: func() *iostreams.IOStreams { i, _, _, _ := iostreams.Test(); return i }()},
		func(o *CheckOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"sip:alice@Office.example.com", "--transport", "TCP", "--register", "--registrar", "10.0.0.1:5070"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Transport != "tcp" || !got.Register || got.Registrar != "10.0.0.1:5070" || got.Timeout != 5*time.Second {
		t.Fatalf("options %+v", got)
	}
	u, d, err := splitAccount(got.Account, nil)
	if err != nil || u != "alice" || d != "office.example.com" {
		t.Fatalf("splitAccount: %q %q %v", u, d, err)
	}
	if _, d, _ := splitAccount("bob", func() (string, error) { return "default.example.com", nil }); d != "default.example.com" {
		t.Fatalf("default domain not used: %q", d)
	}
}

func TestCheckNoPasswordSourceWithoutTTY(t *testing.T) {
	_, _, err := run(t, "", user+"@"+domain, "--registrar", "127.0.0.1:9")
	var fe *cmdutil.FlagError
	if !errors.As(err, &fe) {
		t.Fatalf("got %v, want a usage error", err)
	}
}
