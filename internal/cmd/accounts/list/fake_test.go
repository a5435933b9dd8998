package list

import (
	"context"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/provider/providerfake"
)

// TestListWithStatusOnAnyProvider: the point is the STATUS column a
// provider with registration status gets, not a wire format, so the
// provider-neutral fake serves it.
func TestListWithStatusOnAnyProvider(t *testing.T) {
	ctx := context.Background()
	f := providerfake.New("pbx.example.test")
	for _, u := range []string{"desk02", "desk01"} {
		if _, err := f.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: u, Domain: "pbx.example.test", Password: "Pw-" + u}); err != nil {
			t.Fatal(err)
		}
	}
	f.SetRegistered("desk02", "pbx.example.test", "sip:desk02@192.0.2.2")
	ios, _, out, _ := iostreams.Test()
	opts := &ListOptions{IO: ios, Provider: func() (provider.SIPAccounts, error) { return f, nil },
		Exporter: &cmdutil.Exporter{}, Domain: "pbx.example.test"}
	if err := listRun(ctx, opts); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "desk01\t") || !strings.HasPrefix(lines[1], "desk02\t") {
		t.Fatalf("rows %q, want desk01 then desk02", lines)
	}
	if strings.Split(lines[0], "\t")[1] != "not registered" || strings.Split(lines[1], "\t")[1] != "registered" {
		t.Errorf("status columns: %q", lines)
	}
	if f.Calls("RegistrationStatus") != 1 {
		t.Errorf("%d status lookups for 2 accounts, want 1 batch", f.Calls("RegistrationStatus"))
	}
}
