package sip

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/telnyx"
	"github.com/sipctl/sipctl/internal/testenv"
)

// TestTelnyxFaceEndToEnd proves accounts made through sipctl's Telnyx
// provider with SIP REGISTERs from sipp: the built binary runs `sandbox
// serve`; the Telnyx client talks to its Telnyx face over HTTP with the key
// `sandbox status --json` shows; sipp registers at realm sip.telnyx.com.
func TestTelnyxFaceEndToEnd(t *testing.T) {
	testenv.LookPath(t, "sipp")
	env := testenv.NewEnv(t)
	run := sipctlRunner(env)
	sipAddr := testenv.StartServe(t, env).SIPAddr

	stdout, _, code := run(t, "", "sandbox", "status", "--json")
	var st struct {
		TelnyxAPIURL *string `json:"telnyx_api_url"`
		TelnyxAPIKey string  `json:"telnyx_api_key"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &st) != nil || st.TelnyxAPIURL == nil || st.TelnyxAPIKey == "" {
		t.Fatalf("sandbox status --json: %s", stdout)
	}
	c, err := telnyx.New(telnyx.Options{BaseURL: *st.TelnyxAPIURL, APIKey: st.TelnyxAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	policy, err := password.Builtin(password.DefaultFor("telnyx"))
	if err != nil {
		t.Fatal(err)
	}
	first, err := policy.Generate()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "desk42", Password: first})
	if err != nil {
		t.Fatal(err)
	}
	const realm = telnyx.Registrar

	before, err := c.RegistrationStatus(ctx, []provider.SIPAccount{a})
	if err != nil || before[a.Ref].State != provider.NotRegistered {
		t.Fatalf("status before any REGISTER: %+v %v", before, err)
	}
	if ok, out := runSipp(t, sipAddr, "udp", realm, a.Username, first, 200); !ok {
		t.Fatalf("the created password did not register:\n%s", out)
	}
	if ok, out := runSipp(t, sipAddr, "udp", realm, a.Username, first+"x", 403); !ok {
		t.Fatalf("a wrong password was not refused:\n%s", out)
	}
	after, err := c.RegistrationStatus(ctx, []provider.SIPAccount{a})
	r := after[a.Ref]
	if err != nil || r.State != provider.Registered || r.Transport != "UDP" || r.Source == "" || r.LastSeen.IsZero() {
		t.Fatalf("status after sipp registered: %+v %v", r, err)
	}

	// The same through the command line, as a Telnyx profile from the
	// environment (TELNYX_API_KEY) pointed at the face.
	env.Set("TELNYX_API_KEY", st.TelnyxAPIKey).Set("SIPCTL_API_URL", *st.TelnyxAPIURL)
	out, errOut, code := run(t, "", "accounts", "show", a.Username, "--json")
	var shown struct {
		Status, Registrar, Domain, Ref string
	}
	if code != 0 || json.Unmarshal([]byte(out), &shown) != nil || shown.Status != "registered" || shown.Domain != realm || shown.Ref != a.Ref {
		t.Fatalf("accounts show: exit %d %s %s", code, out, errOut)
	}
	if out, _, code := run(t, "", "accounts", "list"); code != 0 || !strings.Contains(out, a.Username) || !strings.Contains(out, "registered") {
		t.Fatalf("accounts list: exit %d %q", code, out)
	}
	if out, _, code := run(t, "", "domains", "list"); code != 0 || !strings.Contains(out, realm) {
		t.Fatalf("domains list: exit %d %q", code, out)
	}
	if _, errOut, code := run(t, "", "domains", "create", "office.sip.telnyx.com"); code != 2 || !strings.Contains(errOut, realm) {
		t.Fatalf("domains create: exit %d %q, want 2 naming %s", code, errOut, realm)
	}
	if _, errOut, code := run(t, "", "accounts", "show", "no_such"); code != 2 || !strings.Contains(errOut, "letters and digits") {
		t.Fatalf("a username Telnyx refuses: exit %d %q, want 2 naming the rule", code, errOut)
	}
	env.Set("TELNYX_API_KEY", "KEYREVOKED0")
	if _, errOut, code := run(t, "", "accounts", "list"); code != 4 || !strings.Contains(errOut, "auth login --provider telnyx") {
		t.Fatalf("a revoked key: exit %d %q, want 4 with a hint to auth login", code, errOut)
	}
	env.Set("TELNYX_API_KEY", st.TelnyxAPIKey)

	// Created and rotated by the commands themselves.
	out, errOut, code = run(t, "", "accounts", "create", "desk43", "--json")
	var created struct{ Username, Password string }
	if code != 0 || json.Unmarshal([]byte(out), &created) != nil || created.Password == "" {
		t.Fatalf("accounts create: exit %d %s %s", code, out, errOut)
	}
	if ok, out := runSipp(t, sipAddr, "udp", realm, "desk43", created.Password, 200); !ok {
		t.Fatalf("the password accounts create printed did not register:\n%s", out)
	}
	handover := filepath.Join(t.TempDir(), "handover.json")
	if _, errOut, code := run(t, "", "password", "rotate", "desk43", "--yes", "--output", handover); code != 0 {
		t.Fatalf("password rotate: exit %d %s", code, errOut)
	}
	raw, err := os.ReadFile(handover)
	var handed []struct{ Username, Password string }
	if err != nil || json.Unmarshal(raw, &handed) != nil || len(handed) != 1 || handed[0].Password == "" || handed[0].Password == created.Password {
		t.Fatalf("handover %s: %v", raw, err)
	}
	if ok, out := runSipp(t, sipAddr, "udp", realm, "desk43", created.Password, 403); !ok {
		t.Fatalf("the old password still registers after password rotate:\n%s", out)
	}
	if ok, out := runSipp(t, sipAddr, "udp", realm, "desk43", handed[0].Password, 200); !ok {
		t.Fatalf("the handed-over password did not register:\n%s", out)
	}

	rotated, err := policy.Generate()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetSIPPassword(ctx, a, rotated); err != nil {
		t.Fatal(err)
	}
	if ok, out := runSipp(t, sipAddr, "tcp", realm, a.Username, first, 403); !ok {
		t.Fatalf("the old password still registers after rotation:\n%s", out)
	}
	if ok, out := runSipp(t, sipAddr, "tcp", realm, a.Username, rotated, 200); !ok {
		t.Fatalf("the rotated password did not register:\n%s", out)
	}
	if _, errOut, code := run(t, "", "accounts", "delete", a.Username, "--yes"); code != 0 {
		t.Fatalf("accounts delete: exit %d %s", code, errOut)
	}
	// A deleted connection is an unknown user: answered 404 without a
	// challenge, which the digest scenario cannot express, so ask the API.
	if _, err := c.GetSIPAccount(ctx, a.Username, ""); !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}
