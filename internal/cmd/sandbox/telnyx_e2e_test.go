package sandbox_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/sandbox/sandboxtest"
	"github.com/sipctl/sipctl/internal/testenv"
)

// The Telnyx command suite through Prism with Telnyx's official document:
// the built binary as a Telnyx profile (TELNYX_API_KEY) talks to the
// sandbox's Telnyx face through `prism proxy --errors`, running the outbound
// profile, restrict, managed account (subaccounts, --subaccount) and IP ACL
// commands. Every request and answer must pass: 0 violations.
func TestTelnyxCommandsThroughPrism(t *testing.T) {
	env := testenv.NewEnv(t)
	upstream, sb := sandboxtest.Serve(t, filepath.Join(env.StateHome, "sipctl"))
	prism := sandboxtest.StartPrismWith(t, sandboxtest.TelnyxSubset(t, testenv.TelnyxSpec(t)), upstream+sandbox.TelnyxPrefix)
	t.Cleanup(func() {
		for _, v := range prism.Violations() {
			t.Errorf("Prism: %s", v)
		}
	})
	env.Set("TELNYX_API_KEY", sb.TelnyxAPIKey()).Set("SIPCTL_API_URL", prism.URL)

	mustRun(t, env, "", "accounts", "create", "desk01", "--json")
	mustRun(t, env, "", "accounts", "create", "desk02", "--json")

	// Outbound profiles.
	mustRun(t, env, "", "outbound-profiles", "create", "North America", "--countries", "us,CA", "--daily-spend-limit", "50.00")
	r := mustRun(t, env, "", "outbound-profiles", "list", "--json=name,whitelisted_destinations,daily_spend_limit")
	if !strings.Contains(r.stdout, `"North America"`) || !strings.Contains(r.stdout, `"CA"`) || !strings.Contains(r.stdout, `"50.00"`) {
		t.Fatalf("outbound-profiles list:\n%s", r.stdout)
	}
	mustRun(t, env, "", "outbound-profiles", "update", "North America", "--countries", "US,CA,MX", "--daily-spend-limit", "none")
	r = mustRun(t, env, "", "outbound-profiles", "show", "North America", "--json")
	var op struct {
		ID        string   `json:"id"`
		Countries []string `json:"whitelisted_destinations"`
		SpendOn   bool     `json:"daily_spend_limit_enabled"`
	}
	if json.Unmarshal([]byte(r.stdout), &op) != nil || len(op.Countries) != 3 || op.SpendOn {
		t.Fatalf("outbound-profiles show:\n%s", r.stdout)
	}
	if r := sipctl(t, env, "", "outbound-profiles", "create", "bad", "--countries", "US,UK"); r.code != 2 || !strings.Contains(r.stderr, `"UK"`) {
		t.Fatalf("unknown country: exit %d\n%s", r.code, r.stderr)
	}

	// Disabling stops calls: it needs --yes without a terminal, and nothing
	// changes without it.
	if r := sipctl(t, env, "", "outbound-profiles", "update", "North America", "--enabled=false"); r.code != 2 ||
		!strings.Contains(r.stderr, `outbound profile "North America" not disabled: confirmation required in a non-interactive run; pass --yes`) {
		t.Fatalf("disable without --yes: exit %d\n%s", r.code, r.stderr)
	}
	if r := mustRun(t, env, "", "outbound-profiles", "show", "North America", "--json=enabled"); !strings.Contains(r.stdout, `"enabled": true`) {
		t.Fatalf("a refused disable changed the profile:\n%s", r.stdout)
	}
	mustRun(t, env, "", "outbound-profiles", "update", "North America", "--enabled=false", "--yes")
	if r := mustRun(t, env, "", "outbound-profiles", "show", "North America", "--json=enabled"); !strings.Contains(r.stdout, `"enabled": false`) {
		t.Fatalf("disable --yes:\n%s", r.stdout)
	}
	mustRun(t, env, "", "outbound-profiles", "update", "North America", "--enabled=true")

	// Deleting: confirmed, by name (alias rm), gone afterwards.
	mustRun(t, env, "", "outbound-profiles", "create", "Scratch", "--countries", "US")
	if r := sipctl(t, env, "", "outbound-profiles", "delete", "Scratch"); r.code != 2 || !strings.Contains(r.stderr, "pass --yes") {
		t.Fatalf("delete without --yes: exit %d\n%s", r.code, r.stderr)
	}
	mustRun(t, env, "", "outbound-profiles", "rm", "Scratch", "--yes")
	if r := sipctl(t, env, "", "outbound-profiles", "show", "Scratch"); r.code != 1 || !strings.Contains(r.stderr, `no outbound profile "Scratch"`) {
		t.Fatalf("show after delete: exit %d\n%s", r.code, r.stderr)
	}

	// Restricting: a profile made once, then reused, accounts left alone.
	r = mustRun(t, env, "", "accounts", "restrict", "desk01", "desk02", "--countries", "GB", "--json")
	if strings.Count(r.stdout, `"changed": true`) != 2 || !strings.Contains(r.stderr, `"sipctl GB"`) {
		t.Fatalf("restrict:\n%s\n%s", r.stdout, r.stderr)
	}
	r = mustRun(t, env, "", "accounts", "restrict", "desk01", "desk02", "--countries", "gb", "--json")
	if strings.Count(r.stdout, `"changed": false`) != 2 || strings.Contains(r.stderr, "Created") {
		t.Fatalf("second restrict:\n%s\n%s", r.stdout, r.stderr)
	}

	// Managed accounts as subaccounts.
	mustRun(t, env, "", "subaccounts", "create", "Acme Dental")
	mustRun(t, env, "", "subaccounts", "suspend", "Acme Dental", "--yes")
	r = mustRun(t, env, "", "subaccounts", "list", "--json=friendly_name,status")
	if !strings.Contains(r.stdout, `"suspended"`) {
		t.Fatalf("subaccounts list:\n%s", r.stdout)
	}
	mustRun(t, env, "", "subaccounts", "activate", "Acme Dental")
	before := prism.Requests()
	if r := sipctl(t, env, "", "subaccounts", "close", "Acme Dental", "--yes"); r.code != 2 || !strings.Contains(r.stderr, "no way to close") || !strings.Contains(r.stderr, "suspend 'Acme Dental'") || prism.Requests() != before {
		t.Fatalf("close: exit %d after %d requests\n%s", r.code, prism.Requests()-before, r.stderr)
	}
	mustRun(t, env, "", "--subaccount", "Acme Dental", "accounts", "create", "acmedesk1")
	r = mustRun(t, env, "", "--debug", "--subaccount", "Acme Dental", "accounts", "list", "--json=username")
	if !strings.Contains(r.stdout, "acmedesk1") || strings.Contains(r.stdout, "desk01") {
		t.Fatalf("inside the managed account:\n%s", r.stdout)
	}
	if strings.Contains(r.stderr, "KEYSANDBOX") || !strings.Contains(r.stderr, "[REDACTED]") {
		t.Fatalf("the debug log shows an API key:\n%s", r.stderr)
	}

	// IP authentication: IP connections and their IPs.
	mustRun(t, env, "", "ipacls", "create", "office-ips")
	mustRun(t, env, "", "ipacls", "addresses", "add", "office-ips", "203.0.113.7")
	if r := sipctl(t, env, "", "ipacls", "addresses", "add", "office-ips", "198.51.100.0/24"); r.code == 0 || !strings.Contains(r.stderr, "single addresses") {
		t.Fatalf("range: exit %d\n%s", r.code, r.stderr)
	}
	r = mustRun(t, env, "", "ipacls", "show", "office-ips", "--json")
	if !strings.Contains(r.stdout, "203.0.113.7") {
		t.Fatalf("ipacls show:\n%s", r.stdout)
	}
	mustRun(t, env, "", "ipacls", "addresses", "remove", "office-ips", "203.0.113.7", "--yes")
	mustRun(t, env, "", "ipacls", "delete", "office-ips", "--yes")
	if n := prism.Requests(); n < 40 {
		t.Fatalf("only %d requests went through Prism", n)
	}
}
