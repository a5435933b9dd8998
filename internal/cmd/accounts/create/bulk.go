package create

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sipctl/sipctl/internal/cmd/accounts/lookup"
	"github.com/sipctl/sipctl/internal/cmd/bulk"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/custody"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/twilio"
)

// target is one account asked for, and where it was asked for (for errors).
type target struct {
	username, domainRef, domain string
	// flag is the domain the account defaults to: --domain, or the
	// file's domain column.
	flag  string
	where string
}

// problems collects every error in the input, reported at once.
type problems []string

func (p *problems) add(where, format string, args ...any) {
	*p = append(*p, where+": "+fmt.Sprintf(format, args...))
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return cmdutil.FlagErrorf("%s\nnothing was created", strings.Join(p, "\n"))
}

// bulkCreate creates several accounts (arguments, --from-file, or both) in
// one custody run: every input problem is reported at once before any
// request; the accounts that already exist are named before any change.
func bulkCreate(ctx context.Context, opts *CreateOptions) error {
	var prof *config.Profile
	if opts.Profile != nil {
		p, err := opts.Profile()
		if err != nil {
			return err
		}
		prof = p
	}
	var bad problems
	var ts []target
	for i, a := range opts.Accounts {
		ts = append(ts, target{username: a, flag: opts.Domain, where: fmt.Sprintf("argument %d (%s)", i+1, a)})
	}
	if opts.FromFile != "" {
		rows, err := readCSV(opts.IO.In, opts.FromFile)
		if err != nil {
			return cmdutil.FlagErrorf("--from-file: %v", err)
		}
		for _, r := range rows {
			t := target{username: r.username, flag: opts.Domain, where: r.where}
			if r.domain != "" {
				t.flag = r.domain
			}
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		return cmdutil.FlagErrorf("--from-file %s names no account", opts.FromFile)
	}
	// Problems are reported in input order, whichever check found them.
	byTarget := make([]problems, len(ts))
	for i := range ts {
		u, d, err := lookup.Target(ts[i].username, ts[i].flag, prof)
		if err != nil {
			byTarget[i].add(ts[i].where, "%v", err)
			ts[i].username = ""
			continue
		}
		ts[i].username, ts[i].domainRef = u, d
	}
	policy, err := choosePolicy(opts.Policy, prof)
	if err != nil {
		return err
	}
	output, err := filepath.Abs(opts.Output)
	if err != nil {
		return cmdutil.FlagErrorf("--output: %v", err)
	}
	stateDir := opts.StateDir
	if stateDir == "" {
		stateDir = config.StateDir()
	}
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	expires, err := expiryOf(p, opts.TTL)
	if err != nil {
		return err
	}
	seen := map[string]string{}
	for i, t := range ts {
		if t.username == "" {
			continue // already reported
		}
		if err := p.ValidateUsername(t.username); err != nil {
			byTarget[i].add(t.where, "%v", err)
			continue
		}
		if twilio.IsSID(twilio.PrefixDomain, t.domainRef) {
			ts[i].domain = t.domainRef // resolved below, with a request
		} else if d, err := p.CanonicalDomain(t.domainRef); err != nil {
			byTarget[i].add(t.where, "%v", err)
			continue
		} else {
			ts[i].domain = d
		}
		key := t.username + "@" + strings.ToLower(ts[i].domain)
		if first, dup := seen[key]; dup {
			byTarget[i].add(t.where, "%s is also %s", key, first)
			continue
		}
		seen[key] = t.where
	}
	for _, ps := range byTarget {
		bad = append(bad, ps...)
	}
	if err := bad.err(); err != nil {
		return err
	}
	// The audit log, journal directory and handover are checked before any
	// request.
	al, err := custody.New(stateDir).CheckContext(ctx, opts.AuditLog, output)
	if err != nil {
		return err
	}
	al.Close()

	// Domain SIDs resolved, then what already exists named, before any
	// change.
	byDomain := map[string][]int{}
	for i := range ts {
		if twilio.IsSID(twilio.PrefixDomain, ts[i].domain) {
			d, err := domainName(ctx, p, ts[i].domain)
			if err != nil {
				return err
			}
			ts[i].domain = d
		}
		byDomain[ts[i].domain] = append(byDomain[ts[i].domain], i)
	}
	domains := make([]string, 0, len(byDomain))
	for d := range byDomain {
		domains = append(domains, d)
	}
	slices.Sort(domains)
	var exist []string
	for _, d := range domains {
		have := map[string]bool{}
		for a, err := range p.ListSIPAccounts(ctx, provider.AccountQuery{Domain: d}) {
			if errors.Is(err, provider.ErrNotFound) {
				return cmdutil.WithHint(err, fmt.Sprintf("create it with `sipctl domains create %s`, or see `sipctl domains list`", strings.TrimSuffix(d, "."+twilio.DomainSuffix)))
			}
			if err != nil {
				return err
			}
			have[a.Username] = true
		}
		for _, i := range byDomain[d] {
			if have[ts[i].username] {
				exist = append(exist, ts[i].username+"@"+d)
			}
		}
	}
	if len(exist) > 0 {
		return cmdutil.WithHint(fmt.Errorf("%d of the %d accounts already exist: %s; nothing was created", len(exist), len(ts), strings.Join(exist, ", ")),
			"leave them out, or give them new passwords with `sipctl password rotate USERNAME@DOMAIN`")
	}

	options := opts.providerOptions(expires)
	accounts := make([]bulk.Account, len(ts))
	for i, t := range ts {
		accounts[i] = bulk.Account{Username: t.username, Domain: t.domain, Options: options}
	}
	profileName := ""
	if prof != nil {
		profileName = prof.Name
	}
	create, _, err := bulk.Begin(bulk.Options{IO: opts.IO, Command: "accounts create", StateDir: stateDir, Profile: profileName, ExplicitProfile: opts.ExplicitProfile,
		Policy: policy, AuditLog: opts.AuditLog, Output: output, Concurrency: opts.Concurrency}, p, accounts)
	if err != nil {
		return err
	}
	return create(ctx)
}

// row is one account of a --from-file CSV.
type row struct {
	username, domain, where string
}

// readCSV reads a CSV with a header naming a username column and an
// optional domain column ("-": stdin). Every row's problems are reported
// at once, with the file's line.
func readCSV(stdin io.Reader, path string) ([]row, error) {
	var r io.Reader = stdin
	name := "stdin"
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r, name = f, path
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s is empty: it needs a header line naming the username column", name)
	}
	if err != nil {
		return nil, err
	}
	user, dom := -1, -1
	var bad problems
	seen := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if first, dup := seen[h]; dup {
			bad.add(fmt.Sprintf("%s:1", name), "column %q is named twice (fields %d and %d): say which one holds it", header[i], first+1, i+1)
			continue
		}
		seen[h] = i
		switch h {
		case "username":
			user = i
		case "domain":
			dom = i
		default:
			bad.add(fmt.Sprintf("%s:1", name), "unknown column %q: the columns are username and domain", header[i])
		}
	}
	if user < 0 {
		bad.add(fmt.Sprintf("%s:1", name), "no username column in the header")
	}
	var rows []row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		where := fmt.Sprintf("%s:%d", name, line)
		if len(rec) != len(header) {
			bad.add(where, "%d fields, the header has %d", len(rec), len(header))
			continue
		}
		if user < 0 {
			continue
		}
		r := row{username: strings.TrimSpace(rec[user]), where: where}
		if dom >= 0 {
			r.domain = strings.TrimSpace(rec[dom])
		}
		if r.username == "" {
			bad.add(where, "the username is empty")
			continue
		}
		rows = append(rows, r)
	}
	if len(bad) > 0 {
		return nil, errors.New(strings.Join(bad, "\n"))
	}
	return rows, nil
}
