package rotate

import (
	"context"
	"sync"
	"time"
)

// limiter bounds requests in flight and adapts the bound AIMD-style, as TCP
// does: it grows by one per success (doubling per round trip) until the
// provider first answers 429, then by one per round trip, and halves on each
// 429 (at most once per round trip, since one overload produces a burst of
// 429s).
type limiter struct {
	mu        sync.Mutex
	cond      *sync.Cond
	limit     float64
	max       float64
	inFlight  int
	slowStart bool
	lastCut   time.Time
	cutEvery  time.Duration
	cuts      int
}

func newLimiter(initial, max int) *limiter {
	if max < 1 {
		max = 1
	}
	initial = min(max, initial)
	if initial < 1 {
		initial = 1
	}
	l := &limiter{limit: float64(initial), max: float64(max), slowStart: true, cutEvery: 100 * time.Millisecond}
	l.cond = sync.NewCond(&l.mu)
	return l
}

// acquire waits for a slot; it fails only when ctx ends.
func (l *limiter) acquire(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		l.mu.Lock()
		l.cond.Broadcast()
		l.mu.Unlock()
	})
	defer stop()
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.inFlight >= int(l.limit) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		l.cond.Wait()
	}
	l.inFlight++
	return nil
}

// release frees a slot and feeds back how the request went.
func (l *limiter) release(rateLimited bool, rtt time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inFlight--
	if rateLimited {
		l.cutLocked(rtt)
	} else if l.slowStart {
		l.limit = min(l.max, l.limit+1)
	} else {
		l.limit = min(l.max, l.limit+1/l.limit)
	}
	l.cond.Broadcast()
}

// congested is a 429 seen while a request is still being retried by the
// provider client.
func (l *limiter) congested() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cutLocked(0)
}

func (l *limiter) cutLocked(rtt time.Duration) {
	now := time.Now()
	if now.Sub(l.lastCut) >= max(l.cutEvery, rtt) {
		l.limit = max(1, l.limit/2)
		l.lastCut = now
		l.cuts++
	}
	l.slowStart = false
}

func (l *limiter) current() (limit float64, cuts int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit, l.cuts
}
