package restrict

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/rotate"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/telnyx"
	"github.com/sipctl/sipctl/internal/twilio"
)

// counting counts the write requests (anything but GET) reaching the sandbox.
type counting struct {
	rt     http.RoundTripper
	writes atomic.Int64
}

func (c *counting) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodGet && !strings.HasSuffix(r.URL.Path, "/check_registration_status") {
		c.writes.Add(1)
	}
	return c.rt.RoundTrip(r)
}

func telnyxFace(t *testing.T) (*telnyx.Client, *counting) {
	t.Helper()
	sb, err := sandbox.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	rt := &counting{rt: sb.RoundTripper()}
	c, err := telnyx.New(telnyx.Options{BaseURL: "http://127.0.0.1" + sandbox.TelnyxPrefix, APIKey: sb.TelnyxAPIKey(),
		HTTPClient: &http.Client{Transport: rt}, MaxRetries: -1, PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	return c, rt
}

func parse(t *testing.T, args ...string) (*RestrictOptions, error) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	var got *RestrictOptions
	cmd := NewCmdRestrict(&cmdutil.Factory{IOStreams: ios}, func(o *RestrictOptions) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	return got, cmd.Execute()
}

func TestFlagsRefuseBadCountriesBeforeAnyRequest(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"desk01"}, "--countries"},
		{[]string{"--countries", "US"}, "--from-handover"},
		{[]string{"desk01", "--countries", "US,UK"}, `unknown country code "UK"`},
		{[]string{"desk01", "--countries", ""}, "at least one"},
		{[]string{"desk01", "--countries", "US", "--concurrency", "0"}, "--concurrency"},
	} {
		if _, err := parse(t, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
	o, err := parse(t, "desk01", "--countries", "us,ca,US")
	if err != nil || strings.Join(o.Countries, ",") != "US,CA" {
		t.Fatalf("%+v %v", o, err)
	}
}

func run(t *testing.T, p provider.SIPAccounts, o RestrictOptions) ([]Result, string, error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	exp := &cmdutil.Exporter{}
	exp.Prepare("", true)
	o.IO, o.Exporter, o.Concurrency = ios, exp, 3
	o.Provider = func() (provider.SIPAccounts, error) { return p, nil }
	o.Profile = func() (*config.Profile, error) { return &config.Profile{DefaultDomain: telnyx.Registrar}, nil }
	err := restrictRun(context.Background(), &o)
	var res []Result
	if out.Len() > 0 {
		if jerr := json.Unmarshal(out.Bytes(), &res); jerr != nil {
			t.Fatalf("%s: %v", out, jerr)
		}
	}
	return res, errOut.String(), err
}

// Accounts named and accounts in a handover get one profile allowing
// exactly the countries; a second run reuses it and writes nothing.
func TestRestrictCreatesOneProfileAndIsIdempotent(t *testing.T) {
	c, rt := telnyxFace(t)
	ctx := context.Background()
	var recs []rotate.Record
	for _, u := range []string{"desk01", "desk02", "desk03", "desk04"} {
		a, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: u, Domain: telnyx.Registrar, Password: "Desk-pass-123"})
		if err != nil {
			t.Fatal(err)
		}
		if u != "desk01" {
			recs = append(recs, rotate.Record{SID: a.Ref, Username: u, Domain: telnyx.Registrar, Password: "Desk-pass-123"})
		}
	}
	// A profile with another country set is not reused.
	other, on := "other", true
	if _, err := c.CreateOutboundProfile(ctx, provider.OutboundProfileParams{Name: &other, Enabled: &on, Countries: []string{"US"}}); err != nil {
		t.Fatal(err)
	}
	handover := filepath.Join(t.TempDir(), "handover.json")
	if err := rotate.WriteHandover(handover, recs); err != nil {
		t.Fatal(err)
	}
	rt.writes.Store(0)
	res, errOut, err := run(t, c, RestrictOptions{Accounts: []string{"desk01", "desk02"}, FromHandover: handover, Countries: []string{"US", "CA"}})
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if len(res) != 4 || !strings.Contains(errOut, `Created outbound profile "sipctl US,CA"`) {
		t.Fatalf("%+v\n%s", res, errOut)
	}
	id := res[0].OutboundProfile
	for _, r := range res {
		if !r.Changed || r.OutboundProfile != id || r.Error != "" {
			t.Errorf("%+v", r)
		}
	}
	// One profile created, four accounts changed.
	if w := rt.writes.Load(); w != 5 {
		t.Errorf("%d writes, want 5", w)
	}
	op, err := c.GetOutboundProfile(ctx, id)
	if err != nil || !provider.SameCountries(op.Countries, []string{"CA", "US"}) || op.Accounts != 4 {
		t.Fatalf("%+v %v", op, err)
	}
	a, _ := c.GetSIPAccount(ctx, "desk03", "")
	if a.Attributes[telnyx.AttrOutboundProfile] != id {
		t.Fatalf("desk03 %+v", a.Attributes)
	}

	rt.writes.Store(0)
	res, errOut, err = run(t, c, RestrictOptions{Accounts: []string{"desk01"}, FromHandover: handover, Countries: []string{"CA", "US"}})
	if err != nil || len(res) != 4 || strings.Contains(errOut, "Created") {
		t.Fatalf("second run: %v %+v\n%s", err, res, errOut)
	}
	for _, r := range res {
		if r.Changed || r.OutboundProfile != id {
			t.Errorf("second run changed %+v", r)
		}
	}
	if w := rt.writes.Load(); w != 0 {
		t.Errorf("the second run made %d writes", w)
	}
	// A missing account among others: exit 3, the rest restricted.
	res, _, err = run(t, c, RestrictOptions{Accounts: []string{"desk01", "nobody99"}, Countries: []string{"GB"}})
	var pe *cmdutil.PartialError
	if !errors.As(err, &pe) || pe.Failed != 1 || len(res) != 2 || !res[0].Changed {
		t.Fatalf("partial: %v %+v", err, res)
	}
}

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
	_, _, err = run(t, tw, RestrictOptions{Accounts: []string{"alice@office.sip.twilio.com"}, Countries: []string{"US"}})
	var mc *provider.MissingCapabilityError
	// (sipctlcmd maps a missing capability to exit 2.)
	if !errors.As(err, &mc) || requests.Load() != 0 {
		t.Fatalf("err = %v, %d requests; want a missing capability before any request", err, requests.Load())
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
