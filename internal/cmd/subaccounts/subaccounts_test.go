package subaccounts_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/sipctl/sipctl/internal/cmd/subaccounts"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sipctlcmd"
	"github.com/sipctl/sipctl/internal/twilio"
)

const (
	parent = "AC0123456789abcdef0123456789abcdef"
	token  = "stub-token-0123456789abcdef0123456789"
	date   = "Mon, 20 Jul 2015 17:27:10 +0000"
)

func sub(n int) string { return fmt.Sprintf("AC%032x", n+0x100) }

func account(sid, name, status string) string {
	b, _ := json.Marshal(map[string]any{"sid": sid, "owner_account_sid": parent, "friendly_name": name, "status": status, "type": "Full",
		"auth_token": "secret-token-of-" + name, "date_created": date, "date_updated": date})
	if sid == parent {
		b, _ = json.Marshal(map[string]any{"sid": sid, "owner_account_sid": parent, "friendly_name": name, "status": status, "type": "Full", "date_created": date})
	}
	return string(b)
}

func page(next string, items ...string) string {
	n := "null"
	if next != "" {
		n = `"` + next + `"`
	}
	return `{"accounts":[` + strings.Join(items, ",") + `],"next_page_uri":` + n + `}`
}

type expect struct {
	method, path, query string
	form                url.Values
	status              int
	body                string
	used                bool
}

// stub is Twilio's account API: subaccounts live at /2010-04-01/Accounts,
// outside any one account's path. Unexpected and unused requests fail.
type stub struct {
	t    *testing.T
	mu   sync.Mutex
	exps []*expect
	n    int
	srv  *httptest.Server
}

func newStub(t *testing.T) *stub {
	s := &stub{t: t}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != parent || p != token {
			t.Errorf("request without the parent's credentials: %s %s", r.Method, r.URL)
		}
		var form url.Values
		if r.Method == "POST" {
			b, _ := io.ReadAll(r.Body)
			form, _ = url.ParseQuery(string(b))
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.n++
		for _, e := range s.exps {
			if !e.used && e.method == r.Method && e.path == r.URL.Path && (e.query == "" || strings.Contains(r.URL.RawQuery, e.query)) {
				e.used = true
				if e.form != nil && form.Encode() != e.form.Encode() {
					t.Errorf("%s %s form = %v, want %v", r.Method, r.URL.Path, form, e.form)
				}
				if e.status != 0 {
					w.WriteHeader(e.status)
				}
				io.WriteString(w, e.body)
				return
			}
		}
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
		w.WriteHeader(500)
	}))
	t.Cleanup(func() {
		s.srv.Close()
		for _, e := range s.exps {
			if !e.used {
				t.Errorf("expected %s %s?%s was never requested", e.method, e.path, e.query)
			}
		}
	})
	return s
}

func (s *stub) expect(e expect) { s.mu.Lock(); s.exps = append(s.exps, &e); s.mu.Unlock() }
func (s *stub) requests() int   { s.mu.Lock(); defer s.mu.Unlock(); return s.n }

type run struct {
	ios                *iostreams.IOStreams
	in, stdout, stderr *bytes.Buffer
	s                  *stub
}

func newRun(t *testing.T) *run {
	ios, in, out, errOut := iostreams.Test()
	return &run{ios: ios, in: in, stdout: out, stderr: errOut, s: newStub(t)}
}

func (r *run) exec(args ...string) int {
	c, err := twilio.New(twilio.Options{BaseURL: r.s.srv.URL, AccountSID: parent, Secret: token, MaxRetries: -1})
	if err != nil {
		r.s.t.Fatal(err)
	}
	f := &cmdutil.Factory{IOStreams: r.ios, Provider: func() (provider.SIPAccounts, error) { return c, nil }}
	cmd := subaccounts.NewCmdSubaccounts(f)
	cmd.SetArgs(args)
	cmd.SetOut(r.stdout)
	cmd.SetErr(r.stderr)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	subcmd, err := cmd.ExecuteC()
	if err == nil {
		return 0
	}
	return sipctlcmd.PrintError(r.stderr, subcmd, err)
}

const accounts = "/2010-04-01/Accounts.json"

