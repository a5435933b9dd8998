package reconcile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/sipctl/sipctl/internal/audit"
	"github.com/sipctl/sipctl/internal/manifest"
	"github.com/sipctl/sipctl/internal/provider"
	"golang.org/x/sync/errgroup"
)

// NewAccount is an account a plan creates; its password is generated and
// kept by whoever CreateAccounts is (internal/custody).
type NewAccount struct {
	Username, Domain string
	Options          map[string]string
}

// ApplyOptions say how to carry out a plan.
type ApplyOptions struct {
	// BeginCreates takes custody of the new accounts' passwords (generated,
	// journaled) before any change is made, and returns how to create them
	// (bounded concurrency, retries, handover) and how to give the run up
	// if an earlier change fails. Nil refuses a plan that creates
	// accounts, before any change.
	BeginCreates func(accounts []NewAccount) (create func(context.Context) error, abandon func(), err error)
	// Concurrency bounds the deletes in flight (default 16).
	Concurrency int
	Audit       *audit.Log
	Profile     string
	// Log, when set, gets one line per resource change (stderr).
	Log io.Writer
}

// ErrAccountsNeedCustody is returned when a plan creates accounts and no
// custody was given.
var ErrAccountsNeedCustody = errors.New("this plan creates SIP accounts, and apply cannot yet keep their new passwords in custody")

// FailedError says some changes failed (the rest were made).
type FailedError struct {
	Failed, Total int
	First         error
}

func (e *FailedError) Error() string {
	return fmt.Sprintf("%d of %d changes failed; first: %v", e.Failed, e.Total, e.First)
}

func (e *FailedError) Unwrap() error { return e.First }

// Apply makes the changes of pl, in its order: IP ACLs and their addresses,
// domains and the IP ACLs attached to them, new accounts (all at once,
// under the custody BeginCreates took before anything changed), then
// deletions. A failed IP ACL or domain change
// stops the run before anything that depends on it.
func Apply(ctx context.Context, p provider.SIPAccounts, st *State, pl *Plan, o ApplyOptions) error {
	var creates []NewAccount
	var deletes []Change
	for _, c := range pl.Changes {
		if c.Kind != KindAccount {
			continue
		}
		switch c.Action {
		case Create:
			creates = append(creates, NewAccount{Username: c.username, Domain: c.domain, Options: c.options})
		case Delete:
			deletes = append(deletes, c)
		}
	}
	var create func(context.Context) error
	if len(creates) > 0 {
		if o.BeginCreates == nil {
			return ErrAccountsNeedCustody
		}
		c, abandon, err := o.BeginCreates(creates)
		if err != nil {
			return err
		}
		create = c
		defer func() {
			if create != nil {
				abandon()
			}
		}()
	}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}
	aclSID := map[string]string{}
	for name, a := range st.IPACLs {
		aclSID[name] = a.SID
	}
	for _, c := range pl.Changes {
		if c.Kind == KindAccount {
			continue
		}
		if err := applyResource(ctx, p, st, c, aclSID); err != nil {
			return fmt.Errorf("%s %s %s: %w", c.Action, kindName(c.Kind), c.Name, err)
		}
		logf("%sd %s %s %s", c.Action, kindName(c.Kind), c.Name, c.Detail())
	}
	if create != nil {
		c := create
		create = nil // no longer to be abandoned
		if err := c(ctx); err != nil {
			return err
		}
	}
	if len(deletes) > 0 {
		return deleteAccounts(ctx, p, deletes, o)
	}
	return nil
}

func kindName(k string) string {
	switch k {
	case KindIPACL:
		return "IP ACL"
	}
	return k
}

