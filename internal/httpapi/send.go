package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"

	"github.com/sipctl/sipctl/internal/httpsafe"
	"github.com/sipctl/sipctl/internal/provider"
)

// Send performs req with c and classifies a transport failure: the error
// is a *provider.UnavailableError whose Written says whether any of the
// request may have left (headers written to a connection). A write that
// failed before that was definitely not applied; every other failure may
// have been (the provider applied it and the answer was lost: a reset, an
// EOF, a proxy closing the connection). A request the origin guard refused
// comes back as the *httpsafe.OffOriginError it is, and nothing is sent
// when ctx has already ended.
func Send(c *http.Client, req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		// No request starts after a cancel: not even a retry.
		return nil, &provider.UnavailableError{Host: req.URL.Host, Err: err}
	}
	var written atomic.Bool
	trace := &httptrace.ClientTrace{
		WroteHeaders: func() { written.Store(true) },
		// A request written without the WroteHeaders hook (a transport that
		// only reports the end) counts too.
		WroteRequest: func(httptrace.WroteRequestInfo) { written.Store(true) },
	}
	resp, err := c.Do(req.WithContext(httptrace.WithClientTrace(ctx, trace)))
	if err == nil {
		return resp, nil
	}
	var off *httpsafe.OffOriginError
	if errors.As(err, &off) {
		return nil, off
	}
	if ce := ctx.Err(); ce != nil && !errors.Is(err, ce) {
		err = errors.Join(ce, err)
	}
	return nil, &provider.UnavailableError{Host: req.URL.Host, Err: err, Written: written.Load()}
}

// BodyError classifies a failure reading an answer's body: the request was
// written and answered, so it may have been applied. A *TooLargeError is
// kept as it is.
func BodyError(host string, err error) error {
	if err == nil || IsTooLarge(err) {
		return err
	}
	return &provider.UnavailableError{Host: host, Err: err, Written: true}
}
