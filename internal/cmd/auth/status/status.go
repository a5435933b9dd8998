// Package status is `sipctl auth status`.
package status

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/sipctl/sipctl/internal/auth"
	"github.com/sipctl/sipctl/internal/build"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/spf13/cobra"
)

// StatusOptions are the inputs of `auth status`.
type StatusOptions struct {
	IO         *iostreams.IOStreams
	Config     func() (*config.Config, error)
	HTTPClient *http.Client
	Exporter   cmdutil.Exporter

	Profile        string // --profile; empty: the active profile
	All            bool
	Offline        bool
	FixPermissions bool
}

// ProfileStatus is one profile's report; it never holds the secret.
type ProfileStatus struct {
	Profile      string `json:"profile"`
	Provider     string `json:"provider"`
	Current      bool   `json:"current"`
	AccountSID   string `json:"account_sid"`
	Username     string `json:"username"`
	Source       string `json:"source"`
	APIURL       string `json:"api_url"`
	Checked      bool   `json:"checked"`
	Working      bool   `json:"working"`
	FriendlyName string `json:"friendly_name,omitempty"`
	Error        string `json:"error,omitempty"`
	// DBURL and DBPasswordSource describe a Kamailio profile's database:
	// where its password comes from, never the password.
	DBURL            string `json:"db_url,omitempty"`
	DBPasswordSource string `json:"db_password_source,omitempty"`
	// Disagreements are other sources holding a different secret.
	Disagreements []string `json:"disagreements,omitempty"`

	err error
	// urlLabel names APIURL ("RPC URL" for Kamailio); reached is what a
	// working check reached; unchecked is the verdict when none was made.
	urlLabel, reached, unchecked string
}

// Report is the whole output.
type Report struct {
	ConfigFile     string          `json:"config_file"`
	ConfigMode     string          `json:"config_mode,omitempty"`
	ReadableOthers bool            `json:"config_readable_by_others"`
	Profiles       []ProfileStatus `json:"profiles"`
}

// NewCmdStatus returns `auth status`; runF replaces the run function in tests.
func NewCmdStatus(f *cmdutil.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IOStreams, Config: f.Config}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show where each credential comes from and whether it works",
		Long: `For the active profile (or --profile, or every profile with --all), show where its credentials come
from (environment, OS keyring, plain-text config) and check them with one API call. The secret
itself is never printed. For a Kamailio profile it names where the database password comes from
(SIPCTL_DB_PASSWORD, OS keyring, plain-text config; none for SQLite) without contacting the
database. Exits 4 when a profile has no working credentials.

--fix-permissions makes a config file that others can read private (0600).`,
		Example: `  $ sipctl auth status
  $ sipctl auth status --all --offline
  $ sipctl auth status --fix-permissions`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.Globals != nil {
				opts.Profile = f.Globals.Profile
			}
			if opts.All && opts.Profile != "" {
				return cmdutil.FlagErrorf("--all and --profile cannot be used together")
			}
			if runF != nil {
				return runF(opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "Show every profile, not only the active one")
	cmd.Flags().BoolVar(&opts.Offline, "offline", false, "Do not call the API to check the credentials")
	cmd.Flags().BoolVar(&opts.FixPermissions, "fix-permissions", false, "Make the config file readable only by you (0600)")
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, Report{})
	return cmd
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	if err := auth.ConfigureKeyring(cfg); err != nil {
		return err
	}
	rep := Report{ConfigFile: cfg.Path()}
	if info, err := os.Stat(cfg.Path()); err == nil {
		mode := info.Mode().Perm()
		if mode&0o077 != 0 && opts.FixPermissions {
			if err := cfg.FixPermissions(); err != nil {
				return fmt.Errorf("fixing the config file's permissions: %w", err)
			}
			fmt.Fprintf(opts.IO.ErrOut, "Fixed: %s is now 0600 (was %04o)\n", cfg.Path(), mode)
			mode = 0o600
		}
		rep.ConfigMode = fmt.Sprintf("%04o", mode)
		rep.ReadableOthers = mode&0o077 != 0
	}

	var profiles []*config.Profile
	if opts.All {
		for _, n := range cfg.ProfileNames() {
			p, _ := cfg.Profile(n)
			profiles = append(profiles, p)
		}
		// The profile the environment makes (any provider's variables).
		if p, err := cfg.ActiveProfile(""); err == nil && p.FromEnv && !p.BuiltIn {
			profiles = append(profiles, p)
		}
	} else {
		p, err := cfg.ActiveProfile(opts.Profile)
		if err != nil {
			return err
		}
		profiles = append(profiles, p)
	}
	active, _ := cfg.ActiveProfile(opts.Profile)

	for _, p := range profiles {
		rep.Profiles = append(rep.Profiles, check(ctx, opts, p, active))
	}

	if opts.Exporter.Enabled() {
		if err := opts.Exporter.Write(opts.IO.Out, rep); err != nil {
			return err
		}
	} else {
		printReport(opts.IO, rep)
	}
	for _, s := range rep.Profiles {
		if s.err != nil {
			return failure(s)
		}
	}
	return nil
}

