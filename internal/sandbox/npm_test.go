package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/sipctl/sipctl/internal/testenv"
)

// TestOfficialTwilioNodeLibrary points Twilio's own Node library
// (test/npm/sandbox_twilio.js) at the sandbox served over loopback HTTP.
func TestOfficialTwilioNodeLibrary(t *testing.T) {
	node := testenv.LookPath(t, "node")
	script := filepath.Join(testenv.NodeDir(), "sandbox_twilio.js")
	testenv.NodeBin(t, "prism") // the npm test dependencies (twilio among them) are installed

	s := openTest(t)
	var mu sync.Mutex
	var pagedRequests int // requests that followed a next_page_uri
	h := s.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("PageToken") != "" {
			mu.Lock()
			pagedRequests++
			mu.Unlock()
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()

	sid, tok := s.Account()
	cmd := exec.Command(node, script)
	cmd.Dir = testenv.NodeDir()
	cmd.Env = append(cmd.Environ(), "SANDBOX_URL="+srv.URL, "SANDBOX_ACCOUNT_SID="+sid, "SANDBOX_AUTH_TOKEN="+tok)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s: %v\n%s", filepath.Base(script), err, stderr.String())
	}

	var out struct {
		DomainSID         string              `json:"domainSid"`
		CredentialListSID string              `json:"credentialListSid"`
		Errors            map[string]int      `json:"errors"`
		Mappings          map[string][]string `json:"mappings"`
		ListedUsernames   []string            `json:"listedUsernames"`
		PageSizes         []int               `json:"pageSizes"`
		Remaining         map[string]int      `json:"remaining"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("script output %q: %v", stdout.String(), err)
	}
	if !strings.HasPrefix(out.DomainSID, "SD") || !strings.HasPrefix(out.CredentialListSID, "CL") {
		t.Errorf("SIDs: %q %q", out.DomainSID, out.CredentialListSID)
	}
	wantErrors := map[string]int{"weakPassword": 21240, "duplicateDomain": 21232, "missing": 20404, "deletedTwice": 20404}
	if !reflect.DeepEqual(out.Errors, wantErrors) {
		t.Errorf("errors = %v, want %v", out.Errors, wantErrors)
	}
	if len(out.Mappings["calls"]) != 1 || out.Mappings["calls"][0] != out.CredentialListSID ||
		len(out.Mappings["registrations"]) != 1 || len(out.Mappings["ipAcls"]) != 1 {
		t.Errorf("mappings = %v", out.Mappings)
	}
	if want := []string{"user0", "user1", "user2", "user3", "user4"}; !reflect.DeepEqual(out.ListedUsernames, want) {
		t.Errorf("listed = %v, want %v", out.ListedUsernames, want)
	}
	if want := []int{2, 2, 1}; !reflect.DeepEqual(out.PageSizes, want) {
		t.Errorf("page sizes = %v, want %v", out.PageSizes, want)
	}
	if pagedRequests < 4 {
		t.Errorf("the library followed next_page_uri %d times, want at least 4 (two lists of three pages)", pagedRequests)
	}
	if out.Remaining["domains"] != 0 || out.Remaining["credentialLists"] != 0 {
		t.Errorf("remaining = %v", out.Remaining)
	}
	// And the database agrees.
	var n int
	s.db.QueryRow("SELECT (SELECT COUNT(*) FROM domains) + (SELECT COUNT(*) FROM credentials) + (SELECT COUNT(*) FROM cl_mappings)").Scan(&n)
	if n != 0 {
		t.Errorf("%d rows left in the sandbox after the script deleted everything", n)
	}
}
