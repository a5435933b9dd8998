package twilio

import "net/http"

// RateLimited reports a 429 (Twilio code 20429). Bulk work (password
// rotation) matches it through an interface to back off its concurrency
// without depending on this package.
func (e *APIError) RateLimited() bool {
	return e.Status == http.StatusTooManyRequests || e.Code == 20429
}

// Temporary reports an error worth retrying later: rate limiting or a
// server-side failure.
func (e *APIError) Temporary() bool {
	return e.RateLimited() || e.Status >= 500
}

// Explained reports an answer that names one of Twilio's error codes: a
// definite refusal when it is a 4xx. A 4xx sipctl cannot read (a cut or
// foreign body) may come from a proxy after the write was applied.
func (e *APIError) Explained() bool { return e.Code != 0 }
