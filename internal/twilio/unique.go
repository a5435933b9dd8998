package twilio

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
)

// Create is create-if-absent on the domain. Twilio keeps a username unique
// within one credential list only, and a domain can have several lists
// attached (Twilio allows two lists with one name), so two runs creating
// one username at once can each make one, on different lists; phones would
// then register with whichever Twilio tries first. After a create the
// client therefore looks for the username on every list attached to the
// domain, read after the create, and settles a race deterministically:
//
//   - alone: this create stands;
//   - another one made in an earlier second: this one loses;
//   - others made in the same second: the lowest (list SID, credential SID)
//     is the candidate, and stands once the others are gone (each of them
//     sees it and loses); every other one loses.
//
// A loser deletes what it made and answers a *CreateConflictError, so its
// password is never reported as working. A candidate whose rivals do not go
// within settleWait loses too (one of them may have seen itself alone and
// stood): at most one create stands, whatever the timing.
const (
	settleWait = 10 * time.Second
	settlePoll = 200 * time.Millisecond
)

// CreateConflictError is a create that lost a race for its username: the
// account it made was deleted again (Deleted), so nothing of it remains and
// its password is in use nowhere. It is not provider.ErrExists: the
// account that stands is another run's, and its password is not this one.
type CreateConflictError struct {
	Username, Domain string
	// Other is the credential list holding the account that stands (or a
	// rival, when none stood in time): "office-users (CL…)".
	Other string
	// DeleteErr is set when this run's own account could not be deleted:
	// then it may still exist, with this run's password.
	DeleteErr error
}

func (e *CreateConflictError) Error() string {
	if e.DeleteErr != nil {
		return fmt.Sprintf("another run created SIP account %q on %s at the same time (credential list %s), and deleting this run's duplicate failed: %v",
			e.Username, e.Domain, e.Other, e.DeleteErr)
	}
	return fmt.Sprintf("another run created SIP account %q on %s at the same time (credential list %s); this run's account was deleted again and its password is not in use",
		e.Username, e.Domain, e.Other)
}

// ErrorCode is Exists.
func (e *CreateConflictError) ErrorCode() provider.Code { return provider.Exists }

// ErrorHint says what to do.
func (e *CreateConflictError) ErrorHint() string {
	return fmt.Sprintf("see `sipctl accounts show %s@%s`; set a password you know with `sipctl password rotate`", e.Username, e.Domain)
}

// MaybeApplied: only when the duplicate could not be deleted.
func (e *CreateConflictError) MaybeApplied() bool { return e.DeleteErr != nil }

// Temporary is false: a definite answer (custody counts the create as
// refused), unless the duplicate may remain (OutcomeUnknown).
func (e *CreateConflictError) Temporary() bool { return false }

// OutcomeUnknown: when the duplicate could not be deleted, this run's
// password may be live on it.
func (e *CreateConflictError) OutcomeUnknown() bool { return e.DeleteErr != nil }

// Unwrap keeps the delete's error visible.
func (e *CreateConflictError) Unwrap() error { return e.DeleteErr }

// Is matches provider.ErrConflict.
func (e *CreateConflictError) Is(target error) bool { return target == provider.ErrConflict }

// match is one account of a username on one of a domain's lists.
type match struct {
	list provider.AttachedList
	cr   provider.Credential
}

func (m match) less(o match) bool {
	if !m.cr.DateCreated.Equal(o.cr.DateCreated) {
		return m.cr.DateCreated.Before(o.cr.DateCreated)
	}
	if m.list.SID != o.list.SID {
		return m.list.SID < o.list.SID
	}
	return m.cr.SID < o.cr.SID
}

