package rotate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/rotate"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/twilio"
)

// countingRT counts the requests that reach the sandbox, and the writes.
type countingRT struct {
	rt          http.RoundTripper
	all, writes atomic.Int64
	// onWrite, when set, sees the running count of writes.
	onWrite atomic.Pointer[func(n int64)]
}

func (c *countingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	c.all.Add(1)
	if r.Method != http.MethodGet {
		n := c.writes.Add(1)
		if f := c.onWrite.Load(); f != nil {
			(*f)(n)
		}
	}
	return c.rt.RoundTrip(r)
}

// resellerFixture is the in-process sandbox seen through the Twilio
// client, with n subaccounts of per accounts each.
func resellerFixture(t *testing.T, n, per int) (provider.Provider, *countingRT) {
	t.Helper()
	sb, err := sandbox.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	sid, tok := sb.Account()
	rt := &countingRT{rt: sb.RoundTripper()}
	c, err := twilio.New(twilio.Options{BaseURL: "http://localhost", AccountSID: sid, Secret: tok,
		HTTPClient: &http.Client{Transport: rt}, MaxRetries: -1, ProviderName: "sandbox"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 1; i <= n; i++ {
		a, err := c.CreateSubaccount(ctx, fmt.Sprintf("Customer %02d", i))
		if err != nil {
			t.Fatal(err)
		}
		sub := c.WithAccount(a.SID).(provider.Provider)
		name, on := fmt.Sprintf("cust%02d.sip.twilio.com", i), true
		d, err := sub.CreateDomain(ctx, provider.DomainParams{DomainName: &name, SIPRegistration: &on})
		if err != nil {
			t.Fatal(err)
		}
		l, err := sub.CreateCredentialList(ctx, "phones")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sub.AttachCredentialList(ctx, d.SID, provider.ForRegistrations, l.SID); err != nil {
			t.Fatal(err)
		}
		for u := range per {
			if _, err := sub.CreateCredential(ctx, l.SID, fmt.Sprintf("ext%03d", u), "Old-Password-2024x"); err != nil {
				t.Fatal(err)
			}
		}
	}
	rt.all.Store(0)
	rt.writes.Store(0)
	return c, rt
}

func acrossOptions(t *testing.T, p provider.SIPAccounts, ios *iostreams.IOStreams, outDir string) *RotateOptions {
	dir := t.TempDir()
	return &RotateOptions{
		IO: ios, Exporter: &cmdutil.Exporter{}, Provider: func() (provider.SIPAccounts, error) { return p, nil },
		StateDir: func() string { return dir }, AllSubaccounts: true, OutputDir: outDir, OutputFormat: "csv",
		Concurrency: 4, AuditLog: filepath.Join(dir, "audit.log"),
	}
}

func TestAllSubaccountsFlags(t *testing.T) {
	for _, tc := range []struct{ args, wantErr string }{
		{"--all-subaccounts --output-dir out -y", ""},
		{"--all-subaccounts --dry-run", ""},
		{"--all-subaccounts --output-dir out --output-format json --json=subaccount,rotated,handover", ""},
		{"--all-subaccounts -y", "needs --output-dir"},
		{"--all-subaccounts --output h.csv -y", "use --output-dir DIR instead of --output"},
		{"--all-subaccounts --output-dir out --show-passwords", "not the terminal"},
		{"--all-subaccounts --output-dir out --verify", "--verify is not supported"},
		{"--all-subaccounts --output-dir out --output-format xml", "--output-format must be csv or json"},
		{"--all-subaccounts --output-dir out --json=subaccount,password", `unknown field "password"`},
		{"--all-subaccounts --all --output-dir out", "use only one of"},
		{"--all-subaccounts --domain office --output-dir out", "use only one of"},
		{"--domain office --output-dir out", "--output-dir goes with --all-subaccounts"},
		{"--domain office --output h.csv --output-format json", "--output-format goes with --output-dir"},
		{"--resume --all-subaccounts", "--resume takes no accounts"},
	} {
		t.Run(tc.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			ran := false
			cmd := NewCmdRotate(&cmdutil.Factory{IOStreams: ios}, func(o *RotateOptions) error { ran = true; return nil })
			cmd.SetArgs(strings.Fields(tc.args))
			cmd.SetOut(&strings.Builder{})
			cmd.SetErr(&strings.Builder{})
			err := cmd.Execute()
			if tc.wantErr == "" {
				if err != nil || !ran {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var fe *cmdutil.FlagError
			if err == nil || !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.wantErr) || ran {
				t.Fatalf("err = %v, want a usage error with %q", err, tc.wantErr)
			}
		})
	}
	// --subaccount picks one customer; --all-subaccounts is every one.
	ios, _, _, _ := iostreams.Test()
	cmd := NewCmdRotate(&cmdutil.Factory{IOStreams: ios, Globals: &cmdutil.Globals{Subaccount: "Acme"}}, func(*RotateOptions) error { return nil })
	cmd.SetArgs([]string{"--all-subaccounts", "--output-dir", "out", "-y"})
	cmd.SetOut(&strings.Builder{})
	cmd.SetErr(&strings.Builder{})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "drop --subaccount") {
		t.Fatalf("with --subaccount: %v", err)
	}
}

// onlyAccounts is a provider with SIP accounts and nothing else: no
// subaccounts to go through.
type onlyAccounts struct{ provider.SIPAccounts }

func TestAllSubaccountsNeedsTheCapability(t *testing.T) {
	p, rt := resellerFixture(t, 1, 1)
	ios, _, _, _ := iostreams.Test()
	out := filepath.Join(t.TempDir(), "out")
	err := rotateRun(context.Background(), acrossOptions(t, onlyAccounts{p}, ios, out))
	var mc *provider.MissingCapabilityError
	if !errors.As(err, &mc) || mc.What != provider.WhatSubaccounts || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want a one-line missing capability error", err)
	}
	if n := rt.all.Load(); n != 0 {
		t.Fatalf("%d requests before the refusal", n)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("--output-dir was created: %v", err)
	}
}

