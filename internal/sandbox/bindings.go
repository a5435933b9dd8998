package sandbox

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// BindingsFile is where `sandbox serve` keeps its registrar's bindings for
// other sipctl processes (registration status in `accounts list`, the
// contacts `devices resync` sends NOTIFY to).
const BindingsFile = "sandbox-bindings.json"

// StoredBinding is one registered contact as the file keeps it.
type StoredBinding struct {
	Contact   string    `json:"contact"`
	Expires   time.Time `json:"expires"`
	Updated   time.Time `json:"updated"`
	UserAgent string    `json:"user_agent,omitempty"`
	Source    string    `json:"source,omitempty"`
	Transport string    `json:"transport,omitempty"`
}

// Bindings are the contacts of each address of record (user@domain, the
// domain in lower case).
type Bindings map[string][]StoredBinding

// AoR is the key of an account in Bindings.
func AoR(user, domain string) string { return user + "@" + strings.ToLower(domain) }

// ReadBindings reads the bindings a running serve last wrote, dropping
// expired ones; none when no serve has run.
func ReadBindings(dir string, now time.Time) (Bindings, error) {
	data, err := os.ReadFile(filepath.Join(dir, BindingsFile))
	if errors.Is(err, os.ErrNotExist) {
		return Bindings{}, nil
	}
	if err != nil {
		return nil, err
	}
	var b Bindings
	if err := json.Unmarshal(data, &b); err != nil {
		return Bindings{}, nil // a serve writes it atomically; an old format is no binding
	}
	for aor, bs := range b {
		kept := bs[:0]
		for _, x := range bs {
			if now.Before(x.Expires) {
				kept = append(kept, x)
			}
		}
		if len(kept) == 0 {
			delete(b, aor)
		} else {
			b[aor] = kept
		}
	}
	return b, nil
}

// BindingsWriter keeps the bindings file current for a serve: Set records
// an AoR's bindings, and a background flush writes the file at most every
// interval (REGISTER storms cost one write per interval).
type BindingsWriter struct {
	dir   string
	mu    sync.Mutex
	b     Bindings
	dirty bool
	stop  chan struct{}
	done  chan struct{}
}

// NewBindingsWriter starts with no binding (a serve's registrar starts
// empty) and writes that at once.
func NewBindingsWriter(dir string, interval time.Duration) *BindingsWriter {
	w := &BindingsWriter{dir: dir, b: Bindings{}, dirty: true, stop: make(chan struct{}), done: make(chan struct{})}
	w.flush()
	go func() {
		defer close(w.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				w.flush()
				return
			case <-t.C:
				w.flush()
			}
		}
	}()
	return w
}

// Set records the bindings of an AoR.
func (w *BindingsWriter) Set(aor string, bs []StoredBinding) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(bs) == 0 {
		delete(w.b, aor)
	} else {
		w.b[aor] = bs
	}
	w.dirty = true
}

// Close writes what is pending and removes the file: a stopped serve's
// registrar holds no binding.
func (w *BindingsWriter) Close() {
	close(w.stop)
	<-w.done
	os.Remove(filepath.Join(w.dir, BindingsFile))
}

func (w *BindingsWriter) flush() {
	w.mu.Lock()
	if !w.dirty {
		w.mu.Unlock()
		return
	}
	data, err := json.Marshal(w.b)
	w.dirty = false
	w.mu.Unlock()
	if err != nil {
		return
	}
	tmp, err := os.CreateTemp(w.dir, ".bindings-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), filepath.Join(w.dir, BindingsFile)) != nil {
		os.Remove(tmp.Name())
	}
}