func applyResource(ctx context.Context, p provider.SIPAccounts, st *State, c Change, aclSID map[string]string) error {
	switch c.Kind {
	case KindIPACL:
		acls, err := provider.Require[provider.IPACLs](p, provider.WhatIPACLs)
		if err != nil {
			return err
		}
		var sid string
		if c.Action == Create {
			a, err := acls.CreateIPACL(ctx, c.Name)
			if err != nil {
				return err
			}
			sid = a.SID
			aclSID[c.Name] = sid
		} else {
			sid = aclSID[c.Name]
		}
		for _, s := range c.Add {
			a, err := manifest.ParseAddress(s, true) // checked when the file was read
			if err != nil {
				return err
			}
			name := s
			if n := c.names[s]; n != "" {
				name = n
			}
			if _, err := acls.AddIPAddress(ctx, sid, name, a.IP, a.Prefix); err != nil && !errors.Is(err, provider.ErrExists) {
				return fmt.Errorf("adding %s: %w", s, err)
			}
		}
		for _, s := range c.Remove {
			ip := st.IPACLs[c.Name].Addresses[s]
			if err := acls.RemoveIPAddress(ctx, sid, ip.SID); err != nil && !errors.Is(err, provider.ErrNotFound) {
				return fmt.Errorf("removing %s: %w", s, err)
			}
		}
		return nil
	case KindDomain:
		var sid string
		if c.Action == Create {
			doms, err := provider.Require[provider.Domains](p, provider.WhatDomains)
			if err != nil {
				return err
			}
			name, on := c.Name, true
			d, err := doms.CreateDomain(ctx, provider.DomainParams{DomainName: &name, SIPRegistration: &on})
			if err != nil {
				return err
			}
			sid = d.SID
		} else {
			sid = st.Domains[c.Name].SID
		}
		if len(c.Add)+len(c.Remove) == 0 {
			return nil
		}
		maps, err := provider.Require[provider.Mappings](p, provider.WhatMappings)
		if err != nil {
			return err
		}
		for _, name := range c.Add {
			if _, err := maps.AttachIPACL(ctx, sid, aclSID[name]); err != nil && !errors.Is(err, provider.ErrExists) {
				return fmt.Errorf("attaching IP ACL %q: %w", name, err)
			}
		}
		for _, name := range c.Remove {
			if err := maps.DetachIPACL(ctx, sid, st.Domains[c.Name].ACLs[name]); err != nil && !errors.Is(err, provider.ErrNotFound) {
				return fmt.Errorf("detaching IP ACL %q: %w", name, err)
			}
		}
		return nil
	}
	return fmt.Errorf("unknown kind %q", c.Kind)
}

// deleteAccounts removes accounts concurrently; an account already gone
// counts as deleted. Each is audited.
func deleteAccounts(ctx context.Context, p provider.SIPAccounts, deletes []Change, o ApplyOptions) error {
	n := o.Concurrency
	if n <= 0 {
		n = 16
	}
	var (
		mu     sync.Mutex
		failed int
		first  error
	)
	var g errgroup.Group
	g.SetLimit(n)
	for _, c := range deletes {
		g.Go(func() error {
			err := p.DeleteSIPAccount(ctx, c.account)
			if errors.Is(err, provider.ErrNotFound) {
				err = nil
			}
			if o.Audit != nil {
				rec := audit.Entry{Profile: o.Profile, SID: c.account.Ref, Username: c.Name, Action: audit.ActionDelete, Outcome: audit.OutcomeOK}
				if err != nil {
					rec.Outcome, rec.Error = audit.OutcomeFailed, err.Error()
				}
				if aerr := o.Audit.Record(rec); aerr != nil && err == nil {
					err = fmt.Errorf("recording the delete in the audit log: %w", aerr)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed++
				if first == nil {
					first = fmt.Errorf("deleting %s: %w", c.Name, err)
				}
			} else if o.Log != nil {
				fmt.Fprintf(o.Log, "deleted account %s\n", c.Name)
			}
			return nil
		})
	}
	g.Wait()
	if failed > 0 {
		return &FailedError{Failed: failed, Total: len(deletes), First: first}
	}
	return nil
}
