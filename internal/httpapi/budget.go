package httpapi

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Budget is the one retry budget of one write, shared by everything that
// would send it again: the API client's retries after a 429 or a 5xx and
// the bulk engine's attempts. Without it the two multiply (a 429 storm with
// Retry-After: 1 took 97 s and 65 attempts for one account). It is bounded
// in count and in time, and ends at once when Stop ends (the first Ctrl-C
// or SIGTERM): no retry starts after that.
type Budget struct {
	// Stop ends every wait and forbids new attempts.
	Stop     context.Context
	mu       sync.Mutex
	left     int
	deadline time.Time
}

// NewBudget allows retries more attempts within d.
func NewBudget(stop context.Context, retries int, d time.Duration) *Budget {
	return &Budget{Stop: stop, left: retries, deadline: time.Now().Add(d)}
}

// ErrBudgetSpent says a retry was not made: the write's budget is spent, or
// the run was told to stop.
var ErrBudgetSpent = errors.New("no retry: the write's retry budget is spent or the run is stopping")

// Take spends one retry that would start after waiting d; false when the
// count or the time is spent, or Stop ended.
func (b *Budget) Take(d time.Duration) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.left <= 0 || b.Stop.Err() != nil || time.Now().Add(d).After(b.deadline) {
		return false
	}
	b.left--
	return true
}

type budgetKey struct{}

// WithBudget makes every Sleep under ctx spend from b.
func WithBudget(ctx context.Context, b *Budget) context.Context {
	return context.WithValue(ctx, budgetKey{}, b)
}

// BudgetOf is the budget ctx carries (nil: none).
func BudgetOf(ctx context.Context) *Budget {
	b, _ := ctx.Value(budgetKey{}).(*Budget)
	return b
}
