package sipctlcmd

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sipctl/sipctl/internal/testenv"
)

// These run the built binary against a hostile or broken API on loopback.

func hostileEnv(t *testing.T, apiURL string) *testenv.Env {
	return testenv.NewEnv(t).Set("TWILIO_ACCOUNT_SID", e2eSID).Set("TWILIO_AUTH_TOKEN", e2eToken).Set("SIPCTL_API_URL", apiURL)
}

// collector is another origin that must never be contacted.
type collector struct {
	mu   sync.Mutex
	seen []string
	srv  *httptest.Server
}

func newCollector(t *testing.T, addr string) *collector {
	c := &collector{}
	c.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.seen = append(c.seen, fmt.Sprintf("%s %s %q %q", r.Method, r.URL, r.Header.Get("Authorization"), b))
		c.mu.Unlock()
	}))
	if addr != "" {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Skipf("listen %s: %v", addr, err)
		}
		c.srv.Listener.Close()
		c.srv.Listener = l
	}
	c.srv.Start()
	t.Cleanup(c.srv.Close)
	return c
}

func (c *collector) untouched(t *testing.T) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.seen) > 0 {
		t.Fatalf("credentials left the origin: %v", c.seen)
	}
}

func TestBinaryRefusesPageLinksToAnotherOrigin(t *testing.T) {
	other := newCollector(t, "127.0.0.2:0")
	otherPort := newCollector(t, "")
	for _, link := range []struct {
		uri string
		c   *collector
	}{
		{other.srv.URL + "/2010-04-01/stolen", other},
		{"//" + strings.TrimPrefix(other.srv.URL, "http://") + "/2010-04-01/stolen", other},
		{otherPort.srv.URL + "/2010-04-01/stolen", otherPort},
	} {
		srv, _ := fakeTwilio(t, 200, fmt.Sprintf(`{"domains":[],"next_page_uri":%q}`, link.uri))
		r := run(t, hostileEnv(t, srv.URL), "", "domains", "list")
		host := strings.TrimPrefix(link.c.srv.URL, "http://")
		oneLineError(t, r, 1, "refusing to follow a page link to http://"+host)
		link.c.untouched(t)
	}
}

func TestBinaryDoesNotFollowRedirectsWithSecrets(t *testing.T) {
	other := newCollector(t, "127.0.0.2:0")
	otherPort := newCollector(t, "")
	for _, code := range []int{302, 307, 308} {
		for _, c := range []*collector{other, otherPort} {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, c.srv.URL+r.URL.Path, code)
			}))
			r := run(t, hostileEnv(t, srv.URL), "", "domains", "create", "office")
			srv.Close()
			oneLineError(t, r, 1, "refusing to follow a redirect to "+c.srv.URL)
			c.untouched(t)
		}
	}
}

func TestBinaryStopsOnRepeatedPageLinks(t *testing.T) {
	srv, seen := fakeTwilio(t, 200, `{"domains":[{"sid":"SD00000000000000000000000000000001","domain_name":"a.sip.twilio.com"}],"next_page_uri":"/2010-04-01/Accounts/`+e2eSID+`/SIP/Domains.json?Page=1"}`)
	r := run(t, hostileEnv(t, srv.URL), "", "domains", "list")
	// A page of nothing new stops it before the repeated link would.
	oneLineError(t, r, 1, "pagination stopped: page 2 brought no items that earlier pages had not")
	if len(*seen) > 3 {
		t.Errorf("%d requests", len(*seen))
	}
}

func TestBinaryHugeRetryAfterFailsAsTemporary(t *testing.T) {
	var calls int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		w.Header().Set("Retry-After", "100000")
		w.WriteHeader(429)
		fmt.Fprint(w, `{"code":20429,"message":"Too Many Requests","status":429}`)
	}))
	t.Cleanup(srv.Close)
	r := run(t, hostileEnv(t, srv.URL), "", "domains", "list")
	oneLineError(t, r, 1, "the API asked to retry after 27h46m40s, longer than the 1m0s sipctl waits")
	if calls != 1 {
		t.Errorf("%d requests, want 1", calls)
	}
}

func TestBinaryHungAPIAndSlowBodyExit6(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	for name, h := range map[string]http.HandlerFunc{
		"hung": func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		},
		"slow body": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "4096")
			io.WriteString(w, `{"domains":[`)
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-release:
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			env := hostileEnv(t, srv.URL).Set("SIPCTL_HTTP_TIMEOUT", "300ms")
			oneLineError(t, run(t, env, "", "domains", "list"), 6, "no answer from "+strings.TrimPrefix(srv.URL, "http://")+" within 300ms")
		})
	}
}

