package login

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sipctl/sipctl/internal/auth"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	provfactory "github.com/sipctl/sipctl/internal/factory"
	"github.com/sipctl/sipctl/internal/keyring"
	"github.com/sipctl/sipctl/internal/providers/asterisk"
	"github.com/sipctl/sipctl/internal/redact"
	"github.com/sipctl/sipctl/internal/sqldb"
	"github.com/spf13/cobra"
)

var asteriskFlags = []string{"ami", "ami-user"}

func addAsteriskFlags(cmd *cobra.Command, opts *LoginOptions) {
	fl := cmd.Flags()
	fl.StringVar(&opts.AMI, "ami", "", "Asterisk: the manager interface `HOST:PORT` (registration status, cache expiry after a password change)")
	fl.StringVar(&opts.AMIUser, "ami-user", "", "Asterisk: the manager.conf `USER` to log in as; its secret is asked for or read from standard input")
}

func validateAsterisk(cmd *cobra.Command, opts *LoginOptions) error {
	for _, name := range []string{"account-sid", "api-key", "api-url", "rpc-url", "rpc-allow-http", "store-plaintext"} {
		if cmd.Flags().Changed(name) {
			return cmdutil.FlagErrorf("--%s is not for Asterisk; an asterisk profile takes --db-url, --registrar and optionally --ami with --ami-user", name)
		}
	}
	if err := config.ValidateNewProfileName(opts.Profile); err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	if opts.DBURL != "" {
		if _, err := sqldb.Parse(opts.DBURL); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
	}
	if opts.Registrar != "" {
		if _, err := asterisk.ParseRegistrar(opts.Registrar); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
	}
	if (opts.AMI == "") != (opts.AMIUser == "") {
		return cmdutil.FlagErrorf("--ami and --ami-user go together")
	}
	if opts.AMI != "" && opts.InsecureStorage {
		return cmdutil.FlagErrorf("--insecure-storage keeps only the database password; the AMI secret needs the OS keyring (or SIPCTL_AMI_SECRET at each run)")
	}
	return nil
}

// asteriskLoginRun checks the database's PJSIP realtime tables (and logs in
// to the AMI when named), then saves the profile and the secrets.
func asteriskLoginRun(ctx context.Context, opts *LoginOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	if err := auth.ConfigureKeyring(cfg); err != nil {
		return err
	}
	prof := &config.Profile{Name: opts.Profile, Provider: config.ProviderAsterisk}
	if existing, ok := cfg.Profiles[opts.Profile]; ok {
		if existing.Provider != config.ProviderAsterisk {
			return fmt.Errorf("profile %q uses provider %q; choose another --profile for Asterisk", existing.Name, existing.Provider)
		}
		cp := *existing
		prof = &cp
	}
	for dst, v := range map[*string]string{&prof.DBURL: opts.DBURL, &prof.Registrar: opts.Registrar, &prof.AMI: opts.AMI, &prof.AMIUser: opts.AMIUser} {
		if v != "" {
			*dst = v
		}
	}
	for _, f := range []struct{ flag, v string }{{"--db-url", prof.DBURL}, {"--registrar", prof.Registrar}} {
		if f.v == "" {
			return cmdutil.FlagErrorf("%s is required for an asterisk profile", f.flag)
		}
	}
	u, err := sqldb.Parse(prof.DBURL)
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	if prof.DefaultDomain == "" {
		// The registrar's host is the accounts' domain: commands need no
		// --domain.
		reg, _ := asterisk.ParseRegistrar(prof.Registrar)
		prof.DefaultDomain = strings.ToLower(reg.Host)
	}
	in := bufio.NewReader(opts.IO.In)
	var password, amiSecret string
	if u.NeedsPassword() {
		if password, err = readLineSecret(opts, in, "database password"); err != nil {
			return err
		}
	}
	if prof.AMI != "" {
		if amiSecret, err = readLineSecret(opts, in, "AMI secret of "+prof.AMIUser); err != nil {
			return err
		}
	}
	if opts.WithToken && password == "" && amiSecret == "" {
		return cmdutil.FlagErrorf("--with-token: a SQLite database without --ami has no secret")
	}

	o := provfactory.AsteriskOptions(prof)
	o.DBPassword = password
	if o.AMI != nil {
		o.AMI.Secret = amiSecret
	}
	c, err := asterisk.Open(ctx, o)
	if err != nil {
		return fmt.Errorf("could not verify the database, nothing saved: %w", err)
	}
	schema := c.Schema()
	banner, err := c.PingAMI(ctx)
	c.Close()
	if errors.Is(err, asterisk.ErrAMIAuth) {
		return &cmdutil.AuthError{Err: fmt.Errorf("could not log in to the AMI, nothing saved: %w", err)}
	}
	if err != nil {
		return fmt.Errorf("could not log in to the AMI, nothing saved: %w", err)
	}

	if err := storeDBPassword(opts, prof, password); err != nil {
		return err
	}
	if amiSecret != "" {
		if err := keyring.Set(keyring.Service, provfactory.AMIKeyringKey(prof.Name), amiSecret); err != nil {
			if errors.Is(err, keyring.ErrUnavailable) || errors.Is(err, keyring.ErrTimeout) {
				return cmdutil.WithHint(fmt.Errorf("cannot store the AMI secret, nothing saved: %w", err), auth.NoKeyringHint)
			}
			return fmt.Errorf("cannot store the AMI secret, nothing saved: %w", err)
		}
	}
	cfg.SetProfile(prof)
	if cfg.CurrentProfile == "" {
		cfg.CurrentProfile = prof.Name
	}
	if err := cfg.Save(); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "Logged in to %s at %s as profile %q\n", schema, prof.DBURL, prof.Name)
	if banner != "" {
		fmt.Fprintf(opts.IO.Out, "AMI %s answered: %s\n", prof.AMI, banner)
	}
	switch {
	case password == "":
	case opts.InsecureStorage:
		fmt.Fprintf(opts.IO.ErrOut, "warning: the database password is stored in plain text in %s (mode 0600); you will be warned each time it is used\n", cfg.Path())
	default:
		fmt.Fprintf(opts.IO.ErrOut, "Database password stored in the OS keyring (service %s, key %s)\n", keyring.Service, auth.KeyringKey(prof.Name))
	}
	if amiSecret != "" {
		fmt.Fprintf(opts.IO.ErrOut, "AMI secret stored in the OS keyring (service %s, key %s)\n", keyring.Service, provfactory.AMIKeyringKey(prof.Name))
	}
	return nil
}

// readLineSecret reads one secret: a line of standard input with
// --with-token (the database password first, then the AMI secret), else
// hidden input on a terminal.
func readLineSecret(opts *LoginOptions, in *bufio.Reader, what string) (string, error) {
	if !opts.WithToken {
		return readSecret(opts, in, what)
	}
	line, err := in.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the %s from standard input: %w", what, err)
	}
	s := strings.TrimSpace(line)
	if s == "" {
		return "", cmdutil.FlagErrorf("--with-token: no %s on standard input (one line each: the database password, then the AMI secret)", what)
	}
	redact.Add(s)
	return s, nil
}
