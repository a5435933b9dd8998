package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/sip"
)

// api sends raw requests to the sandbox over a real loopback HTTP server, so
// these tests see exactly what any Twilio client would.
type api struct {
	t        *testing.T
	srv      *httptest.Server
	sid, tok string
}

func newAPI(t *testing.T, s *Sandbox) *api {
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	sid, tok := s.Account()
	return &api{t: t, srv: srv, sid: sid, tok: tok}
}

func (a *api) do(method, path string, form url.Values) (int, map[string]any) {
	a.t.Helper()
	return a.doAs(a.sid, a.tok, method, path, form)
}

func (a *api) doAs(user, pass, method, path string, form url.Values) (int, map[string]any) {
	a.t.Helper()
	var body io.Reader
	u := a.srv.URL + path
	if method == http.MethodPost {
		body = strings.NewReader(form.Encode())
	} else if len(form) > 0 {
		u += "?" + form.Encode()
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		a.t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	res, err := a.srv.Client().Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusNoContent {
		if len(raw) != 0 {
			a.t.Errorf("%s %s: 204 with a body %q", method, path, raw)
		}
		return res.StatusCode, nil
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		a.t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		a.t.Fatalf("%s %s: %d, body is not JSON: %q", method, path, res.StatusCode, raw)
	}
	return res.StatusCode, m
}

func (a *api) path(elem string) string { return "/2010-04-01/Accounts/" + a.sid + "/" + elem }

// mustStatus fails unless the answer has the status and, for errors, the
// Twilio error body with the code.
func mustStatus(t *testing.T, what string, got, want int, body map[string]any, code int) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: status %d, want %d (body %v)", what, got, want, body)
	}
	if code == 0 {
		return
	}
	if body["code"] != float64(code) || body["status"] != float64(want) ||
		body["more_info"] != "https://www.twilio.com/docs/errors/"+itoa(code) || body["message"] == "" {
		t.Fatalf("%s: error body %v, want code %d status %d more_info and message", what, body, code, want)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

var sidRE = map[string]*regexp.Regexp{}

func mustSID(t *testing.T, prefix string, v any) string {
	t.Helper()
	re, ok := sidRE[prefix]
	if !ok {
		re = regexp.MustCompile(`^` + prefix + `[0-9a-f]{32}$`)
		sidRE[prefix] = re
	}
	s, _ := v.(string)
	if !re.MatchString(s) {
		t.Fatalf("SID %q does not match %s", v, re)
	}
	return s
}

func mustDate(t *testing.T, v any) {
	t.Helper()
	s, _ := v.(string)
	d, err := time.Parse(time.RFC1123Z, s)
	if err != nil || !strings.HasSuffix(s, " +0000") || time.Since(d) > time.Hour || time.Until(d) > time.Hour {
		t.Fatalf("date %q is not a current RFC 2822 GMT date", v)
	}
}

func TestAuth(t *testing.T) {
	s := openTest(t)
	a := newAPI(t, s)
	for _, tc := range []struct{ name, user, pass string }{
		{"none", "", ""},
		{"wrong token", a.sid, "0123456789abcdef0123456789abcdef"},
		{"unknown account", "AC00000000000000000000000000000000", a.tok},
	} {
		st, body := a.doAs(tc.user, tc.pass, "GET", a.path("SIP/Domains.json"), nil)
		mustStatus(t, tc.name, st, 401, body, 20003)
	}
	st, body := a.do("GET", "/2010-04-01/Accounts/"+a.sid+".json", nil)
	mustStatus(t, "fetch own account", st, 200, body, 0)
	if body["sid"] != a.sid || body["auth_token"] != a.tok || body["status"] != "active" || body["type"] != "Full" {
		t.Fatalf("account = %v", body)
	}
	mustDate(t, body["date_created"])
}

func TestSubaccounts(t *testing.T) {
	s := openTest(t)
	a := newAPI(t, s)
	st, sub := a.do("POST", "/2010-04-01/Accounts.json", url.Values{"FriendlyName": {"customer one"}})
	mustStatus(t, "create subaccount", st, 201, sub, 0)
	subSID := mustSID(t, "AC", sub["sid"])
	subTok := sub["auth_token"].(string)
	if sub["owner_account_sid"] != a.sid || sub["friendly_name"] != "customer one" {
		t.Fatalf("subaccount = %v", sub)
	}
	// The parent acts on the subaccount's resources with its own credentials.
	st, d := a.do("POST", "/2010-04-01/Accounts/"+subSID+"/SIP/Domains.json", url.Values{"DomainName": {"cust1.sip.twilio.com"}})
	mustStatus(t, "parent creates in subaccount", st, 201, d, 0)
	if d["account_sid"] != subSID {
		t.Fatalf("domain account_sid = %v, want %s", d["account_sid"], subSID)
	}
	// Resources are scoped: the parent's own list does not show it.
	_, list := a.do("GET", a.path("SIP/Domains.json"), nil)
	if n := len(list["domains"].([]any)); n != 0 {
		t.Fatalf("parent's domains = %d, want 0", n)
	}
	// The subaccount cannot act on its parent.
	st, body := a.doAs(subSID, subTok, "GET", a.path("SIP/Domains.json"), nil)
	mustStatus(t, "subaccount on parent", st, 403, body, 20003)
	st, body = a.doAs(subSID, subTok, "GET", "/2010-04-01/Accounts/"+subSID+"/SIP/Domains.json", nil)
	mustStatus(t, "subaccount on itself", st, 200, body, 0)
	// List: the main account and its subaccounts; filters apply.
	_, accts := a.do("GET", "/2010-04-01/Accounts.json", nil)
	if n := len(accts["accounts"].([]any)); n != 2 {
		t.Fatalf("accounts = %d, want 2", n)
	}
	_, accts = a.do("GET", "/2010-04-01/Accounts.json", url.Values{"FriendlyName": {"customer one"}})
	if n := len(accts["accounts"].([]any)); n != 1 {
		t.Fatalf("filtered accounts = %d, want 1", n)
	}
	// Suspend, then close; closed is final and locks the subaccount out.
	st, upd := a.do("POST", "/2010-04-01/Accounts/"+subSID+".json", url.Values{"Status": {"suspended"}})
	mustStatus(t, "suspend", st, 200, upd, 0)
	if upd["status"] != "suspended" {
		t.Fatalf("status = %v", upd["status"])
	}
	a.do("POST", "/2010-04-01/Accounts/"+subSID+".json", url.Values{"Status": {"closed"}})
	st, body = a.do("POST", "/2010-04-01/Accounts/"+subSID+".json", url.Values{"Status": {"active"}})
	mustStatus(t, "reopen closed", st, 400, body, 20001)
	st, body = a.doAs(subSID, subTok, "GET", "/2010-04-01/Accounts/"+subSID+".json", nil)
	mustStatus(t, "closed account authenticates", st, 401, body, 20003)
}

func TestDomainLifecycle(t *testing.T) {
	s := openTest(t)
	a := newAPI(t, s)
	st, d := a.do("POST", a.path("SIP/Domains.json"), url.Values{
		"DomainName": {"Office.sip.twilio.com"}, "VoiceUrl": {"https://example.com/voice"}, "SipRegistration": {"true"},
	})
	mustStatus(t, "create", st, 201, d, 0)
	sid := mustSID(t, "SD", d["sid"])
	mustDate(t, d["date_created"])
	mustDate(t, d["date_updated"])
	if d["domain_name"] != "office.sip.twilio.com" || d["voice_url"] != "https://example.com/voice" || d["voice_method"] != "POST" ||
		d["sip_registration"] != true || d["voice_fallback_url"] != nil || d["api_version"] != "2010-04-01" ||
		d["uri"] != a.path("SIP/Domains/"+sid+".json") || d["account_sid"] != a.sid {
		t.Fatalf("created = %v", d)
	}
	st, d = a.do("POST", a.path("SIP/Domains/"+sid+".json"), url.Values{"FriendlyName": {"HQ"}, "SipRegistration": {"false"}})
	mustStatus(t, "update", st, 200, d, 0)
	if d["friendly_name"] != "HQ" || d["sip_registration"] != false || d["voice_url"] != "https://example.com/voice" {
		t.Fatalf("updated = %v", d)
	}
	for _, tc := range []struct {
		name string
		form url.Values
		code int
	}{
		{"missing name", url.Values{"FriendlyName": {"x"}}, 21232},
		{"bad name", url.Values{"DomainName": {"under_score.sip.twilio.com"}}, 21232},
		{"not twilio", url.Values{"DomainName": {"example.com"}}, 21232},
		{"duplicate", url.Values{"DomainName": {"OFFICE.sip.twilio.com"}}, 21232},
		{"bad method", url.Values{"DomainName": {"b.sip.twilio.com"}, "VoiceMethod": {"PUT"}}, 21231},
		{"bad url", url.Values{"DomainName": {"b.sip.twilio.com"}, "VoiceUrl": {"/relative"}}, 21231},
	} {
		st, body := a.do("POST", a.path("SIP/Domains.json"), tc.form)
		mustStatus(t, tc.name, st, 400, body, tc.code)
	}
	st, body := a.do("GET", a.path("SIP/Domains/SD00000000000000000000000000000000.json"), nil)
	mustStatus(t, "fetch unknown", st, 404, body, 20404)
	st, _ = a.do("DELETE", a.path("SIP/Domains/"+sid+".json"), nil)
	mustStatus(t, "delete", st, 204, nil, 0)
	st, body = a.do("DELETE", a.path("SIP/Domains/"+sid+".json"), nil)
	mustStatus(t, "delete again", st, 404, body, 20404)
	st, body = a.do("GET", a.path("SIP/Nowhere.json"), nil)
	mustStatus(t, "unknown path", st, 404, body, 20404)
}

func TestPagination(t *testing.T) {
	s := openTest(t)
	a := newAPI(t, s)
	want := map[string]bool{}
	for i := range 7 {
		name := "list-" + string(rune('a'+i))
		st, body := a.do("POST", a.path("SIP/CredentialLists.json"), url.Values{"FriendlyName": {name}})
		mustStatus(t, "create list", st, 201, body, 0)
		mustSID(t, "CL", body["sid"])
		want[name] = true
	}
	st, p := a.do("GET", a.path("SIP/CredentialLists.json"), url.Values{"PageSize": {"3"}})
	mustStatus(t, "page 0", st, 200, p, 0)
	if p["page"] != 0.0 || p["page_size"] != 3.0 || p["start"] != 0.0 || p["end"] != 2.0 || p["previous_page_uri"] != nil {
		t.Fatalf("page 0 fields = %v", p)
	}
	if fp, _ := p["first_page_uri"].(string); !strings.HasPrefix(fp, a.path("SIP/CredentialLists.json?")) {
		t.Fatalf("first_page_uri = %q", fp)
	}
	got := map[string]bool{}
	pages := 0
	var deleted bool
	for {
		pages++
		for _, it := range p["credential_lists"].([]any) {
			got[it.(map[string]any)["friendly_name"].(string)] = true
		}
		next, _ := p["next_page_uri"].(string)
		if next == "" {
			break
		}
		if !deleted {
			// Deleting what was already listed must not skip anything.
			first := p["credential_lists"].([]any)[0].(map[string]any)
			a.do("DELETE", a.path("SIP/CredentialLists/"+first["sid"].(string)+".json"), nil)
			deleted = true
		}
		st, p = a.do("GET", next, nil)
		mustStatus(t, "next page", st, 200, p, 0)
		if p["previous_page_uri"] == nil {
			t.Fatalf("page %d has no previous_page_uri", pages)
		}
	}
	if pages != 3 || len(got) != 7 {
		t.Fatalf("pages = %d, items = %v; want 3 pages and all 7 items", pages, got)
	}
	// Page (offset) without a token, as older clients send it.
	_, p = a.do("GET", a.path("SIP/CredentialLists.json"), url.Values{"PageSize": {"2"}, "Page": {"1"}})
	if n := len(p["credential_lists"].([]any)); n != 2 || p["start"] != 2.0 {
		t.Fatalf("Page=1 items = %d start = %v", n, p["start"])
	}
	for _, bad := range []url.Values{{"PageSize": {"0"}}, {"PageSize": {"1001"}}, {"PageToken": {"nope"}}, {"Page": {"-1"}}} {
		st, body := a.do("GET", a.path("SIP/CredentialLists.json"), bad)
		mustStatus(t, "bad paging "+bad.Encode(), st, 400, body, 20001)
	}
}

func TestCredentialsStoreOnlyHA1(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a := newAPI(t, s)
	_, d := a.do("POST", a.path("SIP/Domains.json"), url.Values{"DomainName": {"pbx.sip.twilio.com"}, "SipRegistration": {"true"}})
	domSID := d["sid"].(string)
	_, l := a.do("POST", a.path("SIP/CredentialLists.json"), url.Values{"FriendlyName": {"phones"}})
	listSID := l["sid"].(string)
	const password = "Plaintext-Sentinel-42xQ"
	st, cr := a.do("POST", a.path("SIP/CredentialLists/"+listSID+"/Credentials.json"), url.Values{"Username": {"alice"}, "Password": {password}})
	mustStatus(t, "create credential", st, 201, cr, 0)
	credSID := mustSID(t, "CR", cr["sid"])
	if _, ok := cr["password"]; ok || cr["username"] != "alice" || cr["credential_list_sid"] != listSID {
		t.Fatalf("credential = %v", cr)
	}
	for _, tc := range []struct {
		name string
		form url.Values
	}{
		{"short", url.Values{"Username": {"bob"}, "Password": {"Short1a"}}},
		{"no digit", url.Values{"Username": {"bob"}, "Password": {"NoDigitsHereAtAll"}}},
		{"no upper", url.Values{"Username": {"bob"}, "Password": {"alllowercase123"}}},
		{"no lower", url.Values{"Username": {"bob"}, "Password": {"ALLUPPERCASE123"}}},
		{"no username", url.Values{"Password": {password}}},
		{"long username", url.Values{"Username": {strings.Repeat("u", 33)}, "Password": {password}}},
		{"duplicate username", url.Values{"Username": {"alice"}, "Password": {password}}},
	} {
		st, body := a.do("POST", a.path("SIP/CredentialLists/"+listSID+"/Credentials.json"), tc.form)
		mustStatus(t, tc.name, st, 400, body, 21240)
	}

	ctx := context.Background()
	// Not yet mapped for registrations.
	if _, err := s.LookupHA1(ctx, "pbx.sip.twilio.com", "alice"); !errors.Is(err, sip.ErrUnknownUser) || !errors.Is(err, ErrNotMapped) {
		t.Fatalf("unmapped lookup err = %v", err)
	}
	st, m := a.do("POST", a.path("SIP/Domains/"+domSID+"/Auth/Registrations/CredentialListMappings.json"), url.Values{"CredentialListSid": {listSID}})
	mustStatus(t, "map for registrations", st, 201, m, 0)
	if m["sid"] != listSID || m["friendly_name"] != "phones" {
		t.Fatalf("mapping = %v", m)
	}
	got, err := s.LookupHA1(ctx, "PBX.sip.twilio.com", "alice")
	if err != nil || got != ha1("alice", "pbx.sip.twilio.com", password) {
		t.Fatalf("LookupHA1 = %q, %v", got, err)
	}
	if _, err := s.LookupHA1(ctx, "pbx.sip.twilio.com", "mallory"); !errors.Is(err, sip.ErrUnknownUser) || errors.Is(err, ErrNotMapped) {
		t.Fatalf("unknown user err = %v", err)
	}
	if _, err := s.LookupHA1(ctx, "nowhere.sip.twilio.com", "alice"); !errors.Is(err, sip.ErrUnknownDomain) {
		t.Fatalf("unknown domain err = %v", err)
	}
	// A domain created after the password was set has no HA1 until the
	// password is set again.
	_, d2 := a.do("POST", a.path("SIP/Domains.json"), url.Values{"DomainName": {"later.sip.twilio.com"}, "SipRegistration": {"true"}})
	a.do("POST", a.path("SIP/Domains/"+d2["sid"].(string)+"/Auth/Registrations/CredentialListMappings.json"), url.Values{"CredentialListSid": {listSID}})
	if _, err := s.LookupHA1(ctx, "later.sip.twilio.com", "alice"); !errors.Is(err, ErrNoDigest) || !errors.Is(err, sip.ErrUnknownUser) {
		t.Fatalf("later domain err = %v", err)
	}
	const newPassword = "Rotated-Sentinel-77zK"
	st, upd := a.do("POST", a.path("SIP/CredentialLists/"+listSID+"/Credentials/"+credSID+".json"), url.Values{"Password": {newPassword}})
	mustStatus(t, "set password", st, 200, upd, 0)
	for _, dom := range []string{"pbx.sip.twilio.com", "later.sip.twilio.com"} {
		if got, err := s.LookupHA1(ctx, dom, "alice"); err != nil || got != ha1("alice", dom, newPassword) {
			t.Fatalf("after rotation LookupHA1(%s) = %q, %v", dom, got, err)
		}
	}
	// Renaming a domain changes the realm: its HA1s are gone.
	a.do("POST", a.path("SIP/Domains/"+d2["sid"].(string)+".json"), url.Values{"DomainName": {"renamed.sip.twilio.com"}})
	if _, err := s.LookupHA1(ctx, "renamed.sip.twilio.com", "alice"); !errors.Is(err, ErrNoDigest) {
		t.Fatalf("renamed domain err = %v", err)
	}
	// Registration switched off on the domain.
	a.do("POST", a.path("SIP/Domains/"+domSID+".json"), url.Values{"SipRegistration": {"false"}})
	if _, err := s.LookupHA1(ctx, "pbx.sip.twilio.com", "alice"); !errors.Is(err, ErrRegistrationDisabled) || !errors.Is(err, sip.ErrUnknownDomain) {
		t.Fatalf("disabled err = %v", err)
	}

	// No plaintext password anywhere on disk (database, WAL, shared memory).
	s.Close()
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{password, newPassword} {
			if bytes.Contains(raw, []byte(p)) {
				t.Fatalf("%s contains a plaintext password", filepath.Base(f))
			}
		}
	}
	info, err := os.Stat(filepath.Join(dir, DBName))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("database mode = %v, %v; want 0600", info.Mode(), err)
	}
}

