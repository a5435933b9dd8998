package runs

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/journal"
)

// --limit keeps the oldest runs, as the list is ordered; --limit -1 is a
// usage error.
func TestListLimit(t *testing.T) {
	state := t.TempDir()
	for i := range 3 {
		h := journal.Header{RunID: fmt.Sprintf("2026010%dT120000.000000Z-0123abcd", i+1), Command: "password rotate", Profile: "work", Provider: "sandbox"}
		j, err := journal.Create(journal.Dir(state), h, []journal.Entry{{Op: journal.OpRotate, Provider: "sandbox", Profile: "work",
			Username: fmt.Sprintf("u%d", i), Domain: "office.sip.twilio.com", Password: "Example-Pass-4-Sandbox"}})
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
	}
	run := func(args ...string) (string, error) {
		ios, _, out, errOut := iostreams.Test()
		cmd := NewCmdList(&cmdutil.Factory{IOStreams: ios}, func(o *Options) error {
			o.StateDir = func() string { return state }
			return listRun(o)
		})
		cmd.SetArgs(args)
		cmd.SetOut(errOut)
		cmd.SetErr(errOut)
		err := cmd.Execute()
		return out.String(), err
	}
	out, err := run("--limit", "2", "--json=run_id")
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]string
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) != 2 || got[0]["run_id"] != "20260101T120000.000000Z-0123abcd" {
		t.Fatalf("--limit 2: %v %s", err, out)
	}
	if _, err := run("--limit", "-1"); err == nil {
		t.Fatal("--limit -1 accepted")
	}
}
