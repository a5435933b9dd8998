// Package check is `sipctl accounts check`: a SIP REGISTER probe that tells
// whether a registrar accepts an account's credentials.
package check

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sipctl/sipctl/internal/cmd/verify"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/rotate"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/spf13/cobra"
)

// CheckOptions are the command's inputs.
type CheckOptions struct {
	IO       *iostreams.IOStreams
	Exporter *cmdutil.Exporter

	// DefaultDomain supplies the domain when the argument is a bare user.
	DefaultDomain func() (string, error)
	// StateDir is where --from-journal looks (config.StateDir).
	StateDir func() string
	// Probe is sip.Check; tests may point it elsewhere.
	Probe func(context.Context, sip.CheckOptions) (sip.CheckResult, error)
	// Profile (optional) gives the profile's registrar, and says whether it
	// is the sandbox (whose running `sandbox serve` is the registrar).
	Profile func() (*config.Profile, error)
	// Provider (optional) completes a short domain ("hq") as every other
	// command does (p.CanonicalDomain).
	Provider func() (provider.SIPAccounts, error)

	Account string
	// Domain (-d/--domain) is the domain of a bare username, and limits a
	// --from-handover check to that domain's accounts.
	Domain        string
	Registrar     string
	Transport     string
	Timeout       time.Duration
	Register      bool
	PasswordStdin bool
	FromHandover  string
	FromJournal   bool
}

