package cleanup

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/clock"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
)

// fake is an in-memory provider with the Expiry capability; deleting
// "broken" fails.
type fake struct {
	mu       sync.Mutex
	accounts map[string]provider.SIPAccount
	deleted  []string
}

func (f *fake) Name() string                                                      { return "fake" }
func (f *fake) CanonicalDomain(n string) (string, error)                          { return n, nil }
func (f *fake) ValidateUsername(string) error                                     { return nil }
func (f *fake) ExpiryConvention() string                                          { return "memory" }
func (f *fake) SetSIPPassword(context.Context, provider.SIPAccount, string) error { return nil }
func (f *fake) CreateSIPAccount(context.Context, provider.NewSIPAccount) (provider.SIPAccount, error) {
	return provider.SIPAccount{}, errors.New("not here")
}
func (f *fake) GetSIPAccount(_ context.Context, u, d string) (provider.SIPAccount, error) {
	return provider.SIPAccount{}, provider.ErrNotFound
}
func (f *fake) ListSIPAccounts(_ context.Context, q provider.AccountQuery) iter.Seq2[provider.SIPAccount, error] {
	f.mu.Lock()
	var as []provider.SIPAccount
	for _, a := range f.accounts {
		if q.Domain == "" || a.Domain == q.Domain {
			as = append(as, a)
		}
	}
	f.mu.Unlock()
	return func(yield func(provider.SIPAccount, error) bool) {
		for _, a := range as {
			if !yield(a, nil) {
				return
			}
		}
	}
}
func (f *fake) DeleteSIPAccount(_ context.Context, a provider.SIPAccount) error {
	if a.Username == "broken" {
		return errors.New("the provider refused")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.accounts[a.Ref]; !ok {
		return provider.ErrNotFound
	}
	delete(f.accounts, a.Ref)
	f.deleted = append(f.deleted, a.Username)
	return nil
}

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func newFake(users map[string]time.Duration) *fake {
	f := &fake{accounts: map[string]provider.SIPAccount{}}
	i := 0
	for u, d := range users {
		i++
		a := provider.SIPAccount{Ref: fmt.Sprint(i), Username: u, Domain: "ci.example.test"}
		if d != 0 {
			a.ExpiresAt = now.Add(d)
		}
		f.accounts[a.Ref] = a
	}
	return f
}

func options(t *testing.T, p provider.SIPAccounts) (*CleanupOptions, *iostreams.IOStreams) {
	t.Setenv(clock.EnvNow, now.Format(time.RFC3339))
	ios, _, _, _ := iostreams.Test()
	return &CleanupOptions{IO: ios, Provider: func() (provider.SIPAccounts, error) { return p, nil },
		Profile: func() (*config.Profile, error) {
			return &config.Profile{Name: "ci", DefaultDomain: "ci.example.test"}, nil
		},
		Exporter: &cmdutil.Exporter{}, AuditLog: filepath.Join(t.TempDir(), "audit.log"), Expired: true}, ios
}

// TestConfirmOnATerminal: on a terminal the prompt names the accounts; no
// deletes nothing, yes deletes exactly the expired ones, at or before now.
func TestConfirmOnATerminal(t *testing.T) {
	f := newFake(map[string]time.Duration{"old": -time.Hour, "now": 0 * time.Second, "edge": 0, "later": time.Minute, "keep": 0})
	// "now" expires exactly at the clock: expired.
	a := f.accounts
	for ref, acc := range a {
		if acc.Username == "now" {
			acc.ExpiresAt = now
			a[ref] = acc
		}
	}
	opts, ios := options(t, f)
	ios.SetStdinTTY(true)
	ios.SetStdoutTTY(true)
	ios.SetStderrTTY(true)
	in := ios.In.(interface{ WriteString(string) (int, error) })
	in.WriteString("n\n")
	err := cleanupRun(context.Background(), opts)
	if !errors.Is(err, cmdutil.ErrCancel) || len(f.deleted) != 0 {
		t.Fatalf("answered no: %v, deleted %v", err, f.deleted)
	}
	errOut := ios.ErrOut.(fmt.Stringer).String()
	if !strings.Contains(errOut, "Delete 2 expired SIP accounts on ci.example.test (now, old)?") {
		t.Fatalf("prompt: %q", errOut)
	}
	in.WriteString("y\n")
	if err := cleanupRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if strings.Join(f.deleted, ",") != "now,old" && strings.Join(f.deleted, ",") != "old,now" {
		t.Fatalf("deleted %v, want now and old", f.deleted)
	}
	out := ios.Out.(fmt.Stringer).String()
	if !strings.Contains(out, "Deleted 2 of 2 expired SIP accounts on ci.example.test") || !strings.Contains(out, "RESULT") {
		t.Fatalf("output:\n%s", out)
	}
	b, _ := os.ReadFile(opts.AuditLog)
	if n := strings.Count(string(b), `"action":"delete"`); n != 2 {
		t.Fatalf("%d audit entries:\n%s", n, b)
	}
}

// TestPartialFailure: one deletion failing leaves the others done, says
// which in the error column, and exits 3 (PartialError).
func TestPartialFailure(t *testing.T) {
	f := newFake(map[string]time.Duration{"broken": -time.Hour, "old": -time.Hour, "keep": 0})
	opts, ios := options(t, f)
	opts.Yes = true
	err := cleanupRun(context.Background(), opts)
	var pe *cmdutil.PartialError
	if !errors.As(err, &pe) || pe.Failed != 1 || pe.Total != 2 {
		t.Fatalf("err %v", err)
	}
	out := ios.Out.(fmt.Stringer).String()
	if !strings.Contains(out, "broken\tci.example.test\t2026-06-01T11:00:00Z\tfailed\tthe provider refused") ||
		!strings.Contains(out, "old\tci.example.test\t2026-06-01T11:00:00Z\tdeleted\t") {
		t.Fatalf("output:\n%s", out)
	}
	if len(f.deleted) != 1 || f.deleted[0] != "old" {
		t.Fatalf("deleted %v", f.deleted)
	}
}

// noExpiry is a provider without the capability.
type noExpiry struct{ provider.SIPAccounts }

func TestMissingCapability(t *testing.T) {
	opts, _ := options(t, nil)
	opts.Yes = true
	opts.Provider = func() (provider.SIPAccounts, error) { return noExpiry{newFake(nil)}, nil }
	var mc *provider.MissingCapabilityError
	if err := cleanupRun(context.Background(), opts); !errors.As(err, &mc) || mc.What != provider.WhatExpiry {
		t.Fatalf("err %v", err)
	}
}
