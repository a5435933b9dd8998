package delete

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	tt "github.com/sipctl/sipctl/internal/twilio/twiliotest"
)

var (
	domainSID = tt.SID("SD", 1)
	staff     = tt.SID("CL", 1)
	alice     = tt.SID("CR", 1)
)

func setup(t *testing.T) (*tt.Server, *DeleteOptions, *iostreams.IOStreams) {
	srv := tt.New(t)
	ios, _, _, _ := iostreams.Test()
	// A new client per run, as each run is a new process.
	opts := &DeleteOptions{IO: ios, Provider: func() (provider.SIPAccounts, error) { return srv.Client(), nil },
		Profile:  func() (*config.Profile, error) { return &config.Profile{Name: "work"}, nil },
		AuditLog: filepath.Join(t.TempDir(), "audit.log"), Account: "alice", Domain: "office"}
	return srv, opts, ios
}

func expectAlice(srv *tt.Server) {
	srv.Expect("GET", "SIP/Domains.json", nil, 0, tt.Page("domains", "", tt.Domain(domainSID, "office.sip.twilio.com", nil)))
	srv.Expect("GET", "SIP/Domains/"+domainSID+"/Auth/Registrations/CredentialListMappings.json", nil, 0, tt.Page("contents", "", tt.Mapping(staff, "staff")))
	srv.Expect("GET", "SIP/Domains/"+domainSID+"/Auth/Calls/CredentialListMappings.json", nil, 0, tt.Page("contents", ""))
	srv.Expect("GET", "SIP/CredentialLists/"+staff+"/Credentials.json", nil, 0, tt.Page("credentials", "", tt.Credential(alice, staff, "alice")))
}

func auditLines(t *testing.T, path string) []map[string]any {
	b, _ := os.ReadFile(path)
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

func TestDeleteWithYesDeletesAndAudits(t *testing.T) {
	srv, opts, _ := setup(t)
	expectAlice(srv)
	srv.Expect("DELETE", "SIP/CredentialLists/"+staff+"/Credentials/"+alice+".json", nil, 204, "")
	opts.Yes = true
	if err := deleteRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	a := auditLines(t, opts.AuditLog)
	if len(a) != 1 || a[0]["action"] != "delete" || a[0]["outcome"] != "ok" || a[0]["sid"] != alice || a[0]["username"] != "alice" || a[0]["profile"] != "work" {
		t.Errorf("audit = %v", a)
	}
}

func TestDeleteConfirmsOnATerminal(t *testing.T) {
	srv, opts, ios := setup(t)
	ios.SetStdinTTY(true)
	ios.SetStdoutTTY(true)
	in := ios.In.(interface{ WriteString(string) (int, error) })
	in.WriteString("n\n")
	expectAlice(srv)
	if err := deleteRun(context.Background(), opts); !errors.Is(err, cmdutil.ErrCancel) {
		t.Fatalf("answer n: %v", err)
	}
	expectAlice(srv)
	srv.Expect("DELETE", "SIP/CredentialLists/"+staff+"/Credentials/"+alice+".json", nil, 204, "")
	in.WriteString("y\n")
	if err := deleteRun(context.Background(), opts); err != nil {
		t.Fatalf("answer y: %v", err)
	}
}

func TestDeleteWithoutTerminalNeedsYes(t *testing.T) {
	srv, opts, _ := setup(t)
	expectAlice(srv)
	err := deleteRun(context.Background(), opts)
	var fe *cmdutil.FlagError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "--yes") {
		t.Errorf("err = %v", err)
	}
}

func TestDeleteFailureIsAudited(t *testing.T) {
	srv, opts, _ := setup(t)
	expectAlice(srv)
	srv.Expect("DELETE", "SIP/CredentialLists/"+staff+"/Credentials/"+alice+".json", nil, 404, tt.Error(404, 20404, "The requested resource was not found"))
	opts.Yes = true
	err := deleteRun(context.Background(), opts)
	if !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
	if a := auditLines(t, opts.AuditLog); len(a) != 1 || a[0]["outcome"] != "failed" || !strings.Contains(a[0]["error"].(string), "20404") {
		t.Errorf("audit = %v", a)
	}
}
