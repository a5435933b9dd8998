// Package rotate applies journaled password changes in bulk: bounded,
// adaptive concurrency against the provider, retries of temporary failures,
// an audit record per change, and a summary of what happened.
package rotate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sipctl/sipctl/internal/audit"
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/provider"
)

// DefaultConcurrency is the most requests in flight: Twilio's default
// per-account concurrency limit.
const DefaultConcurrency = 100

// rateLimitRetries is the least number of retries after a 429.
const rateLimitRetries = 12

// Options tunes a run.
type Options struct {
	// Concurrency is the most requests in flight; the engine starts lower
	// and finds the provider's limit. Default DefaultConcurrency.
	Concurrency int
	// Retries is how many more times a temporarily failing change is tried.
	// Default 5.
	Retries int
	// Audit, when set, gets one entry per change.
	Audit   *audit.Log
	Profile string
	// Progress, when set, receives a status line as work proceeds (pass
	// stderr only when it is a terminal).
	Progress io.Writer
	// ForAccount gives the client for an entry's account when it differs
	// from the default (a subaccount). Nil means one client for all.
	ForAccount func(accountSID string) provider.CredentialLists
	// sleep waits between retries; tests shorten it.
	sleep func(ctx context.Context, d time.Duration) error
}

// Result is one entry's outcome.
type Result struct {
	Entry journal.Entry
	Err   error
}

// Summary is what a run did.
type Summary struct {
	Rotated []journal.Entry
	Failed  []Result
	Skipped []journal.Entry // not attempted: the run was cancelled
	// MaxLimit and Cuts describe the adaptive concurrency, for --debug.
	Cuts int
}

// OK reports whether every entry was applied.
func (s Summary) OK() bool { return len(s.Failed) == 0 && len(s.Skipped) == 0 }

// rateLimited and temporary match provider errors by behaviour, so the
// engine needs no provider package.
func rateLimited(err error) bool {
	var e interface{ RateLimited() bool }
	return errors.As(err, &e) && e.RateLimited()
}

func temporary(err error) bool {
	var e interface{ Temporary() bool }
	if errors.As(err, &e) {
		return e.Temporary()
	}
	// An unreachable API (connection reset mid-run) is worth retrying too.
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) && isNetErr(err)
}

// Run applies the journal's entries with the given IDs (all unfinished ones
// when ids is nil), marking each done or failed in the journal as the
// provider answers.
func Run(ctx context.Context, p provider.CredentialLists, j *journal.Journal, ids []int, o Options) Summary {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Retries == 0 {
		o.Retries = 5
	} else if o.Retries < 0 {
		o.Retries = 0
	}
	if o.sleep == nil {
		o.sleep = sleepCtx
	}
	if ids == nil {
		for _, e := range j.Unfinished() {
			ids = append(ids, e.ID)
		}
	}
	lim := newLimiter(min(8, o.Concurrency), o.Concurrency)
	ctx = provider.WithThrottleObserver(ctx, lim.congested)
	prog := newProgress(o.Progress, len(ids))
	defer prog.finish()

	var (
		mu      sync.Mutex
		sum     Summary
		wg      sync.WaitGroup
		started atomic.Int64
	)
	clientFor := func(acct string) provider.CredentialLists {
		if o.ForAccount != nil && acct != "" {
			return o.ForAccount(acct)
		}
		return p
	}
	for _, id := range ids {
		if err := lim.acquire(ctx); err != nil {
			break
		}
		started.Add(1)
		wg.Go(func() {
			e := j.Entry(id)
			sid, err := applyWithRetry(ctx, clientFor(e.AccountSID), lim, e, o)
			if err == nil && sid != "" {
				e.CredentialSID = sid
			}
			// Audit before marking the journal: a kill between the two
			// leaves the entry pending, so --resume applies and records it
			// again; the other order could lose its audit line for good.
			o.record(e, err)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				j.Mark(id, journal.Done, "", sid)
				sum.Rotated = append(sum.Rotated, j.Entry(id))
			} else {
				j.Mark(id, journal.Failed, err.Error(), "")
				sum.Failed = append(sum.Failed, Result{Entry: j.Entry(id), Err: err})
			}
			prog.step(err == nil)
		})
	}
	wg.Wait()
	if n := int(started.Load()); n < len(ids) {
		for _, id := range ids[n:] {
			sum.Skipped = append(sum.Skipped, j.Entry(id))
		}
	}
	_, sum.Cuts = lim.current()
	sort.Slice(sum.Rotated, func(a, b int) bool { return sum.Rotated[a].ID < sum.Rotated[b].ID })
	sort.Slice(sum.Failed, func(a, b int) bool { return sum.Failed[a].Entry.ID < sum.Failed[b].Entry.ID })
	return sum
}

// applyWithRetry holds one limiter slot (acquired by the caller) for the
// first attempt and re-acquires for each retry.
func applyWithRetry(ctx context.Context, p provider.CredentialLists, lim *limiter, e journal.Entry, o Options) (string, error) {
	held := true
	defer func() {
		if held {
			lim.release(false, 0)
		}
	}()
	for attempt := 0; ; attempt++ {
		start := time.Now()
		c, err := journal.Apply(ctx, p, e)
		rl := err != nil && rateLimited(err)
		lim.release(rl, time.Since(start))
		held = false
		if err == nil {
			return c.SID, nil
		}
		budget := o.Retries
		if rl {
			// A 429 means the change was not processed: keep waiting
			// longer for a slot than for a failing server.
			budget = max(budget, rateLimitRetries)
		}
		if !temporary(err) || attempt >= budget || ctx.Err() != nil {
			return "", err
		}
		if err := o.sleep(ctx, retryDelay(attempt)); err != nil {
			return "", fmt.Errorf("%w (cancelled while retrying)", err)
		}
		if err := lim.acquire(ctx); err != nil {
			return "", err
		}
		held = true
	}
}

func retryDelay(attempt int) time.Duration {
	ceiling := min(250*time.Millisecond<<min(attempt, 6), 8*time.Second)
	return ceiling/2 + rand.N(ceiling/2+1)
}

func (o Options) record(e journal.Entry, err error) {
	if o.Audit == nil {
		return
	}
	ent := audit.Entry{Profile: o.Profile, AccountSID: e.AccountSID, SID: e.CredentialSID, Username: e.Username, Action: string(e.Op), Outcome: audit.OutcomeOK}
	if err != nil {
		ent.Outcome, ent.Error = audit.OutcomeFailed, err.Error()
	}
	o.Audit.Record(ent)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
