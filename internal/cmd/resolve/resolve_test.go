package resolve

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/twilio/twiliotest"
)

func TestCanonicalDomainIsTheProvidersAndAUsageError(t *testing.T) {
	c := twiliotest.New(t).Client()
	for in, want := range map[string]string{
		"office":                     "office.sip.twilio.com",
		"Office.SIP.twilio.com":      "office.sip.twilio.com",
		"east.office.sip.twilio.com": "east.office.sip.twilio.com",
		"my-pbx":                     "my-pbx.sip.twilio.com",
	} {
		if got, err := CanonicalDomain(c, in); err != nil || got != want {
			t.Errorf("CanonicalDomain(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, rule := range map[string]string{
		"office.example.com": "end in sip.twilio.com",
		"sip.twilio.com":     "end in sip.twilio.com",
		"of_fice":            "letters, digits and '-'",
		"-office":            "letters, digits and '-'",
		"":                   "empty",
	} {
		var fe *cmdutil.FlagError
		if _, err := CanonicalDomain(c, in); !errors.As(err, &fe) || !strings.Contains(err.Error(), rule) {
			t.Errorf("CanonicalDomain(%q) err = %v, want a usage error naming %q", in, err, rule)
		}
	}
}

func TestUsername(t *testing.T) {
	c := twiliotest.New(t).Client()
	if err := Username(c, strings.Repeat("a", 32)); err != nil {
		t.Errorf("32 characters: %v", err)
	}
	if err := Username(c, strings.Repeat("a", 33)); err == nil || !strings.Contains(err.Error(), "at most 32") {
		t.Errorf("33 characters: %v", err)
	}
	if err := Username(c, "alice@office"); err == nil {
		t.Error("@ accepted")
	}
}

func TestIPv4(t *testing.T) {
	good := map[string][2]any{"203.0.113.7": {"203.0.113.7", 0}, "203.0.113.0/24": {"203.0.113.0", 24}, " 10.0.0.1/32 ": {"10.0.0.1", 32},
		// A range is its network address: host bits are dropped.
		"10.0.0.5/24": {"10.0.0.0", 24}, "192.168.7.200/21": {"192.168.0.0", 21}, "172.16.5.4/1": {"128.0.0.0", 1}, "172.16.5.4/31": {"172.16.5.4", 31}}
	for in, want := range good {
		a, p, err := IPv4(in)
		if err != nil || a != want[0] || p != want[1] {
			t.Errorf("IPv4(%q) = %q %d %v", in, a, p, err)
		}
	}
	bad := map[string]string{
		"2001:db8::1":     "IPv6",
		"2001:db8::/32":   "IPv6",
		"203.0.113":       "not an IPv4 address",
		"203.0.113.300":   "not an IPv4 address",
		"example.com":     "not an IPv4 address",
		"203.0.113.0/33":  "1 to 32",
		"203.0.113.0/0":   "1 to 32",
		"203.0.113.0/abc": "1 to 32",
	}
	for in, rule := range bad {
		if _, _, err := IPv4(in); err == nil || !strings.Contains(err.Error(), rule) {
			t.Errorf("IPv4(%q) err = %v, want %q", in, err, rule)
		}
	}
}

func TestSameIPv4Entry(t *testing.T) {
	for _, c := range []struct {
		haveAddr   string
		havePrefix int
		addr       string
		prefix     int
		same       bool
	}{
		{"203.0.113.7", 32, "203.0.113.7", 0, true},
		{"203.0.113.7", 0, "203.0.113.7", 32, true},
		{"10.0.0.5", 24, "10.0.0.0", 24, true}, // stored with host bits
		{"10.0.0.0", 24, "10.0.0.0", 25, false},
		{"10.0.0.0", 24, "10.0.1.0", 24, false},
		{"203.0.113.7", 32, "203.0.113.8", 32, false},
	} {
		if got := SameIPv4Entry(c.haveAddr, c.havePrefix, c.addr, c.prefix); got != c.same {
			t.Errorf("SameIPv4Entry(%s/%d, %s/%d) = %v", c.haveAddr, c.havePrefix, c.addr, c.prefix, got)
		}
	}
}

func TestDomainByBareNameFullNameAndSID(t *testing.T) {
	sid := twiliotest.SID("SD", 1)
	page := twiliotest.Page("domains", "", twiliotest.Domain(twiliotest.SID("SD", 2), "other.sip.twilio.com", nil), twiliotest.Domain(sid, "office.sip.twilio.com", nil))
	s := twiliotest.New(t)
	s.Expect("GET", "SIP/Domains.json", nil, 0, page)
	s.Expect("GET", "SIP/Domains.json", nil, 0, page)
	s.Expect("GET", "SIP/Domains/"+sid+".json", nil, 0, twiliotest.Domain(sid, "office.sip.twilio.com", nil))
	c := s.Client()
	for _, ref := range []string{"office", "office.sip.twilio.com", sid} {
		d, err := Domain(context.Background(), c, ref)
		if err != nil || d.SID != sid {
			t.Errorf("Domain(%q) = %s, %v", ref, d.SID, err)
		}
	}
}

func TestDomainMissingSaysHowToCreate(t *testing.T) {
	s := twiliotest.New(t)
	s.Expect("GET", "SIP/Domains.json", nil, 0, twiliotest.Page("domains", ""))
	_, err := Domain(context.Background(), s.Client(), "office")
	var h *cmdutil.HintError
	if !errors.As(err, &h) || !strings.Contains(err.Error(), `no domain "office.sip.twilio.com"`) || !strings.Contains(h.Hint, "sipctl domains create office") {
		t.Fatalf("err = %v (%#v)", err, h)
	}
}

func TestBadDomainRejectedBeforeAnyRequest(t *testing.T) {
	s := twiliotest.New(t)
	_, err := Domain(context.Background(), s.Client(), "office.example.com")
	var fe *cmdutil.FlagError
	if !errors.As(err, &fe) || s.Requests() != 0 {
		t.Fatalf("err = %v, requests = %d", err, s.Requests())
	}
}

func TestCredentialListAmbiguousAndMissing(t *testing.T) {
	a, b := twiliotest.SID("CL", 1), twiliotest.SID("CL", 2)
	s := twiliotest.New(t)
	// Two pages, so resolution reads the whole account.
	s.Expect("GET", "SIP/CredentialLists.json", nil, 0, twiliotest.Page("credential_lists", twiliotest.NextPage("SIP/CredentialLists.json", 1), twiliotest.CredentialList(a, "staff")))
	s.Expect("GET", "SIP/CredentialLists.json?Page=1", nil, 0, twiliotest.Page("credential_lists", "", twiliotest.CredentialList(b, "staff")))
	s.Expect("GET", "SIP/CredentialLists.json", nil, 0, twiliotest.Page("credential_lists", "", twiliotest.CredentialList(a, "staff")))
	c := s.Client()
	_, err := CredentialList(context.Background(), c, "staff")
	if err == nil || !strings.Contains(err.Error(), a) || !strings.Contains(err.Error(), b) {
		t.Fatalf("ambiguous: %v", err)
	}
	_, err = CredentialList(context.Background(), c, "front desk")
	var h *cmdutil.HintError
	if !errors.As(err, &h) || !strings.Contains(h.Hint, "sipctl credlists create 'front desk'") {
		t.Fatalf("missing: %v", err)
	}
}

func TestIPACLBySIDNotFound(t *testing.T) {
	sid := twiliotest.SID("AL", 9)
	s := twiliotest.New(t)
	s.Expect("GET", "SIP/IpAccessControlLists/"+sid+".json", nil, 404, twiliotest.Error(404, 20404, "The requested resource was not found"))
	_, err := IPACL(context.Background(), s.Client(), sid)
	if err == nil || !strings.Contains(err.Error(), "no IP access control list") {
		t.Fatalf("err = %v", err)
	}
}
