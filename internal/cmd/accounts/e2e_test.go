package accounts_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sipctl/sipctl/internal/testenv"
)

const (
	parentSID = "AC0123456789abcdef0123456789abcdef"
	subSID    = "AC00000000000000000000000000000abc"
	token     = "e2e-token-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
	date      = "Mon, 20 Jul 2015 17:27:10 +0000"
	domainSID = "SD00000000000000000000000000000001"
	listSID   = "CL00000000000000000000000000000001"
	credSID   = "CR00000000000000000000000000000001"
)

// The built binary, as a reseller runs it: `--subaccount NAME` resolves the
// name with the parent's credentials, then every request goes to the
// subaccount's path, still with the parent's credentials.
func TestCreateInASubaccountEndToEnd(t *testing.T) {
	bin := testenv.Binary(t)
	var (
		mu       sync.Mutex
		requests []string
		sentPW   string
	)
	sub := "/2010-04-01/Accounts/" + subSID + "/"
	answers := map[string]string{
		"GET /2010-04-01/Accounts.json": `{"accounts":[{"sid":"` + parentSID + `","owner_account_sid":"` + parentSID + `","friendly_name":"reseller","status":"active"},` +
			`{"sid":"` + subSID + `","owner_account_sid":"` + parentSID + `","friendly_name":"acme","status":"active","auth_token":"sub-secret"}],"next_page_uri":null}`,
		"GET " + sub + "SIP/Domains.json": `{"domains":[{"sid":"` + domainSID + `","account_sid":"` + subSID + `","domain_name":"office.sip.twilio.com","sip_registration":true,"date_created":"` + date + `"}],"next_page_uri":null}`,
		"GET " + sub + "SIP/Domains/" + domainSID + "/Auth/Registrations/CredentialListMappings.json": `{"contents":[{"sid":"` + listSID + `","friendly_name":"office-users"}],"next_page_uri":null}`,
		"GET " + sub + "SIP/Domains/" + domainSID + "/Auth/Calls/CredentialListMappings.json":         `{"contents":[],"next_page_uri":null}`,
		"GET " + sub + "SIP/CredentialLists/" + listSID + "/Credentials.json":                         `{"credentials":[],"next_page_uri":null}`,
		"POST " + sub + "SIP/CredentialLists/" + listSID + "/Credentials.json": `{"sid":"` + credSID + `","account_sid":"` + subSID + `","credential_list_sid":"` + listSID +
			`","username":"alice","date_created":"` + date + `"}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != parentSID || p != token {
			t.Errorf("%s %s without the parent's credentials", r.Method, r.URL.Path)
		}
		key := r.Method + " " + r.URL.Path
		mu.Lock()
		requests = append(requests, key)
		if r.Method == "POST" {
			b, _ := io.ReadAll(r.Body)
			form, _ := url.ParseQuery(string(b))
			sentPW = form.Get("Password")
			if form.Get("Username") != "alice" {
				t.Errorf("create form %v", form)
			}
		}
		mu.Unlock()
		body, ok := answers[key]
		if !ok {
			t.Errorf("unexpected request %s", key)
			w.WriteHeader(404)
			io.WriteString(w, `{"code":20404,"message":"not found","status":404}`)
			return
		}
		if r.Method == "POST" {
			w.WriteHeader(201)
		}
		io.WriteString(w, body)
	}))
	defer srv.Close()

	env := testenv.NewEnv(t).
		Set("TWILIO_ACCOUNT_SID", parentSID).
		Set("TWILIO_AUTH_TOKEN", token).
		Set("SIPCTL_API_URL", srv.URL)
	cmd := exec.Command(bin, "--subaccount", "acme", "--debug", "accounts", "create", "alice", "--domain", "office", "--json")
	cmd.Env = env.Environ()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, stderr.String())
	}
	var got map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("stdout: %v\n%s", err, stdout.String())
	}
	if got["password"] == "" || got["password"] != sentPW || got["sid"] != credSID || got["credential_list_sid"] != listSID {
		t.Errorf("stdout %s (sent password %q)", stdout.String(), sentPW)
	}
	if strings.Contains(stderr.String(), sentPW) || strings.Contains(stderr.String(), token) || strings.Contains(stderr.String(), "sub-secret") {
		t.Errorf("--debug output holds a secret:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), sub+"SIP/CredentialLists/"+listSID+"/Credentials.json") {
		t.Errorf("--debug did not log the requests:\n%s", stderr.String())
	}
	// Every answer was asked for, and the credential was created once: the
	// look-ups may repeat (create checks for an existing account under the
	// run's lock before it journals, then the provider finds the list).
	posts := 0
	for _, r := range requests {
		if strings.HasPrefix(r, "POST ") {
			posts++
		}
	}
	for key := range answers {
		if !slices.Contains(requests, key) {
			t.Errorf("no request %s; requests = %v", key, requests)
		}
	}
	if posts != 1 {
		t.Errorf("%d POSTs, want 1: %v", posts, requests)
	}

	state := filepath.Join(env.StateHome, "sipctl")
	raw, err := os.ReadFile(filepath.Join(state, "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	var entry map[string]any
	json.Unmarshal(bytes.TrimSpace(raw), &entry)
	if entry["account_sid"] != subSID || entry["action"] != "create" || entry["outcome"] != "ok" || entry["username"] != "alice" || bytes.Contains(raw, []byte(sentPW)) {
		t.Errorf("audit log: %s", raw)
	}
	if js, _ := filepath.Glob(filepath.Join(state, "journal", "*.jsonl")); len(js) != 0 {
		t.Errorf("journal left behind: %v", js)
	}
}
