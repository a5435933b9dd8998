package twilio

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/testenv"
)

// Request conformance: every operation the client performs goes through
// Prism mocking Twilio's official OpenAPI document for the 2010 API. Prism
// answers a request whose path, method, parameters, types or encoding depart
// from the document with a 4xx; on top of that, conformanceTransport fails a
// request carrying a query parameter or form field the document does not
// declare (Prism accepts unknown fields silently).

// conformanceOp is one client operation. Every exported *Client method that
// calls the API needs at least one row whose name starts with the method name
// (TestConformanceCoversEveryOperation enforces it).
type conformanceOp struct {
	name string
	call func(ctx context.Context, c *Client) error
}

// conformanceOps is the table of operations. SIP resources come from
// sipCases (sip_test.go); add rows for other resources below.
func conformanceOps() []conformanceOp {
	var ops []conformanceOp
	for _, tc := range sipCases() {
		ops = append(ops, conformanceOp{name: tc.name, call: func(ctx context.Context, c *Client) error {
			_, err := tc.call(ctx, c)
			return err
		}})
	}
	ops = append(ops, accountConformanceOps()...) // caller IDs, accounts, subaccounts (accounts_test.go)
	return ops
}

// nonAPIMethods are *Client methods that do not call one API operation.
// The provider-neutral SIP-account methods (sipaccounts.go) are built from
// the operations above, which Prism checks one by one.
var nonAPIMethods = []string{"AccountPath", "AccountSID", "CustodyRealm", "Do", "DoRequest", "ForAccount", "Name", "WithAccount",
	"AttachedLists", "CanonicalDomain", "CreateSIPAccount", "DeleteSIPAccount", "FindDomainByName", "GetSIPAccount",
	"IsID", "Lacks", "ListSIPAccounts", "PrepareCreate", "RegistrationList", "SetSIPPassword", "ValidateUsername",
	"ExpiryConvention", "TidyExpired"}

func TestConformanceCoversEveryOperation(t *testing.T) {
	ops := conformanceOps()
	typ := reflect.TypeFor[*Client]()
	for i := range typ.NumMethod() {
		m := typ.Method(i).Name
		if slices.Contains(nonAPIMethods, m) {
			continue
		}
		if !slices.ContainsFunc(ops, func(op conformanceOp) bool { return strings.HasPrefix(op.name, m) }) {
			t.Errorf("(*Client).%s has no row in conformanceOps: add one so Prism checks its requests", m)
		}
	}
}

func TestConformanceWithPrism(t *testing.T) {
	base := startPrism(t)
	spec := loadSpecIndex(t, testenv.TwilioSpec(t))
	for _, op := range conformanceOps() {
		t.Run(op.name, func(t *testing.T) {
			tr := &conformanceTransport{spec: spec}
			c, err := New(Options{
				BaseURL:    base,
				AccountSID: testSID,
				Secret:     testToken,
				HTTPClient: &http.Client{Transport: tr},
				MaxRetries: -1,
			})
			if err != nil {
				t.Fatal(err)
			}
			callErr := op.call(context.Background(), c)
			if len(tr.requests) == 0 {
				t.Fatal("the operation sent no request")
			}
			for _, v := range tr.violations {
				t.Errorf("request departs from Twilio's OpenAPI document: %s", v)
			}
			if callErr != nil && !tr.responseOnly {
				t.Errorf("call failed: %v", callErr)
			}
			if tr.responseOnly {
				// Twilio's own list examples carry relative page URIs that fail
				// the document's "uri" format; Prism --errors then answers 500
				// about the response. The request itself was valid.
				t.Logf("request accepted; Prism flagged only its own example response: %v", tr.responseNotes)
			}
		})
	}
}

var (
	prismOnce sync.Once
	prismURL  string
	prismErr  error
	prismLog  lockedBuffer
)

