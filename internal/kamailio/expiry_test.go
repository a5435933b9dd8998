package kamailio_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/kamailio"
	"github.com/sipctl/sipctl/internal/kamailio/kamailiotest"
	"github.com/sipctl/sipctl/internal/provider"
)

// TestExpiryWithoutUsrPreferences: a database without avpops' table
// refuses an expiry before writing anything, and works as before without
// one (listing reads no expiry).
func TestExpiryWithoutUsrPreferences(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kamailio.db")
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	kamailiotest.LoadSchema(t, raw, kamailio.SQLite, "standard", "auth_db", "domain")
	if _, err := raw.Exec("INSERT INTO domain (domain) VALUES ('ci.example.test')"); err != nil {
		t.Fatal(err)
	}
	c, err := kamailio.Open(context.Background(), kamailio.Options{DBURL: "sqlite://" + path})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	_, err = c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "ci1", Domain: "ci.example.test", Password: "Initial-Password-1x",
		Options: provider.WithExpiry(nil, time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))})
	if err == nil || !strings.Contains(err.Error(), "no usr_preferences table") || !strings.Contains(err.Error(), "avpops") {
		t.Fatalf("expiry without the table: %v", err)
	}
	var n int
	if err := raw.QueryRow("SELECT COUNT(*) FROM subscriber").Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d subscribers after the refused create (%v)", n, err)
	}
	if _, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "keep", Domain: "ci.example.test", Password: "Initial-Password-1x"}); err != nil {
		t.Fatal(err)
	}
	for a, err := range c.ListSIPAccounts(ctx, provider.AccountQuery{Domain: "ci.example.test"}) {
		if err != nil || a.Username != "keep" || !a.ExpiresAt.IsZero() {
			t.Fatalf("listed %+v, %v", a, err)
		}
	}
	a, err := c.GetSIPAccount(ctx, "keep", "ci.example.test")
	if err != nil || !a.ExpiresAt.IsZero() {
		t.Fatalf("get %+v, %v", a, err)
	}
	if err := c.DeleteSIPAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
}
