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
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/rotate"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/sipctl/sipctl/internal/twilio/twiliotest"
)

const (
	domain   = "office.sip.twilio.com"
	user     = "alice"
	secret   = "Tr0ub4dor&3-horse"
	wrongPwd = "not-it"
)

type oneUser struct{}

// users is a registrar's accounts on domain: username to password.
type users map[string]string

func (us users) LookupHA1(_ context.Context, d, u string) (string, error) {
	pw, ok := us[u]
	switch {
	case d != domain:
		return "", sip.ErrUnknownDomain
	case !ok:
		return "", sip.ErrUnknownUser
	}
	sum := md5.Sum([]byte(u + ":" + d + ":" + pw))
	return hex.EncodeToString(sum[:]), nil
}

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
	return registrarOf(t, oneUser{})
}

func registrarOf(t *testing.T, accounts sip.CredentialStore) string {
	t.Helper()
	r, err := sip.NewRegistrar(accounts, sip.RegistrarOptions{})
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

// runWith runs the command with a profile and a provider, as the factory
// gives them.
func runWith(t *testing.T, prof *config.Profile, p provider.SIPAccounts, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	f := &cmdutil.Factory{IOStreams: ios,
		Profile:  func() (*config.Profile, error) { return prof, nil },
		Provider: func() (provider.SIPAccounts, error) { return p, nil }}
	cmd := NewCmdCheck(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err = cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func TestCheckCompletesAShortDomainAndUsesTheProfilesRegistrar(t *testing.T) {
	addr := registrar(t)
	srv := twiliotest.New(t) // CanonicalDomain sends no request
	prof := &config.Profile{Name: "pbx", Provider: "twilio", Registrar: addr}
	out, _, err := runWith(t, prof, srv.Client(), secret, "alice@office", "--password-stdin")
	if err != nil || !strings.Contains(out, "Account\talice@"+domain) || !strings.Contains(out, "Registrar\t"+addr) {
		t.Fatalf("short domain with the profile's registrar: %v\n%s", err, out)
	}
	if srv.Requests() != 0 {
		t.Errorf("%d API requests for a SIP check", srv.Requests())
	}
	// --registrar wins over the profile's.
	if _, _, err := runWith(t, prof, srv.Client(), secret, "alice@office", "--password-stdin", "--registrar", silent(t), "--timeout", "300ms"); exitCode(err) != cmdutil.ExitNoAnswer {
		t.Fatalf("--registrar did not win: %v", err)
	}
	// A domain the provider refuses is a usage error, before any REGISTER.
	var fe *cmdutil.FlagError
	if _, _, err := runWith(t, prof, srv.Client(), secret, "alice@of_fice", "--password-stdin"); !errors.As(err, &fe) {
		t.Fatalf("bad short domain: %v", err)
	}
}

func TestCheckOnTheSandboxProfileUsesTheRunningServe(t *testing.T) {
	state := t.TempDir()
	ios, in, out, _ := iostreams.Test()
	sandboxProf := &config.Profile{Name: "sandbox", Provider: config.ProviderSandbox}
	opts := &CheckOptions{IO: ios, Exporter: &cmdutil.Exporter{}, StateDir: func() string { return state }, Probe: sip.Check,
		Profile: func() (*config.Profile, error) { return sandboxProf, nil },
		Account: user + "@" + domain, Transport: "udp", Timeout: 5 * time.Second, PasswordStdin: true}
	in.WriteString(secret)
	err := checkRun(context.Background(), opts)
	var he *cmdutil.HintError
	if err == nil || !strings.Contains(err.Error(), "no sandbox registrar is running") || !errors.As(err, &he) || !strings.Contains(he.Hint, "sandbox serve") {
		t.Fatalf("without a serve: %v (never DNS: the sandbox's domains are Twilio's names)", err)
	}
	if out.Len() != 0 {
		t.Errorf("printed %q", out)
	}
}

func TestCheckEveryAccountOfAHandover(t *testing.T) {
	addr := registrar(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`[{"username":"alice","domain":"`+domain+`","password":"x"},
{"username":"alice","domain":"`+domain+`","password":"`+secret+`"}]`), 0o600)
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("sid,username,domain,password\nCR1,alice,"+domain+","+secret+"\nCR2,mallory,"+domain+",whatever\nCR3,alice,other.example.com,"+secret+"\n"), 0o600)

	out, errOut, err := run(t, "", "--from-handover", good, "--registrar", addr)
	if err != nil || !strings.HasPrefix(out, "alice@"+domain+"\taccepted\t200 OK\t") || strings.Count(out, "\n") != 1 ||
		!strings.Contains(errOut, "Checked 1 accounts at "+addr+" (udp): 1 accepted, 0 rejected, 0 no answer") {
		t.Fatalf("good handover (the newest record counts): %v\n%s%s", err, out, errOut)
	}

	out, errOut, err = run(t, "", "--from-handover", bad, "--registrar", addr, "--json")
	if exitCode(err) != cmdutil.ExitRejected || !strings.Contains(errOut, "1 accepted, 2 rejected, 0 no answer") {
		t.Fatalf("bad handover: exit %d (%v)\n%s", exitCode(err), err, errOut)
	}
	var got []Result
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) != 3 || got[0].Outcome != sip.Accepted ||
		got[1].Username != "mallory" || got[1].Outcome != sip.Rejected || got[2].Domain != "other.example.com" {
		t.Fatalf("json %v: %s", err, out)
	}
	if strings.Contains(out+errOut+err.Error(), secret) {
		t.Fatal("a password was printed")
	}

	_, errOut, err = run(t, "", "--from-handover", good, "--registrar", silent(t), "--timeout", "300ms")
	if exitCode(err) != cmdutil.ExitNoAnswer || !strings.Contains(errOut, "0 accepted, 0 rejected, 1 no answer") {
		t.Fatalf("no answer: exit %d (%v)\n%s", exitCode(err), err, errOut)
	}

	var fe *cmdutil.FlagError
	if _, _, err := run(t, "", "--registrar", addr); !errors.As(err, &fe) || !strings.Contains(err.Error(), "--from-handover") {
		t.Fatalf("no account and no handover: %v", err)
	}
}