func TestListFollowsPagesAndLeavesOutTheParent(t *testing.T) {
	r := newRun(t)
	r.s.expect(expect{method: "GET", path: accounts, query: "PageSize=1000", body: page(accounts+"?PageSize=1000&Page=1&PageToken=PA1",
		account(parent, "reseller", "active"), account(sub(1), "acme", "active"))})
	r.s.expect(expect{method: "GET", path: accounts, query: "Page=1", body: page(accounts+"?PageSize=1000&Page=2&PageToken=PA2", account(sub(2), "globex", "suspended"))})
	r.s.expect(expect{method: "GET", path: accounts, query: "Page=2", body: page("", account(sub(3), "initech", "closed"))})
	if code := r.exec("list"); code != 0 {
		t.Fatalf("exit %d: %s", code, r.stderr)
	}
	want := sub(1) + "\tacme\tactive\tFull\t2015-07-20T17:27:10Z\n" +
		sub(2) + "\tglobex\tsuspended\tFull\t2015-07-20T17:27:10Z\n" +
		sub(3) + "\tinitech\tclosed\tFull\t2015-07-20T17:27:10Z\n"
	if r.stdout.String() != want {
		t.Errorf("got %q\nwant %q", r.stdout, want)
	}
}

func TestListJSONNeverHoldsAnAuthToken(t *testing.T) {
	r := newRun(t)
	r.s.expect(expect{method: "GET", path: accounts, body: page("", account(sub(1), "acme", "active"))})
	if code := r.exec("list", "--json"); code != 0 {
		t.Fatalf("exit %d: %s", code, r.stderr)
	}
	var got []map[string]any
	if err := json.Unmarshal(r.stdout.Bytes(), &got); err != nil || len(got) != 1 || got[0]["sid"] != sub(1) || got[0]["status"] != "active" {
		t.Errorf("json %s (%v)", r.stdout, err)
	}
	if strings.Contains(r.stdout.String(), "secret-token") || strings.Contains(r.stdout.String(), "auth_token") {
		t.Errorf("output holds the subaccount's auth token: %s", r.stdout)
	}
}

func TestCreate(t *testing.T) {
	r := newRun(t)
	r.ios.SetStdoutTTY(true)
	r.s.expect(expect{method: "GET", path: accounts, body: page("", account(sub(1), "acme", "active"))})
	r.s.expect(expect{method: "POST", path: accounts, form: url.Values{"FriendlyName": {"globex"}}, status: 201, body: account(sub(2), "globex", "active")})
	if code := r.exec("create", "globex"); code != 0 {
		t.Fatalf("exit %d: %s", code, r.stderr)
	}
	if got := r.stdout.String(); got != "Created subaccount globex ("+sub(2)+"). Work in it with --subaccount globex\n" {
		t.Errorf("stdout %q", got)
	}
}

func TestCreateRefusesADuplicateName(t *testing.T) {
	r := newRun(t)
	r.s.expect(expect{method: "GET", path: accounts, body: page("", account(sub(1), "Acme", "active"))})
	if code := r.exec("create", "acme"); code != 1 || !strings.Contains(r.stderr.String(), `a subaccount named "Acme" already exists`) {
		t.Errorf("exit %d, stderr %q", code, r.stderr)
	}
}

func TestSuspendAndActivateByName(t *testing.T) {
	for _, tc := range []struct{ verb, from, to string }{{"suspend", "active", "suspended"}, {"activate", "suspended", "active"}} {
		t.Run(tc.verb, func(t *testing.T) {
			r := newRun(t)
			r.s.expect(expect{method: "GET", path: accounts, body: page("", account(sub(1), "acme", tc.from), account(sub(2), "globex", "active"))})
			r.s.expect(expect{method: "POST", path: "/2010-04-01/Accounts/" + sub(1) + ".json", form: url.Values{"Status": {tc.to}}, body: account(sub(1), "acme", tc.to)})
			args := []string{tc.verb, "ACME"}
			if tc.verb == "suspend" {
				args = append(args, "-y") // suspending stops service: confirmed
			}
			if code := r.exec(args...); code != 0 {
				t.Fatalf("exit %d: %s", code, r.stderr)
			}
			if got := r.stdout.String(); got != "SID\t"+sub(1)+"\nFriendly name\tacme\nStatus\t"+tc.to+"\n" {
				t.Errorf("stdout %q", got)
			}
		})
	}
}

