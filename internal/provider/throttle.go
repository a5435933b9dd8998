package provider

import "context"

type throttleKey struct{}

// WithThrottleObserver returns a context whose requests report each
// rate-limit answer (HTTP 429) to fn, including those a client retries by
// itself: bulk work uses it to lower its concurrency while the client's
// retries keep individual requests alive.
func WithThrottleObserver(ctx context.Context, fn func()) context.Context {
	return context.WithValue(ctx, throttleKey{}, fn)
}

// ObserveThrottle is called by provider clients when the provider answers
// 429.
func ObserveThrottle(ctx context.Context) {
	if fn, ok := ctx.Value(throttleKey{}).(func()); ok {
		fn()
	}
}