func TestCheckRefusesUsernamesOutsideRFC3261(t *testing.T) {
	for _, u := range []string{"a<b>", `a"b`, "a/b", "j\u00fcrgen", "a b"} {
		_, _, err := run(t, secret, u+"@"+domain, "--registrar", "127.0.0.1:9", "--password-stdin")
		var fe *cmdutil.FlagError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), "RFC 3261") {
			t.Errorf("%q: %v, want a usage error naming RFC 3261", u, err)
		}
	}
}

// A handover reads exactly as custody wrote it: in a CSV, custody puts a
// formula-safe ' before a username that starts with = + - @ (and strips it
// when it reads), and writes a password byte for byte, even one starting
// with ' then =; a JSON handover holds passwords starting with - or =.
func TestCheckHandoverReadsWhatCustodyWrote(t *testing.T) {
	accounts := users{"+14155550100": "'=Quoted-Pass-4", "-ops": "-Dash-Pass-4", "=eq": "=Eq-Pass-4", "=sum": "'-Tick-Dash-4"}
	addr := registrarOf(t, accounts)
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "handover.csv")
	jsonPath := filepath.Join(dir, "handover.json")
	var csvRecords, jsonRecords []rotate.Record
	for _, u := range []string{"+14155550100", "=sum"} {
		csvRecords = append(csvRecords, rotate.Record{SID: "CR" + u, Username: u, Domain: domain, Password: accounts[u]})
	}
	for _, u := range []string{"-ops", "=eq"} {
		jsonRecords = append(jsonRecords, rotate.Record{SID: "CR" + u, Username: u, Domain: domain, Password: accounts[u]})
	}
	if err := rotate.WriteHandover(csvPath, csvRecords); err != nil {
		t.Fatal(err)
	}
	if err := rotate.WriteHandover(jsonPath, jsonRecords); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(csvPath)
	if !strings.Contains(string(data), "\n"+"CR+14155550100,'+14155550100,") || !strings.Contains(string(data), ",'=Quoted-Pass-4\n") {
		t.Fatalf("custody no longer escapes as this test presumes:\n%s", data)
	}
	for _, path := range []string{csvPath, jsonPath} {
		out, errOut, err := run(t, "", "--from-handover", path, "--registrar", addr)
		if err != nil || strings.Count(out, "\taccepted\t200 OK\t") != 2 || !strings.Contains(errOut, "2 accepted, 0 rejected, 0 no answer") {
			t.Errorf("%s: %v\n%s%s", filepath.Base(path), err, out, errOut)
		}
	}
	// One account, its password found in the CSV under the unescaped name.
	if _, _, err := run(t, "", "+14155550100@"+domain, "--registrar", addr, "--from-handover", csvPath); err != nil {
		t.Errorf("+14155550100 from the CSV handover: %v", err)
	}
	// A file custody did not write is refused, naming the line, not guessed at.
	hand := filepath.Join(dir, "hand.csv")
	os.WriteFile(hand, []byte("user,pass\nalice,"+secret+"\n"), 0o600)
	if _, _, err := run(t, "", "--from-handover", hand, "--registrar", addr); err == nil || !strings.Contains(err.Error(), "hand.csv") || strings.Contains(err.Error(), secret) {
		t.Errorf("a CSV custody did not write: %v", err)
	}
}

