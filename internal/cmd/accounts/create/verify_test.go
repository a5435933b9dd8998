package create

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/cmd/sandbox/serve"
	"github.com/sipctl/sipctl/internal/cmd/verify"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/sipctl/sipctl/internal/twilio"
)

// sandboxFixture is the sandbox profile as a user has it: a state directory
// whose database this process uses in-process while a real `sandbox serve`
// on the same directory runs the registrar (started by serve()).
type sandboxFixture struct {
	dir string
	p   provider.Provider
}

func newSandboxFixture(t *testing.T) *sandboxFixture {
	t.Helper()
	dir := t.TempDir()
	sb, err := sandbox.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
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
	return &sandboxFixture{dir: dir, p: p}
}

func (f *sandboxFixture) serve(t *testing.T) (sipAddr string) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve.ServeRun(ctx, &serve.ServeOptions{IO: ios, StateDir: func() (string, error) { return f.dir, nil },
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

func (f *sandboxFixture) domain(t *testing.T, name string, registration bool) {
	t.Helper()
	if _, err := f.p.CreateDomain(context.Background(), provider.DomainParams{DomainName: &name, SIPRegistration: &registration}); err != nil {
		t.Fatal(err)
	}
}

func (f *sandboxFixture) create(t *testing.T, user string, v verify.Options) (stdout, stderr string, err error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	ex := &cmdutil.Exporter{JSON: true, Fields: []string{"username", "password", "domain"}}
	opts := &CreateOptions{
		IO: ios, Exporter: ex, Provider: func() (provider.SIPAccounts, error) { return f.p, nil },
		Profile: func() (*config.Profile, error) {
			return &config.Profile{Name: "sandbox", Provider: config.ProviderSandbox}, nil
		},
		AuditLog: f.dir + "/audit.log", StateDir: f.dir, Account: user, Domain: "office", Verify: v,
	}
	err = createRun(context.Background(), opts)
	return out.String(), errOut.String(), err
}

func (f *sandboxFixture) credentials(t *testing.T) []string {
	t.Helper()
	var names []string
	ctx := context.Background()
	for l, err := range f.p.ListCredentialLists(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		for c, err := range f.p.ListCredentials(ctx, l.SID) {
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, c.Username)
		}
	}
	return names
}

// With the sandbox profile and no --registrar, --verify finds the running
// `sandbox serve` and its registrar accepts the new account at once.
func TestCreateVerifyWithSandboxServe(t *testing.T) {
	f := newSandboxFixture(t)
	f.domain(t, "office.sip.twilio.com", true)
	sipAddr := f.serve(t)
	stdout, stderr, err := f.create(t, "alice", verify.Options{Enabled: true, Transport: "udp"})
	if err != nil {
		t.Fatalf("create --verify: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "Verified with "+sipAddr+" (udp): accepted (200 OK)") {
		t.Fatalf("stderr:\n%s", stderr)
	}
	var got struct{ Username, Password, Domain string }
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || got.Password == "" {
		t.Fatalf("stdout %q: %v", stdout, err)
	}
	if strings.Contains(stderr, got.Password) {
		t.Fatal("the password reached stderr")
	}
	res, err := sip.Check(context.Background(), sip.CheckOptions{Username: "alice", Password: got.Password,
		Domain: "office.sip.twilio.com", Registrar: sipAddr, Timeout: 5 * time.Second})
	if err != nil || res.Outcome != sip.Accepted {
		t.Fatalf("printed password: %+v, %v", res, err)
	}
}

// Registration off: the account is created and printed, the REGISTER is
// refused, and the exit status is 5 with a hint that names domains check.
func TestCreateVerifyRejected(t *testing.T) {
	f := newSandboxFixture(t)
	f.domain(t, "office.sip.twilio.com", false)
	sipAddr := f.serve(t)
	stdout, stderr, err := f.create(t, "bob", verify.Options{Enabled: true, Registrar: sipAddr, Transport: "udp"})
	var ee *cmdutil.ExitError
	var he *cmdutil.HintError
	if !errors.As(err, &ee) || ee.Code != cmdutil.ExitRejected || !errors.As(err, &he) ||
		!strings.Contains(he.Hint, "sipctl domains check office.sip.twilio.com") {
		t.Fatalf("err = %v, want exit 5 with a domains check hint\n%s", err, stderr)
	}
	if !strings.Contains(stdout, `"password"`) || !strings.Contains(stderr, "rejected (404") {
		t.Fatalf("stdout %q, stderr:\n%s", stdout, stderr)
	}
	if names := f.credentials(t); len(names) != 1 || names[0] != "bob" {
		t.Fatalf("credentials %v, want bob created", names)
	}
}

func TestCreateVerifyNoAnswer(t *testing.T) {
	f := newSandboxFixture(t)
	f.domain(t, "office.sip.twilio.com", true)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := pc.LocalAddr().String()
	pc.Close()
	_, stderr, err := f.create(t, "carol", verify.Options{Enabled: true, Registrar: dead, Transport: "udp", Timeout: 200 * time.Millisecond})
	var ee *cmdutil.ExitError
	var he *cmdutil.HintError
	if !errors.As(err, &ee) || ee.Code != cmdutil.ExitNoAnswer || !errors.As(err, &he) ||
		!strings.Contains(he.Hint, "sipctl accounts check carol@office.sip.twilio.com --password-stdin --registrar "+dead) {
		t.Fatalf("err = %v, want exit 6 with an accounts check hint\n%s", err, stderr)
	}
}

// The sandbox's domains have Twilio's names, so without a running server or
// --registrar there is nowhere safe to verify: refuse before creating.
func TestCreateVerifySandboxWithoutServerChangesNothing(t *testing.T) {
	f := newSandboxFixture(t)
	f.domain(t, "office.sip.twilio.com", true)
	_, _, err := f.create(t, "dave", verify.Options{Enabled: true, Transport: "udp"})
	var he *cmdutil.HintError
	if !errors.As(err, &he) || !strings.Contains(he.Hint, "sipctl sandbox serve") {
		t.Fatalf("err = %v", err)
	}
	if names := f.credentials(t); len(names) != 0 {
		t.Fatalf("credentials %v, want none", names)
	}
}

func TestCreateVerifyFlags(t *testing.T) {
	for _, tc := range []struct{ args, wantErr string }{
		{"alice --verify --registrar 127.0.0.1:5070 --transport tcp", ""},
		{"alice --registrar 127.0.0.1:5070", "--registrar applies only with --verify"},
		{"alice --verify --transport sctp", "--transport must be"},
	} {
		t.Run(tc.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *CreateOptions
			cmd := NewCmdCreate(&cmdutil.Factory{IOStreams: ios}, func(o *CreateOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tc.args))
			cmd.SetOut(&strings.Builder{})
			cmd.SetErr(&strings.Builder{})
			err := cmd.Execute()
			if tc.wantErr != "" {
				var fe *cmdutil.FlagError
				if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want a usage error with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got == nil || !got.Verify.Enabled || got.Verify.Registrar != "127.0.0.1:5070" || got.Verify.Transport != "tcp" {
				t.Fatalf("err = %v, options %+v", err, got)
			}
		})
	}
}
