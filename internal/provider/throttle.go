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

type parallelKey struct{}

// WithParallelReads returns a context under which a listing may send its
// independent reads at once (a domain's registration and call mappings):
// for a caller that has the whole request budget to itself, as plan,
// apply and export do before anything changes. Without it a listing sends
// one request at a time, so a run sharing one budget across many listings
// (a rotation of every subaccount) keeps to it.
func WithParallelReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, parallelKey{}, true)
}

func parallelReads(ctx context.Context) bool {
	on, _ := ctx.Value(parallelKey{}).(bool)
	return on
}
