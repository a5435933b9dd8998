// Package check is `sipctl domains check`: the troubleshooting a support
// desk does by hand when phones cannot register, each finding with the
// command that fixes it.
package check

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/sipctl/sipctl/internal/cmd/accounts/lookup"
	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/twilio"
	"github.com/spf13/cobra"
)

// Severities: an error stops phones from working; a warning is a trap.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Finding codes are stable for scripts (--json).
const (
	NoRegistrationList   = "no-registration-list"
	RegistrationDisabled = "registration-disabled"
	EmptyList            = "empty-list"
	UnattachedList       = "unattached-list"
	DuplicateListName    = "duplicate-list-name"
	UnclearListName      = "unclear-list-name"
)

// Finding is one problem and the command that fixes it.
type Finding struct {
	Severity          string `json:"severity"`
	Code              string `json:"code"`
	Domain            string `json:"domain,omitempty"`
	CredentialList    string `json:"credential_list,omitempty"`
	CredentialListSID string `json:"credential_list_sid,omitempty"`
	Problem           string `json:"problem"`
	Fix               string `json:"fix"`
}

// Checked is what checking a domain's attachments needs.
type Checked interface {
	provider.Domains
	provider.Mappings
	provider.CredentialLists
}

// CheckOptions are the inputs of `domains check`.
type CheckOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (Checked, error)
	Exporter *cmdutil.Exporter

	Domain string
	// Quiet (-q) leaves out the summary line.
	Quiet bool
}

