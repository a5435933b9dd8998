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
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/twilio"
	tt "github.com/sipctl/sipctl/internal/twilio/twiliotest"
)

var (
	domainSID = tt.SID("SD", 1)
	listSID   = tt.SID("CL", 1)
	credSID   = tt.SID("CR", 1)
)

// recorder forwards to the stub and keeps each POST body; onPost runs
// before a POST leaves, to see what is on disk at that moment.
type recorder struct {
	mu     sync.Mutex
	posts  map[string]url.Values
	onPost func(path string, form url.Values)
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPost {
		b, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(b))
		form, _ := url.ParseQuery(string(b))
		r.mu.Lock()
		r.posts[req.URL.Path] = form
		r.mu.Unlock()
		if r.onPost != nil {
			r.onPost(req.URL.Path, form)
		}
	}
	return http.DefaultTransport.RoundTrip(req)
}

type fixture struct {
	srv      *tt.Server
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
	srv := tt.New(t)
	rec := &recorder{posts: map[string]url.Values{}}
	c, err := twilio.New(twilio.Options{BaseURL: srv.URL(), AccountSID: tt.AccountSID, Secret: tt.AuthToken, MaxRetries: -1,
		HTTPClient: &http.Client{Transport: rec}})
	if err != nil {
		t.Fatal(err)
	}
	ios, in, out, errOut := iostreams.Test()
	dir := t.TempDir()
	fx := &fixture{srv: srv, rec: rec, out: out, err: errOut, in: in, ios: ios,
		state: filepath.Join(dir, "state"), audit: filepath.Join(dir, "audit.log")}
	fx.opts = &CreateOptions{
		IO:       ios,
		Provider: func() (provider.Provider, error) { return c, nil },
		Profile: func() (*config.Profile, error) {
			return &config.Profile{Name: "work", Provider: "twilio", AccountSID: tt.AccountSID}, nil
		},
		Exporter: &cmdutil.Exporter{},
		AuditLog: fx.audit,
		StateDir: fx.state,
		Domain:   "office",
	}
	return fx
}

const regPath = "SIP/Domains/%s/Auth/Registrations/CredentialListMappings.json"

