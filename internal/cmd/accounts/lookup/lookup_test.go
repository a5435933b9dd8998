package lookup

import (
	"errors"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/twilio/twiliotest"
)

func TestTarget(t *testing.T) {
	prof := &config.Profile{DefaultDomain: "hq"}
	for _, tc := range []struct {
		arg, flag    string
		prof         *config.Profile
		user, domain string
		errHas       string
	}{
		{"alice", "office", nil, "alice", "office", ""},
		{"alice@office.sip.twilio.com", "", nil, "alice", "office.sip.twilio.com", ""},
		{"sip:alice@office", "", nil, "alice", "office", ""},
		{"alice", "", prof, "alice", "hq", ""},
		{"alice@office", "lab", nil, "", "", "already names a domain"},
		{"alice", "", nil, "", "", "no domain"},
		{"alice@office", "office", nil, "alice", "office", ""},
		{"a@b@c", "hq", nil, "", "", "has 2 '@'"},
		{"a@b@c", "", nil, "", "", "has 2 '@'"},
		{"alice@", "", nil, "", "", "no domain after '@'"},
		{"al ice", "office", nil, "", "", "whitespace"},
		{"a<b>", "office", nil, "", "", "RFC 3261"},
		{"j\u00fcrgen", "office", nil, "", "", "not ASCII"},
	} {
		u, d, err := Target(tc.arg, tc.flag, tc.prof)
		if tc.errHas != "" {
			var fe *cmdutil.FlagError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("Target(%q, %q) err = %v, want a usage error naming %q", tc.arg, tc.flag, err, tc.errHas)
			}
			continue
		}
		if err != nil || u != tc.user || d != tc.domain {
			t.Errorf("Target(%q, %q) = %q, %q, %v", tc.arg, tc.flag, u, d, err)
		}
	}
}

func TestResolveAppliesTheProvidersRules(t *testing.T) {
	c := twiliotest.New(t).Client() // no request is expected
	u, d, err := Resolve(c, "alice@office", "", nil)
	if err != nil || u != "alice" || d != "office.sip.twilio.com" {
		t.Errorf("Resolve = %q, %q, %v", u, d, err)
	}
	for arg, rule := range map[string]string{
		strings.Repeat("a", 33) + "@office": "at most 32",
		"alice@office.example.com":          "end in sip.twilio.com",
		"a;b@office":                        "literally",
	} {
		var fe *cmdutil.FlagError
		if _, _, err := Resolve(c, arg, "", nil); !errors.As(err, &fe) || !strings.Contains(err.Error(), rule) {
			t.Errorf("Resolve(%q) err = %v, want a usage error naming %q", arg, err, rule)
		}
	}
}

func TestPhoneSettings(t *testing.T) {
	reg, ts, srtp := PhoneSettings(provider.Domain{DomainName: "office.sip.twilio.com"})
	if reg != "office.sip.twilio.com" || TransportList(ts) != "UDP 5060, TCP 5060, TLS 5061" || srtp {
		t.Errorf("plain domain: %s %s %v", reg, TransportList(ts), srtp)
	}
	_, ts, srtp = PhoneSettings(provider.Domain{DomainName: "office.sip.twilio.com", Secure: true})
	if TransportList(ts) != "TLS 5061" || !srtp {
		t.Errorf("secure domain: %s %v", TransportList(ts), srtp)
	}
}
