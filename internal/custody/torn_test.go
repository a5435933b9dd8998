package custody_test

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/sipctl/sipctl/internal/journal"
)

// killedRun starts a rotation of the domain and SIGKILLs it after a few
// statuses, leaving its journal.
func killedRun(t *testing.T, w *world, h string) string {
	t.Helper()
	cmd, exited, wait := w.start("password", "rotate", "--domain", w.short, "-y", "--output", h, "--concurrency", "2")
	jpath := w.waitJournal(t, exited)
	if !waitStatus(t, jpath, 3, exited) {
		t.Fatal("the run finished before it could be killed")
	}
	cmd.Process.Signal(syscall.SIGKILL)
	wait()
	return jpath
}

// A journal whose last status line a crash tore (cut short, NULs after it)
// resumes to completion: the torn tail is cut off and the statuses it may
// have held count as unknown, so the same passwords are sent again.
func TestTornJournalResumes(t *testing.T) {
	w := newWorld(t, slow)
	parent := w.t
	for i, tc := range []struct{ name, tail string }{
		{"cut status line", `{"kind":"status","id":3,"status":"do`},
		{"NULs", strings.Repeat("\x00", 512)},
		{"cut line then NULs", `{"kind":"stat` + strings.Repeat("\x00", 64)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w.t = t
			defer func() { w.t = parent }()
			w.useDomain(fmt.Sprintf("torn%d", i))
			w.createAccounts("t", 12)
			h := w.path(w.short + ".json")
			w.handovers[h] = true
			jpath := killedRun(t, w, h)
			f, err := os.OpenFile(jpath, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString(tc.tail)
			f.Close()
			w.invariant("with a torn journal")
			_, errOut, code := w.run("", "password", "rotate", "--resume", journal.RunIDOf(jpath))
			if code != 0 || !strings.Contains(errOut, "Rotated 12, failed 0, not attempted 0 (of 12).") {
				t.Fatalf("resume of a torn journal: exit %d\n%s", code, errOut)
			}
			if js := journals(w); len(js) != 0 {
				t.Fatalf("journals left: %v", js)
			}
			if rows := readHandover(t, h); len(rows) != 12 {
				t.Fatalf("handover has %d rows", len(rows))
			}
			w.invariant("after resuming a torn journal")
		})
	}
}

// A journal damaged elsewhere is refused, as before, but `password runs
// salvage` writes every intact entry to a 0600 handover, so no intact
// password is reachable only through discard.
func TestSalvageDamagedJournal(t *testing.T) {
	w := newWorld(t, slow)
	w.createAccounts("s", 12)
	h := w.path("h.json")
	w.handovers[h] = true
	jpath := killedRun(t, w, h)
	good, _ := os.ReadFile(jpath)
	lines := strings.SplitAfter(string(good), "\n")
	// A changed byte in the last entry line: every entry before it is intact.
	lines[12] = strings.Replace(lines[12], `"username":"s`, `"username":"x`, 1)
	os.WriteFile(jpath, []byte(strings.Join(lines, "")), 0o600)
	run := journal.RunIDOf(jpath)
	if _, errOut, code := w.run("", "password", "rotate", "--resume", run); code == 0 || !strings.Contains(errOut, "salvage") {
		t.Fatalf("resume of a damaged journal: exit %d\n%s", code, errOut)
	}
	salvaged := w.path("salvaged.json")
	if _, errOut, code := w.run("", "password", "runs", "salvage", run, "--output", salvaged); code != 0 {
		t.Fatalf("salvage: exit %d\n%s", code, errOut)
	}
	w.handovers[salvaged] = true
	rows := readHandover(t, salvaged)
	if len(rows) != 11 {
		t.Fatalf("salvaged %d rows, want the 11 intact entries", len(rows))
	}
	// Every account registers with a password on record, the damaged
	// journal's passwords set aside: the handover and the salvaged file
	// hold them.
	os.Rename(jpath, jpath+".moved")
	w.invariant("with the salvaged handover alone")
}