// An --output-dir that cannot hold the files is refused before any request.
func TestAllSubaccountsOutputDirCheckedFirst(t *testing.T) {
	p, rt := resellerFixture(t, 1, 1)
	file := filepath.Join(t.TempDir(), "taken")
	os.WriteFile(file, []byte("x"), 0o600)
	ios, _, _, _ := iostreams.Test()
	opts := acrossOptions(t, p, ios, file)
	opts.Yes = true
	if err := rotateRun(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "--output-dir") {
		t.Fatalf("err = %v", err)
	}
	if n := rt.all.Load(); n != 0 {
		t.Fatalf("%d requests before the refusal", n)
	}
}

// Without --yes and no terminal to ask on, nothing changes.
func TestAllSubaccountsNeedsConfirmation(t *testing.T) {
	p, rt := resellerFixture(t, 2, 3)
	ios, _, _, _ := iostreams.Test()
	err := rotateRun(context.Background(), acrossOptions(t, p, ios, filepath.Join(t.TempDir(), "out")))
	var fe *cmdutil.FlagError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "pass --yes") {
		t.Fatalf("err = %v", err)
	}
	if n := rt.writes.Load(); n != 0 {
		t.Fatalf("%d write requests without confirmation", n)
	}
}

// On a terminal: the prompt names the reach of the change, the progress
// names each customer as it finishes, and the summary is a table per
// customer; in a pipe, no progress and tab-separated rows.
func TestAllSubaccountsTerminalAndPipe(t *testing.T) {
	p, _ := resellerFixture(t, 3, 4)
	ios, stdin, stdout, stderr := iostreams.Test()
	ios.SetStdinTTY(true)
	ios.SetStdoutTTY(true)
	ios.SetStderrTTY(true)
	stdin.WriteString("y\n")
	out := filepath.Join(t.TempDir(), "out")
	if err := rotateRun(context.Background(), acrossOptions(t, p, ios, out)); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	text := stderr.String()
	if !strings.Contains(text, "Rotate the passwords of 12 accounts in 3 subaccounts? Every registered device of every customer") {
		t.Fatalf("prompt:\n%s", text)
	}
	for i := 1; i <= 3; i++ {
		if !strings.Contains(text, fmt.Sprintf("  Customer %02d: 4 rotated, 0 failed\n", i)) {
			t.Fatalf("no progress line for customer %d:\n%q", i, text)
		}
	}
	if !strings.Contains(text, "Rotated 12, failed 0, not attempted 0 (of 12).") || !strings.Contains(stdout.String(), "SUBACCOUNT") {
		t.Fatalf("stderr:\n%s\nstdout:\n%s", text, stdout)
	}
	files, _ := filepath.Glob(filepath.Join(out, "customer-0?-AC*.csv"))
	if len(files) != 3 {
		t.Fatalf("handover files %v", files)
	}
	for _, f := range files {
		if rs, err := rotate.ReadHandover(f); err != nil || len(rs) != 4 {
			t.Fatalf("%s: %d records, %v", f, len(rs), err)
		}
	}

	ios, _, stdout, stderr = iostreams.Test()
	opts := acrossOptions(t, p, ios, out)
	opts.Yes = true
	if err := rotateRun(context.Background(), opts); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if strings.Contains(stderr.String(), "Rotating passwords") || strings.Contains(stderr.String(), "\r") {
		t.Fatalf("progress in a pipe:\n%q", stderr.String())
	}
	rows := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(rows) != 3 || !strings.HasPrefix(rows[0], "Customer 01\tAC") || !strings.Contains(rows[0], "\trotated\t4\t0\t0\t") {
		t.Fatalf("pipe output:\n%s", stdout)
	}
	// The second run merged into the same files: still one row per account.
	for _, f := range files {
		if rs, _ := rotate.ReadHandover(f); len(rs) != 4 {
			t.Fatalf("%s: %d records after a second run", f, len(rs))
		}
	}
}

