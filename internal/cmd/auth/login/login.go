// Package login is `sipctl auth login`.
package login

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/sipctl/sipctl/internal/auth"
	"github.com/sipctl/sipctl/internal/build"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/keyring"
	"github.com/sipctl/sipctl/internal/redact"
	"github.com/sipctl/sipctl/internal/twilio"
	"github.com/spf13/cobra"
)

// LoginOptions are the inputs of `auth login`.
type LoginOptions struct {
	IO     *iostreams.IOStreams
	Config func() (*config.Config, error)
	// HTTPClient carries the verification call; nil is the default client.
	HTTPClient *http.Client

	Profile    string
	Provider   string
	AccountSID string
	APIKeySID  string
	APIURL     string
	// AuthID is Plivo's (--provider plivo --auth-id).
	AuthID          string
	WithToken       bool
	InsecureStorage bool

	// Kamailio (--provider kamailio): see kamailio.go.
	DBURL          string
	RPCURL         string
	Registrar      string
	RPCAllowHTTP   bool
	StorePlaintext bool

	// Asterisk (--provider asterisk, with DBURL and Registrar): asterisk.go.
	AMI, AMIUser string

	// SignalWire (--provider signalwire): see signalwire.go.
	Space   string
	Project string
}

// NewCmdLogin returns `auth login`; runF replaces the run function in tests.
func NewCmdLogin(f *cmdutil.Factory, runF func(*LoginOptions) error) *cobra.Command {
	opts := &LoginOptions{IO: f.IOStreams, Config: f.Config}
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Verify API credentials and store the secret in the OS keyring",
		Long: `Log in a profile to a provider. The secret (an Auth Token, or an API Key Secret with --api-key) is
asked for with hidden input on a terminal, or read from standard input with --with-token; it is
never taken as a flag value. sipctl fetches the account with it once, and saves it only if the
provider accepts it: in the OS keyring (service "sipctl", key "profile:<name>"), with the
profile's non-secret fields in the config file.

With --provider kamailio the profile names Kamailio's database (its db_url: sqlite:///abs/path.db,
postgres://user@host/db or mysql://user@host/db, never with a password in it), its JSON-RPC endpoint
(jsonrpcs over xhttp) and the registrar phones use. The database password, when there is one, is
the secret: asked for hidden or read with --with-token, and kept in the keyring. sipctl opens the
database, checks Kamailio's table versions and calls core.version over RPC before saving.

With --provider asterisk the profile names Asterisk's PJSIP realtime database (--db-url, as for
Kamailio) and the registrar phones use (--registrar HOST:PORT, whose host is the accounts' domain);
--ami HOST:PORT with --ami-user NAME adds the manager interface. sipctl checks the ps_endpoints,
ps_auths and ps_aors tables (and reports the alembic version it finds) and logs in to the AMI before
saving. With --with-token, standard input holds one line per secret: the database password (none
for SQLite), then the AMI secret.

With --provider signalwire the profile names the space (--space NAME, of NAME.signalwire.com)
and the project (--project ID); the secret is the project's API token (with the Voice scope).
Phones register at NAME.sip.signalwire.com, the profile's default domain.`,
		Example: `  $ sipctl auth login --account-sid AC0123456789abcdef0123456789abcdef
  $ sipctl auth login --profile acme --account-sid AC… --api-key SK… --with-token < key-secret.txt
  $ sipctl auth login --profile local --account-sid AC… --api-url http://127.0.0.1:8080 --with-token <<<"$TOKEN"
  $ sipctl auth login --profile pbx --provider kamailio --db-url postgres://kamailio@db.example.com/kamailio \
      --rpc-url http://127.0.0.1:5071/RPC --registrar sip.example.com:5060
  $ sipctl auth login --provider telnyx --profile tx --with-token <<<"$TELNYX_API_KEY"
  $ sipctl auth login --profile pbx --provider asterisk --db-url mysql://asterisk@db.example.com/asterisk \
      --registrar pbx.example.com:5060 --ami 127.0.0.1:5038 --ami-user sipctl
  $ sipctl auth login --provider plivo --auth-id MA2025RK4E639VJFZAGV --profile pl --with-token <<<"$PLIVO_AUTH_TOKEN"

  $ sipctl auth login --provider signalwire --profile sw --space example --project 1b5a0c6e-7d1f-4f5e-9c1a-2b3c4d5e6f70 \
      --with-token <<<"$SIGNALWIRE_API_TOKEN"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Profile = profileName(f)
			login, ok := flows[opts.Provider]
			if !ok {
				return cmdutil.FlagErrorf("unsupported provider %q: %s log in (the sandbox needs no login)", opts.Provider, strings.Join(flowNames(), ", "))
			}
			if err := otherProvidersFlags(cmd, opts.Provider); err != nil {
				return err
			}
			return login(cmd.Context(), cmd, opts, runF)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Provider, "provider", config.ProviderTwilio, "Provider of the account: `twilio`, kamailio, asterisk, telnyx (whose secret is an API key), plivo (with --auth-id), or signalwire (an API token)")
	fl.StringVar(&opts.AccountSID, "account-sid", "", "Account `SID` (AC…) to log in to; asked for on a terminal when missing")
	fl.StringVar(&opts.APIKeySID, "api-key", "", "Authenticate with an API Key `SID` (SK…); the secret is then the key's secret")
	fl.StringVar(&opts.APIURL, "api-url", "", "API base `URL` for a non-default endpoint such as `sipctl sandbox serve` (http only on loopback)")
	fl.StringVar(&opts.AuthID, "auth-id", "", "Plivo Auth `ID` (MA…, or SA… for a subaccount), with --provider plivo; the secret is then its Auth Token")
	fl.BoolVar(&opts.WithToken, "with-token", false, "Read the secret from standard input")
	fl.BoolVar(&opts.InsecureStorage, "insecure-storage", false, "Store the secret in plain text in the config file (0600) instead of the OS keyring; warned on every use")
	addKamailioFlags(cmd, opts)
	addAsteriskFlags(cmd, opts)
	addSignalWireFlags(cmd, opts)
	return cmd
}

// flow is one provider's login: it checks its own flags, then (unless runF
// replaces the run in tests) verifies the secret and saves the profile.
type flow func(ctx context.Context, cmd *cobra.Command, opts *LoginOptions, runF func(*LoginOptions) error) error

// flows are the logins by the profile's provider: value; the command
// dispatches through this table and never switches on provider names.
var flows = map[string]flow{
	config.ProviderTwilio: twilioLogin,
	config.ProviderKamailio: func(ctx context.Context, cmd *cobra.Command, opts *LoginOptions, runF func(*LoginOptions) error) error {
		if err := validateKamailio(cmd, opts); err != nil {
			return err
		}
		if runF != nil {
			return runF(opts)
		}
		return kamailioLoginRun(ctx, opts)
	},
	config.ProviderAsterisk: func(ctx context.Context, cmd *cobra.Command, opts *LoginOptions, runF func(*LoginOptions) error) error {
		if err := validateAsterisk(cmd, opts); err != nil {
			return err
		}
		if runF != nil {
			return runF(opts)
		}
		return asteriskLoginRun(ctx, opts)
	},
	config.ProviderSignalWire: signalWireLogin,
	config.ProviderTelnyx: func(ctx context.Context, _ *cobra.Command, opts *LoginOptions, runF func(*LoginOptions) error) error {
		return telnyxLogin(ctx, opts, runF)
	},
	config.ProviderPlivo: func(ctx context.Context, _ *cobra.Command, opts *LoginOptions, runF func(*LoginOptions) error) error {
		return plivoLogin(ctx, opts, runF)
	},
}

func flowNames() []string {
	names := make([]string, 0, len(flows))
	for n := range flows {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// flagOwners are the flags only some providers' logins take, with those
// providers: given for another provider, a flag is refused before any
// request instead of being ignored. (Twilio's --account-sid and --api-key
// are refused by each other login in its own words.)
func flagOwners() map[string][]string {
	owners := map[string][]string{"auth-id": {config.ProviderPlivo}}
	for _, f := range kamailioFlags {
		owners[f] = append(owners[f], config.ProviderKamailio)
	}
	for _, f := range []string{"db-url", "registrar"} {
		owners[f] = append(owners[f], config.ProviderAsterisk)
	}
	for _, f := range asteriskFlags {
		owners[f] = append(owners[f], config.ProviderAsterisk)
	}
	for _, f := range signalWireFlags {
		owners[f] = append(owners[f], config.ProviderSignalWire)
	}
	return owners
}

func otherProvidersFlags(cmd *cobra.Command, provider string) error {
	owners := flagOwners()
	names := make([]string, 0, len(owners))
	for n := range owners {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		if f := cmd.Flags().Lookup(name); f != nil && f.Changed && !slices.Contains(owners[name], provider) {
			return cmdutil.FlagErrorf("--%s is for --provider %s", name, strings.Join(owners[name], " or "))
		}
	}
	return nil
}

// twilioLogin checks Twilio's flags, then logs in (loginRun).
func twilioLogin(ctx context.Context, _ *cobra.Command, opts *LoginOptions, runF func(*LoginOptions) error) error {
	if err := config.ValidateNewProfileName(opts.Profile); err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	if opts.AccountSID != "" && !twilio.ValidAccountSID(opts.AccountSID) {
		return cmdutil.FlagErrorf("invalid --account-sid %q: expected AC followed by 32 hex digits", opts.AccountSID)
	}
	if opts.APIURL != "" {
		if _, err := twilio.ParseBaseURL(opts.APIURL); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
	}
	if runF != nil {
		return runF(opts)
	}
	return loginRun(ctx, opts)
}

// profileName is --profile, else $SIPCTL_PROFILE, else "default".
func profileName(f *cmdutil.Factory) string {
	if f.Globals != nil && f.Globals.Profile != "" {
		return f.Globals.Profile
	}
	if p := os.Getenv("SIPCTL_PROFILE"); p != "" {
		return p
	}
	return "default"
}

func loginRun(ctx context.Context, opts *LoginOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	if err := auth.ConfigureKeyring(cfg); err != nil {
		return err
	}
	prof := &config.Profile{Name: opts.Profile, Provider: config.ProviderTwilio}
	if existing, ok := cfg.Profiles[opts.Profile]; ok {
		cp := *existing
		prof = &cp
		if prof.Provider != config.ProviderTwilio {
			return fmt.Errorf("profile %q uses provider %q, which does not log in", prof.Name, prof.Provider)
		}
	}
	// A fresh login replaces the account and key; keep what it does not name
	// (default domain, password policy) from an earlier login.
	if opts.AccountSID != "" {
		prof.AccountSID = opts.AccountSID
	}
	if opts.APIKeySID != "" {
		prof.APIKeySID = opts.APIKeySID
	} else if opts.AccountSID != "" {
		prof.APIKeySID = ""
	}
	if opts.APIURL != "" {
		prof.APIURL = opts.APIURL
	}

	in := bufio.NewReader(opts.IO.In)
	if prof.AccountSID == "" {
		if opts.WithToken || !opts.IO.CanPrompt() {
			return cmdutil.FlagErrorf("--account-sid is required")
		}
		fmt.Fprint(opts.IO.ErrOut, "Account SID (AC…): ")
		line, _ := in.ReadString('\n')
		prof.AccountSID = strings.TrimSpace(line)
		if !twilio.ValidAccountSID(prof.AccountSID) {
			return cmdutil.FlagErrorf("invalid account SID %q: expected AC followed by 32 hex digits", prof.AccountSID)
		}
	}

	what := "Auth Token"
	if prof.APIKeySID != "" {
		what = "API Key Secret"
	}
	secret, err := readSecret(opts, in, what)
	if err != nil {
		return err
	}
	creds := auth.Credentials{AccountSID: prof.AccountSID, Username: prof.AccountSID, Secret: secret}
	if prof.APIKeySID != "" {
		creds.Username = prof.APIKeySID
	}
	apiURL := prof.APIURL
	if u := os.Getenv("SIPCTL_API_URL"); u != "" && opts.APIURL == "" {
		apiURL = u
	}
	acct, err := auth.Verify(ctx, creds, auth.VerifyOptions{APIURL: apiURL, HTTPClient: opts.HTTPClient, UserAgent: "sipctl/" + build.Version})
	switch {
	case errors.Is(err, auth.ErrRefused):
		return &cmdutil.AuthError{Err: fmt.Errorf("the provider refused the credentials for %s; nothing saved", prof.AccountSID)}
	case err != nil:
		return fmt.Errorf("could not verify the credentials, nothing saved: %w", err)
	}

	key := auth.KeyringKey(prof.Name)
	if opts.InsecureStorage {
		prof.InsecureSecret = secret
		if err := staleKeyringEntry(opts, in, prof.Name, secret); err != nil {
			return err
		}
	} else {
		if err := keyring.Set(keyring.Service, key, secret); err != nil {
			if errors.Is(err, keyring.ErrUnavailable) || errors.Is(err, keyring.ErrTimeout) {
				return cmdutil.WithHint(fmt.Errorf("cannot store the secret, nothing saved: %w", err), auth.NoKeyringHint)
			}
			return fmt.Errorf("cannot store the secret, nothing saved: %w", err)
		}
		prof.InsecureSecret = ""
	}
	cfg.SetProfile(prof)
	if cfg.CurrentProfile == "" {
		cfg.CurrentProfile = prof.Name
	}
	if err := cfg.Save(); err != nil {
		return err
	}

	name := acct.FriendlyName
	if name == "" {
		name = "no friendly name"
	}
	fmt.Fprintf(opts.IO.Out, "Logged in to %s (%s) as profile %q\n", acct.SID, name, prof.Name)
	if opts.InsecureStorage {
		fmt.Fprintf(opts.IO.ErrOut, "warning: the secret is stored in plain text in %s (mode 0600); you will be warned each time it is used\n", cfg.Path())
	} else {
		fmt.Fprintf(opts.IO.ErrOut, "Secret stored in the OS keyring (service %s, key %s)\n", keyring.Service, key)
	}
	if config.EnvHasCredentials() {
		fmt.Fprintln(opts.IO.ErrOut, "note: SIPCTL_*/TWILIO_* credentials in the environment take precedence over this profile while they are set")
	}
	return nil
}

// staleKeyringEntry deals with a keyring entry for the profile when the
// secret goes to the config file: the keyring takes precedence, so an older
// entry left there would silently win over the secret just stored, now or
// once the keyring is reachable again. On a terminal it offers to remove the
// entry; otherwise it says how to.
func staleKeyringEntry(opts *LoginOptions, in *bufio.Reader, profile, secret string) error {
	key := auth.KeyringKey(profile)
	how := fmt.Sprintf("`secret-tool clear service %s username %s` (or your keyring's own tool)", keyring.Service, key)
	old, err := keyring.Get(keyring.Service, key)
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return nil
	case err != nil:
		fmt.Fprintf(opts.IO.ErrOut, "warning: could not check the OS keyring for an older secret of profile %q (%v); if it holds one, that one takes precedence over the config file once the keyring is reachable: then remove it with %s\n",
			profile, err, how)
		return nil
	case old == secret:
		// The same secret: nothing disagrees today, but a later login to
		// the config file would be shadowed. Remove it without asking.
		if err := keyring.Delete(keyring.Service, key); err != nil && !errors.Is(err, keyring.ErrNotFound) {
			fmt.Fprintf(opts.IO.ErrOut, "warning: could not remove the keyring entry %s (%v); remove it with %s\n", key, err, how)
		}
		return nil
	}
	fmt.Fprintf(opts.IO.ErrOut, "warning: the OS keyring holds a different secret for profile %q (service %s, key %s); while it is there it takes precedence over the secret stored in the config file\n",
		profile, keyring.Service, key)
	if !opts.IO.CanPrompt() {
		fmt.Fprintf(opts.IO.ErrOut, "hint: remove it with %s, or run `sipctl auth login --profile %s --insecure-storage` on a terminal to be asked\n", how, profile)
		return nil
	}
	fmt.Fprint(opts.IO.ErrOut, "Remove the keyring entry? [Y/n]: ")
	line, _ := in.ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "", "y", "yes":
	default:
		fmt.Fprintf(opts.IO.ErrOut, "Kept the keyring entry; it will be used instead of the config file's secret. Remove it later with %s\n", how)
		return nil
	}
	if err := keyring.Delete(keyring.Service, key); err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("removing the keyring entry %s so it cannot shadow the new secret, nothing saved: %w", key, err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Removed the keyring entry %s\n", key)
	return nil
}

// readSecret reads a secret from stdin (--with-token) or hidden input.
func readSecret(opts *LoginOptions, in *bufio.Reader, what string) (string, error) {
	var secret string
	switch {
	case opts.WithToken:
		b, err := io.ReadAll(io.LimitReader(in, 64<<10))
		if err != nil {
			return "", fmt.Errorf("reading the secret from standard input: %w", err)
		}
		secret = strings.TrimSpace(string(b))
		if secret == "" {
			return "", cmdutil.FlagErrorf("--with-token: standard input was empty; pipe the %s in", what)
		}
	case opts.IO.IsStdinTTY() && !opts.IO.CanPrompt():
		return "", cmdutil.FlagErrorf("cannot prompt here (prompting disabled or output redirected); pass the %s on standard input with --with-token", what)
	case opts.IO.IsStdinTTY():
		s, err := opts.IO.ReadHidden(what + " (input hidden): ")
		if err != nil {
			return "", fmt.Errorf("reading the secret: %w", err)
		}
		secret = strings.TrimSpace(s)
		if secret == "" {
			return "", cmdutil.FlagErrorf("no %s entered", what)
		}
	default:
		return "", cmdutil.FlagErrorf("no terminal to ask for the %s: pass it on standard input with --with-token", what)
	}
	if strings.ContainsAny(secret, "\r\n") {
		return "", cmdutil.FlagErrorf("the %s must be a single line", what)
	}
	redact.Add(secret)
	return secret, nil
}
