package kamailio_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/kamailio"
	"github.com/sipctl/sipctl/internal/kamailio/kamailiotest"
)

func TestParseDBURL(t *testing.T) {
	for _, tc := range []struct {
		in      string
		dialect kamailio.Dialect
		host    string
		err     string
	}{
		{in: "sqlite:///var/lib/kamailio/kamailio.db", dialect: kamailio.SQLite},
		{in: "sqlite:////var/lib/kamailio/kamailio.db", dialect: kamailio.SQLite},
		{in: "postgres://kamailio@db.example.com/kamailio", dialect: kamailio.Postgres, host: "db.example.com:5432"},
		{in: "mysql://kamailio@127.0.0.1:3307/kamailio", dialect: kamailio.MySQL, host: "127.0.0.1:3307"},
		{in: "postgres://kamailio:s3cret@db/kamailio", err: "refusing a database URL with a password"},
		{in: "mysql://kamailio:s3cret@db/kamailio", err: "refusing a database URL with a password"},
		{in: "sqlite://relative.db", err: "absolute path"},
		{in: "postgres://db.example.com/kamailio", err: "name the database user"},
		{in: "postgres://kamailio@db.example.com", err: "name one database"},
		{in: "oracle://x@y/z", err: "is not sqlite, postgres or mysql"},
		{in: "kamailio.db", err: "invalid database URL"},
	} {
		u, err := kamailio.ParseDBURL(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: %v, want %q", tc.in, err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("%s: the error shows the password: %v", tc.in, err)
			}
			continue
		}
		if err != nil || u.Dialect != tc.dialect || u.Host != tc.host {
			t.Errorf("%s: %+v %v", tc.in, u, err)
		}
	}
}

func TestRPCURLOnlyLoopbackHTTP(t *testing.T) {
	if _, err := kamailio.ParseRPCURL("http://10.0.0.5:5071/RPC", false); err == nil || !strings.Contains(err.Error(), "--rpc-allow-http") {
		t.Fatalf("remote http: %v", err)
	}
	if _, err := kamailio.ParseRPCURL("http://10.0.0.5:5071/RPC", true); err != nil {
		t.Fatalf("remote http opted in: %v", err)
	}
	for _, ok := range []string{"http://127.0.0.1:5071/RPC", "http://[::1]:5071/RPC", "https://sip.example.com/RPC"} {
		if _, err := kamailio.ParseRPCURL(ok, false); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

func TestOpenRefusesUnknownTablesAndVersions(t *testing.T) {
	ctx := context.Background()
	db := kamailiotest.SQLite(t)
	raw := db.Open(t)
	if _, err := raw.Exec("UPDATE version SET table_version = 8 WHERE table_name = 'subscriber'"); err != nil {
		t.Fatal(err)
	}
	_, err := kamailio.Open(ctx, db.Options())
	if err == nil || !strings.Contains(err.Error(), "subscriber version 8 (known: 7)") {
		t.Fatalf("unknown version: %v", err)
	}
	if _, err := raw.Exec("DROP TABLE version"); err != nil {
		t.Fatal(err)
	}
	if _, err = kamailio.Open(ctx, db.Options()); err == nil || !strings.Contains(err.Error(), "no Kamailio version table") {
		t.Fatalf("no version table: %v", err)
	}
	_, err = kamailio.Open(ctx, kamailio.Options{DBURL: "sqlite:///nonexistent/dir/kamailio.db"})
	if _, ok := errors.AsType[*kamailio.UnreachableError](err); !ok {
		t.Fatalf("missing file: %T %v", err, err)
	}
}

func TestUnreachableDatabaseNamesIt(t *testing.T) {
	port := kamailiotest.FreePort(t)
	for _, scheme := range []string{"postgres", "mysql"} {
		u := fmt.Sprintf("%s://kamailio@127.0.0.1:%d/kamailio", scheme, port)
		_, err := kamailio.Open(context.Background(), kamailio.Options{DBURL: u, DBPassword: "pw-not-shown"})
		ue, ok := errors.AsType[*kamailio.UnreachableError](err)
		if !ok || ue.What != "database" || !strings.Contains(err.Error(), u) || strings.Contains(err.Error(), "pw-not-shown") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %T %v", scheme, err, err)
		}
	}
	if _, err := kamailio.Open(context.Background(), kamailio.Options{DBURL: "postgres://kamailio@127.0.0.1/kamailio"}); err == nil || !strings.Contains(err.Error(), "SIPCTL_DB_PASSWORD") {
		t.Errorf("no password: %v", err)
	}
}