func TestBinaryRedactsSecretsAServerEchoes(t *testing.T) {
	const pw = "Echoed-Passw0rd-4417!"
	list := "CL00000000000000000000000000000001"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/CredentialLists/"+list+".json"):
			fmt.Fprintf(w, `{"sid":%q,"friendly_name":"office"}`, list)
		case r.Method == "GET":
			fmt.Fprint(w, `{"credentials":[],"next_page_uri":null}`)
		default:
			body, _ := io.ReadAll(r.Body)
			w.WriteHeader(400)
			// The form echoed back raw and decoded, the token with it, and
			// a terminal escape for good measure.
			dec, _ := url.QueryUnescape(string(body))
			fmt.Fprintf(w, `{"code":21602,"message":"Bad form %s (%s) auth %s \u001b]0;pwned\u0007","status":400}`, body, dec, e2eToken)
		}
	}))
	t.Cleanup(srv.Close)
	r := run(t, hostileEnv(t, srv.URL), pw+"\n", "credlists", "credentials", "add", list, "alice", "--password-stdin")
	if r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, leak := range []string{pw, url.QueryEscape(pw), e2eToken, "\x1b"} {
		if strings.Contains(r.stderr+r.stdout, leak) {
			t.Fatalf("stderr carries %q:\n%s", leak, r.stderr)
		}
	}
	if !strings.Contains(r.stderr, "[REDACTED]") || !strings.Contains(r.stderr, `\x1b]0;pwned`) {
		t.Errorf("stderr %q: want the secrets masked and the escape visible", r.stderr)
	}
}

func TestBinaryAuthStatusEmptyTwoHundredIsNotWorking(t *testing.T) {
	srv, _ := fakeTwilio(t, 200, ``)
	r := run(t, hostileEnv(t, srv.URL), "", "auth", "status")
	if r.code == 0 || strings.Contains(r.stdout, "working") {
		t.Fatalf("exit %d, stdout %s", r.code, r.stdout)
	}
	if !strings.Contains(r.stdout+r.stderr, "not with account "+e2eSID) {
		t.Errorf("output %q %q", r.stdout, r.stderr)
	}
}

func TestBinaryRefusesControlCharactersInNames(t *testing.T) {
	srv, seen := fakeTwilio(t, 200, `{}`)
	env := hostileEnv(t, srv.URL)
	for _, args := range [][]string{
		{"credlists", "create", "\x1b]0;pwned\a\x1b[2J"},
		{"ipacls", "create", "office\nSD999"},
		{"domains", "create", "office", "--friendly-name", "del\x7f"},
		{"subaccounts", "create", "\x01acme"},
		{"credlists", "credentials", "add", "CL00000000000000000000000000000001", "al\x1bice"},
	} {
		r := run(t, env, "", args...)
		oneLineError(t, r, 2, "control")
		if strings.Contains(r.stderr, "\x1b") || strings.Contains(r.stderr, "\x7f") || strings.Contains(r.stderr, "\x01") {
			t.Errorf("%v: stderr carries the control character: %q", args, r.stderr)
		}
	}
	if len(*seen) != 0 {
		t.Errorf("%d requests for names that should have been refused", len(*seen))
	}
}

func TestBinaryAuditAndStderrCleanWhenCreateEchoesThePassword(t *testing.T) {
	const pw = "Echoed-Create-Passw0rd-77"
	dom := "SD00000000000000000000000000000001"
	list := "CL00000000000000000000000000000001"
	var unexpected []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case r.Method == "GET" && strings.HasSuffix(p, "/SIP/Domains.json"):
			fmt.Fprintf(w, `{"domains":[{"sid":%q,"domain_name":"office.sip.twilio.com","sip_registration":true}],"next_page_uri":null}`, dom)
		case r.Method == "GET" && strings.Contains(p, "/Auth/Registrations/CredentialListMappings"):
			fmt.Fprintf(w, `{"contents":[{"sid":%q,"friendly_name":"office"}],"next_page_uri":null}`, list)
		case r.Method == "GET" && strings.Contains(p, "CredentialListMappings"):
			fmt.Fprint(w, `{"credential_list_mappings":[],"contents":[],"next_page_uri":null}`)
		case r.Method == "GET" && strings.HasSuffix(p, "/CredentialLists/"+list+".json"):
			fmt.Fprintf(w, `{"sid":%q,"friendly_name":"office"}`, list)
		case r.Method == "GET" && strings.HasSuffix(p, "/Credentials.json"):
			fmt.Fprint(w, `{"credentials":[],"next_page_uri":null}`)
		case r.Method == "POST" && strings.HasSuffix(p, "/Credentials.json"):
			body, _ := io.ReadAll(r.Body)
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"code":21602,"message":"Invalid form %s","status":400}`, body)
		default:
			mu.Lock()
			unexpected = append(unexpected, r.Method+" "+p)
			mu.Unlock()
			w.WriteHeader(404)
			fmt.Fprint(w, `{"code":20404,"message":"not found","status":404}`)
		}
	}))
	t.Cleanup(srv.Close)
	env := hostileEnv(t, srv.URL)
	auditPath := filepath.Join(env.StateHome, "audit-test.log")
	r := run(t, env, pw+"\n", "accounts", "create", "alice", "--domain", "office", "--password-stdin", "--audit-log", auditPath)
	if len(unexpected) > 0 {
		t.Fatalf("unexpected requests %v; stderr %s", unexpected, r.stderr)
	}
	if r.code != 1 || !strings.Contains(r.stderr, "Twilio error 21602") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	data, err := os.ReadFile(auditPath)
	if err != nil || !strings.Contains(string(data), `"outcome":"failed"`) {
		t.Fatalf("audit log %q: %v", data, err)
	}
	for _, leak := range []string{pw, url.QueryEscape(pw), e2eToken} {
		if strings.Contains(r.stderr, leak) || strings.Contains(string(data), leak) {
			t.Fatalf("%q leaked:\nstderr %s\naudit %s", leak, r.stderr, data)
		}
	}
	if !strings.Contains(string(data), "[REDACTED]") {
		t.Errorf("audit line %s: want the echoed password masked", data)
	}
}