// NewCmdCheck is `domains check [DOMAIN]`.
func NewCmdCheck(f *cmdutil.Factory, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{IO: f.IOStreams, Provider: cmdutil.Capability[Checked](f.Provider, provider.WhatCredentialLists), Exporter: &cmdutil.Exporter{}}
	cmd := &cobra.Command{
		Use:   "check [DOMAIN]",
		Short: "Find why phones cannot register or authenticate, with the command that fixes each problem",
		Long: `Check SIP domains and credential lists for the problems a support desk looks for by hand:

  error    no credential list attached for registrations while registration is on
           (phones cannot register; Twilio error 32212)
  warning  registration disabled on a domain that has a list attached for registrations
  warning  a credential list attached to a domain holds no usernames
  warning  a credential list attached to no domain (only when no DOMAIN is given)
  warning  several credential lists with the same name, or a name that is blank,
           padded with spaces or looks like a SID

Each finding comes with the command that fixes it. With DOMAIN, only that domain and the
lists attached to it are checked. Exits 1 when an error is found.`,
		Example: `  $ sipctl domains check
  $ sipctl domains check office
  $ sipctl domains check --json --jq '.[] | select(.severity == "error") | .fix'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Domain = args[0]
			}
			opts.Quiet = f.Globals != nil && f.Globals.QuietNotes()
			if runF != nil {
				return runF(opts)
			}
			return checkRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, opts.Exporter, Finding{})
	return cmd
}

func checkRun(ctx context.Context, opts *CheckOptions) error {
	if opts.Domain != "" {
		if _, err := twilio.DomainName(opts.Domain); err != nil && !twilio.IsSID(twilio.PrefixDomain, opts.Domain) {
			return cmdutil.FlagErrorf("%v", err)
		}
	}
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	findings, domains, lists, err := Check(ctx, p, opts.Domain)
	if err != nil {
		return err
	}
	if err := printFindings(opts, findings); err != nil {
		return err
	}
	errs := 0
	for _, f := range findings {
		if f.Severity == SeverityError {
			errs++
		}
	}
	// The summary goes to stderr in a pipe too: a check that found nothing
	// must not look like one that printed nothing.
	if !opts.Quiet && !opts.Exporter.Enabled() {
		if len(findings) == 0 {
			fmt.Fprintf(opts.IO.ErrOut, "No problems found in %d domain%s and %d credential list%s\n", domains, plural(domains, "", "s"), lists, plural(lists, "", "s"))
		} else {
			fmt.Fprintf(opts.IO.ErrOut, "%d error%s, %d warning%s\n", errs, plural(errs, "", "s"), len(findings)-errs, plural(len(findings)-errs, "", "s"))
		}
	}
	if errs > 0 {
		// The findings are the message; exit 1 so scripts notice.
		return cmdutil.ErrSilent
	}
	return nil
}

// Check runs every check on one domain (domainRef) or on the whole account
// (""), and says how many domains and lists it looked at.
func Check(ctx context.Context, p Checked, domainRef string) ([]Finding, int, int, error) {
	var domains []provider.Domain
	if domainRef != "" {
		d, err := resolve.Domain(ctx, p, domainRef)
		if err != nil {
			return nil, 0, 0, err
		}
		domains = append(domains, d)
	} else {
		for d, err := range p.ListDomains(ctx) {
			if err != nil {
				return nil, 0, 0, err
			}
			domains = append(domains, d)
		}
	}

	var findings []Finding
	attachedAnywhere := map[string]bool{}
	inScope := map[string]bool{}
	empty := map[string]bool{} // list SID → has no credentials, cached across domains
	for _, d := range domains {
		attached, err := lookup.AttachedLists(ctx, p, d.SID)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("reading what is attached to %s: %w", d.DomainName, err)
		}
		var forReg, forCalls []lookup.AttachedList
		for _, l := range attached {
			attachedAnywhere[l.SID] = true
			inScope[l.SID] = true
			if l.Registrations {
				forReg = append(forReg, l)
			}
			if l.Calls {
				forCalls = append(forCalls, l)
			}
		}
		switch {
		case len(forReg) == 0 && d.SIPRegistration:
			fix := fmt.Sprintf("sipctl accounts create USERNAME --domain %s", d.DomainName)
			if len(forCalls) > 0 {
				fix = fmt.Sprintf("sipctl attach credlist %s --domain %s --for registrations", ref(forCalls[0]), d.DomainName)
			}
			findings = append(findings, Finding{Severity: SeverityError, Code: NoRegistrationList, Domain: d.DomainName,
				Problem: "registration is on but no credential list is attached for registrations: phones cannot register (Twilio error 32212)",
				Fix:     fix})
		case len(forReg) > 0 && !d.SIPRegistration:
			findings = append(findings, Finding{Severity: SeverityWarning, Code: RegistrationDisabled, Domain: d.DomainName,
				CredentialList: forReg[0].FriendlyName, CredentialListSID: forReg[0].SID,
				Problem: fmt.Sprintf("credential list %s is attached for registrations, but registration is disabled: phones cannot register", forReg[0].FriendlyName),
				Fix:     fmt.Sprintf("sipctl domains update %s --sip-registration", d.DomainName)})
		}
		for _, l := range attached {
			isEmpty, seen := empty[l.SID]
			if !seen {
				if isEmpty, err = hasNoCredentials(ctx, p, l.SID); err != nil {
					return nil, 0, 0, fmt.Errorf("reading credential list %s: %w", l.FriendlyName, err)
				}
				empty[l.SID] = isEmpty
			}
			if !isEmpty {
				continue
			}
			fix := fmt.Sprintf("sipctl credlists credentials add %s USERNAME", ref(l))
			if l.Registrations {
				fix = fmt.Sprintf("sipctl accounts create USERNAME --domain %s --list %s", d.DomainName, ref(l))
			}
			findings = append(findings, Finding{Severity: SeverityWarning, Code: EmptyList, Domain: d.DomainName,
				CredentialList: l.FriendlyName, CredentialListSID: l.SID,
				Problem: fmt.Sprintf("credential list %s is attached for %s but holds no usernames: nothing can authenticate with it", l.FriendlyName, kinds(l)),
				Fix:     fix})
		}
	}

	var all []provider.CredentialList
	for l, err := range p.ListCredentialLists(ctx) {
		if err != nil {
			return nil, 0, 0, err
		}
		all = append(all, l)
	}
	wholeAccount := domainRef == ""
	byName := map[string][]provider.CredentialList{}
	var names []string
	for _, l := range all {
		key := strings.ToLower(strings.TrimSpace(l.FriendlyName))
		if _, ok := byName[key]; !ok {
			names = append(names, key)
		}
		byName[key] = append(byName[key], l)
		if !wholeAccount && !inScope[l.SID] {
			continue
		}
		if wholeAccount && !attachedAnywhere[l.SID] {
			findings = append(findings, Finding{Severity: SeverityWarning, Code: UnattachedList,
				CredentialList: l.FriendlyName, CredentialListSID: l.SID,
				Problem: fmt.Sprintf("credential list %s is attached to no domain: its usernames can neither register nor call", display(l.FriendlyName)),
				Fix:     fmt.Sprintf("sipctl attach credlist %s --domain DOMAIN (or remove it: sipctl credlists delete %s)", l.SID, l.SID)})
		}
		if why := unclear(l.FriendlyName); why != "" {
			findings = append(findings, Finding{Severity: SeverityWarning, Code: UnclearListName,
				CredentialList: l.FriendlyName, CredentialListSID: l.SID,
				Problem: fmt.Sprintf("credential list %s has an unclear name: %s", l.SID, why),
				Fix:     fmt.Sprintf("sipctl credlists rename %s NEW-NAME", l.SID)})
		}
	}
	for _, key := range names {
		group := byName[key]
		if len(group) < 2 {
			continue
		}
		relevant := wholeAccount || slices.ContainsFunc(group, func(l provider.CredentialList) bool { return inScope[l.SID] })
		if !relevant {
			continue
		}
		sids := make([]string, len(group))
		for i, l := range group {
			sids[i] = l.SID
		}
		findings = append(findings, Finding{Severity: SeverityWarning, Code: DuplicateListName,
			CredentialList: group[0].FriendlyName, CredentialListSID: strings.Join(sids, ","),
			Problem: fmt.Sprintf("%d credential lists are named %s (%s): commands given the name cannot tell them apart", len(group), display(group[0].FriendlyName), strings.Join(sids, ", ")),
			Fix:     fmt.Sprintf("sipctl credlists rename %s NEW-NAME", group[1].SID)})
	}
	// Errors first, then by domain, so what stops phones is read first.
	slices.SortStableFunc(findings, func(a, b Finding) int {
		if a.Severity != b.Severity {
			if a.Severity == SeverityError {
				return -1
			}
			return 1
		}
		return 0
	})
	return findings, len(domains), len(all), nil
}

func hasNoCredentials(ctx context.Context, p provider.CredentialLists, listSID string) (bool, error) {
	for _, err := range p.ListCredentials(ctx, listSID) {
		if err != nil {
			return false, err
		}
		return false, nil
	}
	return true, nil
}

// unclear says why a list name is hard to use, or "".
func unclear(name string) string {
	switch {
	case strings.TrimSpace(name) == "":
		return "it is blank"
	case strings.TrimSpace(name) != name:
		return fmt.Sprintf("%q starts or ends with spaces", name)
	case twilio.IsSID("", name):
		return fmt.Sprintf("%q looks like a SID, so commands would take it for one", name)
	}
	return ""
}

// ref is how a fix names a list: by name when that is unambiguous enough to
// type, else by SID.
func ref(l lookup.AttachedList) string {
	if unclear(l.FriendlyName) != "" || strings.ContainsAny(l.FriendlyName, " \t'\"$`\\") {
		return l.SID
	}
	return l.FriendlyName
}

func display(name string) string {
	if strings.TrimSpace(name) == "" || strings.TrimSpace(name) != name {
		return fmt.Sprintf("%q", name)
	}
	return name
}

func kinds(l lookup.AttachedList) string {
	switch {
	case l.Calls && l.Registrations:
		return "calls and registrations"
	case l.Registrations:
		return "registrations"
	}
	return "calls"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func printFindings(opts *CheckOptions, findings []Finding) error {
	ios := opts.IO
	if opts.Exporter.Enabled() {
		if findings == nil {
			findings = []Finding{}
		}
		return opts.Exporter.Write(ios.Out, findings)
	}
	if ios.IsStdoutTTY() {
		for _, f := range findings {
			where := f.Domain
			if where == "" {
				where = "account"
			}
			fmt.Fprintf(ios.Out, "%-7s  %s: %s\n         fix: %s\n", f.Severity, where, f.Problem, f.Fix)
		}
		return nil
	}
	t := output.NewTable(ios.Out, output.TableStyle{})
	for _, f := range findings {
		t.Row(output.Text(f.Severity), output.Text(f.Code), output.Text(f.Domain), output.Text(f.CredentialListSID), output.Text(f.Problem), output.Text(f.Fix))
	}
	return t.Render()
}
