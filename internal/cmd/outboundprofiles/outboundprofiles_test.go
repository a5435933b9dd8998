package outboundprofiles_test

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sipctl/sipctl/internal/cmd/outboundprofiles"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/twilio"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// exec runs `outbound-profiles ARGS` on p, counting the requests p makes.
func exec(t *testing.T, p func() (provider.SIPAccounts, error), args ...string) (string, error) {
	t.Helper()
	ios, _, out, _ := iostreams.Test()
	cmd := outboundprofiles.NewCmdOutboundProfiles(&cmdutil.Factory{IOStreams: ios, Provider: p})
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	return out.String(), err
}

func TestBadValuesRefusedBeforeTheProvider(t *testing.T) {
	asked := false
	p := func() (provider.SIPAccounts, error) { asked = true; return nil, errors.New("no provider") }
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"create", "intl"}, "--countries"},
		{[]string{"create", "intl", "--countries", "US,XX"}, `unknown country code "XX"`},
		{[]string{"create", "intl", "--countries", ","}, "at least one"},
		{[]string{"create", "intl", "--countries", "US", "--daily-spend-limit", "-3"}, "0 or more"},
		{[]string{"create", "intl", "--countries", "US", "--daily-spend-limit", "lots"}, "0 or more"},
		{[]string{"update", "intl"}, "nothing to change"},
		{[]string{"update", "intl", "--countries", "EU"}, `unknown country code "EU"`},
	} {
		_, err := exec(t, p, tc.args...)
		var fe *cmdutil.FlagError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want a usage error with %q", tc.args, err, tc.want)
		}
	}
	if asked {
		t.Error("the provider was asked")
	}
}

// A provider without outbound profiles (the sandbox's Twilio face) is
// refused before any request.
func TestProvidersWithoutOutboundProfilesExit2(t *testing.T) {
	sb, err := sandbox.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	sid, tok := sb.Account()
	var requests atomic.Int64
	tw, err := twilio.New(twilio.Options{BaseURL: "http://127.0.0.1", AccountSID: sid, Secret: tok, ProviderName: "sandbox",
		HTTPClient: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			requests.Add(1)
			return sb.RoundTripper().RoundTrip(r)
		})}})
	if err != nil {
		t.Fatal(err)
	}
	p := func() (provider.SIPAccounts, error) { return tw, nil }
	for _, args := range [][]string{{"list"}, {"show", "intl"}, {"create", "intl", "--countries", "US"}, {"update", "intl", "--enabled=false"}} {
		_, err := exec(t, p, args...)
		var mc *provider.MissingCapabilityError
		if !errors.As(err, &mc) || mc.What != provider.WhatOutboundProfiles {
			t.Errorf("%v: %v, want a missing capability", args, err)
		}
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests", n)
	}
}