// -d/--domain, as on every other accounts command: the domain of a bare
// username, and the one domain of a handover to check.
func TestCheckDomainFlag(t *testing.T) {
	addr := registrar(t)
	out, _, err := run(t, secret, user, "-d", domain, "--registrar", addr, "--password-stdin")
	if err != nil || !strings.Contains(out, "Outcome\taccepted") {
		t.Fatalf("bare user with -d: %v\n%s", err, out)
	}
	var fe *cmdutil.FlagError
	if _, _, err := run(t, secret, user+"@"+domain, "--domain", "other.example.com", "--registrar", addr, "--password-stdin"); !errors.As(err, &fe) {
		t.Fatalf("a domain given twice: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("sid,username,domain,password\nCR1,alice,"+domain+","+secret+"\nCR3,alice,other.example.com,"+secret+"\n"), 0o600)
	out, errOut, err := run(t, "", "--from-handover", bad, "--domain", domain, "--registrar", addr)
	if err != nil || strings.Count(out, "\n") != 1 || !strings.Contains(errOut, "Checked 1 accounts") {
		t.Fatalf("handover limited to one domain: %v\n%s%s", err, out, errOut)
	}
}

// A rejected password points to where the right one is (the handover of
// the run that set it, or its journal), never to rotating again: right
// after a rotation the old password is rejected, as it should be.
func TestRejectedPasswordPointsToHandover(t *testing.T) {
	err := ResultError("alice", "office.sip.twilio.com", sip.CheckResult{Outcome: sip.Rejected, StatusCode: 403, Reason: "Forbidden", Registrar: "127.0.0.1:5060"})
	var ee *cmdutil.ExitError
	var he *cmdutil.HintError
	if !errors.As(err, &ee) || ee.Code != cmdutil.ExitRejected || !errors.As(err, &he) {
		t.Fatalf("%v", err)
	}
	if !strings.Contains(he.Hint, "--from-handover") || !strings.Contains(he.Hint, "alice@office.sip.twilio.com") || strings.Contains(he.Hint, "rotate it") {
		t.Errorf("hint: %s", he.Hint)
	}
}
