// Package sqldbtest starts the real databases the SQL providers (Kamailio,
// Asterisk) are tested against: a SQLite file, a throwaway PostgreSQL cluster
// and a throwaway MariaDB server, each with an empty database and a user that
// logs in with a password. Everything listens on free loopback ports and is
// stopped at cleanup. A missing peer skips locally and fails under CI=true.
// Schemas are the caller's to load.
package sqldbtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/sipctl/sipctl/internal/sqldb"
	"github.com/sipctl/sipctl/internal/testenv"
	_ "modernc.org/sqlite"
)

// DB is a database a test can use.
type DB struct {
	Dialect sqldb.Dialect
	// URL is the db_url sipctl is given: no password in it.
	URL string
	// Password is the database user's password ("" for SQLite).
	Password string
	// ServerURL is URL with the password in it, for a server's own
	// configuration (kamailio.cfg's db_url).
	ServerURL string
	// SQLAlchemyURL is the URL kamcli's [db] rwurl takes.
	SQLAlchemyURL string
	// Path is the SQLite file.
	Path string
}

// Open is a raw handle on the database, for assertions on rows.
func (d *DB) Open(t testing.TB) *sql.DB {
	t.Helper()
	var db *sql.DB
	switch d.Dialect {
	case sqldb.SQLite:
		var err error
		db, err = sql.Open("sqlite", "file:"+d.Path+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
	case sqldb.Postgres:
		cfg, err := pgx.ParseConfig(d.ServerURL)
		if err != nil {
			t.Fatal(err)
		}
		db = stdlib.OpenDB(*cfg)
	case sqldb.MySQL:
		u, _ := sqldb.Parse(d.URL)
		cfg := mysql.NewConfig()
		cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = u.User, d.Password, "tcp", u.Host, u.Name
		c, err := mysql.NewConnector(cfg)
		if err != nil {
			t.Fatal(err)
		}
		db = sql.OpenDB(c)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// SQLite is a fresh, empty SQLite database file NAME.db.
func SQLite(t testing.TB, name string) *DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(); err != nil { // creates the file
		t.Fatal(err)
	}
	db.Close()
	// Kamailio's db_sqlite reads the path after "sqlite://" + host, so an
	// absolute path takes a fourth slash there; sipctl accepts both forms.
	return &DB{Dialect: sqldb.SQLite, URL: "sqlite://" + path, ServerURL: "sqlite:///" + path,
		SQLAlchemyURL: "sqlite:///" + path, Path: path}
}

func randomPassword(t testing.TB) string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "pw" + hex.EncodeToString(b)
}

// FreePort is a loopback port free for both TCP and UDP.
func FreePort(t testing.TB) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		pc, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		l.Close()
		if err == nil {
			pc.Close()
			return port
		}
	}
	t.Fatal("no free loopback port for TCP and UDP")
	return 0
}