func check(ctx context.Context, opts *StatusOptions, p *config.Profile, active *config.Profile) ProfileStatus {
	s := ProfileStatus{
		Profile:    p.Name,
		Provider:   p.Provider,
		Current:    active != nil && active.Name == p.Name,
		AccountSID: p.AccountSID,
		APIURL:     p.APIURL,
		DBURL:      p.DBURL,
		urlLabel:   "API URL",
	}
	m, ok := auth.MethodFor(p.Provider)
	if !ok {
		s.Source = string(auth.SourceNone)
		s.unchecked = fmt.Sprintf("not checked (sipctl cannot check %s credentials)", p.Provider)
		return s
	}
	if m.Endpoint != nil {
		s.urlLabel, s.APIURL = m.Endpoint(p)
	}
	creds, err := m.Resolve(p)
	if err != nil {
		s.Source = string(auth.SourceNone)
		if m.Label != "" {
			s.DBPasswordSource = string(auth.SourceNone)
		}
		s.Error, s.err = err.Error(), err
		return s
	}
	if creds.Warning != "" {
		fmt.Fprintln(opts.IO.ErrOut, creds.Warning)
	}
	s.Source = creds.Source.Describe(p.Name)
	if creds.NoneNeeded != "" && creds.Source == auth.SourceNone {
		s.Source = creds.NoneNeeded
	}
	if m.Label != "" {
		// A secret that is not the API's own (Kamailio's database password)
		// says which it is; JSON keeps its historic field.
		s.DBPasswordSource = s.Source
		s.Source = m.Label + ": " + s.Source
	}
	s.Disagreements = auth.Disagreements(p, creds)
	if creds.AccountSID != "" {
		s.AccountSID = creds.AccountSID
	}
	s.Username = creds.Username
	s.unchecked = m.Unchecked
	if m.Verify == nil || creds.Source == auth.SourceSandbox {
		return s
	}
	if opts.Offline {
		s.unchecked = "not checked (--offline)"
		return s
	}
	s.Checked = true
	acct, err := m.Verify(ctx, p, creds, auth.VerifyOptions{APIURL: p.APIURL, HTTPClient: opts.HTTPClient, UserAgent: "sipctl/" + build.Version})
	if err != nil {
		s.Error, s.err = err.Error(), err
		return s
	}
	s.Working, s.FriendlyName = true, acct.FriendlyName
	s.reached = acct.SID
	return s
}

func failure(s ProfileStatus) error {
	err := fmt.Errorf("profile %q: %w", s.Profile, s.err)
	if errors.Is(s.err, auth.ErrNoCredentials) || errors.Is(s.err, auth.ErrRefused) {
		return &cmdutil.AuthError{Err: err}
	}
	return err
}

func printReport(ios *iostreams.IOStreams, rep Report) {
	w := ios.Out
	for i, s := range rep.Profiles {
		if i > 0 {
			fmt.Fprintln(w)
		}
		title := s.Profile
		if s.Current {
			title += " (active)"
		}
		fields := []output.Field{
			{Label: "Profile", Value: output.Text(title)},
			{Label: "Provider", Value: output.Text(s.Provider)},
		}
		if s.AccountSID != "" {
			fields = append(fields, output.Field{Label: "Account", Value: output.Text(s.AccountSID)})
		}
		if s.Username != "" && s.Username != s.AccountSID {
			fields = append(fields, output.Field{Label: "API key", Value: output.Text(s.Username)})
		}
		src := s.Source
		if src == "" {
			src = "none"
		}
		fields = append(fields, output.Field{Label: "Credentials", Value: output.Text(src)})
		for _, d := range s.Disagreements {
			fields = append(fields, output.Field{Label: "Disagrees", Value: output.Text(d)})
		}
		if s.DBURL != "" {
			fields = append(fields, output.Field{Label: "Database", Value: output.Text(s.DBURL)})
		}
		if s.APIURL != "" {
			label := s.urlLabel
			if label == "" {
				label = "API URL"
			}
			fields = append(fields, output.Field{Label: label, Value: output.Text(s.APIURL)})
		}
		var verdict string
		switch {
		case s.Working:
			verdict = "working: reached " + s.reached
			if s.FriendlyName != "" {
				verdict += " (" + s.FriendlyName + ")"
			}
		case s.Error != "":
			verdict = "failed: " + s.Error
		case s.unchecked != "":
			verdict = s.unchecked
		default:
			verdict = "not checked (--offline)"
		}
		fields = append(fields, output.Field{Label: "Status", Value: output.Text(verdict)})
		output.PrintObject(ios, nil, s, fields)
	}
	mode := rep.ConfigMode
	switch {
	case mode == "":
		mode = "not written yet"
	case rep.ReadableOthers:
		mode += ", readable by others: run `sipctl auth status --fix-permissions`"
	}
	fmt.Fprintln(w)
	output.PrintObject(ios, nil, rep, []output.Field{{Label: "Config file", Value: output.Text(rep.ConfigFile + " (" + mode + ")")}})
}
