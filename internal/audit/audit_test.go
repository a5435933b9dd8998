package audit

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func readEntries(t *testing.T, path string) []Entry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Entry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d is not JSON: %v: %q", len(out)+1, err, sc.Text())
		}
		out = append(out, e)
	}
	return out
}

func TestRecordAppendsJSONLines0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "audit.log")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.FixedZone("x", 3600))
	if err := l.Record(Entry{Time: at, Profile: "acme", AccountSID: "AC1", SID: "CR1", Username: "alice", Action: ActionRotate, Outcome: OutcomeOK}); err != nil {
		t.Fatal(err)
	}
	if err := l.Record(Entry{AccountSID: "AC1", Username: "bob", Action: ActionCreate, Outcome: OutcomeFailed, Error: "HTTP 400: bad"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
	// Reopening appends rather than truncating.
	l, _ = Open(path)
	l.Record(Entry{Username: "carol", Action: ActionDelete, Outcome: OutcomeOK})
	l.Close()
	es := readEntries(t, path)
	if len(es) != 3 {
		t.Fatalf("%d entries, want 3", len(es))
	}
	if es[0].Username != "alice" || !es[0].Time.Equal(at) || es[0].Time.Location() != time.UTC || es[0].SID != "CR1" || es[0].Profile != "acme" {
		t.Fatalf("first entry %+v", es[0])
	}
	if es[1].Time.IsZero() || es[1].Outcome != OutcomeFailed || es[1].Error != "HTTP 400: bad" {
		t.Fatalf("second entry %+v", es[1])
	}
	if es[2].Username != "carol" || es[2].Action != ActionDelete {
		t.Fatalf("third entry %+v", es[2])
	}
}

func TestOpenTightensExistingMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
}

func TestDefaultPathUnderStateHome(t *testing.T) {
	t.Setenv("SIPCTL_STATE_DIR", "")
	t.Setenv("XDG_STATE_HOME", "/somewhere/state")
	if got := DefaultPath(); got != "/somewhere/state/sipctl/audit.log" {
		t.Fatalf("DefaultPath() = %s", got)
	}
}

func TestConcurrentGoroutines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 200 {
				if err := l.Record(Entry{Username: fmt.Sprintf("u%d-%d", g, i), Action: ActionRotate, Outcome: OutcomeOK}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	l.Close()
	es := readEntries(t, path)
	seen := map[string]bool{}
	for _, e := range es {
		seen[e.Username] = true
	}
	if len(es) != 16*200 || len(seen) != 16*200 {
		t.Fatalf("%d entries, %d distinct; want %d", len(es), len(seen), 16*200)
	}
}

// TestConcurrentProcesses runs this test binary as several writer processes
// appending to one log: no line may be torn or lost.
func TestConcurrentProcesses(t *testing.T) {
	if os.Getenv("AUDIT_WRITER") != "" {
		l, err := Open(os.Getenv("AUDIT_PATH"))
		if err != nil {
			os.Exit(1)
		}
		for i := range 500 {
			l.Record(Entry{Username: fmt.Sprintf("%s-%d", os.Getenv("AUDIT_WRITER"), i), Action: ActionRotate, Outcome: OutcomeOK})
		}
		l.Close()
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), "audit.log")
	var cmds []*exec.Cmd
	for p := range 6 {
		c := exec.Command(os.Args[0], "-test.run=^TestConcurrentProcesses$")
		c.Env = append(os.Environ(), fmt.Sprintf("AUDIT_WRITER=p%d", p), "AUDIT_PATH="+path)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	es := readEntries(t, path)
	seen := map[string]bool{}
	for _, e := range es {
		seen[e.Username] = true
	}
	if len(es) != 6*500 || len(seen) != 6*500 {
		t.Fatalf("%d entries, %d distinct; want %d", len(es), len(seen), 6*500)
	}
}
