package create

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/twilio"
)

// recorder forwards to the in-process sandbox and keeps each POST body;
// onPost runs before a POST leaves (to see what is on disk then) and may
// answer instead of the sandbox.
type recorder struct {
	next     http.RoundTripper
	mu       sync.Mutex
	posts    map[string]url.Values
	requests atomic.Int64
	onPost   func(path string, form url.Values) *http.Response
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.requests.Add(1)
	if req.Method == http.MethodPost {
		b, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(b))
		form, _ := url.ParseQuery(string(b))
		r.mu.Lock()
		r.posts[req.URL.Path] = form
		r.mu.Unlock()
		if r.onPost != nil {
			if resp := r.onPost(req.URL.Path, form); resp != nil {
				resp.Request = req
				return resp, nil
			}
		}
	}
	return r.next.RoundTrip(req)
}

func answer(status int, code int, msg string) *http.Response {
	body, _ := json.Marshal(map[string]any{"code": code, "message": msg, "status": status})
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body))}
}

type fixture struct {
	sb       *sandbox.Sandbox
	p        provider.Provider
	rec      *recorder
	opts     *CreateOptions
	out, err *bytes.Buffer
	in       *bytes.Buffer
	ios      *iostreams.IOStreams
	state    string
	audit    string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	sb, err := sandbox.Open(filepath.Join(dir, "sandbox"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	rec := &recorder{next: sb.RoundTripper(), posts: map[string]url.Values{}}
	sid, tok := sb.Account()
	c, err := twilio.New(twilio.Options{BaseURL: "http://localhost", AccountSID: sid, Secret: tok, MaxRetries: -1,
		HTTPClient: &http.Client{Transport: rec}, ProviderName: "sandbox"})
	if err != nil {
		t.Fatal(err)
	}
	ios, in, out, errOut := iostreams.Test()
	fx := &fixture{sb: sb, p: c, rec: rec, out: out, err: errOut, in: in, ios: ios,
		state: filepath.Join(dir, "state"), audit: filepath.Join(dir, "audit.log")}
	fx.opts = &CreateOptions{
		IO:       ios,
		Provider: func() (provider.SIPAccounts, error) { return c, nil },
		Profile: func() (*config.Profile, error) {
			return &config.Profile{Name: "work", Provider: "twilio"}, nil
		},
		Exporter: &cmdutil.Exporter{},
		AuditLog: fx.audit,
		StateDir: fx.state,
		Domain:   "office",
	}
	return fx
}

func (fx *fixture) domain(t *testing.T, registration, secure bool) {
	t.Helper()
	name := "office.sip.twilio.com"
	if _, err := fx.p.CreateDomain(context.Background(), provider.DomainParams{DomainName: &name, SIPRegistration: &registration, Secure: &secure}); err != nil {
		t.Fatal(err)
	}
	fx.rec.requests.Store(0)
}

func (fx *fixture) auditLines(t *testing.T) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(fx.audit)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func journals(t *testing.T, state string) []string {
	t.Helper()
	js, err := journal.List(journal.Dir(state))
	if err != nil {
		t.Fatal(err)
	}
	return js
}

func credentialPost(path string) bool {
	return strings.HasSuffix(path, "/Credentials.json") && strings.Contains(path, "/CredentialLists/")
}

func TestCreateGeneratesJournalsPrintsAndAudits(t *testing.T) {
	fx := newFixture(t)
	fx.domain(t, true, false)
	// The password must be durably on record before the provider sees it.
	journaled := false
	var sent url.Values
	fx.rec.onPost = func(path string, form url.Values) *http.Response {
		if !credentialPost(path) {
			return nil
		}
		sent = form
		js := journals(t, fx.state)
		if len(js) != 1 {
			t.Errorf("journals before POST = %v, want 1", js)
			return nil
		}
		j, err := journal.Open(js[0])
		if err != nil {
			t.Error(err)
			return nil
		}
		defer j.Close()
		e := j.Entry(0)
		info, _ := os.Stat(js[0])
		journaled = e.Op == journal.OpCreate && e.Status == journal.Pending && e.Username == "alice" &&
			e.Domain == "office.sip.twilio.com" && e.Password == form.Get("Password") && info.Mode().Perm() == 0o600
		return nil
	}
	fx.opts.Account = "alice"
	fx.opts.Exporter = &cmdutil.Exporter{JSON: true}
	if err := createRun(context.Background(), fx.opts); err != nil {
		t.Fatal(err)
	}
	if !journaled {
		t.Error("the password was not journaled (pending, 0600) before the create request")
	}
	var got map[string]any
	if err := json.Unmarshal(fx.out.Bytes(), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, fx.out)
	}
	for k, want := range map[string]any{"username": "alice", "domain": "office.sip.twilio.com", "credential_list": "office-users",
		"registrar": "office.sip.twilio.com", "sip_uri": "sip:alice@office.sip.twilio.com"} {
		if got[k] != want {
			t.Errorf("json %s = %v, want %v", k, got[k], want)
		}
	}
	sid, _ := got["sid"].(string)
	pw, _ := got["password"].(string)
	if pw == "" || pw != sent.Get("Password") || sent.Get("Username") != "alice" || !strings.HasPrefix(sid, "CR") {
		t.Errorf("printed password %q sid %q, sent %v", pw, sid, sent)
	}
	pol, _ := password.Builtin("twilio")
	if err := pol.Validate(pw); err != nil {
		t.Errorf("generated password breaks the twilio policy: %v", err)
	}
	if ts, _ := json.Marshal(got["transports"]); string(ts) != `[{"port":5060,"protocol":"UDP"},{"port":5060,"protocol":"TCP"},{"port":5061,"protocol":"TLS"}]` {
		t.Errorf("transports = %s", ts)
	}
	if js := journals(t, fx.state); len(js) != 0 {
		t.Errorf("journal left on disk after the password was printed: %v", js)
	}
	lines := fx.auditLines(t)
	if len(lines) != 1 || lines[0]["action"] != "create" || lines[0]["outcome"] != "ok" || lines[0]["username"] != "alice" || lines[0]["profile"] != "work" {
		t.Errorf("audit = %v", lines)
	}
	if raw, _ := os.ReadFile(fx.audit); bytes.Contains(raw, []byte(pw)) {
		t.Error("the audit log holds the password")
	}
	if fx.err.Len() != 0 {
		t.Errorf("stderr = %q", fx.err)
	}
}

// --password-stdin: the user's own password is not printed back, everything
// else is; the registration-off warning comes on stderr.
func TestCreatePasswordStdinIsNotEchoed(t *testing.T) {
	for _, tty := range []bool{true, false} {
		fx := newFixture(t)
		fx.ios.SetStdoutTTY(tty)
		fx.domain(t, false, false)
		fx.in.WriteString("Correct-Horse-42\n")
		fx.opts.PasswordStdin = true
		fx.opts.Account = "alice@office.sip.twilio.com"
		fx.opts.Domain = ""
		if !tty {
			fx.opts.Exporter = &cmdutil.Exporter{JSON: true}
		}
		if err := createRun(context.Background(), fx.opts); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(fx.out.String(), "Correct-Horse-42") {
			t.Errorf("tty=%v: stdout echoes the password:\n%s", tty, fx.out)
		}
		for _, want := range []string{"office.sip.twilio.com", "alice"} {
			if !strings.Contains(fx.out.String(), want) {
				t.Errorf("tty=%v: stdout lacks %q:\n%s", tty, want, fx.out)
			}
		}
		if tty && !strings.Contains(fx.out.String(), "UDP 5060, TCP 5060, TLS 5061") {
			t.Errorf("no phone settings:\n%s", fx.out)
		}
		if !strings.Contains(fx.err.String(), "registration is disabled") {
			t.Errorf("stderr = %q, want a warning that phones cannot register", fx.err)
		}
		if sent := fx.rec.posts; len(sent) == 0 {
			t.Error("nothing was sent")
		}
		if js := journals(t, fx.state); len(js) != 0 {
			t.Errorf("journal left: %v", js)
		}
	}
}

func TestCreateMakesAndAttachesAListWhenNoneIsAttached(t *testing.T) {
	fx := newFixture(t)
	fx.domain(t, true, true)
	fx.opts.Account = "alice"
	fx.opts.Policy = "device-safe"
	fx.opts.Exporter = &cmdutil.Exporter{JSON: true, Fields: []string{"password", "transports", "srtp", "credential_list"}}
	if err := createRun(context.Background(), fx.opts); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Password   string
		Transports []map[string]any
		SRTP       bool
		List       string `json:"credential_list"`
	}
	json.Unmarshal(fx.out.Bytes(), &got)
	pol, _ := password.Builtin("device-safe")
	if err := pol.Validate(got.Password); err != nil {
		t.Errorf("--policy device-safe not used: %v", err)
	}
	if len(got.Transports) != 1 || got.Transports[0]["protocol"] != "TLS" || !got.SRTP || got.List != "office-users" {
		t.Errorf("secure domain output = %s", fx.out)
	}
}

