package sqldb

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrClosed is what a write gets once its Batcher is closed.
var ErrClosed = errors.New("database client closed")

// MaxGroup is the most concurrent writes one transaction commits together.
const MaxGroup = 256

// groupTimeout bounds one group commit.
const groupTimeout = 2 * time.Minute

// CommitFunc writes a group in one transaction: errs[i] is the outcome of
// ws[i] (such as a missing row) when the transaction committed; err is a
// failure of the whole transaction.
type CommitFunc[W any] func(ctx context.Context, ws []W) (errs []error, err error)

// Batcher commits concurrent single writes together (a group commit), so a
// rotation engine running 100 workers pays for one commit, not 100. When a
// group fails as a whole, each of its writes is retried alone, so one bad row
// cannot fail its neighbours.
type Batcher[W any] struct {
	commit CommitFunc[W]

	startOnce sync.Once
	writes    chan *pending[W]
	closeOnce sync.Once
	stop      chan struct{}
	stopped   chan struct{}
}

type pending[W any] struct {
	w    W
	done chan error
}

// NewBatcher returns a Batcher committing with commit; its goroutine starts
// on the first write.
func NewBatcher[W any](commit CommitFunc[W]) *Batcher[W] {
	return &Batcher[W]{commit: commit, stop: make(chan struct{}), stopped: make(chan struct{})}
}

// Do queues w and returns once it is durably written, or failed. Once
// queued, the write happens or fails as a whole: Do waits for it even if ctx
// ends, so the caller knows which.
func (b *Batcher[W]) Do(ctx context.Context, w W) error {
	b.startOnce.Do(func() {
		b.writes = make(chan *pending[W], MaxGroup)
		go b.run()
	})
	p := &pending[W]{w: w, done: make(chan error, 1)}
	select {
	case b.writes <- p:
	case <-b.stop:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-p.done:
		return err
	case <-b.stopped:
		select {
		case err := <-p.done:
			return err
		default:
			return ErrClosed
		}
	}
}

// Close stops the writer after the group it is committing.
func (b *Batcher[W]) Close() {
	b.closeOnce.Do(func() {
		close(b.stop)
		b.startOnce.Do(func() { close(b.stopped) }) // no writer was started
		<-b.stopped
	})
}

func (b *Batcher[W]) run() {
	defer close(b.stopped)
	for {
		select {
		case <-b.stop:
			for {
				select {
				case p := <-b.writes:
					p.done <- ErrClosed
				default:
					return
				}
			}
		case p := <-b.writes:
			group := []*pending[W]{p}
		fill:
			for len(group) < MaxGroup {
				select {
				case p := <-b.writes:
					group = append(group, p)
				default:
					break fill
				}
			}
			b.commitGroup(group)
		}
	}
}

func (b *Batcher[W]) commitGroup(group []*pending[W]) {
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	ws := make([]W, len(group))
	for i, p := range group {
		ws[i] = p.w
	}
	errs, err := b.commit(ctx, ws)
	if err != nil && len(group) > 1 {
		for _, p := range group {
			e, err := b.commit(ctx, []W{p.w})
			if err != nil {
				p.done <- err
			} else {
				p.done <- e[0]
			}
		}
		return
	}
	for i, p := range group {
		if err != nil {
			p.done <- err
		} else {
			p.done <- errs[i]
		}
	}
}
