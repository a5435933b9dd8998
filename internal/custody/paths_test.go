package custody_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/testenv"
)

var slow = serveOpts{latency: 15 * time.Millisecond, maxConc: 4}

// unchanged asserts every account still registers with the password it had.
func unchanged(t *testing.T, w *world, before map[string]string, what string) {
	t.Helper()
	for u, pw := range before {
		if !w.accepts(u, pw) {
			t.Errorf("%s changed %s's password", what, u)
		}
	}
}

// Path 1: field selection that would drop the new passwords is refused
// before any change; a selection that keeps them works.
func TestPath1FieldSelectionKeepsPasswords(t *testing.T) {
	w := newWorld(t, slow)
	w.createAccounts("a", 3)
	before := w.invariant("after create")
	for _, args := range [][]string{
		{"password", "rotate", "a000@office", "-y", "--json=sid"},
		{"password", "rotate", "a000@office", "-y", "--jq", ".[].sid"},
		{"password", "rotate", "--domain", "office", "-y", "--json=username,domain"},
		{"accounts", "create", "new1", "--domain", "office", "--json=username"},
		{"accounts", "create", "new1", "--domain", "office", "--jq", ".sid"},
	} {
		_, errOut, code := w.run("", args...)
		if code != 2 || !strings.Contains(errOut, "password") || strings.Count(strings.TrimSpace(errOut), "\n") > 2 {
			t.Errorf("%v: exit %d, want 2 with a one-line reason\n%s", args, code, errOut)
		}
	}
	unchanged(t, w, before, "a refused field selection")
	if js := journals(w); len(js) != 0 {
		t.Errorf("refused runs left journals: %v", js)
	}
	if names := w.accounts(); len(names) != 3 {
		t.Errorf("a refused create made an account: %v", names)
	}
	// Selections that keep the password, and --jq that prints it.
	w.mustRun("", "password", "rotate", "a000@office", "-y", "--json=username,domain,password")
	out := w.mustRun("", "password", "rotate", "a001@office", "-y", "--jq", ".[0].password")
	pw := strings.Trim(strings.TrimSpace(out), `"`)
	w.mu.Lock()
	w.printed["a001@"+w.domain] = append(w.printed["a001@"+w.domain], pw)
	w.mu.Unlock()
	// --json=sid is fine when --output keeps the passwords.
	h := w.path("h.json")
	w.handovers[h] = true
	w.mustRun("", "password", "rotate", "a002@office", "-y", "--json=sid", "--output", h)
	got := w.invariant("after rotations with field selection")
	for u, pw := range before {
		if got[u] == pw {
			t.Errorf("%s was not rotated", u)
		}
	}
}

// Path 2: --output onto an existing handover merges by account.
func TestPath2OutputMergesTheLedger(t *testing.T) {
	w := newWorld(t, slow)
	w.createAccounts("c", 24)
	for _, ext := range []string{"csv", "json"} {
		h := w.path("customer." + ext)
		w.handovers[h] = true
		w.mustRun("", "password", "rotate", "--domain", "office", "-y", "--output", h, "--concurrency", "4")
		if rows := readHandover(t, h); len(rows) != 24 {
			t.Fatalf("%s: %d rows after the first rotation", ext, len(rows))
		}
		w.mustRun("", "password", "rotate", "c001@office", "c005@office", "c009@office", "-y", "--output", h)
		rows := readHandover(t, h)
		if len(rows) != 24 {
			t.Fatalf("%s: rotating 3 accounts into a 24-row handover left %d rows", ext, len(rows))
		}
		seen := map[string]int{}
		for _, r := range rows {
			seen[r.Username]++
			if !w.accepts(r.Username, r.Password) {
				t.Errorf("%s: row of %s does not register", ext, r.Username)
			}
		}
		for u, n := range seen {
			if n != 1 {
				t.Errorf("%s: %s has %d rows", ext, u, n)
			}
		}
	}
	w.invariant("after merges")
}