func TestMappingsAndIPACLs(t *testing.T) {
	s := openTest(t)
	a := newAPI(t, s)
	_, d := a.do("POST", a.path("SIP/Domains.json"), url.Values{"DomainName": {"m.sip.twilio.com"}})
	dom := d["sid"].(string)
	_, l := a.do("POST", a.path("SIP/CredentialLists.json"), url.Values{"FriendlyName": {"staff"}})
	list := l["sid"].(string)
	st, acl := a.do("POST", a.path("SIP/IpAccessControlLists.json"), url.Values{"FriendlyName": {"office"}})
	mustStatus(t, "create acl", st, 201, acl, 0)
	aclSID := mustSID(t, "AL", acl["sid"])
	st, ip := a.do("POST", a.path("SIP/IpAccessControlLists/"+aclSID+"/IpAddresses.json"), url.Values{"FriendlyName": {"gw"}, "IpAddress": {"192.0.2.10"}})
	mustStatus(t, "create ip", st, 201, ip, 0)
	mustSID(t, "IP", ip["sid"])
	if ip["cidr_prefix_length"] != 32.0 || ip["ip_access_control_list_sid"] != aclSID {
		t.Fatalf("ip = %v", ip)
	}
	st, body := a.do("POST", a.path("SIP/IpAccessControlLists/"+aclSID+"/IpAddresses.json"), url.Values{"FriendlyName": {"v6"}, "IpAddress": {"2001:db8::1"}})
	mustStatus(t, "ipv6 refused", st, 400, body, 20001)
	// The same address again, or a range holding the same network, is refused.
	st, body = a.do("POST", a.path("SIP/IpAccessControlLists/"+aclSID+"/IpAddresses.json"), url.Values{"FriendlyName": {"again"}, "IpAddress": {"192.0.2.10"}, "CidrPrefixLength": {"32"}})
	mustStatus(t, "duplicate refused", st, 400, body, 20001)
	st, body = a.do("POST", a.path("SIP/IpAccessControlLists/"+aclSID+"/IpAddresses.json"), url.Values{"FriendlyName": {"lan"}, "IpAddress": {"10.0.0.0"}, "CidrPrefixLength": {"24"}})
	mustStatus(t, "range", st, 201, body, 0)
	st, body = a.do("POST", a.path("SIP/IpAccessControlLists/"+aclSID+"/IpAddresses.json"), url.Values{"FriendlyName": {"lan2"}, "IpAddress": {"10.0.0.5"}, "CidrPrefixLength": {"24"}})
	mustStatus(t, "same network refused", st, 400, body, 20001)

	calls := a.path("SIP/Domains/" + dom + "/Auth/Calls/CredentialListMappings.json")
	st, m := a.do("POST", calls, url.Values{"CredentialListSid": {list}})
	mustStatus(t, "map calls", st, 201, m, 0)
	if _, ok := m["domain_sid"]; ok {
		t.Fatalf("Auth mapping has domain_sid: %v", m)
	}
	st, body = a.do("POST", calls, url.Values{"CredentialListSid": {list}})
	mustStatus(t, "map twice", st, 400, body, 21231)
	st, body = a.do("POST", calls, url.Values{"CredentialListSid": {"CL00000000000000000000000000000000"}})
	mustStatus(t, "map unknown list", st, 404, body, 20404)
	st, m = a.do("POST", a.path("SIP/Domains/"+dom+"/Auth/Calls/IpAccessControlListMappings.json"), url.Values{"IpAccessControlListSid": {aclSID}})
	mustStatus(t, "map acl", st, 201, m, 0)
	_, d = a.do("GET", a.path("SIP/Domains/"+dom+".json"), nil)
	if d["auth_type"] != "IP_ACL,CREDENTIAL_LIST" {
		t.Fatalf("auth_type = %v", d["auth_type"])
	}
	// The older endpoint sees calls mappings, with domain_sid and uri.
	_, legacy := a.do("GET", a.path("SIP/Domains/"+dom+"/CredentialListMappings.json"), nil)
	items, _ := legacy["credential_list_mappings"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["domain_sid"] != dom {
		t.Fatalf("legacy mappings = %v", legacy)
	}
	// Registrations are separate from calls.
	_, regs := a.do("GET", a.path("SIP/Domains/"+dom+"/Auth/Registrations/CredentialListMappings.json"), nil)
	if n := len(regs["contents"].([]any)); n != 0 {
		t.Fatalf("registration mappings = %d, want 0", n)
	}
	st, _ = a.do("DELETE", a.path("SIP/Domains/"+dom+"/Auth/Calls/CredentialListMappings/"+list+".json"), nil)
	mustStatus(t, "unmap", st, 204, nil, 0)
	// Deleting a list removes its mappings.
	a.do("DELETE", a.path("SIP/IpAccessControlLists/"+aclSID+".json"), nil)
	_, d = a.do("GET", a.path("SIP/Domains/"+dom+".json"), nil)
	if d["auth_type"] != nil {
		t.Fatalf("auth_type after deletes = %v", d["auth_type"])
	}
}

func TestCallerIDs(t *testing.T) {
	s := openTest(t)
	a := newAPI(t, s)
	st, v := a.do("POST", a.path("OutgoingCallerIds.json"), url.Values{"PhoneNumber": {"+14155550100"}, "FriendlyName": {"desk"}})
	mustStatus(t, "validation request", st, 200, v, 0)
	mustSID(t, "CA", v["call_sid"])
	if code, _ := v["validation_code"].(string); len(code) != 6 {
		t.Fatalf("validation request = %v", v)
	}
	st, body := a.do("POST", a.path("OutgoingCallerIds.json"), url.Values{"PhoneNumber": {"+14155550100"}})
	mustStatus(t, "again", st, 400, body, 21450)
	st, body = a.do("POST", a.path("OutgoingCallerIds.json"), url.Values{"PhoneNumber": {"4155550100"}})
	mustStatus(t, "not e164", st, 400, body, 21211)
	_, list := a.do("GET", a.path("OutgoingCallerIds.json"), url.Values{"PhoneNumber": {"+14155550100"}})
	items := list["outgoing_caller_ids"].([]any)
	if len(items) != 1 {
		t.Fatalf("caller ids = %v", list)
	}
	pn := mustSID(t, "PN", items[0].(map[string]any)["sid"])
	if fp := list["first_page_uri"].(string); !strings.Contains(fp, "PhoneNumber=%2B14155550100") {
		t.Fatalf("first_page_uri %q lost the filter", fp)
	}
	st, upd := a.do("POST", a.path("OutgoingCallerIds/"+pn+".json"), url.Values{"FriendlyName": {"front desk"}})
	mustStatus(t, "rename", st, 200, upd, 0)
	if upd["friendly_name"] != "front desk" {
		t.Fatalf("renamed = %v", upd)
	}
	st, _ = a.do("DELETE", a.path("OutgoingCallerIds/"+pn+".json"), nil)
	mustStatus(t, "delete", st, 204, nil, 0)
}

func TestFaults(t *testing.T) {
	s := openTest(t)
	sid, tok := s.Account()
	get := func(h http.Handler) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/2010-04-01/Accounts/"+sid+"/SIP/Domains.json", nil)
		req.SetBasicAuth(sid, tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	w := get(s.HandlerWith(HandlerOptions{FailRate: 1}))
	if w.Code != 500 || !strings.Contains(w.Body.String(), `"code":20500`) {
		t.Fatalf("fail-rate 1: %d %s", w.Code, w.Body)
	}
	// With the only slot taken (as by a request in progress), the next
	// request is turned away with 429/20429.
	h := s.HandlerWith(HandlerOptions{MaxConcurrency: 1})
	h.(*handler).sem <- struct{}{}
	w = get(h)
	if w.Code != 429 || !strings.Contains(w.Body.String(), `"code":20429`) {
		t.Fatalf("beyond max concurrency: %d %s", w.Code, w.Body)
	}
}
