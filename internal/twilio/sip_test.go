package twilio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
)

const (
	sipDomainSID = "SD0123456789abcdef0123456789abcdef"
	sipListSID   = "CL0123456789abcdef0123456789abcdef"
	sipCredSID   = "CR0123456789abcdef0123456789abcdef"
	sipACLSID    = "AL0123456789abcdef0123456789abcdef"
	sipIPSID     = "IP0123456789abcdef0123456789abcdef"
	sipDate      = "Mon, 20 Jul 2015 17:27:10 +0000"
)

var sipCreated = time.Date(2015, 7, 20, 17, 27, 10, 0, time.UTC)

// sipCase is one client call and the exact request Twilio must receive.
type sipCase struct {
	name     string
	method   string
	path     string // under /2010-04-01/Accounts/{AccountSid}/
	form     url.Values
	status   int
	response string
	call     func(context.Context, *Client) (any, error)
	want     any
}

func ptr[T any](v T) *T { return &v }

func sipCases() []sipCase {
	domainJSON := `{"sid":"` + sipDomainSID + `","account_sid":"` + testSID + `","domain_name":"office.sip.twilio.com",
		"friendly_name":"Office","voice_url":"https://example.com/voice","voice_method":"POST","sip_registration":true,
		"secure":true,"emergency_calling_enabled":false,"date_created":"` + sipDate + `","date_updated":"` + sipDate + `"}`
	domain := provider.Domain{SID: sipDomainSID, AccountSID: testSID, DomainName: "office.sip.twilio.com",
		FriendlyName: "Office", VoiceURL: "https://example.com/voice", VoiceMethod: "POST", SIPRegistration: true,
		Secure: true, DateCreated: sipCreated, DateUpdated: sipCreated}
	listJSON := `{"sid":"` + sipListSID + `","account_sid":"` + testSID + `","friendly_name":"staff","date_created":"` + sipDate + `","date_updated":"` + sipDate + `"}`
	list := provider.CredentialList{SID: sipListSID, AccountSID: testSID, FriendlyName: "staff", DateCreated: sipCreated, DateUpdated: sipCreated}
	credJSON := `{"sid":"` + sipCredSID + `","account_sid":"` + testSID + `","credential_list_sid":"` + sipListSID + `","username":"alice","date_created":"` + sipDate + `","date_updated":"` + sipDate + `"}`
	cred := provider.Credential{SID: sipCredSID, AccountSID: testSID, CredentialListSID: sipListSID, Username: "alice", DateCreated: sipCreated, DateUpdated: sipCreated}
	aclJSON := `{"sid":"` + sipACLSID + `","account_sid":"` + testSID + `","friendly_name":"office-ips","date_created":"` + sipDate + `","date_updated":"` + sipDate + `"}`
	acl := provider.IPACL{SID: sipACLSID, AccountSID: testSID, FriendlyName: "office-ips", DateCreated: sipCreated, DateUpdated: sipCreated}
	ipJSON := `{"sid":"` + sipIPSID + `","account_sid":"` + testSID + `","ip_access_control_list_sid":"` + sipACLSID + `","friendly_name":"hq","ip_address":"203.0.113.0","cidr_prefix_length":24,"date_created":"` + sipDate + `","date_updated":"` + sipDate + `"}`
	ip := provider.IPAddress{SID: sipIPSID, AccountSID: testSID, IPACLSID: sipACLSID, FriendlyName: "hq", IPAddress: "203.0.113.0", CIDRPrefixLength: 24, DateCreated: sipCreated, DateUpdated: sipCreated}
	mapListJSON := `{"sid":"` + sipListSID + `","account_sid":"` + testSID + `","friendly_name":"staff","date_created":"` + sipDate + `","date_updated":"` + sipDate + `"}`
	mapACLJSON := `{"sid":"` + sipACLSID + `","account_sid":"` + testSID + `","friendly_name":"office-ips","date_created":"` + sipDate + `","date_updated":"` + sipDate + `"}`
	page := func(key, item string) string { return `{"` + key + `":[` + item + `],"next_page_uri":null}` }

	d := "SIP/Domains/" + sipDomainSID
	return []sipCase{
		{name: "ListDomains", method: "GET", path: "SIP/Domains.json", form: url.Values{"PageSize": {"1000"}},
			response: page("domains", domainJSON), want: []provider.Domain{domain},
			call: func(ctx context.Context, c *Client) (any, error) { return collectSeq(c.ListDomains(ctx)) }},
		{name: "GetDomain", method: "GET", path: d + ".json", response: domainJSON, want: domain,
			call: func(ctx context.Context, c *Client) (any, error) { return c.GetDomain(ctx, sipDomainSID) }},
		{name: "CreateDomain", method: "POST", path: "SIP/Domains.json", status: 201, response: domainJSON, want: domain,
			form: url.Values{"DomainName": {"office.sip.twilio.com"}, "FriendlyName": {"Office"}, "VoiceUrl": {"https://example.com/voice"},
				"VoiceMethod": {"POST"}, "VoiceFallbackUrl": {"https://example.com/fallback"}, "VoiceFallbackMethod": {"GET"},
				"VoiceStatusCallbackUrl": {"https://example.com/status"}, "VoiceStatusCallbackMethod": {"POST"},
				"SipRegistration": {"true"}, "Secure": {"true"}, "EmergencyCallingEnabled": {"false"}},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateDomain(ctx, provider.DomainParams{DomainName: ptr("office.sip.twilio.com"), FriendlyName: ptr("Office"),
					VoiceURL: ptr("https://example.com/voice"), VoiceMethod: ptr("POST"), VoiceFallbackURL: ptr("https://example.com/fallback"),
					VoiceFallbackMethod: ptr("GET"), VoiceStatusCallbackURL: ptr("https://example.com/status"), VoiceStatusCallbackMethod: ptr("POST"),
					SIPRegistration: ptr(true), Secure: ptr(true), EmergencyCallingEnabled: ptr(false)})
			}},
		{name: "UpdateDomain sends only what changed", method: "POST", path: d + ".json", response: domainJSON, want: domain,
			form: url.Values{"FriendlyName": {"Office"}, "SipRegistration": {"false"}},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateDomain(ctx, sipDomainSID, provider.DomainParams{FriendlyName: ptr("Office"), SIPRegistration: ptr(false)})
			}},
		{name: "DeleteDomain", method: "DELETE", path: d + ".json", status: 204,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteDomain(ctx, sipDomainSID) }},

		{name: "ListCredentialLists", method: "GET", path: "SIP/CredentialLists.json", form: url.Values{"PageSize": {"1000"}},
			response: page("credential_lists", listJSON), want: []provider.CredentialList{list},
			call: func(ctx context.Context, c *Client) (any, error) { return collectSeq(c.ListCredentialLists(ctx)) }},
		{name: "GetCredentialList", method: "GET", path: "SIP/CredentialLists/" + sipListSID + ".json", response: listJSON, want: list,
			call: func(ctx context.Context, c *Client) (any, error) { return c.GetCredentialList(ctx, sipListSID) }},
		{name: "CreateCredentialList", method: "POST", path: "SIP/CredentialLists.json", status: 201, response: listJSON, want: list,
			form: url.Values{"FriendlyName": {"staff"}},
			call: func(ctx context.Context, c *Client) (any, error) { return c.CreateCredentialList(ctx, "staff") }},
		{name: "RenameCredentialList", method: "POST", path: "SIP/CredentialLists/" + sipListSID + ".json", response: listJSON, want: list,
			form: url.Values{"FriendlyName": {"staff"}},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.RenameCredentialList(ctx, sipListSID, "staff")
			}},
		{name: "DeleteCredentialList", method: "DELETE", path: "SIP/CredentialLists/" + sipListSID + ".json", status: 204,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteCredentialList(ctx, sipListSID) }},
		{name: "ListCredentials", method: "GET", path: "SIP/CredentialLists/" + sipListSID + "/Credentials.json", form: url.Values{"PageSize": {"1000"}},
			response: page("credentials", credJSON), want: []provider.Credential{cred},
			call: func(ctx context.Context, c *Client) (any, error) {
				return collectSeq(c.ListCredentials(ctx, sipListSID))
			}},
		{name: "GetCredential", method: "GET", path: "SIP/CredentialLists/" + sipListSID + "/Credentials/" + sipCredSID + ".json", response: credJSON, want: cred,
			call: func(ctx context.Context, c *Client) (any, error) { return c.GetCredential(ctx, sipListSID, sipCredSID) }},
		{name: "CreateCredential", method: "POST", path: "SIP/CredentialLists/" + sipListSID + "/Credentials.json", status: 201, response: credJSON, want: cred,
			form: url.Values{"Username": {"alice"}, "Password": {"IWasAtSignal2018"}},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateCredential(ctx, sipListSID, "alice", "IWasAtSignal2018")
			}},
		{name: "UpdateCredentialPassword", method: "POST", path: "SIP/CredentialLists/" + sipListSID + "/Credentials/" + sipCredSID + ".json", response: credJSON, want: cred,
			form: url.Values{"Password": {"IWasAtSignal2019"}},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateCredentialPassword(ctx, sipListSID, sipCredSID, "IWasAtSignal2019")
			}},
		{name: "DeleteCredential", method: "DELETE", path: "SIP/CredentialLists/" + sipListSID + "/Credentials/" + sipCredSID + ".json", status: 204,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.DeleteCredential(ctx, sipListSID, sipCredSID)
			}},

		{name: "ListIPACLs", method: "GET", path: "SIP/IpAccessControlLists.json", form: url.Values{"PageSize": {"1000"}},
			response: page("ip_access_control_lists", aclJSON), want: []provider.IPACL{acl},
			call: func(ctx context.Context, c *Client) (any, error) { return collectSeq(c.ListIPACLs(ctx)) }},
		{name: "GetIPACL", method: "GET", path: "SIP/IpAccessControlLists/" + sipACLSID + ".json", response: aclJSON, want: acl,
			call: func(ctx context.Context, c *Client) (any, error) { return c.GetIPACL(ctx, sipACLSID) }},
		{name: "CreateIPACL", method: "POST", path: "SIP/IpAccessControlLists.json", status: 201, response: aclJSON, want: acl,
			form: url.Values{"FriendlyName": {"office-ips"}},
			call: func(ctx context.Context, c *Client) (any, error) { return c.CreateIPACL(ctx, "office-ips") }},
		{name: "DeleteIPACL", method: "DELETE", path: "SIP/IpAccessControlLists/" + sipACLSID + ".json", status: 204,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteIPACL(ctx, sipACLSID) }},
		{name: "ListIPAddresses", method: "GET", path: "SIP/IpAccessControlLists/" + sipACLSID + "/IpAddresses.json", form: url.Values{"PageSize": {"1000"}},
			response: page("ip_addresses", ipJSON), want: []provider.IPAddress{ip},
			call: func(ctx context.Context, c *Client) (any, error) {
				return collectSeq(c.ListIPAddresses(ctx, sipACLSID))
			}},
		{name: "AddIPAddress with prefix", method: "POST", path: "SIP/IpAccessControlLists/" + sipACLSID + "/IpAddresses.json", status: 201, response: ipJSON, want: ip,
			form: url.Values{"FriendlyName": {"hq"}, "IpAddress": {"203.0.113.0"}, "CidrPrefixLength": {"24"}},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.AddIPAddress(ctx, sipACLSID, "hq", "203.0.113.0", 24)
			}},
		{name: "AddIPAddress names itself when unnamed", method: "POST", path: "SIP/IpAccessControlLists/" + sipACLSID + "/IpAddresses.json", status: 201, response: ipJSON, want: ip,
			form: url.Values{"FriendlyName": {"203.0.113.7"}, "IpAddress": {"203.0.113.7"}},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.AddIPAddress(ctx, sipACLSID, "", "203.0.113.7", 0)
			}},
		{name: "RemoveIPAddress", method: "DELETE", path: "SIP/IpAccessControlLists/" + sipACLSID + "/IpAddresses/" + sipIPSID + ".json", status: 204,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.RemoveIPAddress(ctx, sipACLSID, sipIPSID)
			}},

		{name: "ListCredentialListMappings calls", method: "GET", path: d + "/Auth/Calls/CredentialListMappings.json", form: url.Values{"PageSize": {"1000"}},
			response: page("contents", mapListJSON),
			want:     []provider.Mapping{{SID: sipListSID, DomainSID: sipDomainSID, FriendlyName: "staff", Kind: provider.ForCalls, DateCreated: sipCreated}},
			call: func(ctx context.Context, c *Client) (any, error) {
				return collectSeq(c.ListCredentialListMappings(ctx, sipDomainSID, provider.ForCalls))
			}},
		{name: "ListCredentialListMappings registrations", method: "GET", path: d + "/Auth/Registrations/CredentialListMappings.json", form: url.Values{"PageSize": {"1000"}},
			response: page("contents", mapListJSON),
			want:     []provider.Mapping{{SID: sipListSID, DomainSID: sipDomainSID, FriendlyName: "staff", Kind: provider.ForRegistrations, DateCreated: sipCreated}},
			call: func(ctx context.Context, c *Client) (any, error) {
				return collectSeq(c.ListCredentialListMappings(ctx, sipDomainSID, provider.ForRegistrations))
			}},
		{name: "AttachCredentialList calls", method: "POST", path: d + "/Auth/Calls/CredentialListMappings.json", status: 201, response: mapListJSON,
			form: url.Values{"CredentialListSid": {sipListSID}},
			want: provider.Mapping{SID: sipListSID, DomainSID: sipDomainSID, FriendlyName: "staff", Kind: provider.ForCalls, DateCreated: sipCreated},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.AttachCredentialList(ctx, sipDomainSID, provider.ForCalls, sipListSID)
			}},
		{name: "AttachCredentialList registrations", method: "POST", path: d + "/Auth/Registrations/CredentialListMappings.json", status: 201, response: mapListJSON,
			form: url.Values{"CredentialListSid": {sipListSID}},
			want: provider.Mapping{SID: sipListSID, DomainSID: sipDomainSID, FriendlyName: "staff", Kind: provider.ForRegistrations, DateCreated: sipCreated},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.AttachCredentialList(ctx, sipDomainSID, provider.ForRegistrations, sipListSID)
			}},
		{name: "DetachCredentialList calls", method: "DELETE", path: d + "/Auth/Calls/CredentialListMappings/" + sipListSID + ".json", status: 204,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.DetachCredentialList(ctx, sipDomainSID, provider.ForCalls, sipListSID)
			}},
		{name: "DetachCredentialList registrations", method: "DELETE", path: d + "/Auth/Registrations/CredentialListMappings/" + sipListSID + ".json", status: 204,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.DetachCredentialList(ctx, sipDomainSID, provider.ForRegistrations, sipListSID)
			}},
		{name: "ListIPACLMappings", method: "GET", path: d + "/Auth/Calls/IpAccessControlListMappings.json", form: url.Values{"PageSize": {"1000"}},
			response: page("contents", mapACLJSON),
			want:     []provider.Mapping{{SID: sipACLSID, DomainSID: sipDomainSID, FriendlyName: "office-ips", Kind: provider.ForCalls, DateCreated: sipCreated}},
			call: func(ctx context.Context, c *Client) (any, error) {
				return collectSeq(c.ListIPACLMappings(ctx, sipDomainSID))
			}},
		{name: "AttachIPACL", method: "POST", path: d + "/Auth/Calls/IpAccessControlListMappings.json", status: 201, response: mapACLJSON,
			form: url.Values{"IpAccessControlListSid": {sipACLSID}},
			want: provider.Mapping{SID: sipACLSID, DomainSID: sipDomainSID, FriendlyName: "office-ips", Kind: provider.ForCalls, DateCreated: sipCreated},
			call: func(ctx context.Context, c *Client) (any, error) { return c.AttachIPACL(ctx, sipDomainSID, sipACLSID) }},
		{name: "DetachIPACL", method: "DELETE", path: d + "/Auth/Calls/IpAccessControlListMappings/" + sipACLSID + ".json", status: 204,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.DetachIPACL(ctx, sipDomainSID, sipACLSID)
			}},
	}
}

