package rotate

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progress rewrites one status line on a terminal, at most ten times a
// second. With groups (a run across subaccounts) it also prints one line
// per group as the group finishes.
type progress struct {
	mu         sync.Mutex
	w          io.Writer
	total      int
	done, fail int
	last       time.Time

	groups   map[string]*groupCount
	finished int
	// creating: every entry is a create, so the line says "Creating
	// accounts"; only a rotation says "Rotating".
	creating bool
}

type groupCount struct{ total, done, fail int }

func newProgress(w io.Writer, total int) *progress { return &progress{w: w, total: total} }

// group counts an entry of group g towards that group's total.
func (p *progress) group(g string) {
	if p.groups == nil {
		p.groups = map[string]*groupCount{}
	}
	c := p.groups[g]
	if c == nil {
		c = &groupCount{}
		p.groups[g] = c
	}
	c.total++
}

func (p *progress) step(g string, ok bool) {
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
	if c := p.groups[g]; c != nil {
		if ok {
			c.done++
		} else {
			c.fail++
		}
		if c.done+c.fail == c.total {
			p.finished++
			fmt.Fprintf(p.w, "\r\033[K  %s: %d rotated, %d failed\n", g, c.done, c.fail)
			p.last = time.Time{}
		}
	}
	if time.Since(p.last) >= 100*time.Millisecond || p.done+p.fail == p.total {
		p.last = time.Now()
		if p.creating {
			fmt.Fprintf(p.w, "\r\033[KCreating accounts: %d/%d", p.done, p.total)
			if p.fail > 0 {
				fmt.Fprintf(p.w, ", %d failed", p.fail)
			}
		} else {
			fmt.Fprintf(p.w, "\r\033[KRotating passwords: %d/%d done, %d failed", p.done, p.total, p.fail)
		}
		if len(p.groups) > 0 {
			fmt.Fprintf(p.w, "; %d of %d customers finished", p.finished, len(p.groups))
		}
	}
}

func (p *progress) finish() {
	if p.w == nil || p.total == 0 {
		return
	}
	fmt.Fprint(p.w, "\r\033[K")
}