func TestCreateRefusesAnExistingUsername(t *testing.T) {
	fx := newFixture(t)
	fx.domain(t, true, false)
	fx.opts.Account = "alice"
	fx.opts.Exporter = &cmdutil.Exporter{JSON: true}
	if err := createRun(context.Background(), fx.opts); err != nil {
		t.Fatal(err)
	}
	first := fx.out.String()
	fx.out.Reset()
	err := createRun(context.Background(), fx.opts)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("err = %v", err)
	}
	var he *cmdutil.HintError
	if !errors.As(err, &he) || !strings.Contains(he.Hint, "password rotate alice@office.sip.twilio.com") {
		t.Errorf("hint = %v", he)
	}
	if len(journals(t, fx.state)) != 0 {
		t.Error("journal left for a refused create")
	}
	var a struct{ Password string }
	json.Unmarshal([]byte(first), &a)
	if fx.out.Len() != 0 || a.Password == "" {
		t.Errorf("refused create printed %q", fx.out)
	}
}

func TestCreateRejectsBadInputBeforeAnyRequest(t *testing.T) {
	cases := []struct {
		name, account, domain, policy, stdin string
		rule                                 string
	}{
		{"long username", strings.Repeat("a", 33), "office", "", "", "at most 32"},
		{"domain outside sip.twilio.com", "alice", "office.example.com", "", "", "end in sip.twilio.com"},
		{"unknown policy", "alice", "office", "lenient", "", "unknown password policy"},
		{"weak stdin password", "alice", "office", "", "short\n", "does not meet the twilio policy"},
		{"no domain", "alice", "", "", "", "no domain"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t)
			fx.opts.Account, fx.opts.Domain, fx.opts.Policy = tc.account, tc.domain, tc.policy
			if tc.stdin != "" {
				fx.in.WriteString(tc.stdin)
				fx.opts.PasswordStdin = true
			}
			err := createRun(context.Background(), fx.opts)
			var fe *cmdutil.FlagError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.rule) {
				t.Fatalf("err = %v, want a usage error naming %q", err, tc.rule)
			}
			if strings.Contains(err.Error(), "short") && tc.stdin != "" {
				t.Errorf("error echoes the password: %v", err)
			}
			if n := fx.rec.requests.Load(); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

func TestCreateWithUnknownOutcomeKeepsThePasswordOnRecord(t *testing.T) {
	fx := newFixture(t)
	fx.domain(t, true, false)
	var sent url.Values
	fx.rec.onPost = func(path string, form url.Values) *http.Response {
		if credentialPost(path) {
			sent = form
			return answer(502, 20500, "Bad gateway")
		}
		return nil
	}
	fx.opts.Account = "alice"
	err := createRun(context.Background(), fx.opts)
	var he *cmdutil.HintError
	if !errors.As(err, &he) || !strings.Contains(he.Hint, "password rotate --resume") {
		t.Fatalf("err = %v", err)
	}
	js := journals(t, fx.state)
	if len(js) != 1 {
		t.Fatalf("journals = %v", js)
	}
	j, jerr := journal.Open(js[0])
	if jerr != nil {
		t.Fatal(jerr)
	}
	defer j.Close()
	if e := j.Entry(0); e.Status == journal.Done || e.Password != sent.Get("Password") || e.Password == "" {
		t.Errorf("journal entry = %+v", e)
	}
	if strings.Contains(err.Error(), sent.Get("Password")) {
		t.Error("the error holds the password")
	}
}

// UnknownDomainError runs create against an account without the domain;
// errors_test.go prints it as sipctl does.
func UnknownDomainError(t *testing.T) error {
	fx := newFixture(t)
	fx.opts.Account = "alice"
	fx.opts.Domain = "offce"
	return createRun(context.Background(), fx.opts)
}

// RejectedError runs a create that Twilio refuses with 21240, checks that
// no journal is left and the failure is audited, and returns the error for
// errors_test.go to print.
func RejectedError(t *testing.T) error {
	fx := newFixture(t)
	fx.domain(t, true, false)
	fx.rec.onPost = func(path string, form url.Values) *http.Response {
		if credentialPost(path) {
			return answer(400, 21240, "Credential list validation failed")
		}
		return nil
	}
	fx.opts.Account = "alice"
	err := createRun(context.Background(), fx.opts)
	if js := journals(t, fx.state); len(js) != 0 {
		t.Errorf("a rejected create left its journal: %v", js)
	}
	if a := fx.auditLines(t); len(a) != 1 || a[0]["outcome"] != "failed" || a[0]["action"] != "create" {
		t.Errorf("audit = %v", a)
	}
	return err
}

func TestCreateFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Globals: &cmdutil.Globals{AuditLog: "/tmp/a.log"}}
	var got *CreateOptions
	cmd := NewCmdCreate(f, func(o *CreateOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"alice", "--domain", "office", "--list", "staff", "--policy", "strict", "--password-stdin", "--json=username,password"})
	cmd.SetOut(io.Discard)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Account != "alice" || got.Domain != "office" || got.List != "staff" || got.Policy != "strict" || !got.PasswordStdin ||
		got.AuditLog != "/tmp/a.log" || !got.Exporter.Enabled() || strings.Join(got.Exporter.Fields, ",") != "username,password" {
		t.Errorf("options = %+v", got)
	}
	if cmd.Flags().Lookup("password") != nil {
		t.Error("a flag takes the password as its value")
	}
	// Output that would drop the only copy of a generated password is a
	// usage error before anything runs.
	for _, args := range [][]string{{"alice", "--json=username"}, {"alice", "--jq", ".sid"}} {
		got = nil
		cmd := NewCmdCreate(f, func(o *CreateOptions) error { got = o; return nil })
		cmd.SetArgs(args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		var fe *cmdutil.FlagError
		if err := cmd.Execute(); !errors.As(err, &fe) || got != nil || !strings.Contains(err.Error(), "password") {
			t.Errorf("%v: err %v", args, err)
		}
	}
}