func collectSeq[T any](seq func(func(T, error) bool)) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func TestSIPRequestsAndDecoding(t *testing.T) {
	for _, tc := range sipCases() {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls++
				checkAuth(t, r)
				if r.Method != tc.method {
					t.Errorf("method = %s, want %s", r.Method, tc.method)
				}
				if want := "/2010-04-01/Accounts/" + testSID + "/" + tc.path; r.URL.Path != want {
					t.Errorf("path = %s, want %s", r.URL.Path, want)
				}
				var got url.Values
				if r.Method == "POST" {
					if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
						t.Errorf("Content-Type = %q", ct)
					}
					body, _ := io.ReadAll(r.Body)
					got, _ = url.ParseQuery(string(body))
				} else {
					got = r.URL.Query()
				}
				if fmt.Sprint(got) != fmt.Sprint(tc.form) && !(len(got) == 0 && len(tc.form) == 0) {
					t.Errorf("form = %v, want %v", got, tc.form)
				}
				status := tc.status
				if status == 0 {
					status = 200
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(status)
				io.WriteString(w, tc.response)
			}), nil)
			got, err := tc.call(context.Background(), c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if calls != 1 {
				t.Errorf("requests = %d, want 1", calls)
			}
			if tc.want != nil {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(tc.want)
				if string(g) != string(w) {
					t.Errorf("result\n got %s\nwant %s", g, w)
				}
			}
		})
	}
}

