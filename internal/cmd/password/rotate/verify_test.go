package rotate

import (
	"context"
	"encoding/csv"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/cmd/verify"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/rotate"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/sipctl/sipctl/internal/twilio"
)

// verifyFixture is the sandbox (in-process API) with its real registrar on
// free loopback ports, as `sandbox serve` runs them.
type verifyFixture struct {
	p       provider.Provider
	sipAddr string
}

func newVerifyFixture(t *testing.T) *verifyFixture {
	t.Helper()
	sb, err := sandbox.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	reg, err := sip.NewRegistrar(sb, sip.RegistrarOptions{})
	if err != nil {
		t.Fatal(err)
	}
	udp, tcp, err := reg.ListenUDPAndTCP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	for _, l := range []*sip.Listener{udp, tcp} {
		go func() { l.Serve(ctx); done <- struct{}{} }()
	}
	t.Cleanup(func() { cancel(); <-done; <-done; reg.Close() })

	sid, tok := sb.Account()
	c, err := twilio.New(twilio.Options{BaseURL: "http://localhost", AccountSID: sid, Secret: tok,
		HTTPClient: &http.Client{Transport: sb.RoundTripper()}, MaxRetries: -1, ProviderName: "sandbox"})
	if err != nil {
		t.Fatal(err)
	}
	p, ok := any(c).(provider.Provider)
	if !ok {
		t.Fatal("the Twilio client is not a provider.Provider")
	}
	return &verifyFixture{p: p, sipAddr: udp.Addr().String()}
}

// addDomain makes a domain with registration on and a list holding users,
// attached for registrations (or for calls only, where phones cannot
// register).
func (f *verifyFixture) addDomain(t *testing.T, name string, forRegistrations bool, users ...string) {
	t.Helper()
	ctx := context.Background()
	on := true
	d, err := f.p.CreateDomain(ctx, provider.DomainParams{DomainName: &name, SIPRegistration: &on})
	if err != nil {
		t.Fatal(err)
	}
	l, err := f.p.CreateCredentialList(ctx, name+"-users")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if _, err := f.p.CreateCredential(ctx, l.SID, u, "Old-Password-2024x"); err != nil {
			t.Fatal(err)
		}
	}
	kind := provider.ForCalls
	if forRegistrations {
		kind = provider.ForRegistrations
	}
	if _, err := f.p.AttachCredentialList(ctx, d.SID, kind, l.SID); err != nil {
		t.Fatal(err)
	}
}

