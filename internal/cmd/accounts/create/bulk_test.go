package create

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/rotate"
)

func digest(user, realm, pw string) string {
	h := md5.Sum([]byte(user + ":" + realm + ":" + pw))
	return hex.EncodeToString(h[:])
}

// Arguments and a CSV together make every account in one run; the
// handover holds each password, and each is the one the registrar checks.
func TestBulkCreateFromArgumentsAndFile(t *testing.T) {
	fx := newFixture(t)
	fx.domain(t, true, false)
	name, on := "lab.sip.twilio.com", true
	if _, err := fx.p.CreateDomain(context.Background(), provider.DomainParams{DomainName: &name, SIPRegistration: &on}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "extensions.csv")
	os.WriteFile(csvPath, []byte("\ufeffusername,domain\n201,\n202,lab\n"), 0o600)
	fx.opts.Accounts = []string{"101", "102@office"}
	fx.opts.FromFile = csvPath
	fx.opts.Output = filepath.Join(dir, "handover.csv")
	fx.opts.Concurrency = 4
	if err := bulkCreate(context.Background(), fx.opts); err != nil {
		t.Fatalf("%v\n%s", err, fx.err)
	}
	if fx.out.Len() != 0 {
		t.Fatalf("stdout is not for passwords: %q", fx.out)
	}
	info, err := os.Stat(fx.opts.Output)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("handover: %v %v", info, err)
	}
	recs, err := rotate.ReadHandover(fx.opts.Output)
	if err != nil || len(recs) != 4 {
		t.Fatalf("handover: %d records, %v", len(recs), err)
	}
	want := map[string]string{"101": "office.sip.twilio.com", "102": "office.sip.twilio.com", "201": "office.sip.twilio.com", "202": "lab.sip.twilio.com"}
	for _, r := range recs {
		if want[r.Username] != r.Domain {
			t.Errorf("%s on %s, want %s", r.Username, r.Domain, want[r.Username])
		}
		got, err := fx.sb.LookupHA1(context.Background(), r.Domain, r.Username)
		if err != nil || got != digest(r.Username, r.Domain, r.Password) {
			t.Errorf("%s: the registrar's digest is not the handover's password (%v)", r.Username, err)
		}
	}
	if a := fx.auditLines(t); len(a) != 4 {
		t.Errorf("%d audit lines, want 4", len(a))
	}
}

// Every problem of the input is reported at once, with where it is, and
// nothing is sent.
func TestBulkCreateReportsEveryProblemBeforeAnyRequest(t *testing.T) {
	fx := newFixture(t)
	fx.domain(t, true, false)
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "in.csv")
	os.WriteFile(csvPath, []byte("username,domain\n301,\nbad<x>,\n101,office\n"), 0o600)
	fx.opts.Accounts = []string{"101", "a@b@c"}
	fx.opts.FromFile = csvPath
	fx.opts.Output = filepath.Join(dir, "h.csv")
	err := bulkCreate(context.Background(), fx.opts)
	var fe *cmdutil.FlagError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"argument 2 (a@b@c)", "in.csv:3", "'<' is not allowed", "in.csv:4: 101@office.sip.twilio.com is also argument 1", "nothing was created"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error does not say %q:\n%s", want, msg)
		}
	}
	if i, j := strings.Index(msg, "argument 2"), strings.Index(msg, "in.csv:3"); i > j {
		t.Errorf("problems out of input order:\n%s", msg)
	}
	if n := fx.rec.requests.Load(); n != 0 {
		t.Errorf("%d requests before the input was refused", n)
	}

	os.WriteFile(csvPath, []byte("user,domain,password\n301,,x\n"), 0o600)
	fx.opts.Accounts = nil
	err = bulkCreate(context.Background(), fx.opts)
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), `unknown column "user"`) || !strings.Contains(err.Error(), `unknown column "password"`) || !strings.Contains(err.Error(), "no username column") {
		t.Errorf("header: %v", err)
	}
	// A column named twice: which one holds the username is not a guess.
	os.WriteFile(csvPath, []byte("username,domain,Username\n301,,302\n"), 0o600)
	err = bulkCreate(context.Background(), fx.opts)
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), `in.csv:1: column "Username" is named twice (fields 1 and 3)`) {
		t.Errorf("a column named twice: %v", err)
	}
	if _, err := os.Stat(fx.opts.Output); !os.IsNotExist(err) {
		t.Errorf("a refused run wrote the handover: %v", err)
	}
	if n := fx.rec.requests.Load(); n != 0 {
		t.Errorf("%d requests before the input was refused", n)
	}
}

