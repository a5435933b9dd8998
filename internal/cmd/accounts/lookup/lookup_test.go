package lookup

import (
	"context"
	"errors"
	"fmt"
	"iter"
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

type recorder struct{ calls []int }

func (r *recorder) RegistrationStatus(_ context.Context, accts []provider.SIPAccount) (map[string]provider.Registration, error) {
	r.calls = append(r.calls, len(accts))
	out := map[string]provider.Registration{}
	for _, a := range accts {
		if a.Username == "u3" {
			out[a.Ref] = provider.Registration{State: provider.Registered, Contact: "sip:u3@192.0.2.1"}
		}
	}
	return out, nil
}

func accounts(n int) iter.Seq2[provider.SIPAccount, error] {
	return func(yield func(provider.SIPAccount, error) bool) {
		for i := range n {
			if !yield(provider.SIPAccount{Ref: fmt.Sprint("r", i), Username: fmt.Sprint("u", i)}, nil) {
				return
			}
		}
	}
}

func TestWithStatusAsksOncePerBatch(t *testing.T) {
	r := &recorder{}
	var got []string
	for a, err := range WithStatus(context.Background(), r, accounts(5), 2) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a.Username+"="+string(a.Registration.State))
	}
	if fmt.Sprint(r.calls) != "[2 2 1]" {
		t.Errorf("batches %v, want [2 2 1]", r.calls)
	}
	if strings.Join(got, " ") != "u0=not-registered u1=not-registered u2=not-registered u3=registered u4=not-registered" {
		t.Errorf("accounts %v", got)
	}
	// Stopping early asks for no further batch.
	r = &recorder{}
	for range WithStatus(context.Background(), r, accounts(5), 2) {
		break
	}
	if fmt.Sprint(r.calls) != "[2]" {
		t.Errorf("batches after an early stop %v, want [2]", r.calls)
	}
}
