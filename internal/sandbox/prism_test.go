package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"testing"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sandbox/sandboxtest"
	"github.com/sipctl/sipctl/internal/twilio"
)

// Prism in proxy mode with --errors sits between sipctl's Twilio client and
// the sandbox: it checks every request against Twilio's OpenAPI document
// before forwarding it, and every sandbox response before returning it.
func TestPrismProxyConformance(t *testing.T) {
	prism, s := sandboxtest.ServeThroughPrism(t, t.TempDir())
	sid, tok := s.Account()
	c, err := twilio.New(twilio.Options{BaseURL: prism.URL, AccountSID: sid, Secret: tok, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	step := func(name string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	count := func(name string, seq func(func(any, error) bool)) int {
		t.Helper()
		n := 0
		for _, err := range seq {
			step(name, err)
			n++
		}
		return n
	}
	// paged lists through twilio.List with a small page, so next_page_uri
	// is followed through Prism too.
	paged := func(name, path, key string) int {
		t.Helper()
		n := 0
		for _, err := range twilio.List[map[string]any](ctx, c, path, url.Values{"PageSize": {"2"}}, key) {
			step(name, err)
			n++
		}
		return n
	}

	acct, err := c.GetAccount(ctx, sid)
	step("GetAccount", err)
	if acct.SID != sid {
		t.Fatalf("account = %+v", acct)
	}
	sub, err := c.CreateSubaccount(ctx, "prism customer")
	step("CreateSubaccount", err)
	count("ListSubaccounts", seqAny(c.ListSubaccounts(ctx)))
	_, err = c.SetAccountStatus(ctx, sub.SID, "suspended")
	step("SetAccountStatus", err)

	name, reg := "prism.sip.twilio.com", true
	voice, method := "https://example.com/voice", "GET"
	d, err := c.CreateDomain(ctx, provider.DomainParams{DomainName: &name, SIPRegistration: &reg, VoiceURL: &voice, VoiceMethod: &method})
	step("CreateDomain", err)
	friendly := "Prism"
	_, err = c.UpdateDomain(ctx, d.SID, provider.DomainParams{FriendlyName: &friendly})
	step("UpdateDomain", err)
	_, err = c.GetDomain(ctx, d.SID)
	step("GetDomain", err)
	count("ListDomains", seqAny(c.ListDomains(ctx)))

	l, err := c.CreateCredentialList(ctx, "prism-users")
	step("CreateCredentialList", err)
	_, err = c.RenameCredentialList(ctx, l.SID, "prism-staff")
	step("RenameCredentialList", err)
	_, err = c.GetCredentialList(ctx, l.SID)
	step("GetCredentialList", err)
	count("ListCredentialLists", seqAny(c.ListCredentialLists(ctx)))
	var creds []string
	for i := range 5 {
		cr, err := c.CreateCredential(ctx, l.SID, fmt.Sprintf("phone%d", i), fmt.Sprintf("Prism-Checked-Pass%dx", i))
		step("CreateCredential", err)
		creds = append(creds, cr.SID)
	}
	_, err = c.UpdateCredentialPassword(ctx, l.SID, creds[0], "Prism-Rotated-Pass9x")
	step("UpdateCredentialPassword", err)
	_, err = c.GetCredential(ctx, l.SID, creds[0])
	step("GetCredential", err)
	if n := count("ListCredentials", seqAny(c.ListCredentials(ctx, l.SID))); n != 5 {
		t.Fatalf("ListCredentials = %d, want 5", n)
	}
	if n := paged("credentials paged", c.AccountPath("SIP/CredentialLists/"+l.SID+"/Credentials.json"), "credentials"); n != 5 {
		t.Fatalf("paged credentials = %d, want 5", n)
	}

	acl, err := c.CreateIPACL(ctx, "prism-office")
	step("CreateIPACL", err)
	_, err = c.GetIPACL(ctx, acl.SID)
	step("GetIPACL", err)
	count("ListIPACLs", seqAny(c.ListIPACLs(ctx)))
	ip, err := c.AddIPAddress(ctx, acl.SID, "gateway", "192.0.2.20", 30)
	step("AddIPAddress", err)
	count("ListIPAddresses", seqAny(c.ListIPAddresses(ctx, acl.SID)))

	for _, kind := range []provider.AuthKind{provider.ForCalls, provider.ForRegistrations} {
		_, err = c.AttachCredentialList(ctx, d.SID, kind, l.SID)
		step("AttachCredentialList "+string(kind), err)
		if n := count("ListCredentialListMappings", seqAny(c.ListCredentialListMappings(ctx, d.SID, kind))); n != 1 {
			t.Fatalf("%s mappings = %d", kind, n)
		}
	}
	_, err = c.AttachIPACL(ctx, d.SID, acl.SID)
	step("AttachIPACL", err)
	count("ListIPACLMappings", seqAny(c.ListIPACLMappings(ctx, d.SID)))

	v, err := c.AddCallerID(ctx, "+14155550123", "prism desk")
	step("AddCallerID", err)
	if v.ValidationCode == "" {
		t.Fatalf("validation request = %+v", v)
	}
	var pn string
	for cid, err := range c.ListCallerIDs(ctx) {
		step("ListCallerIDs", err)
		pn = cid.SID
	}
	_, err = c.RenameCallerID(ctx, pn, "prism front desk")
	step("RenameCallerID", err)
	step("RemoveCallerID", c.RemoveCallerID(ctx, pn))

	step("DetachIPACL", c.DetachIPACL(ctx, d.SID, acl.SID))
	for _, kind := range []provider.AuthKind{provider.ForCalls, provider.ForRegistrations} {
		step("DetachCredentialList", c.DetachCredentialList(ctx, d.SID, kind, l.SID))
	}
	step("RemoveIPAddress", c.RemoveIPAddress(ctx, acl.SID, ip.SID))
	step("DeleteIPACL", c.DeleteIPACL(ctx, acl.SID))
	for _, cr := range creds {
		step("DeleteCredential", c.DeleteCredential(ctx, l.SID, cr))
	}
	step("DeleteCredentialList", c.DeleteCredentialList(ctx, l.SID))
	step("DeleteDomain", c.DeleteDomain(ctx, d.SID))
	// Twilio's error answers pass through Prism too.
	if _, err := c.GetDomain(ctx, d.SID); !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("GetDomain after delete: %v, want not found", err)
	}

	if n := prism.Requests(); n < 40 {
		t.Fatalf("only %d requests went through Prism", n)
	}
	// ServeThroughPrism fails the test at cleanup for each violation.
}

func seqAny[T any](seq func(func(T, error) bool)) func(func(any, error) bool) {
	return func(yield func(any, error) bool) {
		for v, err := range seq {
			if !yield(v, err) {
				return
			}
		}
	}
}
