package domains_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/testenv"
)

// A Telnyx (or Kamailio) view shows that provider's own fields, not
// Twilio's: no voice URLs, no SID that is the domain's name, no Account SID.
func TestViewsShowTheProvidersOwnFields(t *testing.T) {
	base := testenv.NewEnv(t)
	serve := testenv.StartServe(t, base)
	out, _, code := base.Run(t, "", "sandbox", "status", "--json")
	var st struct {
		Key string `json:"telnyx_api_key"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil {
		t.Fatalf("sandbox status: %s", out)
	}
	tx := testenv.NewEnv(t).Set("TELNYX_API_KEY", st.Key).Set("SIPCTL_API_URL", serve.API+"/v2")
	twilioOnly := []string{"Voice URL", "Fallback URL", "Status callback", "Emergency calling", "Account SID", "SID\tsip.telnyx.com"}
	for _, args := range [][]string{{"domains", "show", "sip.telnyx.com"}, {"domains", "list"}, {"profile", "show"}} {
		out, errOut, code := tx.Run(t, "", args...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, errOut)
		}
		for _, w := range twilioOnly {
			if strings.Contains(out, w) {
				t.Errorf("%v on Telnyx shows Twilio's %q:\n%s", args, w, out)
			}
		}
		if args[1] == "list" && strings.Contains(out, "false") {
			t.Errorf("domains list on Telnyx shows Twilio's settings columns:\n%s", out)
		}
	}
	kam := testenv.NewEnv(t).Set("SIPCTL_PROVIDER", "kamailio").Set("SIPCTL_DB_URL", "sqlite:///nowhere/kamailio.db")
	out, errOut, code := kam.Run(t, "", "profile", "show")
	if code != 0 || strings.Contains(out, "Account SID") || strings.Contains(out, "API key SID") || !strings.Contains(out, "Database URL\tsqlite:///nowhere/kamailio.db") {
		t.Errorf("profile show on Kamailio: exit %d\n%s%s", code, out, errOut)
	}
	// The sandbox, Twilio's face, keeps Twilio's fields.
	out, _, _ = base.Run(t, "", "domains", "create", "office")
	if !strings.Contains(out, "Voice URL") || !strings.Contains(out, "SID\tSD") {
		t.Errorf("domains create on the sandbox lost Twilio's fields:\n%s", out)
	}
}
