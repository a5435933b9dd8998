package custody_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/sipctl/sipctl/internal/testenv"
)

// world is one isolated sipctl home with a running `sandbox serve` (slow:
// latency and a concurrency limit answered with 429), and what the user was
// handed: every password sipctl printed or wrote to a handover file.
type world struct {
	t      *testing.T
	bin    string
	env    *testenv.Env
	api    string
	sip    string
	dir    string
	domain string
	// short is the domain as commands take it ("office").
	short string

	mu sync.Mutex
	// printed are passwords sipctl printed on stdout, by USER@DOMAIN,
	// newest last.
	printed map[string][]string
	// handovers are the files the user asked for.
	handovers map[string]bool
}

type serveOpts struct {
	latency time.Duration
	maxConc int
	// seed, when set, fills the sandbox's store before it is served.
	seed func(env *testenv.Env)
}

func newWorld(t *testing.T, so serveOpts) *world {
	t.Helper()
	w := &world{t: t, bin: testenv.Binary(t), env: testenv.NewEnv(t), dir: t.TempDir(), domain: "office.sip.twilio.com", short: "office",
		printed: map[string][]string{}, handovers: map[string]bool{}}
	var args []string
	if so.latency > 0 {
		args = append(args, "--latency", so.latency.String())
	}
	if so.maxConc > 0 {
		args = append(args, "--max-concurrency", fmt.Sprint(so.maxConc))
	}
	if so.seed != nil {
		so.seed(w.env)
	}
	srv := testenv.StartServe(t, w.env, args...)
	w.api, w.sip = srv.API, srv.SIPAddr
	w.env.Set("SIPCTL_API_URL", w.api).Set("SIPCTL_PROVIDER", "sandbox")
	w.mustRun("", "domains", "create", "office", "--sip-registration")
	return w
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (w *world) stateDir() string   { return filepath.Join(w.env.StateHome, "sipctl") }
func (w *world) journalDir() string { return journal.Dir(w.stateDir()) }
func (w *world) path(name string) string {
	return filepath.Join(w.dir, name)
}

func (w *world) command(stdin string, args ...string) (*exec.Cmd, *lockedBuffer, *lockedBuffer) {
	cmd := exec.Command(w.bin, args...)
	cmd.Env = w.env.Environ()
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	return cmd, &out, &errOut
}

func exitCode(t testing.TB, err error) int {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return -int(ws.Signal())
		}
		return ee.ExitCode()
	}
	t.Fatalf("running sipctl: %v", err)
	return -1
}

// run runs sipctl and notes any password it printed on stdout.
func (w *world) run(stdin string, args ...string) (stdout, stderr string, code int) {
	w.t.Helper()
	cmd, out, errOut := w.command(stdin, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		cmd.Process.Kill()
		err = <-done
		w.t.Fatalf("sipctl %s hung\n%s", strings.Join(args, " "), errOut.String())
	}
	code = exitCode(w.t, err)
	w.notePrinted(out.String())
	return out.String(), errOut.String(), code
}

func (w *world) mustRun(stdin string, args ...string) string {
	w.t.Helper()
	out, errOut, code := w.run(stdin, args...)
	if code != 0 {
		w.t.Fatalf("sipctl %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	return out
}

type rec struct {
	Username string `json:"username"`
	Domain   string `json:"domain"`
	Password string `json:"password"`
}

// notePrinted keeps passwords from JSON on stdout (an object or an array).
func (w *world) notePrinted(out string) {
	var rs []rec
	if json.Unmarshal([]byte(out), &rs) != nil {
		var r rec
		if json.Unmarshal([]byte(out), &r) != nil {
			return
		}
		rs = []rec{r}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range rs {
		if r.Password != "" && r.Username != "" {
			k := r.Username + "@" + r.Domain
			w.printed[k] = append(w.printed[k], r.Password)
		}
	}
}

// readHandover parses a handover file independently of sipctl's reader.
func readHandover(t testing.TB, path string) []rec {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("handover %s has mode %v", path, st.Mode().Perm())
	}
	var rs []rec
	if strings.HasSuffix(path, ".csv") {
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil || len(rows) == 0 || strings.Join(rows[0][:4], ",") != "sid,username,domain,password" {
			t.Fatalf("handover %s is not a complete CSV: %v", path, err)
		}
		for _, r := range rows[1:] {
			rs = append(rs, rec{Username: r[1], Domain: r[2], Password: r[3]})
		}
		return rs
	}
	if err := json.Unmarshal(b, &rs); err != nil {
		t.Fatalf("handover %s is not a complete JSON array: %v", path, err)
	}
	return rs
}

// accounts are the usernames on the domain now.
func (w *world) accounts() []string {
	w.t.Helper()
	out := w.mustRun("", "accounts", "list", "--domain", w.short, "--json")
	var as []struct {
		Username string `json:"username"`
	}
	if err := json.Unmarshal([]byte(out), &as); err != nil {
		w.t.Fatalf("accounts list: %v\n%s", err, out)
	}
	var names []string
	for _, a := range as {
		names = append(names, a.Username)
	}
	return names
}

// onRecord is every password the user can find for an account: rows of the
// handover files they asked for, what was printed, and the entries of the
// unfinished journals sipctl reports (`password runs list`).
func (w *world) onRecord() map[string][]string {
	w.t.Helper()
	w.mu.Lock()
	out := map[string][]string{}
	for k, v := range w.printed {
		out[k] = append(out[k], v...)
	}
	files := []string{}
	for f := range w.handovers {
		files = append(files, f)
	}
	w.mu.Unlock()
	for _, f := range files {
		for _, r := range readHandover(w.t, f) {
			k := r.Username + "@" + r.Domain
			out[k] = append(out[k], r.Password)
		}
	}
	paths, _ := journal.List(w.journalDir())
	if len(paths) > 0 {
		// They are reported loudly.
		listed, _, code := w.run("", "password", "runs", "list", "--json")
		for _, p := range paths {
			if code != 0 || !strings.Contains(listed, journal.RunIDOf(p)) {
				w.t.Errorf("journal %s is not reported by `password runs list`:\n%s", p, listed)
			}
		}
	}
	for _, p := range paths {
		j, err := journal.Read(p)
		if err != nil {
			continue
		}
		for _, e := range j.Entries() {
			k := e.Username + "@" + e.Domain
			out[k] = append(out[k], e.Password)
		}
	}
	return out
}

// check registers as USER@DOMAIN with a password at the sandbox's registrar.
func (w *world) accepts(user, pw string) bool {
	res, err := sip.Check(context.Background(), sip.CheckOptions{Username: user, Password: pw, Domain: w.domain,
		Registrar: w.sip, Transport: "udp", Timeout: 5 * time.Second})
	if err != nil {
		w.t.Fatalf("sip check: %v", err)
	}
	if res.Outcome == sip.NoAnswer {
		w.t.Fatalf("the sandbox registrar did not answer: %+v", res)
	}
	return res.Outcome == sip.Accepted
}

// invariant: every account on the domain registers with a password that is
// on record (the newest candidate first). It returns the accepted password
// per username.
func (w *world) invariant(context string) map[string]string {
	w.t.Helper()
	rec := w.onRecord()
	names := w.accounts()
	got := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, u := range names {
		cands := rec[u+"@"+w.domain]
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			for i := len(cands) - 1; i >= 0; i-- {
				if w.accepts(u, cands[i]) {
					mu.Lock()
					got[u] = cands[i]
					mu.Unlock()
					return
				}
			}
			w.t.Errorf("%s: %s@%s registers with no password on record (%d candidates)", context, u, w.domain, len(cands))
		})
	}
	wg.Wait()
	return got
}

