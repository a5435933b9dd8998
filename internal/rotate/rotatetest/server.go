// Package rotatetest is an httptest server speaking the part of Twilio's
// 2010 API that password rotation uses (SIP domains, credential-list
// mappings, credential lists and credentials), holding the passwords so
// tests can compare them with the handover. It checks each request's method,
// path, form and Basic auth, and can add latency, a concurrency limit
// answering 429 (code 20429), and injected failures.
package rotatetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/twilio"
)

const (
	AccountSID = "AC00000000000000000000000000000001"
	AuthToken  = "test-auth-token-0123456789abcdef"
)

// Credential is one stored credential.
type Credential struct {
	SID, ListSID, Username, Password string
	Updates                          int
}

type list struct {
	SID, Name string
	Account   string
}

type domain struct {
	SID, Name string
	Account   string
	Lists     []string // attached for registrations and calls
}

// subaccount is an account the main one owns (a reseller's customer).
type subaccount struct {
	SID, Name, Status string
}

// Server is the fake provider.
type Server struct {
	*httptest.Server
	t testing.TB

	// Latency is added to every answered request (not to 429s).
	Latency time.Duration
	// MaxConcurrent, when positive, answers 429 to requests beyond it.
	MaxConcurrent int64
	// Inject, when set, may return a status (429, 500, 503) to answer a
	// request with instead of serving it; 0 serves it.
	Inject func(r *http.Request, form url.Values) int
	// OnUpdate is called after each accepted password update, with the
	// running count.
	OnUpdate func(n int64)

	mu      sync.Mutex
	domains []*domain
	lists   []*list
	subs    []*subaccount
	creds   map[string]*Credential
	order   []string
	seq     int

	inFlight   atomic.Int64
	Updates    atomic.Int64
	Throttled  atomic.Int64
	Injected   atomic.Int64
	Unexpected atomic.Int64 // requests with a wrong method, path, form or auth
}

// New starts a server; it is closed when the test ends.
func New(t testing.TB) *Server {
	s := &Server{t: t, creds: map[string]*Credential{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *Server) newSID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%032x", prefix, s.seq)
}

// AddSubaccount adds a subaccount of the main account (status active,
// suspended or closed) and returns its SID; AddDomainIn and AddListIn put
// SIP resources in it, and the main account's credentials reach them.
func (s *Server) AddSubaccount(name, status string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sid := s.newSID("AC")
	if sid == AccountSID { // the main account's SID is AC…01
		sid = s.newSID("AC")
	}
	a := &subaccount{SID: sid, Name: name, Status: status}
	s.subs = append(s.subs, a)
	return a.SID
}

// AddDomain adds a SIP domain to the main account and returns its SID.
func (s *Server) AddDomain(name string) string { return s.AddDomainIn(AccountSID, name) }

// AddDomainIn adds a SIP domain to an account and returns its SID.
func (s *Server) AddDomainIn(acct, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := &domain{SID: s.newSID("SD"), Name: name, Account: acct}
	s.domains = append(s.domains, d)
	return d.SID
}

// AddList adds a credential list to the main account, attached to the
// given domains.
func (s *Server) AddList(name string, domainSIDs ...string) string {
	return s.AddListIn(AccountSID, name, domainSIDs...)
}

// AddListIn adds a credential list to an account, attached to the given
// domains.
func (s *Server) AddListIn(acct, name string, domainSIDs ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := &list{SID: s.newSID("CL"), Name: name, Account: acct}
	s.lists = append(s.lists, l)
	for _, d := range s.domains {
		if slices.Contains(domainSIDs, d.SID) {
			d.Lists = append(d.Lists, l.SID)
		}
	}
	return l.SID
}

// AddCredential adds a username with a password and returns its SID.
func (s *Server) AddCredential(listSID, username, password string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &Credential{SID: s.newSID("CR"), ListSID: listSID, Username: username, Password: password}
	s.creds[c.SID] = c
	s.order = append(s.order, c.SID)
	return c.SID
}

// Credentials returns a snapshot of every credential.
func (s *Server) Credentials() []Credential {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Credential, 0, len(s.order))
	for _, sid := range s.order {
		out = append(out, *s.creds[sid])
	}
	return out
}

// Client is the real Twilio client pointed at the server.
func (s *Server) Client(t testing.TB, o twilio.Options) *twilio.Client {
	o.BaseURL, o.AccountSID, o.Secret = s.URL, AccountSID, AuthToken
	c, err := twilio.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"status": status, "code": code, "message": msg, "more_info": "https://www.twilio.com/docs/errors/" + strconv.Itoa(code)})
}

