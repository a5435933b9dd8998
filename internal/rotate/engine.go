// Package rotate applies journaled password changes in bulk: bounded,
// adaptive concurrency against the provider, retries of temporary failures,
// an audit record per change, and a summary of what happened. Custody
// (internal/custody) decides what is applied; this package only applies it.
package rotate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/sipctl/sipctl/internal/audit"
	"github.com/sipctl/sipctl/internal/httpapi"
	"github.com/sipctl/sipctl/internal/httpsafe"
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/provider"
)

// DefaultConcurrency is the most requests in flight: Twilio's default
// per-account concurrency limit.
const DefaultConcurrency = 100

// rateLimitRetries is the most retries of one write, counting the API
// client's (after a 429 or a 5xx) and the engine's together: one budget
// per write (httpapi.Budget).
const rateLimitRetries = 12

// WriteBudget bounds the time one write may spend being retried, client
// and engine together; a retry that would start later is not made, and the
// entry stays unfinished for --resume.
const WriteBudget = 2 * time.Minute

// requestGrace bounds how long an in-flight request may take to finish
// after the run was interrupted.
const requestGrace = 60 * time.Second

// Applier gives the provider one entry's password. It returns the account's
// reference when the change made one (a create). It must be idempotent.
type Applier func(ctx context.Context, e journal.Entry) (ref string, err error)

// Options tunes a run.
type Options struct {
	// Concurrency is the most requests in flight; the engine starts lower
	// and finds the provider's limit. Default DefaultConcurrency.
	Concurrency int
	// Retries is how many more times a temporarily failing change, or one
	// whose outcome is unknown, is tried (the same password again).
	// Default 5.
	Retries int
	// Resolve, when set, settles an entry whose outcome stayed unknown
	// after its retries by looking at the provider (a create: does the
	// account exist?). applied reports the write took effect, with the
	// account's reference; refused, that it certainly did not. Neither
	// leaves it unknown.
	Resolve func(ctx context.Context, e journal.Entry, last error) (ref string, applied, refused bool)
	// Audit, when set, gets one entry per change; a failed audit write
	// stops the run.
	Audit   *audit.Log
	Profile string
	// Progress, when set, receives a status line as work proceeds (pass
	// stderr only when it is a terminal).
	Progress io.Writer
	// Group, when set, names the group an entry belongs to (a run across
	// subaccounts: the customer); progress then also says when each group
	// is finished. All groups share the one concurrency limit.
	Group func(journal.Entry) string
	// sleep waits between retries; tests shorten it.
	sleep func(ctx context.Context, d time.Duration) error
	// writeBudget is WriteBudget; tests shorten it.
	writeBudget time.Duration
}

// Result is one entry's outcome.
type Result struct {
	Entry journal.Entry
	Err   error
	// Outcome is Refused (nothing was set) or Unknown (the password may be
	// set: it stays on record and counts as unconfirmed).
	Outcome Outcome
}

// Summary is what a run did. Every entry asked for is in exactly one of
// Rotated, Failed and NotAttempted.
type Summary struct {
	Rotated []journal.Entry
	Failed  []Result
	// NotAttempted were never sent: the run was interrupted or stopped.
	NotAttempted []journal.Entry
	// Fatal is why the run stopped early (a journal or audit write failed).
	Fatal error
	// Interrupted says the context ended (Ctrl-C, SIGTERM).
	Interrupted bool
	Cuts        int
}

// OK reports whether every entry was applied.
func (s Summary) OK() bool { return len(s.Failed) == 0 && len(s.NotAttempted) == 0 && s.Fatal == nil }

// rateLimited and temporary match provider errors by behaviour, so the
// engine needs no provider package.
func rateLimited(err error) bool {
	var e interface{ RateLimited() bool }
	return errors.As(err, &e) && e.RateLimited()
}