func TestSuspendNeedsYesWithoutATerminal(t *testing.T) {
	r := newRun(t)
	r.s.expect(expect{method: "GET", path: accounts, body: page("", account(sub(1), "acme", "active"))})
	code := r.exec("suspend", "acme")
	if code != 2 || !strings.Contains(r.stderr.String(), "error: subaccount acme ("+sub(1)+") not suspended: confirmation required in a non-interactive run; pass --yes") {
		t.Errorf("exit %d, stderr %q", code, r.stderr)
	}
}

func TestSuspendBySIDNotFoundIsOneLine(t *testing.T) {
	r := newRun(t)
	r.s.expect(expect{method: "GET", path: "/2010-04-01/Accounts/" + sub(9) + ".json", status: 404,
		body: `{"code":20404,"message":"The requested resource /2010-04-01/Accounts/` + sub(9) + `.json was not found","more_info":"https://www.twilio.com/docs/errors/20404","status":404}`})
	code := r.exec("suspend", sub(9))
	lines := strings.Split(strings.TrimSpace(r.stderr.String()), "\n")
	if code != 1 || len(lines) != 2 || !strings.HasPrefix(lines[0], "error: Twilio error 20404: The requested resource") ||
		!strings.HasPrefix(lines[1], "hint: it does not exist in this account") {
		t.Errorf("exit %d, stderr:\n%s", code, r.stderr)
	}
}

func TestUnknownNameIsNamed(t *testing.T) {
	r := newRun(t)
	r.s.expect(expect{method: "GET", path: accounts, body: page("", account(sub(1), "acme", "active"))})
	if code := r.exec("activate", "initech"); code != 1 || !strings.Contains(r.stderr.String(), `error: no subaccount named "initech"`) {
		t.Errorf("exit %d, stderr %q", code, r.stderr)
	}
}

func TestCloseNeedsTheNameTypedOrYes(t *testing.T) {
	list := expect{method: "GET", path: accounts, body: page("", account(sub(1), "acme", "active"))}
	closeReq := expect{method: "POST", path: "/2010-04-01/Accounts/" + sub(1) + ".json", form: url.Values{"Status": {"closed"}}, body: account(sub(1), "acme", "closed")}

	// No terminal and no --yes: refused before any change.
	r := newRun(t)
	r.s.expect(list)
	if code := r.exec("close", "acme"); code != 2 || !strings.Contains(r.stderr.String(), "--yes") {
		t.Errorf("no --yes: exit %d, %q", code, r.stderr)
	}

	// On a terminal, "y" is not enough: the name must be typed.
	r = newRun(t)
	r.ios.SetStdinTTY(true)
	r.ios.SetStdoutTTY(true)
	r.in.WriteString("y\n")
	r.s.expect(list)
	if code := r.exec("close", "acme"); code != 2 || !strings.Contains(r.stderr.String(), `Type "acme" to confirm`) || !strings.Contains(r.stderr.String(), "cannot be undone") {
		t.Errorf("answer y: exit %d, %q", code, r.stderr)
	}

	r = newRun(t)
	r.ios.SetStdinTTY(true)
	r.ios.SetStdoutTTY(true)
	r.in.WriteString("acme\n")
	r.s.expect(list)
	r.s.expect(closeReq)
	if code := r.exec("close", "acme"); code != 0 || !strings.Contains(r.stdout.String(), "is now closed") {
		t.Errorf("typed name: exit %d, %q %q", code, r.stdout, r.stderr)
	}

	r = newRun(t)
	r.s.expect(list)
	r.s.expect(closeReq)
	if code := r.exec("close", "acme", "--yes"); code != 0 {
		t.Errorf("--yes: exit %d, %q", code, r.stderr)
	}
}

func TestClosedCannotBeActivated(t *testing.T) {
	r := newRun(t)
	r.s.expect(expect{method: "GET", path: accounts, body: page("", account(sub(1), "acme", "closed"))})
	if code := r.exec("activate", "acme"); code != 1 || !strings.Contains(r.stderr.String(), "is closed and cannot be activated") {
		t.Errorf("exit %d, %q", code, r.stderr)
	}
}

func TestEmptyNameRejectedBeforeAnyRequest(t *testing.T) {
	r := newRun(t)
	if code := r.exec("create", " "); code != 2 || r.s.requests() != 0 {
		t.Errorf("exit %d, %d requests, %q", code, r.s.requests(), r.stderr)
	}
}