func TestListDomainsFollowsPages(t *testing.T) {
	var paths []string
	c, srv := newTestClient(t, nil, nil)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.RequestURI())
		checkAuth(t, r)
		page := r.URL.Query().Get("Page")
		if page == "" {
			page = "0"
		}
		next := "null"
		if page != "2" {
			n := map[string]string{"0": "1", "1": "2"}[page]
			next = `"/2010-04-01/Accounts/` + testSID + `/SIP/Domains.json?PageSize=1000&Page=` + n + `&PageToken=PA` + n + `"`
		}
		fmt.Fprintf(w, `{"domains":[{"sid":"SD%032s","domain_name":"d%s.sip.twilio.com"},{"sid":"SD%032s","domain_name":"e%s.sip.twilio.com"}],"next_page_uri":%s}`,
			page, page, page+"1", page, next)
	})
	var names []string
	for d, err := range c.ListDomains(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, d.DomainName)
	}
	if got := strings.Join(names, ","); got != "d0.sip.twilio.com,e0.sip.twilio.com,d1.sip.twilio.com,e1.sip.twilio.com,d2.sip.twilio.com,e2.sip.twilio.com" {
		t.Errorf("domains = %s", got)
	}
	if len(paths) != 3 || !strings.Contains(paths[0], "PageSize=1000") || !strings.Contains(paths[2], "PageToken=PA2") {
		t.Errorf("requests = %v", paths)
	}
}