func (fx *fixture) expectDomainWithList(registration bool) {
	fx.srv.Expect("GET", "SIP/Domains.json", nil, 0, tt.Page("domains", "",
		tt.Domain(tt.SID("SD", 9), "other.sip.twilio.com", nil),
		tt.Domain(domainSID, "office.sip.twilio.com", map[string]any{"sip_registration": registration})))
	fx.srv.Expect("GET", "SIP/Domains/"+domainSID+"/Auth/Registrations/CredentialListMappings.json", nil, 0,
		tt.Page("contents", "", tt.Mapping(listSID, "office-users")))
	fx.srv.Expect("GET", "SIP/Domains/"+domainSID+"/Auth/Calls/CredentialListMappings.json", nil, 0,
		tt.Page("contents", "", tt.Mapping(listSID, "office-users")))
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

func TestCreateGeneratesJournalsPrintsAndAudits(t *testing.T) {
	fx := newFixture(t)
	fx.expectDomainWithList(true)
	fx.srv.Expect("GET", "SIP/CredentialLists/"+listSID+"/Credentials.json", nil, 0,
		tt.Page("credentials", "", tt.Credential(tt.SID("CR", 7), listSID, "bob")))
	fx.srv.Expect("POST", "SIP/CredentialLists/"+listSID+"/Credentials.json", nil, 201, tt.Credential(credSID, listSID, "alice"))

	// The password must be durably on record before the provider sees it.
	journaled := false
	fx.rec.onPost = func(path string, form url.Values) {
		js := journals(t, fx.state)
		if len(js) != 1 {
			t.Errorf("journals before POST = %v, want 1", js)
			return
		}
		j, err := journal.Open(js[0])
		if err != nil {
			t.Error(err)
			return
		}
		defer j.Close()
		e := j.Entry(0)
		info, _ := os.Stat(js[0])
		journaled = e.Op == journal.OpCreate && e.Status == journal.Pending && e.Username == "alice" &&
			e.CredentialListSID == listSID && e.Domain == "office.sip.twilio.com" && e.Password == form.Get("Password") &&
			info.Mode().Perm() == 0o600
	}
	fx.opts.Account = "alice"
	fx.opts.Exporter = &cmdutil.Exporter{JSON: true}
	if err := createRun(context.Background(), fx.opts); err != nil {
		t.Fatal(err)
	}
	if !journaled {
		t.Error("the password was not journaled (pending, 0600) before the create request")
	}
	sent := fx.rec.posts["/2010-04-01/Accounts/"+tt.AccountSID+"/SIP/CredentialLists/"+listSID+"/Credentials.json"]
	var got map[string]any
	if err := json.Unmarshal(fx.out.Bytes(), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, fx.out)
	}
	for k, want := range map[string]any{"sid": credSID, "username": "alice", "domain": "office.sip.twilio.com",
		"credential_list_sid": listSID, "registrar": "office.sip.twilio.com", "sip_uri": "sip:alice@office.sip.twilio.com"} {
		if got[k] != want {
			t.Errorf("json %s = %v, want %v", k, got[k], want)
		}
	}
	pw, _ := got["password"].(string)
	if pw == "" || pw != sent.Get("Password") || sent.Get("Username") != "alice" {
		t.Errorf("printed password %q, sent %v", pw, sent)
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
	if len(lines) != 1 || lines[0]["action"] != "create" || lines[0]["outcome"] != "ok" || lines[0]["sid"] != credSID ||
		lines[0]["username"] != "alice" || lines[0]["profile"] != "work" || lines[0]["account_sid"] != tt.AccountSID {
		t.Errorf("audit = %v", lines)
	}
	if raw, _ := os.ReadFile(fx.audit); bytes.Contains(raw, []byte(pw)) {
		t.Error("the audit log holds the password")
	}
	if fx.err.Len() != 0 {
		t.Errorf("stderr = %q", fx.err)
	}
}

func TestCreateTTYShowsPhoneSettingsAndWarnsWhenRegistrationOff(t *testing.T) {
	fx := newFixture(t)
	fx.ios.SetStdoutTTY(true)
	fx.expectDomainWithList(false)
	fx.srv.Expect("GET", "SIP/CredentialLists/"+listSID+"/Credentials.json", nil, 0, tt.Page("credentials", ""))
	fx.srv.Expect("POST", "SIP/CredentialLists/"+listSID+"/Credentials.json",
		url.Values{"Username": {"alice"}, "Password": {"Correct-Horse-42"}}, 201, tt.Credential(credSID, listSID, "alice"))
	fx.in.WriteString("Correct-Horse-42\n")
	fx.opts.PasswordStdin = true
	fx.opts.Account = "alice@office.sip.twilio.com"
	fx.opts.Domain = ""
	if err := createRun(context.Background(), fx.opts); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"shown once", "Password:", "Correct-Horse-42", "Registrar:", "office.sip.twilio.com",
		"UDP 5060, TCP 5060, TLS 5061", "office-users (" + listSID + ")"} {
		if !strings.Contains(fx.out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, fx.out)
		}
	}
	if !strings.Contains(fx.err.String(), "registration is disabled") {
		t.Errorf("stderr = %q, want a warning that phones cannot register", fx.err)
	}
}

func TestCreateMakesAndAttachesAListWhenNoneIsAttached(t *testing.T) {
	fx := newFixture(t)
	fx.srv.Expect("GET", "SIP/Domains.json", nil, 0, tt.Page("domains", "",
		tt.Domain(domainSID, "office.sip.twilio.com", map[string]any{"sip_registration": true, "secure": true})))
	fx.srv.Expect("GET", "SIP/Domains/"+domainSID+"/Auth/Registrations/CredentialListMappings.json", nil, 0, tt.Page("contents", ""))
	fx.srv.Expect("GET", "SIP/Domains/"+domainSID+"/Auth/Calls/CredentialListMappings.json", nil, 0, tt.Page("contents", ""))
	fx.srv.Expect("GET", "SIP/CredentialLists.json", nil, 0, tt.Page("credential_lists", "", tt.CredentialList(tt.SID("CL", 5), "office-admins")))
	fx.srv.Expect("POST", "SIP/CredentialLists.json", url.Values{"FriendlyName": {"office-users"}}, 201, tt.CredentialList(listSID, "office-users"))
	fx.srv.Expect("POST", "SIP/Domains/"+domainSID+"/Auth/Calls/CredentialListMappings.json", url.Values{"CredentialListSid": {listSID}}, 201, tt.Mapping(listSID, "office-users"))
	fx.srv.Expect("POST", "SIP/Domains/"+domainSID+"/Auth/Registrations/CredentialListMappings.json", url.Values{"CredentialListSid": {listSID}}, 201, tt.Mapping(listSID, "office-users"))
	fx.srv.Expect("GET", "SIP/CredentialLists/"+listSID+"/Credentials.json", nil, 0, tt.Page("credentials", ""))
	fx.srv.Expect("POST", "SIP/CredentialLists/"+listSID+"/Credentials.json", nil, 201, tt.Credential(credSID, listSID, "alice"))
	fx.opts.Account = "alice"
	fx.opts.Policy = "device-safe"
	fx.opts.Exporter = &cmdutil.Exporter{JSON: true, Fields: []string{"password", "transports", "srtp", "credential_list_sid"}}
	if err := createRun(context.Background(), fx.opts); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Password   string
		Transports []map[string]any
		SRTP       bool
		ListSID    string `json:"credential_list_sid"`
	}
	json.Unmarshal(fx.out.Bytes(), &got)
	pol, _ := password.Builtin("device-safe")
	if err := pol.Validate(got.Password); err != nil {
		t.Errorf("--policy device-safe not used: %v", err)
	}
	if len(got.Transports) != 1 || got.Transports[0]["protocol"] != "TLS" || !got.SRTP || got.ListSID != listSID {
		t.Errorf("secure domain output = %s", fx.out)
	}
	if !strings.Contains(fx.err.String(), "Attached credential list office-users to office.sip.twilio.com for calls and registrations") {
		t.Errorf("stderr = %q", fx.err)
	}
}