// serviceUser is who runs a database server: as root, the packages' system
// user (postgres, mysql), which the servers require; otherwise ourselves.
func serviceUser(t testing.TB, name string) (prefix []string, uid, gid int, ok bool) {
	if os.Geteuid() != 0 {
		return nil, -1, -1, true
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, 0, 0, false
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return []string{"runuser", "-u", name, "--"}, uid, gid, true
}

// serviceDir is a temporary directory the service user owns (t.TempDir's
// parents are private to us).
func serviceDir(t testing.TB, prefix string, uid, gid int) string {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if uid >= 0 {
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func run(t testing.TB, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
	}
}

// PostgresBin is Debian's PostgreSQL 15 server directory.
var PostgresBin = "/usr/lib/postgresql/15/bin"

// Postgres starts a throwaway PostgreSQL cluster on a free loopback port
// with an empty database dbName owned by user dbName (password auth). It is
// stopped at cleanup.
func Postgres(t testing.TB, dbName string) *DB {
	t.Helper()
	initdb := filepath.Join(PostgresBin, "initdb")
	if _, err := os.Stat(initdb); err != nil {
		testenv.Missing(t, "PostgreSQL ("+initdb+", Debian package postgresql)")
	}
	prefix, uid, gid, ok := serviceUser(t, "postgres")
	if !ok {
		testenv.Missing(t, "the postgres system user (Debian package postgresql)")
	}
	dir := serviceDir(t, "sipctl-pg-", uid, gid)
	pw := randomPassword(t)
	pwfile := filepath.Join(dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if uid >= 0 {
		os.Chown(pwfile, uid, gid)
	}
	data := filepath.Join(dir, "data")
	name, argv := asUser(prefix, initdb, "-D", data, "-U", dbName, "--pwfile", pwfile,
		"-A", "scram-sha-256", "--no-sync", "-E", "UTF8", "--locale", "C")
	run(t, name, argv...)
	port := FreePort(t)
	pgctl := filepath.Join(PostgresBin, "pg_ctl")
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s -c max_connections=50", port, dir)
	name, argv = asUser(prefix, pgctl, "-D", data, "-l", filepath.Join(dir, "log"), "-o", opts, "-w", "-t", "60", "start")
	run(t, name, argv...)
	t.Cleanup(func() {
		name, argv := asUser(prefix, pgctl, "-D", data, "-m", "immediate", "-w", "stop")
		cmd := exec.Command(name, argv...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Logf("stopping PostgreSQL: %v\n%s", err, out)
		}
	})
	admin := fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/postgres", dbName, pw, port)
	cfg, err := pgx.ParseConfig(admin)
	if err != nil {
		t.Fatal(err)
	}
	adb := stdlib.OpenDB(*cfg)
	if _, err := adb.Exec("CREATE DATABASE " + dbName); err != nil {
		adb.Close()
		t.Fatal(err)
	}
	adb.Close()
	d := &DB{
		Dialect:       sqldb.Postgres,
		URL:           fmt.Sprintf("postgres://%[1]s@127.0.0.1:%[2]d/%[1]s", dbName, port),
		Password:      pw,
		ServerURL:     fmt.Sprintf("postgres://%[1]s:%[3]s@127.0.0.1:%[2]d/%[1]s", dbName, port, pw),
		SQLAlchemyURL: fmt.Sprintf("postgresql+psycopg2://%[1]s:%[3]s@127.0.0.1:%[2]d/%[1]s", dbName, port, pw),
	}
	return d
}

// MariaDB starts a throwaway MariaDB server on a free loopback port with an
// empty database NAME for user NAME (password auth). It is stopped at
// cleanup.
func MariaDB(t testing.TB, name string) *DB {
	t.Helper()
	mariadbd, err := exec.LookPath("mariadbd")
	if err != nil {
		if mariadbd, err = exec.LookPath("/usr/sbin/mariadbd"); err != nil {
			testenv.Missing(t, "mariadbd (Debian package mariadb-server)")
		}
	}
	install, err := exec.LookPath("mariadb-install-db")
	if err != nil {
		testenv.Missing(t, "mariadb-install-db (Debian package mariadb-server)")
	}
	_, uid, gid, ok := serviceUser(t, "mysql")
	if !ok {
		testenv.Missing(t, "the mysql system user (Debian package mariadb-server)")
	}
	dir := serviceDir(t, "sipctl-mariadb-", uid, gid)
	data := filepath.Join(dir, "data")
	args := []string{"--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=normal", "--skip-test-db"}
	if uid >= 0 {
		args = append(args, "--user=mysql")
	}
	run(t, install, args...)
	port := FreePort(t)
	sock := filepath.Join(dir, "mysqld.sock")
	srvArgs := []string{"--no-defaults", "--datadir=" + data, "--port=" + strconv.Itoa(port), "--bind-address=127.0.0.1",
		"--socket=" + sock, "--pid-file=" + filepath.Join(dir, "mysqld.pid"), "--skip-name-resolve",
		"--log-error=" + filepath.Join(dir, "error.log"), "--innodb-buffer-pool-size=32M", "--skip-log-bin"}
	if uid >= 0 {
		srvArgs = append(srvArgs, "--user=mysql")
	}
	cmd := exec.Command(mariadbd, srvArgs...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() { Stop(cmd, exited) })

	rootCfg := mysql.NewConfig()
	rootCfg.User, rootCfg.Net, rootCfg.Addr = "root", "unix", sock
	conn, _ := mysql.NewConnector(rootCfg)
	root := sql.OpenDB(conn)
	defer root.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if err = root.Ping(); err == nil {
			break
		}
		select {
		case <-exited:
			logs, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("mariadbd exited: %s", logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("MariaDB did not start: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	pw := randomPassword(t)
	for _, q := range []string{
		"CREATE DATABASE " + name,
		fmt.Sprintf("CREATE USER '%s'@'127.0.0.1' IDENTIFIED BY '%s'", name, pw),
		fmt.Sprintf("GRANT ALL ON %s.* TO '%s'@'127.0.0.1'", name, name),
	} {
		if _, err := root.Exec(q); err != nil {
			t.Fatalf("%s: %v", strings.SplitN(q, " IDENTIFIED", 2)[0], err)
		}
	}
	d := &DB{
		Dialect:       sqldb.MySQL,
		URL:           fmt.Sprintf("mysql://%[1]s@127.0.0.1:%[2]d/%[1]s", name, port),
		Password:      pw,
		ServerURL:     fmt.Sprintf("mysql://%[1]s:%[3]s@127.0.0.1:%[2]d/%[1]s", name, port, pw),
		SQLAlchemyURL: fmt.Sprintf("mysql+pymysql://%[1]s:%[3]s@127.0.0.1:%[2]d/%[1]s", name, port, pw),
	}
	return d
}

// asUser is the command line running bin as the service user.
func asUser(prefix []string, bin string, args ...string) (string, []string) {
	if len(prefix) == 0 {
		return bin, args
	}
	return prefix[0], append(append(append([]string{}, prefix[1:]...), bin), args...)
}

// Stop ends a process group started with Setpgid: SIGTERM, then SIGKILL
// after 10s. exited is closed when cmd.Wait returned.
func Stop(cmd *exec.Cmd, exited <-chan struct{}) {
	if cmd.Process == nil {
		return
	}
	pgid := cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-exited
	}
}
