package journal

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func sample(n int) []Entry {
	var es []Entry
	for i := range n {
		es = append(es, Entry{Op: OpRotate, Provider: "twilio", AccountSID: "AC1", Ref: fmt.Sprintf("CL1/CR%d", i), CredentialListSID: "CL1",
			CredentialSID: fmt.Sprintf("CR%d", i), Username: fmt.Sprintf("u%d", i), Domain: "d.sip.twilio.com",
			Password: fmt.Sprintf("Pw-%d-Secret", i), Status: Done /* ignored by Create */})
	}
	return es
}

func TestCreateOpenRoundTrip(t *testing.T) {
	dir := Dir(t.TempDir())
	j, err := Create(dir, Header{Profile: "acme", Provider: "twilio", AccountSID: "AC1", Output: "out.csv"}, sample(5))
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(j.Path())
	dst, _ := os.Stat(dir)
	if st.Mode().Perm() != 0o600 || dst.Mode().Perm() != 0o700 {
		t.Fatalf("modes file %v dir %v", st.Mode().Perm(), dst.Mode().Perm())
	}
	for _, e := range j.Entries() {
		if e.Status != Pending {
			t.Fatalf("entry %d created as %s", e.ID, e.Status)
		}
	}
	if err := j.Mark(1, Done, "", false, "", ""); err != nil {
		t.Fatal(err)
	}
	if err := j.Mark(3, Failed, "HTTP 400", true, "", ""); err != nil {
		t.Fatal(err)
	}
	if err := j.Mark(9, Done, "", false, "", ""); err == nil {
		t.Fatal("marking an unknown entry succeeded")
	}
	j.Close()

	k, err := Open(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	h := k.Header()
	if h.Profile != "acme" || h.Output != "out.csv" || h.RunID == "" || h.Created.IsZero() || h.Version != Version || h.Entries != 5 {
		t.Fatalf("header %+v", h)
	}
	es := k.Entries()
	if len(es) != 5 || es[1].Status != Done || es[3].Status != Failed || !es[3].Rejected || es[3].Error != "HTTP 400" || es[0].Status != Pending {
		t.Fatalf("entries %+v", es)
	}
	if es[4].Password != "Pw-4-Secret" || es[4].Ref != "CL1/CR4" || es[4].Domain != "d.sip.twilio.com" {
		t.Fatalf("entry 4 %+v", es[4])
	}
	if u := k.Unfinished(); len(u) != 4 {
		t.Fatalf("%d unfinished, want 4", len(u))
	}
	// Status lines appended after reopening are kept too.
	k.Mark(0, Done, "", false, "CL1/CR0", "CR0")
	k.Close()
	m, err := Open(j.Path())
	if err != nil || m.Entry(0).Status != Done {
		t.Fatalf("status written after reopen lost: %v", err)
	}
	if err := m.Remove(); err != nil {
		t.Fatal(err)
	}
	if paths, _ := List(dir); len(paths) != 0 {
		t.Fatalf("journal not removed: %v", paths)
	}
}

// Every kind of damage is named by line and never read as complete. (A
// torn last status line is not damage: see TestTornTail.)
func TestDamageIsDetectedAndNamed(t *testing.T) {
	dir := t.TempDir()
	j, err := Create(dir, Header{}, sample(4))
	if err != nil {
		t.Fatal(err)
	}
	j.Mark(0, Done, "", false, "", "")
	j.Mark(1, Done, "", false, "", "")
	j.Close()
	good, _ := os.ReadFile(j.Path())
	lines := strings.SplitAfter(string(good), "\n")
	cases := map[string]struct {
		content string
		line    int
	}{
		"cut inside entries":   {strings.Join(lines[:3], ""), 4},
		"one byte changed":     {strings.Replace(string(good), "u2", "u7", 1), 4},
		"line removed":         {lines[0] + strings.Join(lines[2:], ""), 2},
		"foreign":              {"{\"a\":1}\n", 1},
		"older, unchecksummed": {`{"kind":"header","header":{"run_id":"x"}}` + "\n", 1},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			os.WriteFile(j.Path(), []byte(c.content), 0o600)
			_, err := Open(j.Path())
			var d *DamageError
			if !errors.As(err, &d) || d.Line != c.line || d.Path != j.Path() || !strings.Contains(err.Error(), fmt.Sprintf("line %d", c.line)) {
				t.Fatalf("Open: %v; want damage at line %d", err, c.line)
			}
			if b, _ := os.ReadFile(j.Path()); string(b) != c.content {
				t.Fatal("Open changed the damaged file")
			}
		})
	}
	os.WriteFile(j.Path(), []byte(newer(t, lines[0])+strings.Join(lines[1:], "")), 0o600)
	if _, err := Open(j.Path()); err == nil || !strings.Contains(err.Error(), "newer sipctl") || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("newer version: %v", err)
	}
}