func TestSIPErrorsAreTyped(t *testing.T) {
	cases := []struct {
		status, code int
		notFound     bool
	}{
		{404, 20404, true},
		{400, 21232, false},
		{400, 21240, false},
		{400, 32212, false},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.code), func(t *testing.T) {
			c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				fmt.Fprintf(w, `{"code":%d,"message":"twilio says no","more_info":"https://www.twilio.com/docs/errors/%d","status":%d}`, tc.code, tc.code, tc.status)
			}), nil)
			_, err := c.CreateDomain(context.Background(), provider.DomainParams{DomainName: ptr("x.sip.twilio.com")})
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.Code != tc.code {
				t.Fatalf("err = %v, want APIError code %d", err, tc.code)
			}
			if errors.Is(err, provider.ErrNotFound) != tc.notFound {
				t.Errorf("errors.Is(ErrNotFound) = %v", !tc.notFound)
			}
			if Hint(tc.code) == "" {
				t.Errorf("no hint for %d", tc.code)
			}
		})
	}
}

func TestUnknownAuthKindRejectedBeforeRequest(t *testing.T) {
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
	}), nil)
	if _, err := c.AttachCredentialList(context.Background(), sipDomainSID, "both", sipListSID); err == nil {
		t.Fatal("want error for unknown kind")
	}
}