var (
	reAccounts    = regexp.MustCompile(`^/2010-04-01/Accounts\.json$`)
	reDomains     = regexp.MustCompile(`^/2010-04-01/Accounts/(AC\w+)/SIP/Domains\.json$`)
	reDomain      = regexp.MustCompile(`^/2010-04-01/Accounts/(AC\w+)/SIP/Domains/(SD\w+)\.json$`)
	reMappings    = regexp.MustCompile(`^/2010-04-01/Accounts/(AC\w+)/SIP/Domains/(SD\w+)/Auth/(Registrations|Calls)/CredentialListMappings\.json$`)
	reLists       = regexp.MustCompile(`^/2010-04-01/Accounts/(AC\w+)/SIP/CredentialLists\.json$`)
	reList        = regexp.MustCompile(`^/2010-04-01/Accounts/(AC\w+)/SIP/CredentialLists/(CL\w+)\.json$`)
	reCredentials = regexp.MustCompile(`^/2010-04-01/Accounts/(AC\w+)/SIP/CredentialLists/(CL\w+)/Credentials\.json$`)
	reCredential  = regexp.MustCompile(`^/2010-04-01/Accounts/(AC\w+)/SIP/CredentialLists/(CL\w+)/Credentials/(CR\w+)\.json$`)
)

func (s *Server) unexpected(w http.ResponseWriter, format string, a ...any) {
	s.Unexpected.Add(1)
	s.t.Errorf("rotatetest: "+format, a...)
	apiError(w, 400, 20001, "unexpected request")
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	user, pass, ok := r.BasicAuth()
	if !ok || user != AccountSID || pass != AuthToken {
		s.Unexpected.Add(1)
		apiError(w, 401, 20003, "Authenticate")
		return
	}
	if s.MaxConcurrent > 0 && n > s.MaxConcurrent {
		s.Throttled.Add(1)
		apiError(w, 429, 20429, "Too Many Requests")
		return
	}
	if err := r.ParseForm(); err != nil {
		s.unexpected(w, "bad form: %v", err)
		return
	}
	var form url.Values
	if r.Method == http.MethodPost {
		form = r.PostForm
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			s.unexpected(w, "POST %s with Content-Type %q", r.URL.Path, ct)
			return
		}
	}
	if s.Inject != nil {
		if st := s.Inject(r, form); st != 0 {
			s.Injected.Add(1)
			code := 20500
			if st == 429 {
				code = 20429
			}
			apiError(w, st, code, http.StatusText(st))
			return
		}
	}
	if s.Latency > 0 {
		time.Sleep(s.Latency)
	}
	p := r.URL.Path
	if m := reCredential.FindStringSubmatch(p); m != nil && r.Method == http.MethodPost {
		s.update(w, m[1], m[2], m[3], form)
		return
	}
	if m := reCredentials.FindStringSubmatch(p); m != nil && r.Method == http.MethodPost {
		s.create(w, m[1], m[2], form)
		return
	}
	if r.Method != http.MethodGet {
		s.unexpected(w, "%s %s", r.Method, p)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case reAccounts.MatchString(p):
		items := []any{map[string]any{"sid": AccountSID, "friendly_name": "main", "status": "active", "owner_account_sid": AccountSID}}
		for _, a := range s.subs {
			items = append(items, map[string]any{"sid": a.SID, "friendly_name": a.Name, "status": a.Status, "owner_account_sid": AccountSID})
		}
		s.page(w, r, "accounts", items)
	case reDomains.MatchString(p):
		acct := reDomains.FindStringSubmatch(p)[1]
		var items []any
		for _, d := range s.domains {
			if d.Account == acct {
				items = append(items, domainJSON(d))
			}
		}
		s.page(w, r, "domains", items)
	case reDomain.MatchString(p):
		sid := reDomain.FindStringSubmatch(p)[2]
		for _, d := range s.domains {
			if d.SID == sid {
				writeJSON(w, 200, domainJSON(d))
				return
			}
		}
		apiError(w, 404, 20404, "not found")
	case reMappings.MatchString(p):
		sid := reMappings.FindStringSubmatch(p)[2]
		var items []any
		for _, d := range s.domains {
			if d.SID == sid {
				for _, ls := range d.Lists {
					for _, l := range s.lists {
						if l.SID == ls {
							items = append(items, map[string]any{"sid": l.SID, "friendly_name": l.Name, "account_sid": AccountSID, "date_created": "Mon, 16 Aug 2010 03:45:01 +0000"})
						}
					}
				}
			}
		}
		s.page(w, r, "contents", items)
	case reLists.MatchString(p):
		acct := reLists.FindStringSubmatch(p)[1]
		var items []any
		for _, l := range s.lists {
			if l.Account == acct {
				items = append(items, listJSON(l))
			}
		}
		s.page(w, r, "credential_lists", items)
	case reList.MatchString(p):
		sid := reList.FindStringSubmatch(p)[2]
		for _, l := range s.lists {
			if l.SID == sid {
				writeJSON(w, 200, listJSON(l))
				return
			}
		}
		apiError(w, 404, 20404, "not found")
	case reCredentials.MatchString(p):
		ls := reCredentials.FindStringSubmatch(p)[2]
		var items []any
		for _, sid := range s.order {
			if c := s.creds[sid]; c.ListSID == ls {
				items = append(items, credJSON(c))
			}
		}
		s.page(w, r, "credentials", items)
	default:
		s.unexpected(w, "GET %s", p)
	}
}

