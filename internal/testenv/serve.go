package testenv

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Serve is a running `sipctl sandbox serve` (the built binary) on free
// loopback ports, over the sandbox in env's state directory.
type Serve struct {
	// API is the Twilio-compatible API's base URL; HTTPAddr its host:port.
	API, HTTPAddr string
	// SIPAddr is the registrar's host:port.
	SIPAddr string
	// PID is the serve's process ID.
	PID int
	out *lockedBuffer
}

// Output is what the serve has printed so far.
func (s *Serve) Output() string { return s.out.String() }

// StartServe starts `sipctl sandbox serve` with extra flags, waits until
// `sandbox status` reports this process serving, and stops it (SIGTERM,
// then SIGKILL after 10 s, which fails the test) when the test ends.
func StartServe(t testing.TB, env *Env, extra ...string) *Serve {
	t.Helper()
	bin := Binary(t)
	cmd := exec.Command(bin, append([]string{"sandbox", "serve", "--http-addr", "127.0.0.1:0", "--sip-addr", "127.0.0.1:0"}, extra...)...)
	cmd.Env = env.Environ()
	s := &Serve{out: &lockedBuffer{}}
	cmd.Stdout, cmd.Stderr = s.out, s.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Errorf("sandbox serve ignored SIGTERM:\n%s", s.Output())
		}
	})
	for deadline := time.Now().Add(30 * time.Second); ; {
		select {
		case err := <-exited:
			t.Fatalf("sandbox serve exited: %v\n%s", err, s.Output())
		default:
		}
		status := exec.Command(bin, "sandbox", "status", "--json")
		status.Env = env.Environ()
		out, err := status.Output()
		var st struct {
			Serving  bool   `json:"serving"`
			API      string `json:"api_url"`
			HTTPAddr string `json:"http_addr"`
			SIPAddr  string `json:"sip_addr"`
			PID      int    `json:"pid"`
		}
		if err == nil && json.Unmarshal(out, &st) == nil && st.Serving && st.PID == cmd.Process.Pid && st.API != "" && st.SIPAddr != "" {
			s.API, s.HTTPAddr, s.SIPAddr, s.PID = st.API, st.HTTPAddr, st.SIPAddr, st.PID
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("sandbox serve did not come up:\n%s", s.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lockedBuffer is a bytes.Buffer a process writes to while a test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
