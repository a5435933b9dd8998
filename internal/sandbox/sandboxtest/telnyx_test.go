package sandboxtest

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/sipctl/sipctl/internal/testenv"
)

func TestTelnyxSubsetKeepsUsedPathsAndTheirComponents(t *testing.T) {
	p := TelnyxSubset(t, testenv.TelnyxSpec(t))
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths      map[string]any            `json:"paths"`
		Components map[string]map[string]any `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"/credential_connections", "/credential_connections/{id}", "/credential_connections/{id}/actions/check_registration_status",
		"/outbound_voice_profiles", "/outbound_voice_profiles/{id}", "/managed_accounts", "/managed_accounts/{id}/actions/disable",
		"/ip_connections", "/ip_connections/{id}", "/ips", "/ips/{id}"} {
		if doc.Paths[want] == nil {
			t.Errorf("path %s missing", want)
		}
	}
	if len(doc.Paths) > 16 {
		t.Errorf("%d paths kept", len(doc.Paths))
	}
	for _, want := range []string{"CredentialConnection", "ErrorResponse", "OutboundVoiceProfile", "ManagedAccount", "IpConnection", "Ip"} {
		if doc.Components["schemas"][want] == nil {
			t.Errorf("schema %s missing", want)
		}
	}
}