// lockedBuffer collects Prism's stdout and stderr, written from two goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() >= 1<<20 {
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startPrism starts one Prism mock server for the whole test process.
func startPrism(t *testing.T) string {
	t.Helper()
	bin := testenv.NodeBin(t, "prism")
	spec := testenv.TwilioSpec(t)
	prismOnce.Do(func() {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			prismErr = err
			return
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		cmd := exec.Command(bin, "mock", "--errors", "-h", "127.0.0.1", "-p", fmt.Sprint(port), spec)
		cmd.Dir = testenv.NodeDir()
		out, err := cmd.StdoutPipe()
		if err != nil {
			prismErr = err
			return
		}
		cmd.Stderr = &prismLog
		if err := cmd.Start(); err != nil {
			prismErr = err
			return
		}
		// One Prism serves every test in the package; TestMain stops it.
		prismStop = func() { cmd.Process.Kill(); cmd.Wait() }
		listening := make(chan bool, 1)
		go func() {
			sc := bufio.NewScanner(out)
			said := false
			for sc.Scan() {
				line := sc.Text()
				if !said && strings.Contains(line, "Prism is listening on") {
					said = true
					listening <- true
				}
				prismLog.Write([]byte(line + "\n"))
			}
			if !said {
				listening <- false
			}
		}()
		select {
		case ok := <-listening:
			if !ok {
				prismErr = fmt.Errorf("prism exited before listening:\n%s", prismLog.String())
				return
			}
		case <-time.After(2 * time.Minute):
			prismErr = fmt.Errorf("prism did not start listening:\n%s", prismLog.String())
			return
		}
		prismURL = fmt.Sprintf("http://127.0.0.1:%d", port)
	})
	if prismErr != nil {
		t.Fatal(prismErr)
	}
	return prismURL
}

var prismStop = func() {}

func TestMain(m *testing.M) {
	code := m.Run()
	prismStop()
	os.Exit(code)
}

// conformanceTransport forwards to Prism and records what Prism, and the
// document's list of declared fields, say about each request.
type conformanceTransport struct {
	spec          *specIndex
	requests      []string
	violations    []string
	responseOnly  bool
	responseNotes []string
}

type prismProblem struct {
	Type       string `json:"type"`
	Title      string `json:"title"`
	Detail     string `json:"detail"`
	Validation []struct {
		Location []string `json:"location"`
		Code     string   `json:"code"`
		Message  string   `json:"message"`
	} `json:"validation"`
}