// settle confirms that mine, just made on list l of d, is the only account
// of its username among d's attached lists, or loses as the comment above
// says. fresh reads d's attached lists (a read started after the create).
func (c *Client) settle(ctx context.Context, d provider.Domain, l provider.AttachedList, mine provider.Credential,
	fresh func(context.Context) ([]provider.AttachedList, error)) error {
	me := match{list: l, cr: mine}
	deadline := time.Now().Add(settleWait)
	for {
		lists, err := fresh(ctx)
		if err != nil {
			return &UnsettledError{Username: mine.Username, Domain: d.DomainName, Err: err}
		}
		all, err := c.matches(ctx, lists, l, mine)
		if err != nil {
			return &UnsettledError{Username: mine.Username, Domain: d.DomainName, Err: err}
		}
		if len(all) == 1 {
			return nil // alone: this create stands
		}
		sort.Slice(all, func(i, j int) bool { return all[i].less(all[j]) })
		first := all[0]
		rival := first
		if rival.cr.SID == mine.SID {
			rival = all[1]
		}
		lose := first.cr.SID != mine.SID || time.Now().After(deadline)
		if lose {
			return c.lose(ctx, d, me, rival)
		}
		// The candidate: the others made in the same second see it and
		// lose; wait for them to go.
		if err := c.sleep(ctx, settlePoll); err != nil {
			return c.lose(ctx, d, me, rival)
		}
	}
}

// matches lists mine's username on every list in lists (mine's own list
// included, where the provider keeps it unique).
func (c *Client) matches(ctx context.Context, lists []provider.AttachedList, l provider.AttachedList, mine provider.Credential) ([]match, error) {
	out := []match{{list: l, cr: mine}}
	for _, al := range lists {
		if al.SID == l.SID {
			continue
		}
		for cr, err := range c.ListCredentials(ctx, al.SID) {
			if err != nil {
				return nil, err
			}
			if cr.Username == mine.Username {
				out = append(out, match{list: al, cr: cr})
			}
		}
	}
	return out, nil
}

func (c *Client) lose(ctx context.Context, d provider.Domain, me, rival match) error {
	e := &CreateConflictError{Username: me.cr.Username, Domain: d.DomainName,
		Other: fmt.Sprintf("%s (%s)", rival.list.FriendlyName, rival.list.SID)}
	// The delete must happen even when the run is being stopped: a
	// duplicate left behind holds a password nobody was given.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
	defer cancel()
	if err := c.DeleteCredential(dctx, me.list.SID, me.cr.SID); err != nil && !isNotFound(err) {
		e.DeleteErr = err
	}
	return e
}

func isNotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Is(provider.ErrNotFound)
}

// UnsettledError is a create that succeeded but whose uniqueness on the
// domain could not be confirmed (the confirming reads failed): the account
// exists with this run's password, so the outcome is unknown, never
// refused.
type UnsettledError struct {
	Username, Domain string
	Err              error
}

func (e *UnsettledError) Error() string {
	return fmt.Sprintf("SIP account %q on %s was created, but checking that no other run created it at the same time failed: %v", e.Username, e.Domain, e.Err)
}

func (e *UnsettledError) Unwrap() error { return e.Err }

// MaybeApplied is true: the account was made with this password.
func (e *UnsettledError) MaybeApplied() bool { return true }

// OutcomeUnknown is true, for the same reason.
func (e *UnsettledError) OutcomeUnknown() bool { return true }

// sharedAttached reads a domain's attached lists for many creates at once:
// a caller gets a read that started after it asked (so it sees its own
// create and every earlier one), and the creates that finish while one read
// is in flight share the next, as a group commit does.
type sharedAttached struct {
	mu      sync.Mutex
	running bool
	pending *attachedCall
	read    func(context.Context) ([]provider.AttachedList, error)
}

type attachedCall struct {
	done  chan struct{}
	lists []provider.AttachedList
	err   error
}

func (s *sharedAttached) get(ctx context.Context) ([]provider.AttachedList, error) {
	s.mu.Lock()
	if s.pending == nil {
		s.pending = &attachedCall{done: make(chan struct{})}
	}
	call := s.pending
	if !s.running {
		s.running = true
		go s.loop(ctx)
	}
	s.mu.Unlock()
	select {
	case <-call.done:
		return call.lists, call.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *sharedAttached) loop(ctx context.Context) {
	for {
		s.mu.Lock()
		call := s.pending
		s.pending = nil
		if call == nil {
			s.running = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		call.lists, call.err = s.read(ctx)
		close(call.done)
	}
}