// Path 3: a stale journal never reverts newer passwords.
func TestPath3StaleJournalNeverReverts(t *testing.T) {
	w := newWorld(t, slow)
	w.createAccounts("s", 30)
	ha, hb := w.path("a.json"), w.path("b.json")
	w.handovers[ha], w.handovers[hb] = true, true

	// Run A is killed partway.
	cmd, exited, wait := w.start("password", "rotate", "--domain", "office", "-y", "--output", ha, "--concurrency", "2")
	jpath := w.waitJournal(t, exited)
	if !waitStatus(t, jpath, 5, exited) {
		t.Fatal("run A finished before it could be killed; slow the sandbox down")
	}
	cmd.Process.Signal(syscall.SIGKILL)
	if _, _, code := wait(); code != -int(syscall.SIGKILL) {
		t.Fatalf("run A exit %d", code)
	}
	runA := journal.RunIDOf(jpath)
	w.invariant("after killing run A")

	// Run B over the same accounts is refused, naming A.
	_, errOut, code := w.run("", "password", "rotate", "--domain", "office", "-y", "--output", hb)
	if code == 0 || !strings.Contains(errOut, runA) || !strings.Contains(errOut, "--resume") || !strings.Contains(errOut, "discard") {
		t.Fatalf("run B over A's accounts: exit %d\n%s", code, errOut)
	}
	w.invariant("after the refused run B")

	// A journal restored from a backup after B ran is never applied over B.
	backup, err := os.ReadFile(jpath)
	if err != nil {
		t.Fatal(err)
	}
	w.mustRun("", "password", "rotate", "--resume", runA)
	if _, err := os.Stat(jpath); !os.IsNotExist(err) {
		t.Fatalf("resumed journal still there: %v", err)
	}
	w.mustRun("", "password", "rotate", "--domain", "office", "-y", "--output", hb)
	gotB := w.invariant("after run B")
	if err := os.WriteFile(jpath, backup, 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = w.run("", "password", "rotate", "--resume", runA)
	if !strings.Contains(errOut, "superseded") {
		t.Errorf("resuming the restored journal: exit %d\n%s", code, errOut)
	}
	delete(w.handovers, ha) // A's handover is older than B's
	for _, r := range readHandover(t, hb) {
		if gotB[r.Username] != r.Password || !w.accepts(r.Username, r.Password) {
			t.Errorf("%s: B's handover no longer registers after resuming A", r.Username)
		}
	}
	w.invariant("after resuming the stale journal")
}

// Path 4: two rotations at once over the same accounts: the second refuses,
// naming the first.
func TestPath4TwoRunsAtOnce(t *testing.T) {
	w := newWorld(t, slow)
	w.createAccounts("p", 20)
	h1, h2 := w.path("one.csv"), w.path("two.csv")
	w.handovers[h1], w.handovers[h2] = true, true
	cmd, exited, wait := w.start("password", "rotate", "--domain", "office", "-y", "--output", h1, "--concurrency", "2")
	jpath := w.waitJournal(t, exited)
	// Once it sends (it has left the short ledger lock by then), hold the
	// first run still, so the second surely meets it.
	if !waitStatus(t, jpath, 1, exited) {
		t.Fatal("the first run finished before the second could meet it")
	}
	cmd.Process.Signal(syscall.SIGSTOP)
	_, errOut, code := w.run("", "password", "rotate", "p003@office", "-y", "--output", h2)
	cmd.Process.Signal(syscall.SIGCONT)
	if code == 0 || !strings.Contains(errOut, journal.RunIDOf(jpath)) || !strings.Contains(errOut, fmt.Sprintf("pid %d", cmd.Process.Pid)) {
		t.Errorf("the second run: exit %d\n%s", code, errOut)
	}
	// Two at once from the start: both finish or one refuses; never both
	// wrong.
	if _, errOut, code := wait(); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, errOut)
	}
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i, h := range []string{h1, h2} {
		wg.Go(func() {
			_, _, codes[i] = w.run("", "password", "rotate", "--domain", "office", "-y", "--output", h)
		})
	}
	wg.Wait()
	if codes[0] != 0 && codes[1] != 0 {
		t.Errorf("both concurrent runs failed: %v", codes)
	}
	w.invariant("after concurrent runs")
}

