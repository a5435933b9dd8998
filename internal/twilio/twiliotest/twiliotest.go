// Package twiliotest is a stub Twilio API for command tests: each expected
// request is registered with its method, path and form, and answered with a
// canned body. A request nobody expected fails the test, and so does an
// expectation left unused (like gh's httpmock registry).
package twiliotest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/twilio"
)

// AccountSID and AuthToken are the credentials the stub accepts.
const (
	AccountSID = "AC0123456789abcdef0123456789abcdef"
	AuthToken  = "stub-token-5f1e2d3c4b5a69788796a5b4c3d2e1f0"
)

// Date is the RFC 2822 creation date of every stub resource.
const Date = "Mon, 20 Jul 2015 17:27:10 +0000"

// Server is a stub Twilio API.
type Server struct {
	t     testing.TB
	srv   *httptest.Server
	mu    sync.Mutex
	stubs []*Stub
}

// Stub is one expected request and its answer.
type Stub struct {
	Method string
	// Path is under /2010-04-01/Accounts/{AccountSid}/, e.g. "SIP/Domains.json".
	// A query ("SIP/Domains.json?Page=1") must be present in the request.
	Path string
	// Form, when non-nil, must equal the POST body or the query (PageSize aside).
	Form   url.Values
	Status int
	Body   string
	used   bool
	got    url.Values
}

// Received is the form (or query) the matching request carried.
func (st *Stub) Received() url.Values { return st.got }

// New starts a stub server that closes, and checks every stub was used,
// when the test ends.
func New(t testing.TB) *Server {
	s := &Server{t: t}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		s.srv.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, st := range s.stubs {
			if !st.used {
				t.Errorf("twiliotest: expected %s %s was never requested", st.Method, st.Path)
			}
		}
	})
	return s
}

// URL is the server's base URL.
func (s *Server) URL() string { return s.srv.URL }

// Client is a Twilio client for the stub's account.
func (s *Server) Client() *twilio.Client {
	c, err := twilio.New(twilio.Options{BaseURL: s.srv.URL, AccountSID: AccountSID, Secret: AuthToken, MaxRetries: -1})
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// Expect registers a request; status 0 means 200.
func (s *Server) Expect(method, path string, form url.Values, status int, body string) *Stub {
	st := &Stub{Method: method, Path: path, Form: form, Status: status, Body: body}
	s.mu.Lock()
	s.stubs = append(s.stubs, st)
	s.mu.Unlock()
	return st
}

// Requests counts requests served, so tests can prove nothing was sent.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, st := range s.stubs {
		if st.used {
			n++
		}
	}
	return n
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	t := s.t
	user, pass, ok := r.BasicAuth()
	if !ok || user != AccountSID || pass != AuthToken {
		t.Errorf("twiliotest: %s %s without the account's Basic auth", r.Method, r.URL.Path)
		w.WriteHeader(401)
		io.WriteString(w, Error(401, 20003, "Authenticate"))
		return
	}
	prefix := "/2010-04-01/Accounts/" + AccountSID + "/"
	path := strings.TrimPrefix(r.URL.Path, prefix)
	var form url.Values
	if r.Method == http.MethodPost {
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			t.Errorf("twiliotest: %s %s Content-Type %q, want form encoding", r.Method, path, ct)
		}
		b, _ := io.ReadAll(r.Body)
		form, _ = url.ParseQuery(string(b))
	} else {
		form = r.URL.Query()
	}
	s.mu.Lock()
	var match *Stub
	for _, st := range s.stubs {
		if !st.used && st.Method == r.Method && matches(st.Path, prefix, r.URL) {
			match = st
			break
		}
	}
	if match != nil {
		match.used = true
		match.got = form
	}
	s.mu.Unlock()
	if match == nil {
		t.Errorf("twiliotest: unexpected request %s %s?%s", r.Method, path, r.URL.RawQuery)
		w.WriteHeader(500)
		io.WriteString(w, Error(500, 20500, "unexpected request"))
		return
	}
	if match.Form != nil {
		got := form
		if r.Method != http.MethodPost {
			got = url.Values{}
			for k, v := range form {
				if k != "PageSize" && k != "Page" && k != "PageToken" {
					got[k] = v
				}
			}
		}
		if canon(got) != canon(match.Form) {
			t.Errorf("twiliotest: %s %s form\n got %s\nwant %s", r.Method, path, canon(got), canon(match.Form))
		}
	}
	w.Header().Set("Content-Type", "application/json")
	status := match.Status
	if status == 0 {
		status = 200
	}
	w.WriteHeader(status)
	io.WriteString(w, match.Body)
}

func matches(stubPath, prefix string, u *url.URL) bool {
	p, q, _ := strings.Cut(stubPath, "?")
	if prefix+p != u.Path {
		return false
	}
	want, _ := url.ParseQuery(q)
	got := u.Query()
	for k := range want {
		if got.Get(k) != want.Get(k) {
			return false
		}
	}
	return true
}

func canon(v url.Values) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%q ", k, v[k])
	}
	return strings.TrimSpace(b.String())
}

// Provider is the client as the provider interface commands take.
func (s *Server) Provider() provider.Provider { return s.Client() }

// Factory is a command Factory whose provider talks to the stub.
func (s *Server) Factory(ios *iostreams.IOStreams) *cmdutil.Factory {
	return &cmdutil.Factory{
		IOStreams:      ios,
		ExecutableName: "sipctl",
		Globals:        &cmdutil.Globals{},
		Provider:       func() (provider.SIPAccounts, error) { return s.Provider(), nil },
	}
}
