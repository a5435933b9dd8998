package rotate

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progress rewrites one status line on a terminal, at most ten times a
// second.
type progress struct {
	mu         sync.Mutex
	w          io.Writer
	total      int
	done, fail int
	last       time.Time
}

func newProgress(w io.Writer, total int) *progress { return &progress{w: w, total: total} }

func (p *progress) step(ok bool) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if ok {
		p.done++
	} else {
		p.fail++
	}
	if time.Since(p.last) >= 100*time.Millisecond || p.done+p.fail == p.total {
		p.last = time.Now()
		fmt.Fprintf(p.w, "\r\033[KRotating passwords: %d/%d done, %d failed", p.done, p.total, p.fail)
	}
}

func (p *progress) finish() {
	if p.w == nil || p.total == 0 {
		return
	}
	fmt.Fprint(p.w, "\r\033[K")
}
