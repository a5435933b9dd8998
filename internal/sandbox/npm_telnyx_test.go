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

// TestOfficialTelnyxNodeLibrary points Telnyx's own Node library (pinned
// in test/npm, run by test/npm/sandbox_telnyx.js) at the sandbox's Telnyx
// face served over loopback HTTP.
func TestOfficialTelnyxNodeLibrary(t *testing.T) {
	node := testenv.LookPath(t, "node")
	script := filepath.Join(testenv.NodeDir(), "sandbox_telnyx.js")
	testenv.NodeFile(t, "telnyx/package.json")

	s := openTest(t)
	var mu sync.Mutex
	var laterPages int // list requests for page 2 or beyond
	h := s.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := r.URL.Query().Get("page[number]"); n != "" && n != "1" {
			mu.Lock()
			laterPages++
			mu.Unlock()
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()

	cmd := exec.Command(node, script)
	cmd.Dir = testenv.NodeDir()
	cmd.Env = append(cmd.Environ(), "SANDBOX_TELNYX_URL="+srv.URL+TelnyxPrefix, "SANDBOX_TELNYX_API_KEY="+s.TelnyxAPIKey())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s: %v\n%s", filepath.Base(script), err, stderr.String())
	}
	var out struct {
		FirstID      string            `json:"firstId"`
		Errors       map[string]string `json:"errors"`
		Listed       []string          `json:"listed"`
		PageSizes    []int             `json:"pageSizes"`
		AutoPaged    int               `json:"autoPaged"`
		Updated      map[string]any    `json:"updated"`
		Registration map[string]string `json:"registration"`
		Remaining    int               `json:"remaining"`
		Countries    []string          `json:"profileCountries"`
		Profiles     int               `json:"profiles"`
		Disabled     []string          `json:"disabled"`
		Enabled      []string          `json:"enabled"`
		InsideCount  int               `json:"insideCount"`
		ManagerCount int               `json:"managerCount"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("script output %q: %v", stdout.String(), err)
	}
	if out.FirstID == "" || strings.Trim(out.FirstID, "0123456789") != "" {
		t.Errorf("id %q is not a Telnyx id", out.FirstID)
	}
	wantErrors := map[string]string{"duplicate": "10015", "badUserName": "10015", "deletedTwice": "10005", "wrongKey": "10009"}
	if !reflect.DeepEqual(out.Errors, wantErrors) {
		t.Errorf("errors = %v, want %v", out.Errors, wantErrors)
	}
	if want := []string{"npmuser0", "npmuser1", "npmuser2", "npmuser3", "npmuser4"}; !reflect.DeepEqual(out.Listed, want) {
		t.Errorf("listed %v, want %v", out.Listed, want)
	}
	if want := []int{2, 2, 1}; !reflect.DeepEqual(out.PageSizes, want) || out.AutoPaged != 5 {
		t.Errorf("page sizes %v auto-paged %d", out.PageSizes, out.AutoPaged)
	}
	if laterPages < 4 {
		t.Errorf("the library asked for later pages %d times, want at least 4 (two listings of three pages)", laterPages)
	}
	wantUpdated := map[string]any{"connection_name": "renamed by npm", "inbound_channel_limit": 4.0, "outbound_channel_limit": 2.0, "ani_override": "+14155550199"}
	if !reflect.DeepEqual(out.Updated, wantUpdated) {
		t.Errorf("updated %v", out.Updated)
	}
	if want := map[string]string{"status": "Not Registered", "sip_username": "npmuser1", "record_type": "registration_status"}; !reflect.DeepEqual(out.Registration, want) {
		t.Errorf("registration %v", out.Registration)
	}
	var n int
	s.db.QueryRow("SELECT COUNT(*) FROM telnyx_connections").Scan(&n)
	if !reflect.DeepEqual(out.Countries, []string{"US", "GB"}) || out.Profiles != 1 {
		t.Errorf("outbound voice profile %v, %d listed", out.Countries, out.Profiles)
	}
	if !reflect.DeepEqual(out.Disabled, []string{"npm dental"}) || !reflect.DeepEqual(out.Enabled, []string{"npm dental"}) {
		t.Errorf("managed accounts disabled %v, enabled %v", out.Disabled, out.Enabled)
	}
	if out.InsideCount != 1 || out.ManagerCount != 0 {
		t.Errorf("inside the managed account %d connections, the manager sees %d", out.InsideCount, out.ManagerCount)
	}
	if out.Remaining != 0 || n != 0 {
		t.Errorf("remaining %d, %d rows left", out.Remaining, n)
	}
}