// Path 5: a full disk stops the run with the system's error, never tears
// the journal, and --resume finishes once there is space.
func TestPath5DiskFull(t *testing.T) {
	for _, filler := range []int{0, 28 << 10, 36 << 10, 48 << 10} {
		t.Run(fmt.Sprintf("filler-%dk", filler>>10), func(t *testing.T) {
			w := newWorld(t, serveOpts{latency: 2 * time.Millisecond})
			w.createAccounts("f", 40)
			before := w.invariant("before")
			mnt := mountTmpfs(t, w.journalDir(), "64k")
			if filler > 0 {
				if err := os.WriteFile(filepath.Join(mnt, "filler"), make([]byte, filler), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			h := filepath.Join(mnt, "handover.json")
			audit := filepath.Join(mnt, "audit.log")
			w.handovers[h] = true
			_, errOut, code := w.run("", "--audit-log", audit, "password", "rotate", "--domain", "office", "-y", "--output", h, "--concurrency", "4")
			w.invariant("on a full disk")
			t.Logf("exit %d; journals %d\n%s", code, len(journals(w)), errOut)
			switch {
			case code == 0:
				// It fit.
			case strings.Contains(errOut, "no space left on device"):
				if strings.Contains(errOut, "Rotated 0") || len(journals(w)) == 0 {
					unchanged(t, w, before, "a run refused for lack of space")
				}
			default:
				t.Fatalf("full disk: exit %d without naming ENOSPC\n%s", code, errOut)
			}
			for _, p := range journals(w) {
				if j, err := journal.Read(p); err != nil || j.Damage() != nil {
					t.Fatalf("journal %s is damaged after ENOSPC: %v %v", p, err, j.Damage())
				}
			}
			// Free the space; resume finishes whatever is left.
			os.Remove(filepath.Join(mnt, "filler"))
			if err := exec.Command("mount", "-o", "remount,size=4m", mnt).Run(); err != nil {
				t.Fatal(err)
			}
			if len(journals(w)) > 0 {
				_, errOut, code := w.run("", "--audit-log", audit, "password", "rotate", "--resume")
				if code != 0 {
					t.Fatalf("resume after freeing space: exit %d\n%s", code, errOut)
				}
			}
			if len(journals(w)) != 0 {
				t.Fatalf("journals left: %v", journals(w))
			}
			w.invariant("after resume")
		})
	}
}

// mountTmpfs mounts a small tmpfs at dir (made if needed) for the test.
func mountTmpfs(t *testing.T, dir, size string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput()
	if err != nil {
		if testenv.InCI() && os.Geteuid() == 0 {
			t.Fatalf("mounting a tmpfs as root under CI: %v\n%s", err, out)
		}
		t.Skipf("cannot mount a tmpfs here (%v: %s)", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// Path 6: a truncated or changed journal is never resumed, never deleted,
// never "nothing to resume".
func TestPath6DamagedJournal(t *testing.T) {
	w := newWorld(t, slow)
	w.createAccounts("d", 20)
	h := w.path("h.json")
	w.handovers[h] = true
	cmd, exited, wait := w.start("password", "rotate", "--domain", "office", "-y", "--output", h, "--concurrency", "2")
	jpath := w.waitJournal(t, exited)
	if !waitStatus(t, jpath, 3, exited) {
		t.Fatal("the run finished before it could be killed")
	}
	cmd.Process.Signal(syscall.SIGKILL)
	wait()
	good, err := os.ReadFile(jpath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(good), "\n")
	damages := map[string]string{
		"cut mid-line":      strings.Join(lines[:8], "") + lines[8][:len(lines[8])/2],
		"cut between lines": strings.Join(lines[:8], ""),
		"one byte changed":  strings.Replace(string(good), `"username":"d01`, `"username":"d91`, 1),
		"foreign":           "{\"hello\":\"world\"}\n",
		"newer version":     newerVersion(t, lines[0]) + strings.Join(lines[1:], ""),
		"empty":             "",
	}
	for name, content := range damages {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(jpath, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{
				{"password", "rotate", "--resume"},
				{"password", "rotate", "--resume", journal.RunIDOf(jpath)},
				{"password", "rotate", "--domain", "office", "-y", "--output", w.path("other.json")},
			} {
				_, errOut, code := w.run("", args...)
				if code == 0 || !strings.Contains(errOut, jpath) || !regexp.MustCompile(`line \d+|journal `+regexp.QuoteMeta(jpath)+`: `).MatchString(errOut) ||
					strings.Contains(errOut, "Nothing to resume") {
					t.Errorf("%v on a journal %s: exit %d\n%s", args, name, code, errOut)
				}
				if b, err := os.ReadFile(jpath); err != nil || string(b) != content {
					t.Fatalf("%v changed or deleted the damaged journal: %v", args, err)
				}
			}
			out, _, code := w.run("", "password", "runs", "list", "--json")
			if code != 0 || !strings.Contains(out, `"damage"`) {
				t.Errorf("runs list does not report the damage (exit %d):\n%s", code, out)
			}
		})
	}
	// The intact journal finishes.
	os.WriteFile(jpath, good, 0o600)
	w.mustRun("", "password", "rotate", "--resume")
	w.invariant("after resuming the restored journal")
}

func newerVersion(t *testing.T, headerLine string) string {
	body, _, _ := strings.Cut(strings.TrimSuffix(headerLine, "\n"), "\t")
	var rec map[string]any
	if err := json.Unmarshal([]byte(body), &rec); err != nil {
		t.Fatal(err)
	}
	rec["header"].(map[string]any)["version"] = 99
	b, _ := json.Marshal(rec)
	return journalLine(b)
}

// Path 7: the audit log, journal directory and handover target are checked
// before the first request.
func TestPath7ChecksBeforeAnyChange(t *testing.T) {
	w := newWorld(t, slow)
	w.createAccounts("k", 4)
	before := w.invariant("before")
	dirTarget := w.path("adir.json")
	os.Mkdir(dirTarget, 0o700)
	elsewhere := t.TempDir()
	link := w.path("link.json")
	os.Symlink(filepath.Join(elsewhere, "h.json"), link)
	ro := mountReadOnly(t, w.path("ro"))
	badAudit := w.path("auditdir")
	os.Mkdir(badAudit, 0o700)
	foreign := w.path("foreign.csv")
	os.WriteFile(foreign, []byte("name,phone\nbob,123\n"), 0o600)
	cut := w.path("cut.json")
	os.WriteFile(cut, []byte("[\n  {\"sid\": \"CR1\", \"username\": \"k000\", \"domain\": \"office.sip.twilio.com\", \"password\": \"x\"},\n  {\"sid\": \"CR2\""), 0o600)
	cases := map[string][]string{
		"missing directory": {"--output", "/nonexistent/x.csv"},
		"a directory":       {"--output", dirTarget},
		"symlink elsewhere": {"--output", link},
		"foreign handover":  {"--output", foreign},
		"cut handover":      {"--output", cut},
		"unwritable audit":  {"--output", w.path("ok.json"), "--audit-log", badAudit},
	}
	if ro != "" {
		cases["read-only file system"] = []string{"--output", filepath.Join(ro, "h.json")}
	}
	for name, extra := range cases {
		args := append([]string{"password", "rotate", "--domain", "office", "-y"}, extra...)
		_, errOut, code := w.run("", args...)
		if code == 0 || strings.Count(strings.TrimSpace(errOut), "\n") > 2 {
			t.Errorf("%s: exit %d\n%s", name, code, errOut)
		}
		if strings.Contains(name, "handover") && !strings.Contains(errOut, "line ") {
			t.Errorf("%s: the error names no line:\n%s", name, errOut)
		}
		if len(journals(w)) != 0 {
			t.Fatalf("%s left a journal", name)
		}
	}
	unchanged(t, w, before, "a refused run")
	if b, _ := os.ReadFile(foreign); string(b) != "name,phone\nbob,123\n" {
		t.Error("the foreign file was changed")
	}
	if _, err := os.Stat(filepath.Join(elsewhere, "h.json")); err == nil {
		t.Error("wrote through a symlink to another directory")
	}
}

func mountReadOnly(t *testing.T, dir string) string {
	os.MkdirAll(dir, 0o700)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", dir).CombinedOutput(); err != nil {
		if testenv.InCI() && os.Geteuid() == 0 {
			t.Fatalf("mounting a read-only tmpfs as root under CI: %v\n%s", err, out)
		}
		return ""
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

var summaryLine = regexp.MustCompile(`Rotated (\d+), failed (\d+), not attempted (\d+)(?:, superseded (\d+))? \(of (\d+)\)(?:; verified (\d+), unverified (\d+))?\.`)

// Path 8: Ctrl-C and SIGTERM stop new requests, hand over what was done,
// and print the exact resume command; counts agree; --verify failures come
// with a command that re-checks them.
func TestPath8HonestCountsAndInterrupts(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			w := newWorld(t, slow)
			w.createAccounts("i", 40)
			h := w.path("h.json")
			w.handovers[h] = true
			cmd, exited, wait := w.start("password", "rotate", "--domain", "office", "-y", "--output", h, "--concurrency", "2")
			jpath := w.waitJournal(t, exited)
			if !waitStatus(t, jpath, 4, exited) {
				t.Fatal("the run finished before the signal")
			}
			cmd.Process.Signal(sig)
			_, errOut, code := wait()
			m := summaryLine.FindStringSubmatch(errOut)
			if code != 3 || m == nil {
				t.Fatalf("interrupted run: exit %d\n%s", code, errOut)
			}
			var rotated, failed, notAttempted, total int
			fmt.Sscan(m[1], &rotated)
			fmt.Sscan(m[2], &failed)
			fmt.Sscan(m[3], &notAttempted)
			fmt.Sscan(m[5], &total)
			if rotated+failed+notAttempted != total || total != 40 || notAttempted == 0 || failed != 0 {
				t.Errorf("counts disagree: %s", m[0])
			}
			if rows := readHandover(t, h); len(rows) != rotated {
				t.Errorf("handover has %d rows, %d rotated", len(rows), rotated)
			}
			resume := regexp.MustCompile("`(sipctl [^`]*--resume [^`]*)`").FindStringSubmatch(errOut)
			if resume == nil || !strings.Contains(resume[1], journal.RunIDOf(jpath)) {
				t.Fatalf("no resume command:\n%s", errOut)
			}
			w.invariant("after the signal")
			args := strings.Fields(resume[1])[1:]
			_, errOut, code = w.run("", args...)
			if code != 0 || !strings.Contains(errOut, "Rotated 40, failed 0, not attempted 0 (of 40).") {
				t.Fatalf("the printed resume command: exit %d\n%s", code, errOut)
			}
			if rows := readHandover(t, h); len(rows) != 40 {
				t.Errorf("handover has %d rows after resume", len(rows))
			}
			w.invariant("after resume")
		})
	}
	t.Run("verify with no registrar", func(t *testing.T) {
		w := newWorld(t, slow)
		w.createAccounts("v", 5)
		h := w.path("h.json")
		w.handovers[h] = true
		dead := freeUDP(t)
		_, errOut, code := w.run("", "password", "rotate", "--domain", "office", "-y", "--output", h, "--verify", "--registrar", dead)
		m := summaryLine.FindStringSubmatch(errOut)
		if code != 3 || m == nil || m[1] != "5" || m[2] != "0" || m[6] != "0" || m[7] != "5" {
			t.Fatalf("verify against nothing: exit %d\n%s", code, errOut)
		}
		if !strings.Contains(errOut, "accounts check ") || !strings.Contains(errOut, "--from-handover "+h) {
			t.Errorf("no re-check command:\n%s", errOut)
		}
		w.invariant("after verify")
	})
}

func freeUDP(t *testing.T) string {
	c, err := netListenUDP()
	if err != nil {
		t.Fatal(err)
	}
	addr := c.LocalAddr().String()
	c.Close()
	return addr
}

// Path 9: many `accounts create` at once on a fresh domain all succeed.
func TestPath9ParallelCreatesOnAFreshDomain(t *testing.T) {
	w := newWorld(t, serveOpts{latency: 5 * time.Millisecond})
	const n = 40
	var wg sync.WaitGroup
	errs := make([]string, n)
	for i := range n {
		wg.Go(func() {
			_, errOut, code := w.run("", "accounts", "create", fmt.Sprintf("par%02d", i), "--domain", "office", "--json")
			if code != 0 {
				errs[i] = fmt.Sprintf("par%02d: exit %d: %s", i, code, errOut)
			}
		})
	}
	wg.Wait()
	for _, e := range errs {
		if e != "" {
			t.Error(e)
		}
	}
	if names := w.accounts(); len(names) != n {
		t.Errorf("%d accounts, want %d", len(names), n)
	}
	w.invariant("after parallel creates")
	out := w.mustRun("", "credlists", "list", "--json")
	if c := strings.Count(out, `"office-users"`); c != 1 {
		t.Errorf("%d credential lists named office-users", c)
	}
}

// `password runs`: list and show an unfinished run without its passwords;
// discard asks, says loudly that live passwords go with it, and then lets
// a new run over its accounts start.
func TestRunsListShowDiscard(t *testing.T) {
	w := newWorld(t, slow)
	w.createAccounts("r", 12)
	h := w.path("h.json")
	cmd, exited, wait := w.start("password", "rotate", "--domain", "office", "-y", "--output", h, "--concurrency", "1")
	jpath := w.waitJournal(t, exited)
	if !waitStatus(t, jpath, 2, exited) {
		t.Fatal("the run finished before it could be killed")
	}
	cmd.Process.Signal(syscall.SIGKILL)
	wait()
	run := journal.RunIDOf(jpath)
	j, err := journal.Read(jpath)
	if err != nil {
		t.Fatal(err)
	}
	out := w.mustRun("", "password", "runs", "list", "--json")
	var list []struct {
		RunID   string `json:"run_id"`
		Live    int    `json:"live"`
		Total   int    `json:"total"`
		Command string `json:"command"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 || list[0].RunID != run || list[0].Live == 0 || list[0].Total != 12 || list[0].Command != "password rotate" {
		t.Fatalf("runs list: %v\n%s", err, out)
	}
	show := w.mustRun("", "password", "runs", "show", run)
	showJSON := w.mustRun("", "password", "runs", "show", run, "--json")
	for _, e := range j.Entries() {
		if strings.Contains(show+showJSON, e.Password) {
			t.Fatal("runs show printed a password")
		}
		if !strings.Contains(show, e.Username+"@"+w.domain) {
			t.Errorf("runs show lacks %s", e.Username)
		}
	}
	// Without a terminal, discard needs --yes.
	if _, errOut, code := w.run("", "password", "runs", "discard", run); code != 2 || !strings.Contains(errOut, "--yes") {
		t.Fatalf("discard without --yes: exit %d\n%s", code, errOut)
	}
	if _, err := os.Stat(jpath); err != nil {
		t.Fatal("the journal went without confirmation")
	}
	_, errOut, code := w.run("", "password", "runs", "discard", run, "--yes")
	if code != 0 || !strings.Contains(errOut, "WARNING") || !strings.Contains(errOut, "may be live") {
		t.Fatalf("discard: exit %d\n%s", code, errOut)
	}
	if _, err := os.Stat(jpath); !os.IsNotExist(err) {
		t.Fatal("the journal is still there")
	}
	w.handovers[h] = true
	w.mustRun("", "password", "rotate", "--domain", "office", "-y", "--output", h)
	w.invariant("after a rotation following the discard")
}