func (tr *conformanceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	what := req.Method + " " + req.URL.Path
	tr.requests = append(tr.requests, what)
	tr.violations = append(tr.violations, tr.spec.check(req, body)...)

	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || resp.StatusCode < 400 {
		return resp, err
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	var p prismProblem
	if json.Unmarshal(data, &p) != nil || !strings.Contains(p.Type, "stoplight.io/prism/errors") {
		tr.violations = append(tr.violations, fmt.Sprintf("%s: HTTP %d: %s", what, resp.StatusCode, data))
		return resp, nil
	}
	onlyResponse := resp.StatusCode == http.StatusInternalServerError && len(p.Validation) > 0
	for _, v := range p.Validation {
		if len(v.Location) == 0 || v.Location[0] != "response" {
			onlyResponse = false
		}
	}
	if onlyResponse {
		tr.responseOnly = true
		for _, v := range p.Validation {
			tr.responseNotes = append(tr.responseNotes, v.Message)
		}
		return resp, nil
	}
	var msgs []string
	for _, v := range p.Validation {
		msgs = append(msgs, strings.Join(v.Location, ".")+": "+v.Message)
	}
	tr.violations = append(tr.violations, fmt.Sprintf("%s: Prism %d %s: %s %s", what, resp.StatusCode, p.Title, p.Detail, strings.Join(msgs, "; ")))
	return resp, nil
}

// specIndex knows, for each path template and method, the query parameters
// and form fields Twilio's document declares.
type specIndex struct {
	ops []specOp
}

type specOp struct {
	method   string
	template string
	re       *regexp.Regexp
	query    []string
	form     []string
	required []string
	content  []string
}

func loadSpecIndex(t *testing.T, path string) *specIndex {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type operation struct {
		Parameters []struct {
			Name string `json:"name"`
			In   string `json:"in"`
		} `json:"parameters"`
		RequestBody struct {
			Content map[string]struct {
				Schema struct {
					Properties map[string]json.RawMessage `json:"properties"`
					Required   []string                   `json:"required"`
				} `json:"schema"`
			} `json:"content"`
		} `json:"requestBody"`
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	idx := &specIndex{}
	param := regexp.MustCompile(`\\\{[A-Za-z]+\\\}`)
	for tmpl, item := range doc.Paths {
		re := regexp.MustCompile("^" + param.ReplaceAllString(regexp.QuoteMeta(tmpl), `[^/]+`) + "$")
		for method, rawOp := range item {
			if !slices.Contains([]string{"get", "post", "put", "patch", "delete"}, method) {
				continue
			}
			var op operation
			if err := json.Unmarshal(rawOp, &op); err != nil {
				t.Fatalf("reading %s %s: %v", method, tmpl, err)
			}
			so := specOp{method: strings.ToUpper(method), template: tmpl, re: re}
			for _, p := range op.Parameters {
				if p.In == "query" {
					so.query = append(so.query, p.Name)
				}
			}
			for ct, c := range op.RequestBody.Content {
				so.content = append(so.content, ct)
				for name := range c.Schema.Properties {
					so.form = append(so.form, name)
				}
				so.required = c.Schema.Required
			}
			idx.ops = append(idx.ops, so)
		}
	}
	return idx
}

func (s *specIndex) check(req *http.Request, body []byte) []string {
	what := req.Method + " " + req.URL.Path
	var op *specOp
	for i := range s.ops {
		if s.ops[i].method == req.Method && s.ops[i].re.MatchString(req.URL.Path) {
			op = &s.ops[i]
			break
		}
	}
	if op == nil {
		return []string{what + ": no such operation in the document"}
	}
	var out []string
	for k := range req.URL.Query() {
		if !slices.Contains(op.query, k) {
			out = append(out, fmt.Sprintf("%s: query parameter %q is not declared for %s %s", what, k, op.method, op.template))
		}
	}
	// Prism skips body validation when there is no body at all, so required
	// fields are checked here too.
	if len(body) == 0 && len(op.required) > 0 {
		out = append(out, fmt.Sprintf("%s: no body, but %s %s requires %v", what, op.method, op.template, op.required))
	}
	if len(body) > 0 {
		ct := req.Header.Get("Content-Type")
		if !slices.Contains(op.content, ct) {
			out = append(out, fmt.Sprintf("%s: Content-Type %q, document accepts %v", what, ct, op.content))
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			out = append(out, fmt.Sprintf("%s: body is not form-encoded: %v", what, err))
		}
		for k := range form {
			if !slices.Contains(op.form, k) {
				out = append(out, fmt.Sprintf("%s: form field %q is not declared for %s %s", what, k, op.method, op.template))
			}
		}
		for _, k := range op.required {
			if !form.Has(k) {
				out = append(out, fmt.Sprintf("%s: required form field %q is missing", what, k))
			}
		}
	}
	return out
}

// TestConformanceCatchesBadRequests proves the harness fails requests that
// break the document, so a green run means something.
func TestConformanceCatchesBadRequests(t *testing.T) {
	base := startPrism(t)
	spec := loadSpecIndex(t, testenv.TwilioSpec(t))
	bad := []struct {
		name string
		req  Request
		// prismMisses marks what Prism lets through and only the
		// document index catches.
		prismMisses bool
	}{
		{name: "missing required field", req: Request{Method: "POST", Path: "SIP/CredentialLists/" + sipListSID + "/Credentials.json", Form: url.Values{"Username": {"alice"}}}},
		{name: "empty body", req: Request{Method: "POST", Path: "SIP/CredentialLists.json"}, prismMisses: true},
		{name: "undeclared field", req: Request{Method: "POST", Path: "SIP/CredentialLists.json", Form: url.Values{"FriendlyName": {"x"}, "Name": {"x"}}}, prismMisses: true},
		{name: "wrong type", req: Request{Method: "POST", Path: "SIP/IpAccessControlLists/" + sipACLSID + "/IpAddresses.json",
			Form: url.Values{"FriendlyName": {"x"}, "IpAddress": {"192.0.2.1"}, "CidrPrefixLength": {"twenty"}}}},
		{name: "malformed SID", req: Request{Method: "GET", Path: "SIP/Domains/office.json"}},
		{name: "path that does not exist", req: Request{Method: "POST", Path: "SIP/Domains/" + sipDomainSID + "/Auth/Both/CredentialListMappings.json",
			Form: url.Values{"CredentialListSid": {sipListSID}}}},
		{name: "wrong method", req: Request{Method: "PUT", Path: "SIP/Domains/" + sipDomainSID + ".json", Form: url.Values{"FriendlyName": {"x"}}}},
		{name: "unknown query parameter", req: Request{Method: "GET", Path: "SIP/Domains.json", Form: url.Values{"DomainName": {"x"}}}, prismMisses: true},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			tr := &conformanceTransport{spec: spec}
			c, err := New(Options{BaseURL: base, AccountSID: testSID, Secret: testToken, HTTPClient: &http.Client{Transport: tr}, MaxRetries: -1})
			if err != nil {
				t.Fatal(err)
			}
			tc.req.Path = c.AccountPath(tc.req.Path)
			err = c.DoRequest(context.Background(), tc.req, nil)
			if len(tr.violations) == 0 {
				t.Errorf("no violation recorded (err = %v)", err)
			}
			var apiErr *APIError
			if !tc.prismMisses && !errors.As(err, &apiErr) {
				t.Errorf("err = %v, want Prism to refuse the request", err)
			}
		})
	}
}
