package provider

import "context"

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
