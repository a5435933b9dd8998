package twilio

import (
	"net/http"
	"net/url"
	"time"

	"github.com/sipctl/sipctl/internal/httpapi"
)

// debugLog writes requests and responses for --debug with every secret
// redacted (httpapi.DebugLog): the Authorization header, any form or JSON
// field whose name says it holds a secret, and the client's own secret
// wherever it appears.
type debugLog struct{ log *httpapi.DebugLog }

// IsSecretField reports whether a request or response field name holds a secret.
func IsSecretField(name string) bool { return httpapi.IsSecretField(name) }

func (d *debugLog) request(req *http.Request, hasBody bool, form url.Values) {
	if d == nil {
		return
	}
	body := ""
	if hasBody {
		body = httpapi.RedactForm(form).Encode()
	}
	d.log.Request(req, body)
}

func (d *debugLog) response(resp *http.Response, body []byte, elapsed time.Duration) {
	if d == nil {
		return
	}
	d.log.Response(resp, body, elapsed)
}
