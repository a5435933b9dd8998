package status

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/keyring"
)

// A 200 that is not the account (an empty body, {}, another account's SID)
// is not "working".
func TestAnyTwoHundredIsNotWorking(t *testing.T) {
	for name, body := range map[string]string{
		"empty":         ``,
		"empty object":  `{}`,
		"other account": `{"sid":"AC99999999999999999999999999999999","friendly_name":"Someone else"}`,
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(200)
				fmt.Fprint(w, body)
			}))
			t.Cleanup(srv.Close)
			setup(t, srv.URL)
			keyring.Set(keyring.Service, "profile:acme", secret)
			out, _, err := run(t, &StatusOptions{})
			if err == nil || !strings.Contains(err.Error(), "not with account "+sid) {
				t.Fatalf("err = %v, want a failure naming the account\n%s", err, out)
			}
			if strings.Contains(out, "working") || !strings.Contains(out, "failed:") {
				t.Errorf("reported as working:\n%s", out)
			}
		})
	}
}

func TestStatusShowsSourcesThatDisagree(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"sid": sid})
	}))
	t.Cleanup(srv.Close)
	setup(t, srv.URL)
	cfg, _ := config.Load()
	p := cfg.Profiles["acme"]
	p.InsecureSecret = "older-plain-text-secret"
	cfg.SetProfile(p)
	cfg.Save()
	keyring.Set(keyring.Service, "profile:acme", secret)

	out, errOut, err := run(t, &StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Disagrees") || !strings.Contains(out, "config file holds a different plain-text secret") {
		t.Errorf("no disagreement shown:\n%s", out)
	}
	if !strings.Contains(errOut, "different secrets in the OS keyring and in the config file") {
		t.Errorf("no warning on stderr: %q", errOut)
	}
	if strings.Contains(out+errOut, "older-plain-text-secret") {
		t.Fatal("a secret was printed")
	}

	jout, _, _ := run(t, &StatusOptions{Exporter: jsonExporter(t)})
	var rep Report
	if err := json.Unmarshal([]byte(jout), &rep); err != nil || len(rep.Profiles) != 1 || len(rep.Profiles[0].Disagreements) != 1 {
		t.Fatalf("json %v: %s", err, jout)
	}
}

func jsonExporter(t *testing.T) (e cmdutil.Exporter) {
	t.Helper()
	if err := e.Prepare("", true); err != nil {
		t.Fatal(err)
	}
	return e
}