// page serves items with Twilio's paging: PageSize, Page and next_page_uri.
func (s *Server) page(w http.ResponseWriter, r *http.Request, key string, items []any) {
	size, _ := strconv.Atoi(r.Form.Get("PageSize"))
	if size <= 0 || size > 1000 {
		size = 50
	}
	pg, _ := strconv.Atoi(r.Form.Get("Page"))
	from := min(pg*size, len(items))
	to := min(from+size, len(items))
	body := map[string]any{key: items[from:to], "page": pg, "page_size": size, "uri": r.URL.RequestURI(), "next_page_uri": nil}
	if items[from:to] == nil {
		body[key] = []any{}
	}
	if to < len(items) {
		body["next_page_uri"] = fmt.Sprintf("%s?PageSize=%d&Page=%d", r.URL.Path, size, pg+1)
	}
	writeJSON(w, 200, body)
}

// listIn reports whether the credential list is in the account.
func (s *Server) listIn(acct, listSID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.lists {
		if l.SID == listSID {
			return l.Account == acct
		}
	}
	return acct == AccountSID
}

func (s *Server) update(w http.ResponseWriter, acct, listSID, sid string, form url.Values) {
	if !s.listIn(acct, listSID) {
		apiError(w, 404, 20404, "not found")
		return
	}
	if len(form) != 1 || form.Get("Password") == "" {
		s.unexpected(w, "password update with form fields %v", keys(form))
		return
	}
	s.mu.Lock()
	c, ok := s.creds[sid]
	if ok && c.ListSID == listSID {
		c.Password = form.Get("Password")
		c.Updates++
	}
	var body map[string]any
	if ok {
		body = credJSON(c)
	}
	s.mu.Unlock()
	if !ok {
		apiError(w, 404, 20404, "The requested resource was not found")
		return
	}
	n := s.Updates.Add(1)
	writeJSON(w, 200, body)
	if s.OnUpdate != nil {
		s.OnUpdate(n)
	}
}

func (s *Server) create(w http.ResponseWriter, acct, listSID string, form url.Values) {
	if len(form) != 2 || form.Get("Username") == "" || form.Get("Password") == "" {
		s.unexpected(w, "credential create with form fields %v", keys(form))
		return
	}
	s.mu.Lock()
	for _, c := range s.creds {
		if c.ListSID == listSID && c.Username == form.Get("Username") {
			s.mu.Unlock()
			apiError(w, 400, 21240, "Username already exists")
			return
		}
	}
	c := &Credential{SID: s.newSID("CR"), ListSID: listSID, Username: form.Get("Username"), Password: form.Get("Password")}
	s.creds[c.SID] = c
	s.order = append(s.order, c.SID)
	body := credJSON(c)
	s.mu.Unlock()
	writeJSON(w, 201, body)
}

func keys(v url.Values) []string {
	var ks []string
	for k := range v {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

const created = "Mon, 16 Aug 2010 03:45:01 +0000"

func domainJSON(d *domain) map[string]any {
	return map[string]any{"sid": d.SID, "account_sid": d.Account, "domain_name": d.Name, "friendly_name": d.Name,
		"sip_registration": true, "date_created": created, "date_updated": created}
}

func listJSON(l *list) map[string]any {
	return map[string]any{"sid": l.SID, "account_sid": l.Account, "friendly_name": l.Name, "date_created": created, "date_updated": created}
}

func credJSON(c *Credential) map[string]any {
	return map[string]any{"sid": c.SID, "account_sid": AccountSID, "credential_list_sid": c.ListSID, "username": c.Username,
		"date_created": created, "date_updated": created}
}