// throttled is a 429, or a Retry-After longer than sipctl waits.
func throttled(err error) bool {
	var ra *httpsafe.RetryAfterError
	return rateLimited(err) || errors.As(err, &ra)
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
// provider answers. When ctx ends no new request starts; requests in flight
// finish (within requestGrace) and are recorded. A journal or audit write
// that fails stops the run at once (Summary.Fatal).
func Run(ctx context.Context, apply Applier, j *journal.Journal, ids []int, o Options) Summary {
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
	if o.writeBudget <= 0 {
		o.writeBudget = WriteBudget
	}
	if ids == nil {
		for _, e := range j.Unfinished() {
			ids = append(ids, e.ID)
		}
	}
	// stop ends dispatch: the caller's context (a signal) or a fatal error.
	stop, cancel := context.WithCancel(ctx)
	defer cancel()
	// Requests in flight are not cut off by a signal: their outcome must be
	// known to be recorded.
	reqCtx, reqCancel := context.WithCancel(context.WithoutCancel(ctx))
	defer reqCancel()
	go func() {
		<-stop.Done()
		t := time.NewTimer(requestGrace)
		defer t.Stop()
		select {
		case <-t.C:
			reqCancel()
		case <-reqCtx.Done():
		}
	}()

	lim := newLimiter(initialWindow(o.Concurrency), o.Concurrency)
	reqCtx = provider.WithThrottleObserver(reqCtx, lim.congested)
	prog := newProgress(o.Progress, len(ids))
	prog.creating = len(ids) > 0
	for _, id := range ids {
		if j.Entry(id).Op != journal.OpCreate {
			prog.creating = false
			break
		}
	}
	groupOf := func(journal.Entry) string { return "" }
	if o.Group != nil {
		groupOf = o.Group
		for _, id := range ids {
			prog.group(groupOf(j.Entry(id)))
		}
	}
	defer prog.finish()

	var (
		mu      sync.Mutex
		sum     Summary
		wg      sync.WaitGroup
		started = map[int]bool{}
	)
	fatal := func(err error) {
		if sum.Fatal == nil {
			sum.Fatal = err
		}
		cancel()
	}
	for _, id := range ids {
		if err := lim.acquire(stop); err != nil {
			break
		}
		mu.Lock()
		if sum.Fatal != nil {
			mu.Unlock()
			lim.release(false, 0)
			break
		}
		started[id] = true
		mu.Unlock()
		wg.Go(func() {
			e := j.Entry(id)
			ref, err := applyWithRetry(stop, reqCtx, apply, lim, e, o)
			outcome := Classify(err)
			// No request starts once the run is stopping: what is unknown
			// then stays on record for --resume.
			if outcome == Unknown && o.Resolve != nil && stop.Err() == nil {
				if r, applied, refused := o.Resolve(reqCtx, e, err); applied {
					ref, err, outcome = r, nil, Applied
				} else if refused {
					outcome = Refused
				}
			}
			if err == nil && ref != "" {
				e.Ref = ref
			}
			// Audit before marking the journal: a kill between the two
			// leaves the entry pending, so --resume applies and records it
			// again; the other order could lose its audit line for good.
			aerr := o.record(e, err)
			mu.Lock()
			defer mu.Unlock()
			var merr error
			if err == nil {
				merr = j.Mark(id, journal.Done, "", false, ref, credSID(ref))
				sum.Rotated = append(sum.Rotated, j.Entry(id))
			} else {
				// A throttled write changed nothing but is work left:
				// it stays unfinished, for --resume.
				merr = j.Mark(id, journal.Failed, err.Error(), outcome == Refused && !throttled(err), "", "")
				sum.Failed = append(sum.Failed, Result{Entry: j.Entry(id), Err: err, Outcome: outcome})
			}
			if aerr != nil {
				fatal(aerr)
			}
			if merr != nil {
				fatal(merr)
			}
			prog.step(groupOf(e), err == nil)
		})
	}
	wg.Wait()
	for _, id := range ids {
		if !started[id] {
			sum.NotAttempted = append(sum.NotAttempted, j.Entry(id))
		}
	}
	sum.Interrupted = ctx.Err() != nil
	_, sum.Cuts = lim.current()
	sort.Slice(sum.Rotated, func(a, b int) bool { return sum.Rotated[a].ID < sum.Rotated[b].ID })
	sort.Slice(sum.Failed, func(a, b int) bool { return sum.Failed[a].Entry.ID < sum.Failed[b].Entry.ID })
	return sum
}

// initialWindow is how many requests a run starts with: half the most
// allowed (the provider's documented limit by default), so a run reaches the
// limit after one round trip instead of five, and one that finds the limit
// lower (another run sharing it) halves from there on its first 429s. Small
// budgets start at up to 8.
func initialWindow(concurrency int) int {
	return max(min(8, concurrency), concurrency/2)
}

// credSID is the Twilio credential SID in a "CL…/CR…" reference, for display.
func credSID(ref string) string {
	for i := len(ref) - 1; i >= 0; i-- {
		if ref[i] == '/' {
			return ref[i+1:]
		}
	}
	return ""
}

// applyWithRetry holds one limiter slot (acquired by the caller) for the
// first attempt and re-acquires for each retry; no retry starts once stop
// has ended.
func applyWithRetry(stop, reqCtx context.Context, apply Applier, lim *limiter, e journal.Entry, o Options) (string, error) {
	held := true
	defer func() {
		if held {
			lim.release(false, 0)
		}
	}()
	// One budget for every retry of this write, the API client's included;
	// it ends when stop does, so a signal stops the client's waits too.
	budget := httpapi.NewBudget(stop, max(o.Retries, rateLimitRetries), o.writeBudget)
	reqCtx = httpapi.WithBudget(reqCtx, budget)
	for attempt := 0; ; attempt++ {
		start := time.Now()
		ref, err := apply(reqCtx, e)
		rl := err != nil && rateLimited(err)
		lim.release(rl, time.Since(start))
		held = false
		if err == nil {
			return ref, nil
		}
		// Send again what is worth it: a temporary refusal (429), and a
		// write whose outcome is unknown, with the same password, which
		// is idempotent. A 429 means the change was not processed: it may
		// use the whole budget; anything else at most o.Retries of it.
		if !(temporary(err) || throttled(err) || Classify(err) == Unknown) || (!rl && attempt >= o.Retries) || stop.Err() != nil {
			return "", err
		}
		delay := retryDelay(attempt)
		if !budget.Take(delay) {
			return "", fmt.Errorf("%w (no retry left in this write's budget)", err)
		}
		if serr := o.sleep(stop, delay); serr != nil {
			return "", fmt.Errorf("%w (interrupted before a retry)", err)
		}
		if aerr := lim.acquire(stop); aerr != nil {
			return "", fmt.Errorf("%w (interrupted before a retry)", err)
		}
		held = true
	}
}

func retryDelay(attempt int) time.Duration {
	ceiling := min(250*time.Millisecond<<min(attempt, 6), 8*time.Second)
	return ceiling/2 + rand.N(ceiling/2+1)
}

func (o Options) record(e journal.Entry, err error) error {
	if o.Audit == nil {
		return nil
	}
	ent := audit.Entry{Profile: o.Profile, AccountSID: e.AccountSID, SID: e.Ref, Username: e.Username, Action: string(e.Op), Outcome: audit.OutcomeOK}
	if err != nil {
		ent.Outcome, ent.Error = audit.OutcomeFailed, err.Error()
	}
	return o.Audit.Record(ent)
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