// Accounts that exist are named before any change: none of the others is
// created either.
func TestBulkCreateNamesExistingAccountsAndChangesNothing(t *testing.T) {
	fx := newFixture(t)
	fx.domain(t, true, false)
	ctx := context.Background()
	if _, err := fx.p.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "101", Domain: "office.sip.twilio.com", Password: "Existing-Pass-123x"}); err != nil {
		t.Fatal(err)
	}
	fx.rec.mu.Lock()
	clear(fx.rec.posts)
	fx.rec.mu.Unlock()
	fx.opts.Accounts = []string{"101", "102"}
	fx.opts.Output = filepath.Join(t.TempDir(), "h.json")
	err := bulkCreate(ctx, fx.opts)
	if err == nil || !strings.Contains(err.Error(), "1 of the 2 accounts already exist: 101@office.sip.twilio.com; nothing was created") {
		t.Fatalf("err = %v", err)
	}
	if len(fx.rec.posts) != 0 {
		t.Errorf("writes were sent: %v", fx.rec.posts)
	}
	if _, err := fx.p.GetSIPAccount(ctx, "102", "office.sip.twilio.com"); !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("102 was created: %v", err)
	}
	got, _ := fx.sb.LookupHA1(ctx, "office.sip.twilio.com", "101")
	if got != digest("101", "office.sip.twilio.com", "Existing-Pass-123x") {
		t.Error("the existing account's password changed")
	}
}

// One account with --output (which a hint may name) is created as several
// are: its password goes to the handover, not stdout.
func TestSingleCreateWithOutput(t *testing.T) {
	fx := newFixture(t)
	fx.domain(t, true, false)
	out := filepath.Join(t.TempDir(), "h.json")
	var got *CreateOptions
	cmd := NewCmdCreate(&cmdutil.Factory{IOStreams: fx.ios}, func(o *CreateOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"101", "--domain", "office", "--output", out})
	if err := cmd.Execute(); err != nil || got == nil || len(got.Accounts) != 1 || got.Account != "" {
		t.Fatalf("parsed %+v, %v", got, err)
	}
	fx.opts.Accounts = []string{"101"}
	fx.opts.Output = out
	if err := bulkCreate(context.Background(), fx.opts); err != nil {
		t.Fatalf("%v\n%s", err, fx.err)
	}
	recs, err := rotate.ReadHandover(out)
	if err != nil || len(recs) != 1 || recs[0].Username != "101" || fx.out.Len() != 0 {
		t.Fatalf("handover %v %v; stdout %q", recs, err, fx.out)
	}
	// --json=username, as the hint about --output leaves it, is not refused.
	cmd = NewCmdCreate(&cmdutil.Factory{IOStreams: fx.ios}, func(o *CreateOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"102", "--domain", "office", "--output", out, "--json=username"})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("--json=username --output: %v", err)
	}
}

// Flags that make sense for one account are refused with several, and the
// handover is required, before anything is read or sent.
func TestBulkCreateFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"a", "b"}, "give --output FILE"},
		{[]string{"a", "b", "--output", "h.txt"}, "ends in .csv or .json"},
		{[]string{"a", "b", "--output", "h.csv", "--password-stdin"}, "--password-stdin makes one account"},
		{[]string{"a", "b", "--output", "h.csv", "--json"}, "--json makes one account"},
		{[]string{"a", "b", "--output", "h.csv", "--concurrency", "0"}, "--concurrency must be 1 or more"},
		{[]string{"a", "--output", "h.txt"}, "ends in .csv or .json"},
		{[]string{"a", "--concurrency", "3"}, "--concurrency is for several accounts"},
		{[]string{}, "give a USERNAME"},
	} {
		fx := newFixture(t)
		f := &cmdutil.Factory{IOStreams: fx.ios}
		cmd := NewCmdCreate(f, func(*CreateOptions) error { t.Fatalf("%v: ran", tc.args); return nil })
		cmd.SetArgs(tc.args)
		cmd.SetOut(fx.out)
		cmd.SetErr(fx.err)
		err := cmd.Execute()
		var fe *cmdutil.FlagError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want a usage error saying %q", tc.args, err, tc.want)
		}
	}
}
