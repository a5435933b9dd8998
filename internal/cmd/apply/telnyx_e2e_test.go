package apply

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestApplyTelnyx: the same file format on the sandbox's Telnyx face: the
// built binary as a Telnyx profile (TELNYX_API_KEY) plans and applies 30
// credential connections through custody, each handover password
// registers, a second apply sends no write request (counted at the
// server), and the export plans no change.
func TestApplyTelnyx(t *testing.T) {
	e := startServe(t)
	out, _, code := e.run("", "sandbox", "status", "--json")
	var st struct {
		Key string `json:"telnyx_api_key"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || st.Key == "" {
		t.Fatalf("sandbox status: %s", out)
	}
	front := ""
	for _, kv := range e.env.Environ() {
		if v, ok := strings.CutPrefix(kv, "SIPCTL_API_URL="); ok {
			front = v
		}
	}
	e.env.Set("TELNYX_API_KEY", st.Key).Set("SIPCTL_API_URL", front+"/v2").Set("SIPCTL_PROVIDER", "telnyx")

	// Telnyx takes single addresses: a range in the file is refused with
	// its line and column before any request, not at apply.
	ranged := filepath.Join(t.TempDir(), "ranged.yaml")
	os.WriteFile(ranged, []byte("provider: telnyx\nip_acls:\n  - name: office\n    addresses:\n      - 203.0.113.7\n      - 198.51.100.0/24\n"), 0o644)
	e.count.take()
	if _, errOut, code := e.run("", "plan", "-f", ranged); code != 2 || !strings.Contains(errOut, "ranged.yaml:6:") || !strings.Contains(errOut, "198.51.100.0/24 is a range") {
		t.Fatalf("plan of a range: exit %d\n%s", code, errOut)
	}
	if all, _, _ := e.count.take(); all != 0 {
		t.Fatalf("%d requests before the range was refused", all)
	}

	var b strings.Builder
	b.WriteString("provider: telnyx\ndomains:\n  - name: sip.telnyx.com\n    accounts:\n")
	for i := 101; i <= 130; i++ {
		fmt.Fprintf(&b, "      - desk%d\n", i)
	}
	b.WriteString("      - username: lobby\n        telnyx: {connection_name: Lobby phone}\n")
	file := filepath.Join(t.TempDir(), "telnyx.yaml")
	os.WriteFile(file, []byte(b.String()), 0o644)

	pl, code := e.plan(file)
	if code != 7 || pl.Summary.Create != 31 || pl.Summary.Update+pl.Summary.Delete != 0 {
		t.Fatalf("plan: exit %d %+v", code, pl)
	}
	e.count.take()
	handover := filepath.Join(t.TempDir(), "telnyx.json")
	if _, errOut, code := e.run("", "apply", "-f", file, "--output", handover); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, errOut)
	}
	if _, w, _ := e.count.take(); w != 31 {
		t.Fatalf("%d write requests for 31 connections", w)
	}
	rs := readHandover(t, handover)
	if len(rs) != 31 || rs[0].Domain != "sip.telnyx.com" {
		t.Fatalf("handover %+v", rs)
	}
	e.registerAll(rs)
	if _, errOut, code := e.run("", "apply", "-f", file, "--output", handover); code != 0 || !strings.Contains(errOut, "No changes") {
		t.Fatalf("second apply: exit %d\n%s", code, errOut)
	}
	if _, w, seen := e.count.take(); w != 0 {
		t.Fatalf("the second apply wrote: %v", seen)
	}
	exported, errOut, code := e.run("", "export")
	if code != 0 || !strings.Contains(exported, "provider: telnyx") || !strings.Contains(exported, "desk130") {
		t.Fatalf("export: exit %d\n%s\n%s", code, exported, errOut)
	}
	if _, errOut, code := e.run(exported, "apply", "-f", "-", "--prune", "--yes"); code != 0 || !strings.Contains(errOut, "No changes") {
		t.Fatalf("apply of the export: exit %d\n%s", code, errOut)
	}
	if _, w, seen := e.count.take(); w != 0 {
		t.Fatalf("apply of the export wrote: %v", seen)
	}
}