// useDomain creates a domain and makes it the one the helpers work on.
func (w *world) useDomain(short string) {
	w.t.Helper()
	w.mustRun("", "domains", "create", short, "--sip-registration")
	w.short, w.domain = short, short+".sip.twilio.com"
}

// createAccounts makes n accounts u000… and notes their printed passwords.
func (w *world) createAccounts(prefix string, n int) {
	w.t.Helper()
	if n == 0 {
		return
	}
	w.mustRun("", "accounts", "create", prefix+"000", "--domain", w.short, "--json")
	var wg sync.WaitGroup
	sem := make(chan struct{}, 6)
	for i := 1; i < n; i++ {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			args := []string{"accounts", "create", fmt.Sprintf("%s%03d", prefix, i), "--domain", w.short, "--json"}
			if _, errOut, code := w.run("", args...); code != 0 {
				w.t.Errorf("sipctl %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
			}
		})
	}
	wg.Wait()
	if w.t.Failed() {
		w.t.FailNow()
	}
}

// waitStatus waits until a journal has at least n status lines (the run
// has applied n entries), or its process exited.
func waitStatus(t testing.TB, path string, n int, exited <-chan struct{}) bool {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		b, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		if bytes.Count(b, []byte(`"kind":"status"`)) >= n {
			return true
		}
		select {
		case <-exited:
			return false
		case <-time.After(time.Millisecond):
		}
	}
	t.Fatal("the run made no progress")
	return false
}

// startCmd starts sipctl; the channel closes when it exits, and wait
// returns its exit code.
func (w *world) start(args ...string) (cmd *exec.Cmd, exited chan struct{}, wait func() (string, string, int)) {
	w.t.Helper()
	cmd, out, errOut := w.command("", args...)
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	exited = make(chan struct{})
	var err error
	go func() { err = cmd.Wait(); close(exited) }()
	return cmd, exited, func() (string, string, int) {
		select {
		case <-exited:
		case <-time.After(3 * time.Minute):
			cmd.Process.Kill()
			<-exited
			w.t.Fatalf("sipctl %s hung", strings.Join(args, " "))
		}
		w.notePrinted(out.String())
		return out.String(), errOut.String(), exitCode(w.t, err)
	}
}

// waitJournal waits for a journal to appear (a run has begun).
func (w *world) waitJournal(t testing.TB, exited <-chan struct{}) string {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		ps, _ := journal.List(w.journalDir())
		if len(ps) > 0 {
			return ps[len(ps)-1]
		}
		select {
		case <-exited:
			return ""
		case <-time.After(2 * time.Millisecond):
		}
	}
	t.Fatal("no journal appeared")
	return ""
}

func journals(w *world) []string {
	ps, _ := journal.List(w.journalDir())
	return ps
}

func snapshot(t testing.TB, paths ...string) map[string]string {
	out := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err == nil {
			out[p] = string(b)
		}
	}
	return out
}

func netListenUDP() (net.PacketConn, error) { return net.ListenPacket("udp", "127.0.0.1:0") }

// journalLine is a journal line with its checksum, as sipctl writes it.
func journalLine(body []byte) string {
	sum := sha256.Sum256(body)
	return string(body) + "\t" + hex.EncodeToString(sum[:8]) + "\n"
}
