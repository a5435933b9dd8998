package render

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/rotate"
)

func setup(t *testing.T, inventory string) (*RenderOptions, string, *iostreamsBufs) {
	t.Helper()
	dir := t.TempDir()
	ho := filepath.Join(dir, "handover.csv")
	if err := rotate.WriteHandover(ho, []rotate.Record{
		{SID: "CR1", Username: "alice", Domain: "office.test", Password: "SecretAlice123"},
		{SID: "CR2", Username: "bob", Domain: "office.test", Password: "SecretBob456"},
	}); err != nil {
		t.Fatal(err)
	}
	inv := filepath.Join(dir, "phones.csv")
	os.WriteFile(inv, []byte(inventory), 0o600)
	ios, _, out, errOut := iostreams.Test()
	opts := &RenderOptions{IO: ios, Devices: inv, Handover: ho, Dir: filepath.Join(dir, "prov"),
		Registrar: "127.0.0.1:5070", Transport: "udp",
		Profile:  func() (*config.Profile, error) { return &config.Profile{Provider: "sandbox"}, nil },
		Provider: func() (provider.SIPAccounts, error) { return nil, errors.New("no provider needed") }}
	return opts, dir, &iostreamsBufs{out: out, err: errOut}
}

type iostreamsBufs struct{ out, err interface{ String() string } }

func TestRenderWritesFilesAndPrintsNoPassword(t *testing.T) {
	opts, _, bufs := setup(t, "mac,vendor,model,account,line\n00:15:65:12:34:AB,yealink,T54W,bob,2\n0015.6512.34ab,yealink,T54W,alice@office.test,1\n")
	if err := renderRun(nil, opts); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(opts.Dir, "0015651234ab.cfg"))
	if err != nil || !strings.Contains(string(data), "account.1.user_name = alice") || !strings.Contains(string(data), "account.2.password = SecretBob456") {
		t.Fatalf("%s %v", data, err)
	}
	all := bufs.out.String() + bufs.err.String()
	if strings.Contains(all, "Secret") {
		t.Errorf("printed a password: %s", all)
	}
	if bufs.out.String() != "0015651234ab\n" {
		t.Errorf("stdout %q", bufs.out.String())
	}
}

func TestRenderBadInputWritesNothing(t *testing.T) {
	opts, _, bufs := setup(t, "mac,vendor,model,account\n"+
		"00:15:65:12:34:AB,yealink,T54W,alice\n"+
		"00:15:65:12:34:AC,yealink,T54W,ghost@office.test\n"+
		"00:15:65:12:34,yealink,T54W,bob\n")
	err := renderRun(nil, opts)
	var exit *cmdutil.ExitError
	if !errors.As(err, &exit) || exit.Code != cmdutil.ExitUsage {
		t.Fatalf("err = %v", err)
	}
	for _, w := range []string{"phones.csv:4:1: MAC", "phones.csv:3:32: device 00:15:65:12:34:ac line 1: account ghost@office.test is not in the handover"} {
		if !strings.Contains(bufs.err.String(), w) {
			t.Errorf("stderr lacks %q: %s", w, bufs.err.String())
		}
	}
	if _, err := os.Stat(opts.Dir); !os.IsNotExist(err) {
		t.Errorf("the directory was made: %v", err)
	}
	// Once the CSV itself is right, the account the handover lacks.
	opts2, _, bufs2 := setup(t, "mac,vendor,model,account\n00:15:65:12:34:AC,yealink,T54W,ghost@office.test\n")
	if err := renderRun(nil, opts2); !errors.As(err, &exit) || exit.Code != cmdutil.ExitUsage {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(bufs2.err.String(), "phones.csv:2:32: device 00:15:65:12:34:ac line 1: account ghost@office.test is not in the handover") {
		t.Errorf("stderr: %s", bufs2.err.String())
	}
}