func newer(t *testing.T, header string) string {
	body, _, _ := strings.Cut(strings.TrimSuffix(header, "\n"), "\t")
	body = strings.Replace(body, fmt.Sprintf(`"version":%d`, Version), `"version":99`, 1)
	return string(rawLine([]byte(body)))
}

// A write that fails (a full disk) is cut back off the file, so the journal
// stays intact, and every later Mark fails with the same error.
func TestFailedWriteLeavesTheJournalIntact(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	j, err := Create(dir, Header{}, sample(8))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "filler"), make([]byte, 12<<10), 0o600)
	var failed error
	for i := 0; failed == nil; i = (i + 1) % 8 {
		failed = j.Mark(i, Done, strings.Repeat("x", 300), false, "", "")
	}
	if !strings.Contains(failed.Error(), "no space left on device") || !strings.Contains(failed.Error(), j.Path()) {
		t.Fatalf("failed Mark: %v", failed)
	}
	if err := j.Mark(0, Done, "", false, "", ""); err == nil {
		t.Fatal("a Mark after a failed write succeeded")
	}
	j.Close()
	if _, err := Open(j.Path()); err != nil {
		t.Fatalf("the journal is damaged after ENOSPC: %v", err)
	}
}

func TestListOldestFirst(t *testing.T) {
	dir := t.TempDir()
	var want []string
	for range 3 {
		j, err := Create(dir, Header{}, sample(1))
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
		want = append(want, j.Path())
	}
	os.WriteFile(filepath.Join(dir, "other.txt"), nil, 0o600)
	os.WriteFile(PartialPath(dir, "x"), nil, 0o600)
	got, err := List(dir)
	if err != nil || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("List = %v, %v; want %v", got, err, want)
	}
	if got, err := List(filepath.Join(dir, "absent")); err != nil || got != nil {
		t.Fatalf("List(absent) = %v, %v", got, err)
	}
}

