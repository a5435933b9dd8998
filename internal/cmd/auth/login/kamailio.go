package login

import (
	"bufio"
	"context"
	"errors"
	"fmt"

	"github.com/sipctl/sipctl/internal/auth"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/kamailio"
	"github.com/sipctl/sipctl/internal/keyring"
	"github.com/spf13/cobra"
)

var kamailioFlags = []string{"db-url", "rpc-url", "registrar", "rpc-allow-http", "store-plaintext"}

func addKamailioFlags(cmd *cobra.Command, opts *LoginOptions) {
	fl := cmd.Flags()
	fl.StringVar(&opts.DBURL, "db-url", "", "Kamailio: the database `URL` as Kamailio's db_url, without a password (sqlite:///abs/path.db, postgres://user@host/db, mysql://user@host/db)")
	fl.StringVar(&opts.RPCURL, "rpc-url", "", "Kamailio: the JSON-RPC `URL` (jsonrpcs over xhttp), e.g. http://127.0.0.1:5071/RPC")
	fl.StringVar(&opts.Registrar, "registrar", "", "Kamailio: the registrar phones use, `host:port` (UDP and TCP)")
	fl.BoolVar(&opts.RPCAllowHTTP, "rpc-allow-http", false, "Kamailio: allow plain http to a non-loopback RPC host")
	fl.BoolVar(&opts.StorePlaintext, "store-plaintext", false, "Kamailio: also write the password column, for configs running auth_db with calculate_ha1")
}

func validateKamailio(cmd *cobra.Command, opts *LoginOptions) error {
	for _, name := range []string{"account-sid", "api-key", "api-url"} {
		if cmd.Flags().Changed(name) {
			return cmdutil.FlagErrorf("--%s is for Twilio; a kamailio profile takes --db-url, --rpc-url and --registrar", name)
		}
	}
	if err := config.ValidateNewProfileName(opts.Profile); err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	if opts.DBURL != "" {
		if _, err := kamailio.ParseDBURL(opts.DBURL); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
	}
	if opts.RPCURL != "" {
		if _, err := kamailio.ParseRPCURL(opts.RPCURL, opts.RPCAllowHTTP); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
	}
	if opts.Registrar != "" {
		if _, err := kamailio.ParseRegistrar(opts.Registrar); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
	}
	return nil
}

// kamailioLoginRun verifies the database (its tables and their versions)
// and the RPC endpoint, then saves the profile and the database password.
func kamailioLoginRun(ctx context.Context, opts *LoginOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	if err := auth.ConfigureKeyring(cfg); err != nil {
		return err
	}
	prof := &config.Profile{Name: opts.Profile, Provider: config.ProviderKamailio}
	if existing, ok := cfg.Profiles[opts.Profile]; ok {
		if existing.Provider != config.ProviderKamailio {
			return fmt.Errorf("profile %q uses provider %q; choose another --profile for Kamailio", existing.Name, existing.Provider)
		}
		cp := *existing
		prof = &cp
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&prof.DBURL, opts.DBURL)
	set(&prof.RPCURL, opts.RPCURL)
	set(&prof.Registrar, opts.Registrar)
	if opts.RPCAllowHTTP {
		prof.RPCAllowHTTP = true
	}
	if opts.StorePlaintext {
		prof.StorePlaintext = true
	}
	for flag, v := range map[string]string{"--db-url": prof.DBURL, "--rpc-url": prof.RPCURL, "--registrar": prof.Registrar} {
		if v == "" {
			return cmdutil.FlagErrorf("%s is required for a kamailio profile", flag)
		}
	}
	u, err := kamailio.ParseDBURL(prof.DBURL)
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}

	password := ""
	if u.NeedsPassword() {
		in := bufio.NewReader(opts.IO.In)
		password, err = readSecret(opts, in, "database password")
		if err != nil {
			return err
		}
	} else if opts.WithToken {
		return cmdutil.FlagErrorf("--with-token: a SQLite database has no password")
	}

	c, err := kamailio.Open(ctx, kamailio.Options{DBURL: prof.DBURL, DBPassword: password, RPCURL: prof.RPCURL,
		AllowHTTP: prof.RPCAllowHTTP, Registrar: prof.Registrar, StorePlaintext: prof.StorePlaintext})
	if err != nil {
		return fmt.Errorf("could not verify the database, nothing saved: %w", err)
	}
	version, err := c.Ping(ctx)
	c.Close()
	if err != nil {
		return fmt.Errorf("could not verify the RPC endpoint, nothing saved: %w", err)
	}

	key := auth.KeyringKey(prof.Name)
	if err := storeDBPassword(opts, prof, password); err != nil {
		return err
	}
	cfg.SetProfile(prof)
	if cfg.CurrentProfile == "" {
		cfg.CurrentProfile = prof.Name
	}
	if err := cfg.Save(); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "Logged in to %s at %s as profile %q\n", version, prof.DBURL, prof.Name)
	switch {
	case password == "":
	case opts.InsecureStorage:
		fmt.Fprintf(opts.IO.ErrOut, "warning: the database password is stored in plain text in %s (mode 0600); you will be warned each time it is used\n", cfg.Path())
	default:
		fmt.Fprintf(opts.IO.ErrOut, "Database password stored in the OS keyring (service %s, key %s)\n", keyring.Service, key)
	}
	return nil
}

// storeDBPassword keeps a database password where the profile will find it:
// the keyring, or with --insecure-storage the config entry (removing a
// keyring entry that would shadow it); no password (SQLite) removes both.
func storeDBPassword(opts *LoginOptions, prof *config.Profile, password string) error {
	key := auth.KeyringKey(prof.Name)
	switch {
	case password == "":
		prof.InsecureSecret = ""
		if err := keyring.Delete(keyring.Service, key); err != nil && !errors.Is(err, keyring.ErrNotFound) && !errors.Is(err, keyring.ErrUnavailable) {
			return fmt.Errorf("removing the old keyring entry %s: %w", key, err)
		}
	case opts.InsecureStorage:
		prof.InsecureSecret = password
		if err := keyring.Delete(keyring.Service, key); err != nil && !errors.Is(err, keyring.ErrNotFound) && !errors.Is(err, keyring.ErrUnavailable) {
			return fmt.Errorf("removing the old keyring entry %s so it cannot shadow the new password: %w", key, err)
		}
	default:
		if err := keyring.Set(keyring.Service, key, password); err != nil {
			if errors.Is(err, keyring.ErrUnavailable) || errors.Is(err, keyring.ErrTimeout) {
				return cmdutil.WithHint(fmt.Errorf("cannot store the database password, nothing saved: %w", err), auth.NoKeyringHint)
			}
			return fmt.Errorf("cannot store the database password, nothing saved: %w", err)
		}
		prof.InsecureSecret = ""
	}
	return nil
}
