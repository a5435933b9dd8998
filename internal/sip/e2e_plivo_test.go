package sip

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/providers/plivo"
	"github.com/sipctl/sipctl/internal/testenv"
)

// TestPlivoFaceEndToEnd proves Plivo endpoints made through sipctl with
// SIP REGISTERs from sipp at realm phone.plivo.com, with the username
// Plivo made (the one asked for and 12 digits): the built binary runs
// `sandbox serve`; the Plivo client and the commands talk to its Plivo face
// with the credentials `sandbox status --json` shows. Every new password
// registers and the old one is refused.
func TestPlivoFaceEndToEnd(t *testing.T) {
	testenv.LookPath(t, "sipp")
	env := testenv.NewEnv(t)
	run := sipctlRunner(env)
	sipAddr := testenv.StartServe(t, env).SIPAddr

	stdout, _, code := run(t, "", "sandbox", "status", "--json")
	var st struct {
		URL    *string `json:"plivo_api_url"`
		AuthID string  `json:"plivo_auth_id"`
		Token  string  `json:"plivo_auth_token"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &st) != nil || st.URL == nil || st.AuthID == "" {
		t.Fatalf("sandbox status --json: %s", stdout)
	}
	c, err := plivo.New(plivo.Options{BaseURL: *st.URL, AuthID: st.AuthID, AuthToken: st.Token})
	if err != nil {
		t.Fatal(err)
	}
	policy, err := password.Builtin("plivo") // this package registers no provider, so DefaultFor would not know plivo
	if err != nil {
		t.Fatal(err)
	}
	first, _ := policy.Generate()
	ctx := context.Background()
	a, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "desk42", Password: first})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^desk42[0-9]{12}$`).MatchString(a.Username) {
		t.Fatalf("created %q", a.Username)
	}
	const realm = plivo.Registrar
	if ok, out := runSipp(t, sipAddr, "udp", realm, a.Username, first, 200); !ok {
		t.Fatalf("the created password did not register:\n%s", out)
	}
	if ok, out := runSipp(t, sipAddr, "udp", realm, a.Username, first+"x", 403); !ok {
		t.Fatalf("a wrong password was not refused:\n%s", out)
	}
	st2, err := c.RegistrationStatus(ctx, []provider.SIPAccount{{Ref: a.Ref, Username: a.Username}})
	if r := st2[a.Ref]; err != nil || r.State != provider.Registered || r.Contact == "" || r.Expires.IsZero() {
		t.Fatalf("status after sipp registered: %+v %v", r, err)
	}
	rotated, _ := policy.Generate()
	if err := c.SetSIPPassword(ctx, a, rotated); err != nil {
		t.Fatal(err)
	}
	if ok, out := runSipp(t, sipAddr, "tcp", realm, a.Username, first, 403); !ok {
		t.Fatalf("the old password still registers after rotation:\n%s", out)
	}
	if ok, out := runSipp(t, sipAddr, "tcp", realm, a.Username, rotated, 200); !ok {
		t.Fatalf("the rotated password did not register:\n%s", out)
	}

	// Created and rotated by the commands, as a Plivo profile from the
	// environment.
	env.Set("PLIVO_AUTH_ID", st.AuthID).Set("PLIVO_AUTH_TOKEN", st.Token).Set("SIPCTL_API_URL", *st.URL)
	out, errOut, code := run(t, "", "accounts", "create", "desk43", "--json")
	var created struct{ Username, Password string }
	if code != 0 || json.Unmarshal([]byte(out), &created) != nil || created.Password == "" || !regexp.MustCompile(`^desk43[0-9]{12}$`).MatchString(created.Username) {
		t.Fatalf("accounts create: exit %d %s %s", code, out, errOut)
	}
	if ok, out := runSipp(t, sipAddr, "udp", realm, created.Username, created.Password, 200); !ok {
		t.Fatalf("the password accounts create printed did not register:\n%s", out)
	}
	handover := filepath.Join(t.TempDir(), "handover.json")
	if _, errOut, code := run(t, "", "password", "rotate", created.Username, "--yes", "--output", handover); code != 0 {
		t.Fatalf("password rotate: exit %d %s", code, errOut)
	}
	raw, err := os.ReadFile(handover)
	var handed []struct{ Username, Password string }
	if err != nil || json.Unmarshal(raw, &handed) != nil || len(handed) != 1 || handed[0].Username != created.Username || handed[0].Password == created.Password {
		t.Fatalf("handover %s: %v", raw, err)
	}
	if ok, out := runSipp(t, sipAddr, "udp", realm, created.Username, created.Password, 403); !ok {
		t.Fatalf("the old password still registers after password rotate:\n%s", out)
	}
	if ok, out := runSipp(t, sipAddr, "udp", realm, created.Username, handed[0].Password, 200); !ok {
		t.Fatalf("the handed-over password did not register:\n%s", out)
	}
}