// NewCmdCheck builds `accounts check`; runF replaces the run function in tests.
func NewCmdCheck(f *cmdutil.Factory, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{
		IO:       f.IOStreams,
		Exporter: &cmdutil.Exporter{},
		StateDir: config.StateDir,
		Probe:    sip.Check,
		Profile:  f.Profile,
		Provider: f.Provider,
		DefaultDomain: func() (string, error) {
			if f.Profile == nil {
				return "", nil
			}
			p, err := f.Profile()
			if err != nil {
				return "", err
			}
			return p.DefaultDomain, nil
		},
	}
	cmd := &cobra.Command{
		Use:   "check [USER[@DOMAIN]]",
		Short: "Check that a SIP registrar accepts an account's password",
		Long: `Send a SIP REGISTER with digest authentication to the domain's registrar and report whether it
accepts the credentials, how long the answer took, and the account's current registrations when
the registrar lists them.

By default the REGISTER is a query (no Contact), so no device's registration changes. --register
adds a 60-second registration for this host instead.

The registrar is --registrar host:port, else the profile's registrar setting, else for the sandbox
profile the running ` + "`sipctl sandbox serve`" + `, else found through DNS (SRV _sip._udp, _sip._tcp or
_sips._tcp by --transport, then the domain's address). A short domain ("101@hq") is completed as
in every other command. The password is read from stdin (--password-stdin), from a handover file
written by ` + "`password rotate --output`" + ` (--from-handover), or from the newest rotation journal entry
for the account (--from-journal); on a terminal without any of these, it is prompted for.

With --from-handover and no account, every account in the file is checked, a few at once, with a
summary on stderr.

Exit status: 0 accepted, 5 rejected (any final answer other than 2xx; in a bulk check, any
account), 6 no answer.`,
		Example: `  $ printf '%s\n' "$PW" | sipctl accounts check alice@office.sip.twilio.com --password-stdin
  $ sipctl accounts check alice@office.sip.twilio.com --from-handover handover.json --transport tls
  $ sipctl accounts check alice@office.sip.twilio.com --from-journal --registrar 127.0.0.1:5060 --json
  $ sipctl accounts check --from-handover handover.json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Account = args[0]
			} else if opts.FromHandover == "" {
				return cmdutil.FlagErrorf("give an account (USER@DOMAIN), or --from-handover FILE to check every account in it")
			}
			n := 0
			for _, set := range []bool{opts.PasswordStdin, opts.FromHandover != "", opts.FromJournal} {
				if set {
					n++
				}
			}
			if n > 1 {
				return cmdutil.FlagErrorf("use only one of --password-stdin, --from-handover and --from-journal")
			}
			switch strings.ToLower(opts.Transport) {
			case "udp", "tcp", "tls":
				opts.Transport = strings.ToLower(opts.Transport)
			default:
				return cmdutil.FlagErrorf("--transport must be udp, tcp or tls, not %q", opts.Transport)
			}
			if opts.Timeout <= 0 {
				return cmdutil.FlagErrorf("--timeout must be positive")
			}
			if runF != nil {
				return runF(opts)
			}
			return checkRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Domain, "domain", "d", "", "SIP `domain` of a bare username, or of the handover's accounts to check (default: the profile's default domain)")
	fl.StringVar(&opts.Registrar, "registrar", "", "Send to this registrar `host:port` (default: the profile's registrar, else DNS)")
	fl.StringVar(&opts.Transport, "transport", "udp", "SIP transport: udp, tcp or tls")
	fl.DurationVar(&opts.Timeout, "timeout", 5*time.Second, "Give up waiting for an answer after this long")
	fl.BoolVar(&opts.Register, "register", false, "Add a 60-second registration instead of only querying")
	fl.BoolVar(&opts.PasswordStdin, "password-stdin", false, "Read the password from stdin")
	fl.StringVar(&opts.FromHandover, "from-handover", "", "Take the password from a handover `file` (.json or .csv)")
	fl.BoolVar(&opts.FromJournal, "from-journal", false, "Take the password from the newest rotation journal entry for the account")
	cmdutil.AddJSONFlags(cmd, opts.Exporter, Result{})
	return cmd
}

// Result is what the command prints (table fields and JSON).
type Result struct {
	Username   string        `json:"username"`
	Domain     string        `json:"domain"`
	Outcome    sip.Outcome   `json:"outcome"`
	StatusCode int           `json:"status_code"`
	Reason     string        `json:"reason"`
	RTTMillis  float64       `json:"rtt_ms"`
	Registrar  string        `json:"registrar"`
	Transport  string        `json:"transport"`
	Bindings   []sip.Binding `json:"bindings"`
}

func checkRun(ctx context.Context, opts *CheckOptions) error {
	var prof *config.Profile
	if opts.Profile != nil {
		p, err := opts.Profile()
		if err != nil {
			return err
		}
		prof = p
	}
	if opts.Account == "" {
		return checkHandover(ctx, opts, prof)
	}
	defaultDomain := opts.DefaultDomain
	if opts.Domain != "" {
		if strings.Contains(opts.Account, "@") {
			return cmdutil.FlagErrorf("give the domain once: %q names one and so does --domain", opts.Account)
		}
		defaultDomain = func() (string, error) { return opts.Domain, nil }
	}
	user, domain, err := splitAccount(opts.Account, defaultDomain)
	if err != nil {
		return err
	}
	if domain, err = completeDomain(opts, domain); err != nil {
		return err
	}
	registrar, err := chooseRegistrar(opts, prof)
	if err != nil {
		return err
	}
	pw, err := readPassword(opts, user, domain)
	if err != nil {
		return err
	}
	res, err := opts.Probe(ctx, sip.CheckOptions{
		Username: user, Password: pw, Domain: domain,
		Registrar: registrar, Transport: opts.Transport, Timeout: opts.Timeout, Register: opts.Register,
	})
	if err != nil {
		return err
	}
	out := newResult(user, domain, res)
	if err := printResult(opts, out); err != nil {
		return err
	}
	return ResultError(user, domain, res)
}

func newResult(user, domain string, res sip.CheckResult) Result {
	return Result{
		Username: user, Domain: domain, Outcome: res.Outcome, StatusCode: res.StatusCode, Reason: res.Reason,
		RTTMillis: float64(res.RTT.Microseconds()) / 1000, Registrar: res.Registrar, Transport: res.Transport,
		Bindings: res.Bindings,
	}
}

// completeDomain completes a short domain ("hq") through the profile's
// provider, as every other command does. A full name is used as given: the
// registrar may be any SIP server, not only the provider's.
func completeDomain(opts *CheckOptions, domain string) (string, error) {
	if strings.Contains(domain, ".") || opts.Provider == nil {
		return domain, nil
	}
	p, err := opts.Provider()
	if err != nil {
		return "", fmt.Errorf("completing the domain %q: %w", domain, err)
	}
	full, err := p.CanonicalDomain(domain)
	if err != nil {
		return "", cmdutil.FlagErrorf("%v", err)
	}
	return strings.ToLower(full), nil
}

// chooseRegistrar is --registrar, else the profile's (verify.ProfileRegistrar:
// its registrar setting, or the sandbox's running serve), else "" for DNS.
func chooseRegistrar(opts *CheckOptions, prof *config.Profile) (string, error) {
	if opts.Registrar != "" {
		return opts.Registrar, nil
	}
	dir := ""
	if opts.StateDir != nil {
		dir = opts.StateDir()
	}
	addr, _, err := verify.ProfileRegistrar(prof, dir)
	if err != nil {
		// Nothing would answer the REGISTER.
		return "", &cmdutil.ExitError{Code: cmdutil.ExitNoAnswer, Err: err}
	}
	return addr, nil
}

// bulkConcurrency bounds the probes of a bulk check in flight: each holds a
// socket, and a registrar is not the place to load-test.
const bulkConcurrency = 8

// checkHandover checks every account of a handover file, a few at once, and
// prints one result per account (in the file's order) and a summary.
func checkHandover(ctx context.Context, opts *CheckOptions, prof *config.Profile) error {
	records, err := readHandover(opts.FromHandover)
	if err != nil {
		return err
	}
	only := ""
	if opts.Domain != "" {
		if only, err = completeDomain(opts, strings.ToLower(opts.Domain)); err != nil {
			return err
		}
	}
	// The newest record of an account is the one that counts.
	latest := map[string]int{}
	var order []string
	for i, r := range records {
		if r.Username == "" || r.Domain == "" || r.Password == "" {
			continue
		}
		if only != "" && !strings.EqualFold(r.Domain, only) {
			continue
		}
		k := r.Username + "@" + strings.ToLower(r.Domain)
		if _, seen := latest[k]; !seen {
			order = append(order, k)
		}
		latest[k] = i
	}
	if len(order) == 0 {
		if only != "" {
			return fmt.Errorf("handover %s has no accounts with passwords on %s", opts.FromHandover, only)
		}
		return fmt.Errorf("handover %s has no accounts with passwords", opts.FromHandover)
	}
	registrar, err := chooseRegistrar(opts, prof)
	if err != nil {
		return err
	}
	results := make([]Result, len(order))
	sem := make(chan struct{}, bulkConcurrency)
	var wg sync.WaitGroup
	for i, k := range order {
		r := records[latest[k]]
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			domain := strings.ToLower(r.Domain)
			res, err := opts.Probe(ctx, sip.CheckOptions{Username: r.Username, Password: r.Password, Domain: domain,
				Registrar: registrar, Transport: opts.Transport, Timeout: opts.Timeout, Register: opts.Register})
			if err != nil {
				res = sip.CheckResult{Outcome: sip.NoAnswer, Reason: err.Error(), Registrar: registrar, Transport: opts.Transport}
			}
			results[i] = newResult(r.Username, domain, res)
		})
	}
	wg.Wait()

	counts := map[sip.Outcome]int{}
	for _, r := range results {
		counts[r.Outcome]++
	}
	if _, err := output.PrintList(opts.IO, opts.Exporter, output.All(results), bulkColumns); err != nil {
		return err
	}
	where := registrar
	if where == "" {
		where = "each domain's registrar (DNS)"
	}
	fmt.Fprintf(opts.IO.ErrOut, "Checked %d accounts at %s (%s): %d accepted, %d rejected, %d no answer\n",
		len(results), where, opts.Transport, counts[sip.Accepted], counts[sip.Rejected], counts[sip.NoAnswer])
	switch {
	case counts[sip.Rejected] > 0:
		return &cmdutil.ExitError{Code: cmdutil.ExitRejected, Err: cmdutil.WithHint(
			fmt.Errorf("%d of %d accounts rejected", counts[sip.Rejected], len(results)),
			"the passwords in the handover are not the registrar's; see the rejected rows above")}
	case counts[sip.NoAnswer] > 0:
		return &cmdutil.ExitError{Code: cmdutil.ExitNoAnswer, Err: cmdutil.WithHint(
			fmt.Errorf("%d of %d accounts got no answer", counts[sip.NoAnswer], len(results)),
			"check --registrar and --transport, the network, or raise --timeout")}
	}
	return nil
}

var bulkColumns = []output.Column[Result]{
	{Header: "ACCOUNT", Value: func(r Result) output.Cell { return output.Text(r.Username + "@" + r.Domain) }},
	{Header: "OUTCOME", Value: func(r Result) output.Cell { return output.Text(string(r.Outcome)) }},
	{Header: "STATUS", Value: func(r Result) output.Cell { return output.Text(statusText(r)) }},
	{Header: "RTT", Value: func(r Result) output.Cell { return output.Text(rttText(r)) }},
}

// ResultError maps a probe's outcome to the exit-code error sipctl returns
// (nil when accepted); `--verify` on other commands uses it too.
func ResultError(user, domain string, res sip.CheckResult) error {
	switch res.Outcome {
	case sip.Accepted:
		return nil
	case sip.Rejected:
		return &cmdutil.ExitError{Code: cmdutil.ExitRejected, Err: cmdutil.WithHint(
			fmt.Errorf("%s rejected %s@%s: %d %s", res.Registrar, user, domain, res.StatusCode, res.Reason),
			rejectHint(res.StatusCode, user+"@"+domain))}
	default:
		return &cmdutil.ExitError{Code: cmdutil.ExitNoAnswer, Err: cmdutil.WithHint(
			fmt.Errorf("no answer for %s@%s: %s", user, domain, res.Reason),
			"check --registrar and --transport, the network, or raise --timeout")}
	}
}

// rejectHint says where the right password is: a rejected password is
// most often an old one (the account was rotated since), and the current one
// is in the handover of the run that set it, or in its journal while the
// run is unfinished. Rotating again would only make another.
func rejectHint(code int, account string) string {
	switch code {
	case 403, 401, 407:
		return fmt.Sprintf("the registrar does not take this password for %s; if sipctl set or rotated it, check the one in that run's handover: `sipctl accounts check %s --from-handover FILE` (or `--from-journal` while the run is unfinished, see `sipctl password runs list`)", account, account)
	case 404:
		return "the registrar does not know this user or domain; see `sipctl accounts list`"
	}
	return "the registrar answered but did not accept the REGISTER"
}

func statusText(r Result) string {
	switch {
	case r.StatusCode != 0:
		return fmt.Sprintf("%d %s", r.StatusCode, r.Reason)
	case r.Reason != "":
		return r.Reason
	}
	return "-"
}

func rttText(r Result) string {
	if r.Outcome == sip.NoAnswer {
		return "-"
	}
	return fmt.Sprintf("%.1f ms", r.RTTMillis)
}

func printResult(opts *CheckOptions, r Result) error {
	status, rtt := statusText(r), rttText(r)
	registrar := r.Registrar
	if registrar == "" {
		registrar = "-"
	}
	fields := []output.Field{
		{Label: "Account", Value: output.Text(r.Username + "@" + r.Domain)},
		{Label: "Outcome", Value: output.Text(string(r.Outcome))},
		{Label: "Status", Value: output.Text(status)},
		{Label: "Registrar", Value: output.Text(registrar + " (" + r.Transport + ")")},
		{Label: "RTT", Value: output.Text(rtt)},
	}
	for i, b := range r.Bindings {
		label := ""
		if i == 0 {
			label = "Bindings"
		}
		fields = append(fields, output.Field{Label: label, Value: output.Text(fmt.Sprintf("%s (expires in %ds)", b.Contact, b.Expires))})
	}
	if len(r.Bindings) == 0 && r.Outcome == sip.Accepted {
		fields = append(fields, output.Field{Label: "Bindings", Value: output.Text("none")})
	}
	return output.PrintObject(opts.IO, opts.Exporter, r, fields)
}

func splitAccount(arg string, defaultDomain func() (string, error)) (user, domain string, err error) {
	arg = strings.TrimPrefix(strings.TrimPrefix(arg, "sip:"), "sips:")
	user, domain, found := strings.Cut(arg, "@")
	if !found && defaultDomain != nil {
		if domain, err = defaultDomain(); err != nil {
			return "", "", err
		}
	}
	if user == "" || domain == "" || strings.ContainsAny(domain, " @;<>\"/?#") {
		return "", "", cmdutil.FlagErrorf("%q is not USER@DOMAIN (give the domain, or set a default with `sipctl profile set default_domain NAME`)", arg)
	}
	if err := provider.CheckSIPUser(user); err != nil {
		return "", "", cmdutil.FlagErrorf("%v", err)
	}
	return user, strings.ToLower(domain), nil
}

func readPassword(opts *CheckOptions, user, domain string) (string, error) {
	switch {
	case opts.PasswordStdin:
		return password.ReadStdin(opts.IO.In)
	case opts.FromHandover != "":
		return fromHandover(opts.FromHandover, user, domain)
	case opts.FromJournal:
		return fromJournal(journal.Dir(opts.StateDir()), user, domain)
	case opts.IO.CanPrompt():
		pw, err := opts.IO.ReadHidden(fmt.Sprintf("Password for %s@%s: ", user, domain))
		if err != nil {
			return "", err
		}
		if pw == "" {
			return "", cmdutil.FlagErrorf("no password given")
		}
		return pw, nil
	}
	return "", cmdutil.FlagErrorf("no password: pass --password-stdin, --from-handover FILE or --from-journal")
}

// fromHandover finds the account in a handover file, JSON or CSV as
// `password rotate --output` writes them.
func fromHandover(path, user, domain string) (string, error) {
	records, err := readHandover(path)
	if err != nil {
		return "", err
	}
	for _, r := range slices.Backward(records) {
		if r.Username == user && strings.EqualFold(r.Domain, domain) && r.Password != "" {
			return r.Password, nil
		}
	}
	return "", cmdutil.WithHint(fmt.Errorf("handover %s has no password for %s@%s", path, user, domain),
		"check the account name, or pass the password with --password-stdin")
}

// readHandover reads a handover file's records with custody's own reader,
// so a file reads exactly as `password rotate --output` and `accounts create
// --output` wrote it (a CSV cell's formula-safe quote stripped, a password
// byte for byte). Its errors name the file and line, never its content.
func readHandover(path string) ([]rotate.Record, error) {
	records, err := rotate.ReadHandover(path)
	if err != nil {
		return nil, fmt.Errorf("reading handover: %w", err)
	}
	return records, nil
}

// fromJournal takes the newest journal entry for the account: a done one if
// any run finished it, else the newest pending one (its password may or may
// not have reached the provider, which is what a check settles).
func fromJournal(dir, user, domain string) (string, error) {
	paths, err := journal.List(dir)
	if err != nil {
		return "", fmt.Errorf("reading journals: %w", err)
	}
	var pending string
	for _, p := range slices.Backward(paths) {
		j, err := journal.Read(p)
		if err != nil || j.Damage() != nil {
			continue
		}
		entries := j.Entries()
		for _, e := range slices.Backward(entries) {
			if e.Username != user || !strings.EqualFold(e.Domain, domain) || e.Password == "" {
				continue
			}
			switch e.Status {
			case journal.Done:
				return e.Password, nil
			case journal.Pending:
				if pending == "" {
					pending = e.Password
				}
			}
		}
	}
	if pending != "" {
		return pending, nil
	}
	return "", cmdutil.WithHint(fmt.Errorf("no journal entry for %s@%s in %s", user, domain, dir),
		"journals keep passwords of `password rotate` and `accounts create` runs; pass --password-stdin instead")
}
