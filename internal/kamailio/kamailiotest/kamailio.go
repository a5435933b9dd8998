package kamailiotest

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"text/template"
	"time"

	"github.com/sipctl/sipctl/internal/kamailio"
	"github.com/sipctl/sipctl/internal/sqldb/sqldbtest"
	"github.com/sipctl/sipctl/internal/testenv"
)

//go:embed kamailio.cfg.tmpl
var cfgTemplate string

// Binary and ModulesDir are Debian's Kamailio.
var (
	Binary     = "/usr/sbin/kamailio"
	ModulesDir = "/usr/lib/x86_64-linux-gnu/kamailio/modules"
)

// Kamailio is a running Kamailio.
type Kamailio struct {
	DB *DB
	// SIP is the registrar, 127.0.0.1:PORT for UDP and TCP.
	SIP string
	// RPCURL is the jsonrpcs endpoint.
	RPCURL string
	// RuntimeDir holds kamailio_rpc.sock (jsonrpcs' datagram socket).
	RuntimeDir string
	log        string
}

// Options are sipctl's provider options for this Kamailio.
func (k *Kamailio) Options() kamailio.Options {
	o := k.DB.Options()
	o.RPCURL, o.Registrar = k.RPCURL, k.SIP
	return o
}

// Log is what Kamailio has written so far.
func (k *Kamailio) Log() string {
	b, _ := os.ReadFile(k.log)
	return string(b)
}

// Start runs Kamailio in the foreground (-DD -E) on db with the test
// configuration, on free loopback ports, and stops it at cleanup.
func Start(t testing.TB, db *DB) *Kamailio {
	t.Helper()
	return StartConfig(t, db, cfgTemplate)
}

// StartConfig is Start with another kamailio.cfg, a text/template given
// .SIPPort, .HTTPPort (xhttp, answering jsonrpcs at /RPC: Start waits for
// core.version there), .ModulesDir, .DBModule and .DBURL (with the
// password).
func StartConfig(t testing.TB, db *DB, cfgTemplate string) *Kamailio {
	t.Helper()
	if _, err := os.Stat(Binary); err != nil {
		testenv.Missing(t, "Kamailio ("+Binary+", Debian package kamailio)")
	}
	module := map[kamailio.Dialect]string{kamailio.SQLite: "db_sqlite.so", kamailio.Postgres: "db_postgres.so", kamailio.MySQL: "db_mysql.so"}[db.Dialect]
	for _, m := range []string{module, "jsonrpcs.so", "xhttp.so", "permissions.so", "domain.so", "auth_db.so"} {
		if _, err := os.Stat(filepath.Join(ModulesDir, m)); err != nil {
			testenv.Missing(t, "Kamailio module "+m+" (Debian packages kamailio, kamailio-sqlite-modules, kamailio-postgres-modules, kamailio-mysql-modules)")
		}
	}
	tmpl := template.Must(template.New("cfg").Parse(cfgTemplate))
	var lastErr string
	for attempt := 0; attempt < 3; attempt++ {
		dir := t.TempDir()
		k := &Kamailio{DB: db, RuntimeDir: dir, log: filepath.Join(dir, "kamailio.log")}
		sipPort, httpPort := FreePort(t), FreePort(t)
		for httpPort == sipPort {
			httpPort = FreePort(t)
		}
		var cfg bytes.Buffer
		if err := tmpl.Execute(&cfg, map[string]any{"SIPPort": sipPort, "HTTPPort": httpPort,
			"ModulesDir": ModulesDir + "/", "DBModule": module, "DBURL": db.ServerURL}); err != nil {
			t.Fatal(err)
		}
		cfgPath := filepath.Join(dir, "kamailio.cfg")
		if err := os.WriteFile(cfgPath, cfg.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		logf, err := os.Create(k.log)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(Binary, "-f", cfgPath, "-DD", "-E", "-m", "48", "-M", "8",
			"-Y", dir, "-P", filepath.Join(dir, "kamailio.pid"), "-w", dir)
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			logf.Close()
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); logf.Close(); close(exited) }()
		k.SIP = fmt.Sprintf("127.0.0.1:%d", sipPort)
		k.RPCURL = fmt.Sprintf("http://127.0.0.1:%d/RPC", httpPort)
		if k.waitReady(exited) {
			t.Cleanup(func() {
				sqldbtest.Stop(cmd, exited)
				if t.Failed() {
					t.Logf("kamailio log (tail):\n%s", tail(k.Log(), 40))
				}
			})
			return k
		}
		sqldbtest.Stop(cmd, exited)
		lastErr = tail(k.Log(), 30)
	}
	t.Fatalf("Kamailio did not start:\n%s", lastErr)
	return nil
}

func (k *Kamailio) waitReady(exited <-chan struct{}) bool {
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, k.RPCURL, strings.NewReader(`{"jsonrpc":"2.0","method":"core.version","id":1}`))
		res, err := hc.Do(req)
		cancel()
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return true
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
