package status

import (
	"encoding/json"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/sandbox"
)

// run parses args as the command does, then runs it on dir.
func run(t *testing.T, dir string, args ...string) string {
	t.Helper()
	ios, _, stdout, _ := iostreams.Test()
	var opts *StatusOptions
	cmd := NewCmdStatus(&cmdutil.Factory{IOStreams: ios}, func(o *StatusOptions) error { opts = o; return nil })
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	opts.StateDir = func() (string, error) { return dir, nil }
	if err := statusRun(opts); err != nil {
		t.Fatal(err)
	}
	return stdout.String()
}

func TestStatusNotServing(t *testing.T) {
	dir := t.TempDir()
	out := run(t, dir)
	if !strings.Contains(out, "Serving\tno") || !strings.Contains(out, "Database\t"+dir) {
		t.Fatalf("output:\n%s", out)
	}
	sb, _ := sandbox.Open(dir)
	_, tok := sb.Account()
	sb.Close()
	if strings.Contains(out, tok) {
		t.Fatal("the human output shows the auth token; only --json should")
	}
	var st map[string]any
	if err := json.Unmarshal([]byte(run(t, dir, "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if st["serving"] != false || st["http_addr"] != nil || st["auth_token"] != tok {
		t.Fatalf("json = %v", st)
	}
}

func TestStatusServing(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	rec := sandbox.ServeRecord{PID: os.Getpid(), HTTPAddr: ln.Addr().String(), SIPAddr: "127.0.0.1:5099", Started: time.Now()}
	if err := sandbox.WriteServeRecord(dir, rec); err != nil {
		t.Fatal(err)
	}
	var st Status
	if err := json.Unmarshal([]byte(run(t, dir, "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if !st.Serving || *st.HTTPAddr != rec.HTTPAddr || *st.APIURL != "http://"+rec.HTTPAddr || *st.SIPAddr != "127.0.0.1:5099" ||
		!strings.HasPrefix(st.AccountSID, "AC") || len(st.AuthToken) != 32 {
		t.Fatalf("status = %+v", st)
	}
	if got := run(t, dir, "--jq", ".api_url"); strings.TrimSpace(got) != "http://"+rec.HTTPAddr {
		t.Fatalf("--jq .api_url = %q", got)
	}
	// A record whose server is gone is not reported as serving.
	ln.Close()
	if err := json.Unmarshal([]byte(run(t, dir, "--json")), &st); err != nil || st.Serving {
		t.Fatalf("after the server stopped: %+v, %v", st, err)
	}
}