func TestCreateRefusesAnExistingUsername(t *testing.T) {
	fx := newFixture(t)
	fx.expectDomainWithList(true)
	fx.srv.Expect("GET", "SIP/CredentialLists/"+listSID+"/Credentials.json", nil, 0,
		tt.Page("credentials", "", tt.Credential(credSID, listSID, "alice")))
	fx.opts.Account = "alice"
	err := createRun(context.Background(), fx.opts)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("err = %v", err)
	}
	var he *cmdutil.HintError
	if !errors.As(err, &he) || !strings.Contains(he.Hint, "password rotate alice@office.sip.twilio.com") {
		t.Errorf("hint = %v", he)
	}
	if len(journals(t, fx.state)) != 0 {
		t.Error("journal written for a refused create")
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
			fx.opts.Profile = func() (*config.Profile, error) { return &config.Profile{Name: "work", Provider: "twilio"}, nil }
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
			if n := fx.srv.Requests(); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

// UnknownDomainError runs create against an account without the domain;
// errors_test.go prints it as sipctl does.
func UnknownDomainError(t *testing.T) error {
	fx := newFixture(t)
	fx.srv.Expect("GET", "SIP/Domains.json", nil, 0, tt.Page("domains", "", tt.Domain(tt.SID("SD", 9), "other.sip.twilio.com", nil)))
	fx.opts.Account = "alice"
	fx.opts.Domain = "offce"
	return createRun(context.Background(), fx.opts)
}

// RejectedError runs a create that Twilio refuses with 21240, checks that
// no journal is left and the failure is audited, and returns the error for
// errors_test.go to print.
func RejectedError(t *testing.T) error {
	fx := newFixture(t)
	fx.expectDomainWithList(true)
	fx.srv.Expect("GET", "SIP/CredentialLists/"+listSID+"/Credentials.json", nil, 0, tt.Page("credentials", ""))
	fx.srv.Expect("POST", "SIP/CredentialLists/"+listSID+"/Credentials.json", nil, 400, tt.Error(400, 21240, "Credential list validation failed"))
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

func TestCreateWithUnknownOutcomeKeepsThePasswordOnRecord(t *testing.T) {
	fx := newFixture(t)
	fx.expectDomainWithList(true)
	fx.srv.Expect("GET", "SIP/CredentialLists/"+listSID+"/Credentials.json", nil, 0, tt.Page("credentials", ""))
	fx.srv.Expect("POST", "SIP/CredentialLists/"+listSID+"/Credentials.json", nil, 502, tt.Error(502, 20500, "Bad gateway"))
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
	sent := fx.rec.posts["/2010-04-01/Accounts/"+tt.AccountSID+"/SIP/CredentialLists/"+listSID+"/Credentials.json"]
	if e := j.Entry(0); e.Status != journal.Pending || e.Password != sent.Get("Password") || e.Password == "" {
		t.Errorf("journal entry = %+v", e)
	}
	if strings.Contains(err.Error(), sent.Get("Password")) {
		t.Error("the error holds the password")
	}
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
}