func TestHandoverName(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"Acme Dental", "acme-dental-AC1.csv"},
		{"  ../../etc/passwd ", "etc-passwd-AC1.csv"},
		{"Ünïcode ☎", "n-code-AC1.csv"},
		{"", "AC1.csv"},
		{"☎☎", "AC1.csv"},
	} {
		if got := handoverName(rotate.Customer{SID: "AC1", Name: tc.name}, "csv"); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// Ctrl-C (the context ending) mid-run: the customers' files get what was
// done, the journal keeps the rest, the error names the --resume command,
// and that command completes every customer's file.
func TestAllSubaccountsInterruptedThenResumed(t *testing.T) {
	p, rt := resellerFixture(t, 4, 10)
	ios, _, _, stderr := iostreams.Test()
	out := filepath.Join(t.TempDir(), "out")
	opts := acrossOptions(t, p, ios, out)
	opts.Yes, opts.Concurrency = true, 2
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := func(n int64) {
		if n == 15 {
			cancel()
		}
	}
	rt.onWrite.Store(&stop)
	err := rotateRun(ctx, opts)
	rt.onWrite.Store(nil)
	var ee *cmdutil.ExitError
	var he *cmdutil.HintError
	if !errors.As(err, &ee) || ee.Code != cmdutil.ExitPartial || !errors.As(err, &he) {
		t.Fatalf("err = %#v\n%s", err, stderr)
	}
	_, runID, ok := strings.Cut(he.Hint, "sipctl password rotate --resume ")
	if !ok {
		t.Fatalf("no resume command in %q", he.Hint)
	}
	runID = strings.Fields(strings.Trim(runID, "`"))[0]
	written := 0
	files, _ := filepath.Glob(filepath.Join(out, "*.csv"))
	for _, f := range files {
		rs, err := rotate.ReadHandover(f)
		if err != nil {
			t.Fatal(err)
		}
		written += len(rs)
	}
	if written == 0 || written >= 40 {
		t.Fatalf("%d passwords handed over at the interrupt; want some, not all", written)
	}

	ios, _, _, stderr = iostreams.Test()
	resume := acrossOptions(t, p, ios, "")
	resume.StateDir = opts.StateDir
	resume.AllSubaccounts, resume.OutputFormat = false, ""
	resume.Resume, resume.ResumeRun = true, runID
	if err := rotateRun(context.Background(), resume); err != nil {
		t.Fatalf("resume: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr.String(), "Rotated 40, failed 0, not attempted 0 (of 40).") {
		t.Fatalf("resume:\n%s", stderr)
	}
	files, _ = filepath.Glob(filepath.Join(out, "*.csv"))
	if len(files) != 4 {
		t.Fatalf("files after resume: %v", files)
	}
	for _, f := range files {
		if rs, _ := rotate.ReadHandover(f); len(rs) != 10 {
			t.Fatalf("%s: %d records after resume", f, len(rs))
		}
	}
}

// A customer's handover file that cannot be written at the end (here a
// directory appeared in its place mid-run) loses nothing: the other
// customers' files are written, the journal keeps every password, the error
// names the --resume command, and once the cause is gone it writes the
// missing file.
func TestAllSubaccountsHandoverFailureKeepsJournal(t *testing.T) {
	p, rt := resellerFixture(t, 3, 5)
	var second rotate.Customer
	i := 0
	for a, err := range p.ListSubaccounts(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			second = rotate.Customer{SID: a.SID, Name: a.FriendlyName}
		}
		i++
	}
	ios, _, _, stderr := iostreams.Test()
	out := filepath.Join(t.TempDir(), "out")
	blocked := filepath.Join(out, handoverName(second, "csv"))
	opts := acrossOptions(t, p, ios, out)
	opts.Yes = true
	block := func(n int64) {
		if n == 1 {
			os.Mkdir(blocked, 0o700)
		}
	}
	rt.onWrite.Store(&block)
	err := rotateRun(context.Background(), opts)
	rt.onWrite.Store(nil)
	var he *cmdutil.HintError
	if !errors.As(err, &he) || !strings.Contains(err.Error(), "not every handover file was written") || !strings.Contains(he.Hint, "password rotate --resume ") {
		t.Fatalf("err = %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr.String(), "The journal ") {
		t.Fatalf("the journal was not kept:\n%s", stderr)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.csv"))
	var regular int
	for _, f := range files {
		if st, _ := os.Stat(f); st.Mode().IsRegular() {
			regular++
		}
	}
	if regular != 2 {
		t.Fatalf("%d customers' files written, want the 2 others: %v", regular, files)
	}

	os.Remove(blocked)
	_, cmdline, _ := strings.Cut(he.Hint, "sipctl password rotate --resume ")
	runID := strings.Fields(strings.Trim(cmdline, "`"))[0]
	ios, _, _, stderr = iostreams.Test()
	resume := acrossOptions(t, p, ios, "")
	resume.StateDir = opts.StateDir
	resume.AllSubaccounts, resume.OutputFormat = false, ""
	resume.Resume, resume.ResumeRun = true, runID
	before := rt.writes.Load()
	if err := rotateRun(context.Background(), resume); err != nil {
		t.Fatalf("resume: %v\n%s", err, stderr)
	}
	if n := rt.writes.Load() - before; n != 0 {
		t.Fatalf("the resume sent %d writes; every password was already set", n)
	}
	if rs, err := rotate.ReadHandover(blocked); err != nil || len(rs) != 5 {
		t.Fatalf("%s after resume: %d records, %v", blocked, len(rs), err)
	}
}
