package sandbox_test

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/sandbox/sandboxtest"
	"github.com/sipctl/sipctl/internal/sip/sipptest"
	"github.com/sipctl/sipctl/internal/testenv"
)

// The built binary as a SignalWire profile from the environment
// (SIGNALWIRE_PROJECT_ID, SIGNALWIRE_API_TOKEN, SIGNALWIRE_SPACE_URL) talks
// to `sandbox serve`'s SignalWire face through `prism proxy --errors` with
// SignalWire's official document: create, list, update, rotate, delete and
// the refusals, with 0 violations. sipp, a peer sipctl did not write,
// registers at the serve's registrar with each new password and is refused
// with the old one.
func TestSignalWireCommandsThroughPrism(t *testing.T) {
	phone := sipptest.New(t, "", "udp")
	env := testenv.NewEnv(t)
	srv := testenv.StartServe(t, env)
	phone.Registrar = srv.SIPAddr
	var st struct {
		Project  string `json:"signalwire_project_id"`
		Token    string `json:"signalwire_api_token"`
		Space    string `json:"signalwire_space"`
		Domain   string `json:"signalwire_sip_domain"`
		APIURL   string `json:"signalwire_api_url"`
		Database string `json:"database"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, env, "", "sandbox", "status", "--json").stdout), &st); err != nil || st.APIURL != srv.API {
		t.Fatalf("sandbox status: %v %+v", err, st)
	}
	prism := sandboxtest.StartPrismWith(t, sandboxtest.SignalWireSubset(t, testenv.SignalWireSpec(t)), st.APIURL)
	t.Cleanup(func() {
		for _, v := range prism.Violations() {
			t.Errorf("Prism: %s", v)
		}
	})
	env.Set("SIGNALWIRE_PROJECT_ID", st.Project).Set("SIGNALWIRE_API_TOKEN", st.Token).
		Set("SIGNALWIRE_SPACE_URL", st.Space+".signalwire.com").Set("SIPCTL_API_URL", prism.URL)

	register := func(user, password string, expect int) {
		t.Helper()
		if ok, out := phone.Register(t, st.Domain, user, password, 60, expect); !ok {
			t.Fatalf("sipp REGISTER %s with a password: want %d\n%s", user, expect, out)
		}
	}
	var created struct {
		Username string `json:"username"`
		Domain   string `json:"domain"`
		Password string `json:"password"`
	}
	r := mustRun(t, env, "", "accounts", "create", "desk01", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &created); err != nil || created.Domain != "sandbox.sip.signalwire.com" || created.Password == "" {
		t.Fatalf("accounts create: %v\n%s", err, r.stdout)
	}
	register("desk01", created.Password, 200)
	mustRun(t, env, "", "accounts", "create", "desk02")
	if r := sipctl(t, env, "", "accounts", "create", "desk01"); r.code == 0 {
		t.Fatalf("a duplicate was created:\n%s", r.stderr)
	}
	if r := sipctl(t, env, "", "accounts", "create", "r2@d2.example"); r.code != 2 {
		t.Fatalf("a username with '@' on another domain: exit %d\n%s", r.code, r.stderr)
	}
	r = mustRun(t, env, "", "accounts", "list", "--json=username")
	if !strings.Contains(r.stdout, "desk01") || !strings.Contains(r.stdout, "desk02") {
		t.Fatalf("accounts list:\n%s", r.stdout)
	}
	r = mustRun(t, env, "", "accounts", "update", "desk01", "--caller-id", "+14155550123", "--caller-name", "Front desk",
		"--codecs", "opus,pcmu", "--encryption", "optional", "--json")
	if !strings.Contains(r.stdout, `"caller_id": "+14155550123"`) || !strings.Contains(r.stdout, `"codecs": "OPUS,PCMU"`) {
		t.Fatalf("accounts update:\n%s", r.stdout)
	}
	before := prism.Requests()
	if r := sipctl(t, env, "", "accounts", "update", "desk01", "--outbound-channel-limit", "2"); r.code != 2 || prism.Requests() != before {
		t.Fatalf("a channel limit: exit %d after %d requests\n%s", r.code, prism.Requests()-before, r.stderr)
	}

	// Rotation: the handover holds the new password; sipp registers with
	// it, and the old one is refused.
	out := filepath.Join(t.TempDir(), "handover.csv")
	mustRun(t, env, "", "password", "rotate", "desk01", "--yes", "--output", out)
	rows := readCSV(t, out)
	if len(rows) != 2 || rows[1][1] != "desk01" {
		t.Fatalf("handover: %v", rows)
	}
	register("desk01", rows[1][3], 200)
	register("desk01", created.Password, 403)

	// Refusals: one line, the right exit code, nothing sent.
	before = prism.Requests()
	half := env.Clone().Set("SIGNALWIRE_PROJECT_ID", "")
	if r := sipctl(t, half, "", "accounts", "create", "desk03"); r.code != 4 ||
		!strings.Contains(r.stderr, "SIGNALWIRE_API_TOKEN and SIGNALWIRE_SPACE_URL are set but SIGNALWIRE_PROJECT_ID is") {
		t.Fatalf("half-set environment: exit %d\n%s", r.code, r.stderr)
	}
	if r := sipctl(t, env.Clone().Set("SIGNALWIRE_SPACE_URL", "bad_space.signalwire.com"), "", "accounts", "list"); r.code != 2 || !strings.Contains(r.stderr, `invalid SignalWire space "bad_space"`) {
		t.Fatalf("bad space: exit %d\n%s", r.code, r.stderr)
	}
	if prism.Requests() != before {
		t.Fatalf("%d requests sent for refused input", prism.Requests()-before)
	}
	if r := sipctl(t, env.Clone().Set("SIGNALWIRE_API_TOKEN", "PTexpired"), "", "accounts", "list"); r.code != 4 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 1 {
		t.Fatalf("expired token: exit %d\n%s", r.code, r.stderr)
	}

	mustRun(t, env, "", "accounts", "delete", "desk01", "--yes")
	mustRun(t, env, "", "accounts", "delete", "desk02", "--yes")
	if r := mustRun(t, env, "", "accounts", "list", "--json=username"); strings.Contains(r.stdout, "desk0") {
		t.Fatalf("after delete:\n%s", r.stdout)
	}
	if n := prism.Requests(); n < 15 {
		t.Fatalf("only %d requests went through Prism", n)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
