package factory

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/sipctl/sipctl/internal/auth"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/kamailio"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/redact"
)

func init() {
	Register(Info{Name: config.ProviderKamailio, Description: "a self-hosted Kamailio (subscriber, domain and address tables; JSON-RPC)",
		New: newKamailio, PasswordPolicy: "device-safe", Env: kamailioEnv,
		Auth: auth.Method{
			Secret: "database password", Label: "database password", Resolve: kamailioPassword,
			Unchecked: "not checked (the database is reached by commands such as `sipctl accounts list`)",
			Endpoint:  func(p *config.Profile) (string, string) { return "RPC URL", p.RPCURL },
		}})
}

// kamailioPassword is a Kamailio profile's secret: its database password,
// or none for SQLite.
func kamailioPassword(p *config.Profile) (auth.Credentials, error) {
	if p.DBURL == "" {
		return auth.Credentials{}, fmt.Errorf("no db_url: run `sipctl auth login --profile %s --provider kamailio --db-url URL ...` (or set SIPCTL_DB_URL): %w", p.Name, auth.ErrNoCredentials)
	}
	u, err := kamailio.ParseDBURL(p.DBURL)
	if err != nil {
		return auth.Credentials{}, err
	}
	pw, src, err := auth.DBPassword(p, u.NeedsPassword())
	if err != nil {
		return auth.Credentials{}, err
	}
	redact.Add(pw)
	c := auth.Credentials{Secret: pw, Source: src}
	if !u.NeedsPassword() {
		c.NoneNeeded = "none needed (SQLite)"
	}
	if src == auth.SourceInsecureConfig {
		c.Warning = fmt.Sprintf("warning: profile %q uses a database password stored in plain text in the config file (--insecure-storage)", p.Name)
	}
	return c, nil
}

// kamailioEnv: SIPCTL_PROVIDER=kamailio with SIPCTL_DB_URL select a
// Kamailio; the URL variables also override a kamailio profile's settings.
var kamailioEnv = config.EnvSpec{
	Vars: []config.EnvVar{
		{Name: "SIPCTL_DB_URL", Help: "its database, as Kamailio's db_url (no password in it); also overrides a kamailio profile's"},
		{Name: "SIPCTL_RPC_URL", Help: "its JSON-RPC endpoint (jsonrpcs over xhttp); also overrides a kamailio profile's"},
		{Name: "SIPCTL_REGISTRAR", Help: "the registrar phones use, HOST:PORT; also overrides a kamailio profile's"},
		{Name: auth.EnvDBPassword, Help: "the database password, taking precedence over the keyring", Secret: true},
	},
	Sets:     [][]string{{config.EnvProvider + "=" + config.ProviderKamailio, "SIPCTL_DB_URL"}},
	FromEnv:  kamailioOverride,
	Override: kamailioOverride,
}

func kamailioOverride(p *config.Profile) {
	for env, field := range map[string]*string{"SIPCTL_DB_URL": &p.DBURL, "SIPCTL_RPC_URL": &p.RPCURL, "SIPCTL_REGISTRAR": &p.Registrar} {
		if v := os.Getenv(env); v != "" {
			*field = v
		}
	}
}

// kamailioOpenTimeout bounds connecting to the database and reading its
// version table.
const kamailioOpenTimeout = 15 * time.Second

func newKamailio(env *Env, prof *config.Profile) (provider.SIPAccounts, error) {
	if prof.DBURL == "" {
		return nil, cmdutil.FlagErrorf("profile %q has no db_url: run `sipctl auth login --profile %s --provider kamailio --db-url URL --rpc-url URL --registrar HOST:PORT` (or set SIPCTL_DB_URL)", prof.Name, prof.Name)
	}
	u, err := kamailio.ParseDBURL(prof.DBURL)
	if err != nil {
		return nil, err
	}
	pw, err := env.DBPassword(prof, u.NeedsPassword())
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), kamailioOpenTimeout)
	defer cancel()
	c, err := kamailio.Open(ctx, kamailio.Options{DBURL: prof.DBURL, DBPassword: pw, RPCURL: prof.RPCURL,
		AllowHTTP: prof.RPCAllowHTTP, Registrar: prof.Registrar, StorePlaintext: prof.StorePlaintext})
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, &kamailio.UnreachableError{What: "database", Target: prof.DBURL, Err: fmt.Errorf("no answer in %s", kamailioOpenTimeout)}
		}
		return nil, err
	}
	env.OnClose(c)
	return c, nil
}