func (f *verifyFixture) check(t *testing.T, user, domain, password string) sip.CheckResult {
	t.Helper()
	res, err := sip.Check(context.Background(), sip.CheckOptions{Username: user, Password: password, Domain: domain,
		Registrar: f.sipAddr, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (f *verifyFixture) run(t *testing.T, v verify.Options, output string, users ...string) (string, error) {
	t.Helper()
	ios, _, _, stderr := iostreams.Test()
	dir := t.TempDir()
	opts := &RotateOptions{
		IO: ios, Exporter: &cmdutil.Exporter{}, Provider: func() (provider.SIPAccounts, error) { return f.p, nil },
		StateDir: func() string { return dir }, Users: users, Yes: true, Output: output,
		Concurrency: 4, AuditLog: filepath.Join(dir, "audit.log"), Verify: v,
	}
	err := rotateRun(context.Background(), opts)
	return stderr.String(), err
}

func readRecords(t *testing.T, path string) map[string]rotate.Record {
	t.Helper()
	out := map[string]rotate.Record{}
	for _, r := range readHandover(t, path) {
		out[r.Username+"@"+r.Domain] = r
	}
	return out
}

func TestVerifyAccepted(t *testing.T) {
	f := newVerifyFixture(t)
	f.addDomain(t, "office.sip.twilio.com", true, "alice", "bob")
	handover := filepath.Join(t.TempDir(), "h.json")
	stderr, err := f.run(t, verify.Options{Enabled: true, Registrar: f.sipAddr, Transport: "udp"}, handover,
		"alice@office.sip.twilio.com", "bob@office.sip.twilio.com")
	if err != nil {
		t.Fatalf("rotate --verify: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "Verified 2 of 2 with "+f.sipAddr+" (udp).") {
		t.Fatalf("stderr:\n%s", stderr)
	}
	recs := readRecords(t, handover)
	for _, u := range []string{"alice", "bob"} {
		r := recs[u+"@office.sip.twilio.com"]
		if r.Verified != string(sip.Accepted) || r.Password == "" {
			t.Fatalf("%s: record %+v", u, r)
		}
		if strings.Contains(stderr, r.Password) {
			t.Fatal("a password reached stderr")
		}
		// The record's password is the one the registrar now takes.
		if res := f.check(t, u, "office.sip.twilio.com", r.Password); res.Outcome != sip.Accepted {
			t.Fatalf("%s: handover password %+v", u, res)
		}
		if res := f.check(t, u, "office.sip.twilio.com", "Old-Password-2024x"); res.Outcome != sip.Rejected {
			t.Fatalf("%s: old password %+v", u, res)
		}
	}
}

// A password the provider took but the registrar refuses (the user's list is
// attached for calls only) is a failure, exit 3, and stays in the handover.
func TestVerifyRejectedKeepsPassword(t *testing.T) {
	f := newVerifyFixture(t)
	f.addDomain(t, "office.sip.twilio.com", true, "alice")
	f.addDomain(t, "calls.sip.twilio.com", false, "carol")
	handover := filepath.Join(t.TempDir(), "h.csv")
	stderr, err := f.run(t, verify.Options{Enabled: true, Registrar: f.sipAddr, Transport: "udp"}, handover,
		"alice@office.sip.twilio.com", "carol@calls.sip.twilio.com")
	var pe *cmdutil.PartialError
	if !errors.As(err, &pe) || pe.Failed != 1 || pe.Total != 2 {
		t.Fatalf("err = %#v, want a partial failure of 1 in 2\n%s", err, stderr)
	}
	want := "sipctl accounts check carol@calls.sip.twilio.com --from-handover " + handover + " --registrar " + f.sipAddr
	if pe.RetryCommand != want {
		t.Fatalf("retry command %q, want %q", pe.RetryCommand, want)
	}
	if !strings.Contains(stderr, "Rotated 2, failed 0, not attempted 0 (of 2); verified 1, unverified 1.") || !strings.Contains(stderr, "Verified 1 of 2") ||
		!strings.Contains(stderr, "not verified: carol@calls.sip.twilio.com") || !strings.Contains(stderr, "rejected (404") {
		t.Fatalf("stderr:\n%s", stderr)
	}

	raw, err := os.ReadFile(handover)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	if err != nil || len(rows) != 3 || strings.Join(rows[0], ",") != "sid,username,domain,password,verified" {
		t.Fatalf("handover CSV: %v %v", rows, err)
	}
	got := map[string][]string{}
	for _, r := range rows[1:] {
		got[r[1]] = r
	}
	if got["alice"][4] != "accepted" || got["carol"][4] != "rejected" || got["carol"][3] == "" {
		t.Fatalf("handover rows: %v", rows)
	}
	// Carol's password was set: once her list serves registrations, the
	// handover's password registers.
	ctx := context.Background()
	var domainSID, listSID string
	for d, err := range f.p.ListDomains(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if d.DomainName == "calls.sip.twilio.com" {
			domainSID = d.SID
		}
	}
	for l, err := range f.p.ListCredentialLists(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if l.FriendlyName == "calls.sip.twilio.com-users" {
			listSID = l.SID
		}
	}
	if _, err := f.p.AttachCredentialList(ctx, domainSID, provider.ForRegistrations, listSID); err != nil {
		t.Fatal(err)
	}
	if res := f.check(t, "carol", "calls.sip.twilio.com", got["carol"][3]); res.Outcome != sip.Accepted {
		t.Fatalf("carol's handover password: %+v", res)
	}
}

func TestVerifyNoAnswerIsAFailure(t *testing.T) {
	f := newVerifyFixture(t)
	f.addDomain(t, "office.sip.twilio.com", true, "alice")
	// A UDP port nobody listens on: the probe times out.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := pc.LocalAddr().String()
	pc.Close()
	handover := filepath.Join(t.TempDir(), "h.json")
	stderr, err := f.run(t, verify.Options{Enabled: true, Registrar: dead, Transport: "udp", Timeout: 300 * time.Millisecond}, handover,
		"alice@office.sip.twilio.com")
	var pe *cmdutil.PartialError
	if !errors.As(err, &pe) || pe.Failed != 1 {
		t.Fatalf("err = %v\n%s", err, stderr)
	}
	r := readRecords(t, handover)["alice@office.sip.twilio.com"]
	if r.Verified != string(sip.NoAnswer) {
		t.Fatalf("record %+v", r)
	}
	if res := f.check(t, "alice", "office.sip.twilio.com", r.Password); res.Outcome != sip.Accepted {
		t.Fatalf("handover password: %+v", res)
	}
}

func TestVerifyFlags(t *testing.T) {
	for _, tc := range []struct {
		args, wantErr string
		check         func(*RotateOptions) bool
	}{
		{"alice@d --output h.json --verify", "", func(o *RotateOptions) bool {
			return o.Verify.Enabled && o.Verify.Registrar == "" && o.Verify.Transport == "udp"
		}},
		{"alice@d --output h.json --verify --registrar 127.0.0.1:5070 --transport TCP", "", func(o *RotateOptions) bool {
			return o.Verify.Registrar == "127.0.0.1:5070" && o.Verify.Transport == "tcp"
		}},
		{"alice@d --output h.json --registrar 127.0.0.1:5070", "--registrar applies only with --verify", nil},
		{"alice@d --output h.json --verify --transport sctp", "--transport must be", nil},
		{"alice@d --output h.json --verify --registrar 5070", "expected host:port", nil},
		{"alice@d --dry-run --verify", "--dry-run sets none", nil},
	} {
		t.Run(tc.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *RotateOptions
			cmd := NewCmdRotate(&cmdutil.Factory{IOStreams: ios}, func(o *RotateOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tc.args))
			cmd.SetOut(&strings.Builder{})
			cmd.SetErr(&strings.Builder{})
			err := cmd.Execute()
			if tc.wantErr != "" {
				var fe *cmdutil.FlagError
				if err == nil || !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want a usage error with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got == nil || !tc.check(got) {
				t.Fatalf("err = %v, options %+v", err, got)
			}
		})
	}
}

// A run left unfinished is retried with --resume, and the retry verifies as
// the run did: --registrar only when the user gave it.
func TestResumeCommandKeepsVerify(t *testing.T) {
	for _, tc := range []struct {
		v    verify.Options
		want string
	}{
		{verify.Options{}, "sipctl password rotate --resume run1 --output h.json"},
		{verify.Options{Enabled: true, Transport: "udp"}, "sipctl password rotate --resume run1 --output h.json --verify"},
		{verify.Options{Enabled: true, Registrar: "127.0.0.1:5070", Transport: "tcp"},
			"sipctl password rotate --resume run1 --output h.json --verify --registrar 127.0.0.1:5070 --transport tcp"},
		{verify.Options{Enabled: true, Registrar: "127.0.0.1:5070", Transport: "udp", Discovered: true},
			"sipctl password rotate --resume run1 --output h.json --verify"},
	} {
		opts := &RotateOptions{Exporter: &cmdutil.Exporter{}, Output: "h.json", Verify: tc.v}
		if got := resumeCommand(opts, "run1"); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.v, got, tc.want)
		}
	}
}

// --resume RUN-ID works with a space as well as with =, and -y is --yes.
func TestResumeFlagForms(t *testing.T) {
	const id = "20260101T120000.000000Z-0123abcd"
	for _, args := range [][]string{{"--resume", id}, {"--resume=" + id}, {"--resume"}, {"-y", "a@d", "-o", "h.json"}} {
		ios, _, _, _ := iostreams.Test()
		var got *RotateOptions
		cmd := NewCmdRotate(&cmdutil.Factory{IOStreams: ios}, func(o *RotateOptions) error { got = o; return nil })
		cmd.SetArgs(args)
		cmd.SetOut(&strings.Builder{})
		cmd.SetErr(&strings.Builder{})
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		switch {
		case args[0] == "-y":
			if !got.Yes {
				t.Errorf("-y did not set --yes")
			}
		case len(args) == 1 && args[0] == "--resume":
			if !got.Resume || got.ResumeRun != "" {
				t.Errorf("%v: %+v", args, got)
			}
		default:
			if !got.Resume || got.ResumeRun != id || len(got.Users) != 0 {
				t.Errorf("%v: resume %v run %q users %v", args, got.Resume, got.ResumeRun, got.Users)
			}
		}
	}
}