func TestConcurrentMarks(t *testing.T) {
	j, err := Create(t.TempDir(), Header{}, sample(500))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 10 {
		wg.Go(func() {
			for i := w; i < 500; i += 10 {
				j.Mark(i, Done, "", false, "", "")
			}
		})
	}
	wg.Wait()
	j.Close()
	k, err := Open(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	if u := k.Unfinished(); len(u) != 0 {
		t.Fatalf("%d unfinished after marking all", len(u))
	}
}

// A crash can cut the last status line and leave NULs after it: that torn
// tail is not damage. Read reports it, Open cuts it off (the statuses it
// held are lost, so those entries are pending: the same password is sent
// again), and the journal takes new lines. A bad line before the tail, or
// a tail that is not a status line, is still damage.
func TestTornTail(t *testing.T) {
	status := func(j *Journal, id int) string {
		b, _ := line(record{Kind: "status", ID: id, Status: Done})
		return string(b)
	}
	for name, tail := range map[string]func(j *Journal) string{
		"cut status line":     func(j *Journal) string { s := status(j, 2); return s[:len(s)/2] },
		"NULs":                func(*Journal) string { return strings.Repeat("\x00", 4096) },
		"cut line, then NULs": func(j *Journal) string { s := status(j, 2); return s[:len(s)-3] + strings.Repeat("\x00", 100) },
		"cut before checksum": func(j *Journal) string { s := status(j, 2); return s[:len(s)-1] },
	} {
		t.Run(name, func(t *testing.T) {
			j, err := Create(Dir(t.TempDir()), Header{Provider: "twilio"}, sample(4))
			if err != nil {
				t.Fatal(err)
			}
			j.Mark(1, Done, "", false, "", "")
			j.Close()
			f, _ := os.OpenFile(j.Path(), os.O_WRONLY|os.O_APPEND, 0)
			f.WriteString(tail(j))
			f.Close()
			r, err := Read(j.Path())
			if err != nil || r.Damage() != nil || r.Torn() == nil {
				t.Fatalf("read: %v, damage %v, torn %v", err, r.Damage(), r.Torn())
			}
			k, err := Open(j.Path())
			if err != nil {
				t.Fatal(err)
			}
			if es := k.Entries(); es[1].Status != Done || es[2].Status != Pending {
				t.Fatalf("statuses %v %v", es[1].Status, es[2].Status)
			}
			if err := k.Mark(2, Done, "", false, "", ""); err != nil {
				t.Fatal(err)
			}
			k.Close()
			again, err := Read(j.Path())
			if err != nil || again.Damage() != nil || again.Torn() != nil || again.Entry(2).Status != Done {
				t.Fatalf("after repair: %v, %v, %v", err, again.Damage(), again.Torn())
			}
		})
	}
	t.Run("damage before the tail", func(t *testing.T) {
		j, _ := Create(Dir(t.TempDir()), Header{Provider: "twilio"}, sample(4))
		j.Mark(1, Done, "", false, "", "")
		j.Close()
		f, _ := os.OpenFile(j.Path(), os.O_WRONLY|os.O_APPEND, 0)
		f.WriteString("garbage\n" + strings.Repeat("\x00", 10))
		f.Close()
		if _, err := Open(j.Path()); err == nil {
			t.Fatal("a bad line before the tail was taken as a torn tail")
		}
	})
	t.Run("loose modes are tightened", func(t *testing.T) {
		dir := Dir(t.TempDir())
		j, _ := Create(dir, Header{Provider: "twilio"}, sample(1))
		j.Close()
		os.Chmod(dir, 0o755)
		os.Chmod(j.Path(), 0o644)
		if _, err := Read(j.Path()); err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(j.Path())
		dst, _ := os.Stat(dir)
		if st.Mode().Perm() != 0o600 || dst.Mode().Perm() != 0o700 {
			t.Fatalf("modes file %v dir %v", st.Mode().Perm(), dst.Mode().Perm())
		}
	})
}

// The username a provider made for a create (Plivo's appended digits) is
// journaled with its own line and read back, so a handover written after a
// resume names the account phones register as.
func TestMadeUsernameRoundTrip(t *testing.T) {
	dir := Dir(t.TempDir())
	j, err := Create(dir, Header{Profile: "pl", Provider: "plivo"}, sample(2))
	if err != nil {
		t.Fatal(err)
	}
	if err := j.NoteMade(1, "frontdesk131031145958"); err != nil {
		t.Fatal(err)
	}
	if err := j.Mark(1, Done, "", false, "37371860103666", ""); err != nil {
		t.Fatal(err)
	}
	if err := j.NoteMade(7, "x"); err == nil {
		t.Fatal("a made username for an unknown entry was journaled")
	}
	j.Close()
	k, err := Open(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if e := k.Entry(1); e.Made != "frontdesk131031145958" || e.Status != Done || e.Ref != "37371860103666" {
		t.Fatalf("entry 1 after reopening: %+v", e)
	}
	if e := k.Entry(0); e.Made != "" {
		t.Fatalf("entry 0 got a made username: %+v", e)
	}
}
