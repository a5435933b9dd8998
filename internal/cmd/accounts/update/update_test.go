package update

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/telnyx"
	"github.com/sipctl/sipctl/internal/twilio"
)

func telnyxFace(t *testing.T) (*telnyx.Client, *sandbox.Sandbox) {
	t.Helper()
	sb, err := sandbox.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	c, err := telnyx.New(telnyx.Options{BaseURL: "http://127.0.0.1" + sandbox.TelnyxPrefix, APIKey: sb.TelnyxAPIKey(),
		HTTPClient: &http.Client{Transport: sb.RoundTripper()}, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c, sb
}

func parse(t *testing.T, args ...string) (*UpdateOptions, error) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	var got *UpdateOptions
	cmd := NewCmdUpdate(&cmdutil.Factory{IOStreams: ios}, func(o *UpdateOptions) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(ios.ErrOut)
	cmd.SetErr(ios.ErrOut)
	return got, cmd.Execute()
}

func TestFlagsRefuseBadValuesBeforeAnyRequest(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"desk01"}, "nothing to change"},
		{[]string{"desk01", "--inbound-channel-limit", "-1"}, "0 or more"},
		{[]string{"desk01", "--outbound-channel-limit", "-3"}, "0 or more"},
		{[]string{"desk01", "--caller-id", "4155550123"}, "E.164"},
		{[]string{"desk01", "--caller-id", "+0123"}, "E.164"},
		{[]string{"desk01", "--caller-id", ""}, "none to clear"},
	} {
		if _, err := parse(t, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
	o, err := parse(t, "desk01", "desk02", "--inbound-channel-limit", "0", "--caller-id", "none")
	if err != nil || len(o.Accounts) != 2 || *o.Settings.InboundChannelLimit != 0 || *o.Settings.CallerID != "" ||
		o.Settings.OutboundChannelLimit != nil || o.Settings.OutboundProfile != nil {
		t.Fatalf("%+v %v", o, err)
	}
}

func run(t *testing.T, p provider.SIPAccounts, accounts []string, s provider.AccountSettings) (string, string, error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	exp := &cmdutil.Exporter{}
	exp.Prepare("", true)
	opts := &UpdateOptions{IO: ios, Provider: func() (provider.SIPAccounts, error) { return p, nil },
		Profile:  func() (*config.Profile, error) { return &config.Profile{DefaultDomain: telnyx.Registrar}, nil },
		Exporter: exp, Accounts: accounts, Settings: s, Concurrency: 4}
	err := updateRun(context.Background(), opts)
	return out.String(), errOut.String(), err
}

func TestUpdateTelnyxSettings(t *testing.T) {
	c, _ := telnyxFace(t)
	ctx := context.Background()
	for _, u := range []string{"desk01", "desk02"} {
		if _, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: u, Domain: telnyx.Registrar, Password: "Desk-pass-123"}); err != nil {
			t.Fatal(err)
		}
	}
	in, outb, cid, ovp := 2, 1, "+14155550123", "1293384261075731499"
	out, _, err := run(t, c, []string{"desk01", "desk02"}, provider.AccountSettings{InboundChannelLimit: &in, OutboundChannelLimit: &outb, CallerID: &cid, OutboundProfile: &ovp})
	if err != nil {
		t.Fatal(err)
	}
	var res []Result
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) != 2 {
		t.Fatalf("%s: %v", out, err)
	}
	for _, r := range res {
		if *r.InboundChannelLimit != 2 || *r.OutboundChannelLimit != 1 || r.CallerID != cid || r.OutboundProfile != ovp {
			t.Errorf("result %+v", r)
		}
	}
	a, err := c.GetSIPAccount(ctx, "desk02", telnyx.Registrar)
	if err != nil || a.Attributes[telnyx.AttrInboundLimit] != "2" || a.Attributes[telnyx.AttrCallerID] != cid {
		t.Fatalf("stored %+v %v", a.Attributes, err)
	}
	// Clearing the caller ID leaves the limits alone.
	none := ""
	if _, _, err := run(t, c, []string{"desk02"}, provider.AccountSettings{CallerID: &none}); err != nil {
		t.Fatal(err)
	}
	a, _ = c.GetSIPAccount(ctx, "desk02", telnyx.Registrar)
	if a.Attributes[telnyx.AttrCallerID] != "" || a.Attributes[telnyx.AttrInboundLimit] != "2" {
		t.Fatalf("after clearing %+v", a.Attributes)
	}
	// One missing account among two: a partial failure (exit 3).
	_, _, err = run(t, c, []string{"desk01", "nobody99"}, provider.AccountSettings{InboundChannelLimit: &in})
	var pe *cmdutil.PartialError
	if !errors.As(err, &pe) || pe.Failed != 1 || pe.Total != 2 {
		t.Fatalf("partial: %v", err)
	}
	// Every account failing returns the cause: a refused key stays exit 4.
	_, sbKey := telnyxFace(t)
	revoked, err := telnyx.New(telnyx.Options{BaseURL: "http://127.0.0.1" + sandbox.TelnyxPrefix, APIKey: "KEYREVOKED",
		HTTPClient: &http.Client{Transport: sbKey.RoundTripper()}, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = run(t, revoked, []string{"desk01", "desk02"}, provider.AccountSettings{InboundChannelLimit: &in})
	var ae *telnyx.APIError
	if !errors.As(err, &ae) || !ae.Unauthorized() {
		t.Fatalf("revoked key: %v", err)
	}
}

func TestProvidersWithoutSettingsExit2(t *testing.T) {
	sb, err := sandbox.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	sid, tok := sb.Account()
	tw, err := twilio.New(twilio.Options{BaseURL: "http://127.0.0.1", AccountSID: sid, Secret: tok,
		HTTPClient: &http.Client{Transport: sb.RoundTripper()}, ProviderName: "sandbox"})
	if err != nil {
		t.Fatal(err)
	}
	in := 1
	_, _, err = run(t, tw, []string{"alice@office.sip.twilio.com"}, provider.AccountSettings{InboundChannelLimit: &in})
	var mc *provider.MissingCapabilityError
	if !errors.As(err, &mc) || mc.What != provider.WhatSettings {
		t.Fatalf("err = %v, want a missing capability", err)
	}
}

// A channel limit of 0 stops calls: without a terminal it needs --yes, and
// nothing changes without it.
func TestZeroChannelLimitNeedsYes(t *testing.T) {
	c, _ := telnyxFace(t)
	ctx := context.Background()
	if _, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "desk01", Domain: telnyx.Registrar, Password: "Desk-pass-123"}); err != nil {
		t.Fatal(err)
	}
	zero, two := 0, 2
	_, _, err := run(t, c, []string{"desk01"}, provider.AccountSettings{InboundChannelLimit: &two, OutboundChannelLimit: &zero})
	var fe *cmdutil.FlagError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "outbound calls on desk01 not blocked: confirmation required in a non-interactive run; pass --yes") {
		t.Fatalf("err = %v", err)
	}
	a, _ := c.GetSIPAccount(ctx, "desk01", telnyx.Registrar)
	if a.Attributes[telnyx.AttrInboundLimit] == "2" {
		t.Fatal("a refused update changed the account")
	}
	ios, _, _, _ := iostreams.Test()
	exp := &cmdutil.Exporter{}
	opts := &UpdateOptions{IO: ios, Provider: func() (provider.SIPAccounts, error) { return c, nil },
		Profile:  func() (*config.Profile, error) { return &config.Profile{DefaultDomain: telnyx.Registrar}, nil },
		Exporter: exp, Accounts: []string{"desk01"}, Settings: provider.AccountSettings{OutboundChannelLimit: &zero}, Concurrency: 1, Yes: true}
	if err := updateRun(ctx, opts); err != nil {
		t.Fatalf("--yes: %v", err)
	}
}
