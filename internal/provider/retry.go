package provider

import (
	"context"
	"sync"
	"time"
)

// RetryBudget bounds the retries of one piece of work in count and in time,
// together: a request is repeated only while both last. A provider client
// makes one per request by default (its MaxRetries and MaxRetryTime); a
// caller that repeats a write itself (custody re-sending a password) makes
// one per write and hands it down with WithRetryBudget, so the client's
// retries and its own draw on the same budget and a 429 storm cannot
// multiply them (a Retry-After of 1 s once took 65 attempts and 97 s for one
// account). It is safe for concurrent use.
type RetryBudget struct {
	mu       sync.Mutex
	retries  int
	deadline time.Time // zero: no time bound
	// waited is when the last retry granted starts: its waits count even
	// when they are not spent in real time yet.
	waited time.Time
	now    func() time.Time
}

// NewRetryBudget allows retries more attempts after the first, all of them
// starting within d from now (d <= 0: no time bound).
func NewRetryBudget(retries int, d time.Duration) *RetryBudget {
	b := &RetryBudget{retries: max(retries, 0), now: time.Now}
	if d > 0 {
		b.deadline = b.now().Add(d)
	}
	return b
}

// Spend takes one retry that starts after waiting wait, and reports
// whether the budget allowed it (retries left, and the wait ends before
// the deadline, counted from now or from the end of the last wait granted,
// whichever is later). A refused Spend takes nothing.
func (b *RetryBudget) Spend(wait time.Duration) bool {
	if b == nil {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.retries <= 0 {
		return false
	}
	start := b.now()
	if b.waited.After(start) {
		start = b.waited
	}
	start = start.Add(max(wait, 0))
	if !b.deadline.IsZero() && start.After(b.deadline) {
		return false
	}
	b.retries--
	b.waited = start
	return true
}

// Left is what remains: retries, and time until the deadline (0 when there
// is no time bound or it has passed; see Bounded).
func (b *RetryBudget) Left() (retries int, d time.Duration) {
	if b == nil {
		return 0, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.deadline.IsZero() {
		d = max(b.deadline.Sub(b.now()), 0)
	}
	return b.retries, d
}

// Deadline is when the last retry must have started (zero: no time bound).
func (b *RetryBudget) Deadline() time.Time {
	if b == nil {
		return time.Time{}
	}
	return b.deadline
}

type retryBudgetKey struct{}

// WithRetryBudget returns a context whose requests draw their retries from
// b instead of each making its own: for a caller that owns one budget per
// write across its own attempts and the client's.
func WithRetryBudget(ctx context.Context, b *RetryBudget) context.Context {
	return context.WithValue(ctx, retryBudgetKey{}, b)
}

// RetryBudgetFrom is the budget a caller put in ctx, or nil.
func RetryBudgetFrom(ctx context.Context) *RetryBudget {
	b, _ := ctx.Value(retryBudgetKey{}).(*RetryBudget)
	return b
}

// RetryBudgetOr is ctx's budget, or a new one of retries within d.
func RetryBudgetOr(ctx context.Context, retries int, d time.Duration) *RetryBudget {
	if b := RetryBudgetFrom(ctx); b != nil {
		return b
	}
	return NewRetryBudget(retries, d)
}
