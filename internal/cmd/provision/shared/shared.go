// Package shared is what the provisioning and device commands share:
// reading an inventory with its problems printed, and the accounts of a
// handover.
package shared

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/sipctl/sipctl/internal/cmd/verify"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/devices"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/provision"
	"github.com/sipctl/sipctl/internal/rotate"
)

// ReadDevices reads a CSV inventory and resolves each line's account
// (with the handover's index, and the active provider's name for the
// `provider` column). Every problem of both is printed at once, one per
// line on stderr (FILE:LINE:COLUMN: message), and ends the command with
// exit 2.
func ReadDevices(ios *iostreams.IOStreams, path, active string, resolve devices.Resolver, notDone string) ([]devices.Device, error) {
	devs, probs, err := devices.ReadFile(path)
	if err != nil {
		return nil, err
	}
	devices.ResolveInto(probs, devs, active, resolve)
	if err := Problems(ios, probs.Err(), notDone); err != nil {
		return nil, err
	}
	return devs, nil
}

// Problems prints a *devices.Problems and turns it into exit 2; other
// errors pass.
func Problems(ios *iostreams.IOStreams, err error, notDone string) error {
	var probs *devices.Problems
	if !errors.As(err, &probs) {
		return err
	}
	for _, pr := range probs.List {
		fmt.Fprintln(ios.ErrOut, probs.Format(pr))
	}
	n := len(probs.List)
	what := "problem"
	if n > 1 {
		what = "problems"
	}
	return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: cmdutil.WithHint(
		fmt.Errorf("%s: %d %s; %s", probs.Source, n, what, notDone),
		"columns: mac (or id), vendor, model, account[, line, label, display_name]; `sipctl help devices` lists vendors and models")}
}

// HandoverAccounts reads a handover into accounts by key (the last row of
// an account wins) and an index of them for resolving device lines.
func HandoverAccounts(path string) (map[string]provision.Account, *devices.Index, error) {
	recs, err := rotate.ReadHandover(path)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the handover: %w", err)
	}
	accts := map[string]provision.Account{}
	idx := devices.NewIndex("the handover " + path)
	for _, r := range recs {
		if r.Username == "" || r.Domain == "" || r.Password == "" {
			continue
		}
		k := devices.AccountKey(r.Username, r.Domain)
		accts[k] = provision.Account{Username: r.Username, Domain: r.Domain, Password: r.Password}
		idx.Add(r.Username, r.Domain)
	}
	return accts, idx, nil
}

// ParseRegistrar reads HOST:PORT (a bare host takes the transport's port).
func ParseRegistrar(s, transport string) (provision.Registrar, error) {
	transport = strings.ToLower(transport)
	switch transport {
	case "udp", "tcp", "tls":
	default:
		return provision.Registrar{}, cmdutil.FlagErrorf("--transport must be udp, tcp or tls, not %q", transport)
	}
	host, port := s, 0
	if h, p, err := net.SplitHostPort(s); err == nil {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return provision.Registrar{}, cmdutil.FlagErrorf("--registrar %q: the port must be a number from 1 to 65535", s)
		}
		host, port = h, n
	}
	if host == "" {
		return provision.Registrar{}, cmdutil.FlagErrorf("--registrar %q: expected HOST:PORT, e.g. sip.example.com:5060", s)
	}
	return provision.Registrar{Host: host, Port: port, Transport: transport}, nil
}

// Canonical completes the domain of USER@DOMAIN with the provider's rules
// ("office" → office.sip.twilio.com on Twilio) before resolve looks it up.
func Canonical(canon func(string) (string, error), resolve devices.Resolver) devices.Resolver {
	if canon == nil {
		return resolve
	}
	return func(account string) (string, error) {
		if user, domain, ok := strings.Cut(account, "@"); ok {
			full, err := canon(domain)
			if err != nil {
				return "", err
			}
			account = user + "@" + full
		}
		return resolve(account)
	}
}

// Registrars fills in each account's registrar: flag (HOST:PORT), else the
// profile's (or the running sandbox serve's), else the provider's for the
// account (SIPAccount.Registrar).
func Registrars(ctx context.Context, flag, transport string, prof *config.Profile, stateDir string, getProvider func() (provider.SIPAccounts, error), devs []devices.Device, accts map[string]provision.Account) error {
	addr := flag
	if addr == "" && prof != nil {
		if a, _, err := verify.ProfileRegistrar(prof, stateDir); err == nil {
			addr = a
		}
	}
	if transport == "" {
		transport = "udp"
	}
	if addr != "" {
		reg, err := ParseRegistrar(addr, transport)
		if err != nil {
			return err
		}
		for k, a := range accts {
			a.Registrar = reg
			accts[k] = a
		}
		return nil
	}
	p, err := getProvider()
	if err != nil {
		return err
	}
	needed := map[string]bool{}
	for _, d := range devs {
		for _, l := range d.Lines {
			needed[l.Account] = true
		}
	}
	var missing []string
	for k := range needed {
		a, ok := accts[k]
		if !ok {
			continue
		}
		sa, err := p.GetSIPAccount(ctx, a.Username, a.Domain)
		if err != nil {
			missing = append(missing, fmt.Sprintf("%s (%v)", k, err))
			continue
		}
		reg := provision.Registrar{Host: sa.Registrar.Host}
		if len(sa.Registrar.Transports) > 0 {
			reg.Transport = strings.ToLower(sa.Registrar.Transports[0].Protocol)
			reg.Port = sa.Registrar.Transports[0].Port
		}
		a.Registrar = reg
		accts[k] = a
	}
	if len(missing) > 0 {
		return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: cmdutil.WithHint(
			fmt.Errorf("%d accounts of the inventory are not at the provider: %s; nothing was written", len(missing), strings.Join(missing, ", ")),
			"check the profile (--profile), or give the registrar with --registrar host:port")}
	}
	return nil
}
