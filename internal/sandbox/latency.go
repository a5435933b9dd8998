package sandbox

import (
	"bytes"
	"net/http"
	"time"
)

// latencyWriter holds an answer until its deadline: --latency is the least
// time an answer takes, with the server's own work inside it, as a distant
// provider's is (a round trip that takes L whatever the server did), not
// the work plus L.
type latencyWriter struct {
	w        http.ResponseWriter
	r        *http.Request
	deadline time.Time
	header   http.Header
	status   int
	body     bytes.Buffer
}

// withLatency wraps w so that the answer leaves no earlier than l after
// now; call flush once the handler is done.
func withLatency(w http.ResponseWriter, r *http.Request, l time.Duration) *latencyWriter {
	return &latencyWriter{w: w, r: r, deadline: time.Now().Add(l), header: http.Header{}}
}

func (l *latencyWriter) Header() http.Header { return l.header }

func (l *latencyWriter) WriteHeader(code int) {
	if l.status == 0 {
		l.status = code
	}
}

func (l *latencyWriter) Write(b []byte) (int, error) {
	if l.status == 0 {
		l.status = http.StatusOK
	}
	return l.body.Write(b)
}

// flush waits for the deadline (or the client to leave), then sends.
func (l *latencyWriter) flush() {
	if d := time.Until(l.deadline); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-l.r.Context().Done():
			t.Stop()
			return
		}
	}
	for k, v := range l.header {
		l.w.Header()[k] = v
	}
	if l.status == 0 {
		l.status = http.StatusOK
	}
	l.w.WriteHeader(l.status)
	l.w.Write(l.body.Bytes())
}
