package custody_test

import (
	"encoding/json"
	"strings"
	"syscall"
	"testing"

	"github.com/sipctl/sipctl/internal/journal"
)

// Honest custody counts (issue 19): after Ctrl-C, the passwords that are
// in the handover and those never sent are counted apart from those that
// may be live on no other record; discard says so and does not warn about
// passwords that are safe.
func TestHonestCountsAfterInterrupt(t *testing.T) {
	w := newWorld(t, slow)
	w.createAccounts("h", 20)
	h := w.path("h.json")
	w.handovers[h] = true
	cmd, exited, wait := w.start("password", "rotate", "--domain", "office", "-y", "--output", h, "--concurrency", "2")
	jpath := w.waitJournal(t, exited)
	if !waitStatus(t, jpath, 4, exited) {
		t.Fatal("the run finished before the signal")
	}
	cmd.Process.Signal(syscall.SIGINT)
	if _, errOut, code := wait(); code != 3 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	out := w.mustRun("", "password", "runs", "list", "--json")
	var list []struct {
		Done       int `json:"done"`
		HandedOver int `json:"handed_over"`
		NotSent    int `json:"not_sent"`
		Live       int `json:"live"`
		Total      int `json:"total"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 {
		t.Fatalf("runs list: %v\n%s", err, out)
	}
	ri := list[0]
	if ri.Done == 0 || ri.HandedOver != ri.Done || ri.NotSent == 0 || ri.Live != 0 || ri.Done+ri.NotSent != ri.Total {
		t.Fatalf("counts %+v", ri)
	}
	if rows := readHandover(t, h); len(rows) != ri.HandedOver {
		t.Fatalf("handover has %d rows, %d counted as handed over", len(rows), ri.HandedOver)
	}
	run := journal.RunIDOf(jpath)
	_, errOut, code := w.run("", "password", "runs", "discard", run, "--yes")
	if code != 0 || strings.Contains(errOut, "WARNING") || !strings.Contains(errOut, "already in the handover") || !strings.Contains(errOut, "never sent") {
		t.Fatalf("discard: exit %d\n%s", code, errOut)
	}
	w.invariant("after the discard")
}
