package sipctlcmd

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmd/root"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/factory"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/testenv"
	"github.com/sipctl/sipctl/internal/twilio"
)

// coreOnly is the sandbox seen through the neutral core alone: embedding
// the interface hides every capability, as a provider with accounts only
// (no domains, lists, ACLs, …) would be.
type coreOnly struct{ provider.SIPAccounts }

func (coreOnly) Name() string { return "coreonly" }
func (coreOnly) Lacks(what string) string {
	if what == provider.WhatCredentialLists {
		return "accounts belong to a domain"
	}
	return ""
}

func init() {
	factory.Register(factory.Info{Name: "coreonly", Description: "test: the sandbox's accounts, no capabilities",
		New: func(env *factory.Env, prof *config.Profile) (provider.SIPAccounts, error) {
			dir, err := config.EnsureStateDir()
			if err != nil {
				return nil, err
			}
			sb, err := sandbox.Open(dir)
			if err != nil {
				return nil, err
			}
			env.OnClose(sb)
			sid, tok := sb.Account()
			c, err := twilio.New(twilio.Options{BaseURL: "http://localhost", AccountSID: sid, Secret: tok,
				HTTPClient: &http.Client{Transport: sb.RoundTripper()}, ProviderName: "coreonly"})
			if err != nil {
				return nil, err
			}
			return coreOnly{c}, nil
		}})
}

// run executes sipctl in-process, as Main does, and returns its output and
// exit code.
func runInProcess(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := factory.New(ios)
	defer factory.Close(f)
	cmd := root.NewCmdRoot(f)
	cmd.SetArgs(cmdutil.JSONArgs(cmd, args))
	cmd.SetOut(errOut)
	cmd.SetErr(errOut)
	sub, err := cmd.ExecuteContextC(context.Background())
	if err != nil {
		code = PrintError(errOut, sub, err)
	}
	return out.String(), errOut.String(), code
}

func TestProviderOnlyCommandsRefuseAProviderWithoutTheCapability(t *testing.T) {
	env := testenv.NewEnv(t)
	env.Apply(t)
	cfgDir := filepath.Join(env.ConfigHome, "sipctl")
	if err := os.MkdirAll(cfgDir, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := "current_profile: core\nprofiles:\n  core:\n    provider: coreonly\n  frob:\n    provider: frobnicator\n"
	if err := os.WriteFile(filepath.Join(cfgDir, "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	// An account made on the sandbox, which the core-only view lists.
	if _, _, code := runInProcess(t, "--profile", "sandbox", "domains", "create", "office", "--sip-registration"); code != 0 {
		t.Fatal("domains create on the sandbox failed")
	}
	dir, _ := config.EnsureStateDir()
	sb, err := sandbox.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	sid, tok := sb.Account()
	c, _ := twilio.New(twilio.Options{BaseURL: "http://localhost", AccountSID: sid, Secret: tok, HTTPClient: &http.Client{Transport: sb.RoundTripper()}})
	if _, err := c.CreateSIPAccount(context.Background(), provider.NewSIPAccount{Username: "alice", Domain: "office", Password: "Aa1-" + strings.Repeat("x", 20)}); err != nil {
		t.Fatal(err)
	}
	sb.Close()

	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"credlists", "list"}, "coreonly has no credential lists: accounts belong to a domain"},
		{[]string{"credlists", "credentials", "list", "staff"}, "coreonly has no credential lists"},
		{[]string{"ipacls", "list"}, "coreonly has no IP access control lists"},
		{[]string{"callerid", "list"}, "coreonly has no caller IDs"},
		{[]string{"subaccounts", "list"}, "coreonly has no subaccounts"},
		{[]string{"domains", "list"}, "coreonly has no domains"},
		{[]string{"domains", "update", "office", "--sip-registration"}, "coreonly has no domain settings"},
		{[]string{"domains", "check", "office"}, "coreonly has no credential lists"},
		{[]string{"attach", "credlist", "staff", "--domain", "office"}, "coreonly has no credential lists"},
		{[]string{"detach", "ipacl", "office-acl", "--domain", "office"}, "coreonly has no domain attachments"},
		{[]string{"accounts", "show", "alice@office", "--list", "staff"}, "coreonly has no credential lists"},
		{[]string{"--subaccount", "Acme", "accounts", "list", "--domain", "office"}, "coreonly has no subaccounts"},
	} {
		out, errOut, code := runInProcess(t, tc.args...)
		if code != 2 || out != "" || !strings.Contains(errOut, "error: ") || !strings.Contains(errOut, tc.msg) {
			t.Errorf("sipctl %s: exit %d, stdout %q, stderr %q; want exit 2 and %q", strings.Join(tc.args, " "), code, out, errOut, tc.msg)
		}
	}

	// The neutral commands work on the core alone.
	out, errOut, code := runInProcess(t, "accounts", "list", "--domain", "office")
	if code != 0 || !strings.HasPrefix(out, "alice\t") {
		t.Errorf("accounts list on the core: exit %d, %q %q", code, out, errOut)
	}
	out, errOut, code = runInProcess(t, "accounts", "show", "alice@office", "--json=username,ref,sip_uri")
	if code != 0 || !strings.Contains(out, `"sip_uri": "sip:alice@office.sip.twilio.com"`) {
		t.Errorf("accounts show on the core: exit %d, %s %s", code, out, errOut)
	}

	// A profile naming a provider nobody registered: one line naming them all.
	_, errOut, code = runInProcess(t, "--profile", "frob", "accounts", "list", "--domain", "office")
	if code != 1 || !strings.Contains(errOut, `profile "frob" has unknown provider "frobnicator"; registered providers: `+strings.Join(factory.Registered(), ", ")) ||
		!strings.Contains(errOut, "coreonly, ") ||
		strings.Count(strings.TrimSpace(errOut), "\n") > 1 {
		t.Errorf("unknown provider: exit %d, %q", code, errOut)
	}
}
