package sandbox

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
)

// RoundTripper calls the sandbox's handler in-process: no port, no daemon.
// It is the Twilio client's transport for the default (sandbox) profile.
func (s *Sandbox) RoundTripper() http.RoundTripper {
	return &roundTripper{h: s.Handler()}
}

// RoundTripperWith is RoundTripper with latency and fault options.
func (s *Sandbox) RoundTripperWith(o HandlerOptions) http.RoundTripper {
	return &roundTripper{h: s.HandlerWith(o)}
}

type roundTripper struct{ h http.Handler }

func (rt *roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	in := req.Clone(req.Context())
	if in.Body == nil {
		in.Body = http.NoBody
	}
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = "in-process"
	if in.Host == "" {
		in.Host = req.URL.Host
	}
	w := &recorder{header: http.Header{}}
	rt.h.ServeHTTP(w, in)
	if req.Body != nil {
		req.Body.Close()
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return &http.Response{
		Status:        strconv.Itoa(w.status) + " " + http.StatusText(w.status),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.header,
		Body:          io.NopCloser(bytes.NewReader(w.body.Bytes())),
		ContentLength: int64(w.body.Len()),
		Request:       req,
	}, nil
}

// recorder is the minimal http.ResponseWriter the handler needs.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}
