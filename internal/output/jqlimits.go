package output

import (
	"context"
	"errors"
	"fmt"
	"runtime/metrics"
	"time"
)

var errJQTime = errors.New("--jq: the expression ran out of time; simplify it, or raise SIPCTL_JQ_TIMEOUT")

// watchMemory cancels ctx when the live heap grows more than limit bytes
// beyond what it was at the start. gojq checks its context at every step,
// so a runaway expression stops soon after; the overshoot is what it
// allocates between two samples.
func watchMemory(ctx context.Context, limit uint64) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return sample[0].Value.Uint64()
	}
	base := read()
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if h := read(); h > base && h-base > limit {
					cancel(fmt.Errorf("--jq: the expression used more than %d MiB of memory; filter earlier or select fewer items", limit>>20))
					return
				}
			}
		}
	}()
	return ctx, func() { close(done); cancel(nil) }
}
