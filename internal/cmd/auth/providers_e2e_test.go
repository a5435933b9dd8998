package auth_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/testenv"
)

// `auth status` and `auth token` work for every provider, through the built
// binary: a Telnyx key is a key (no account SID advice), a Kamailio SQLite
// profile needs no secret, the sandbox has none, and missing credentials
// exit 4. The Twilio and Telnyx faces of a sandbox serve stand in for the
// providers.
func TestAuthStatusAndTokenForEveryProvider(t *testing.T) {
	base := testenv.NewEnv(t)
	serve := testenv.StartServe(t, base)
	out, errOut, code := base.Run(t, "", "sandbox", "status", "--json")
	var st struct {
		SID       string `json:"account_sid"`
		Token     string `json:"auth_token"`
		TelnyxKey string `json:"telnyx_api_key"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || st.TelnyxKey == "" || st.Token == "" {
		t.Fatalf("sandbox status: exit %d\n%s%s", code, out, errOut)
	}
	sqlite := "sqlite://" + filepath.Join(t.TempDir(), "kamailio.db")

	for _, tc := range []struct {
		name        string
		vars        map[string]string
		profile     string // a profile written to the config file
		statusCode  int
		statusWants []string
		tokenCode   int
		tokenOut    string // the secret auth token prints
		tokenWant   string // in its error
	}{
		{name: "twilio", vars: map[string]string{"TWILIO_ACCOUNT_SID": st.SID, "TWILIO_AUTH_TOKEN": st.Token, "SIPCTL_API_URL": serve.API},
			statusWants: []string{"environment (TWILIO_* variables)", "working: reached " + st.SID}, tokenOut: st.Token},
		{name: "telnyx", vars: map[string]string{"TELNYX_API_KEY": st.TelnyxKey, "SIPCTL_API_URL": serve.API + "/v2"},
			statusWants: []string{"environment (TELNYX_API_KEY)", "working: reached the Telnyx API"}, tokenOut: st.TelnyxKey},
		{name: "telnyx refused", vars: map[string]string{"TELNYX_API_KEY": "KEYnotthisone", "SIPCTL_API_URL": serve.API + "/v2"},
			statusCode: 4, statusWants: []string{"failed: provider refused"}, tokenOut: "KEYnotthisone"},
		{name: "telnyx profile without a key", profile: "provider: telnyx", vars: map[string]string{"SIPCTL_KEYRING_TIMEOUT": "1s"},
			statusCode: 4, statusWants: []string{"Provider\ttelnyx"}, tokenCode: 4},
		{name: "kamailio sqlite", vars: map[string]string{"SIPCTL_PROVIDER": "kamailio", "SIPCTL_DB_URL": sqlite},
			statusWants: []string{"database password: none needed (SQLite)"}, tokenCode: 1, tokenWant: "none needed (SQLite)"},
		{name: "twilio profile without a secret", profile: "provider: twilio\n    account_sid: AC0123456789abcdef0123456789abcdef", vars: map[string]string{"SIPCTL_KEYRING_TIMEOUT": "1s"},
			statusCode: 4, tokenCode: 4},
		{name: "sandbox", statusWants: []string{"provided by the built-in sandbox"}, tokenCode: 1, tokenWant: "built-in sandbox"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := testenv.NewEnv(t)
			for k, v := range tc.vars {
				env.Set(k, v)
			}
			if tc.profile != "" {
				dir := filepath.Join(env.ConfigHome, "sipctl")
				os.MkdirAll(dir, 0o700)
				cfg := "current_profile: p\nprofiles:\n  p:\n    " + tc.profile + "\n"
				if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(cfg), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			out, errOut, code := env.Run(t, "", "auth", "status")
			if code != tc.statusCode {
				t.Errorf("auth status: exit %d, want %d\n%s%s", code, tc.statusCode, out, errOut)
			}
			for _, w := range tc.statusWants {
				if !strings.Contains(out, w) {
					t.Errorf("auth status lacks %q:\n%s%s", w, out, errOut)
				}
			}
			if tc.vars["TELNYX_API_KEY"] != "" || strings.Contains(tc.profile, "telnyx") {
				if strings.Contains(out+errOut, "account SID") || strings.Contains(out+errOut, "AC…") {
					t.Errorf("a Telnyx profile is given Twilio's advice:\n%s%s", out, errOut)
				}
			}
			out, errOut, code = env.Run(t, "", "auth", "token")
			if code != tc.tokenCode || (tc.tokenOut != "" && out != tc.tokenOut+"\n") || !strings.Contains(errOut, tc.tokenWant) {
				t.Errorf("auth token: exit %d, want %d\nstdout %q\nstderr %s", code, tc.tokenCode, out, errOut)
			}
		})
	}
}
