package kamailiotest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/kamailio"
	"github.com/sipctl/sipctl/internal/testenv"
)

// Kamcli is Debian's kamcli configured (a kamcli.ini of its own, 0600: it
// holds the database password as kamcli requires) for a test Kamailio: its
// database and its jsonrpcs socket.
type Kamcli struct {
	bin, ini string
}

// NewKamcli writes kamcli's configuration for k. kamcli 2.0 writes its SQL
// with %s placeholders, which SQLAlchemy's SQLite driver rejects, so it is
// a peer on PostgreSQL (psycopg2) only.
func NewKamcli(t testing.TB, k *Kamailio, defaultDomain string) *Kamcli {
	t.Helper()
	bin := testenv.LookPath(t, "kamcli")
	if k.DB.Dialect != kamailio.Postgres {
		t.Fatalf("kamcli is used on PostgreSQL only, not %s", k.DB.Dialect)
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import psycopg2").Run(); err != nil {
		testenv.Missing(t, "psycopg2 for kamcli (Debian package python3-psycopg2)")
	}
	dir := t.TempDir()
	ini := fmt.Sprintf(`[main]
domain=%s

[db]
rwurl=%s
rourl=%s

[ctl]
type=jsonrpc

[jsonrpc]
transport=socket
srvaddr=%s
rcvaddr=%s
outformat=json
`, defaultDomain, k.DB.SQLAlchemyURL, k.DB.SQLAlchemyURL,
		filepath.Join(k.RuntimeDir, "kamailio_rpc.sock"), filepath.Join(dir, "kamcli_rpc_reply.sock"))
	path := filepath.Join(dir, "kamcli.ini")
	if err := os.WriteFile(path, []byte(ini), 0o600); err != nil {
		t.Fatal(err)
	}
	return &Kamcli{bin: bin, ini: path}
}

// Run runs kamcli with args and returns its output, failing the test when
// it fails.
func (k *Kamcli) Run(t testing.TB, args ...string) string {
	t.Helper()
	out, err := k.Try(args...)
	if err != nil {
		t.Fatalf("kamcli %v: %v\n%s", args, err, out)
	}
	return out
}

// Try runs kamcli with args and returns its output and error.
func (k *Kamcli) Try(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, k.bin, append([]string{"--no-default-configs", "-c", k.ini}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+filepath.Dir(k.ini))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}
