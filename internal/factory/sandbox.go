package factory

import (
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/sipctl/sipctl/internal/auth"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/httpsafe"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/twilio"
)

func init() {
	Register(Info{Name: config.ProviderSandbox, Description: "the built-in Twilio-compatible sandbox (local SQLite)", PasswordPolicy: "twilio",
		Auth: auth.Method{
			Resolve: func(p *config.Profile) (auth.Credentials, error) {
				return auth.Credentials{AccountSID: p.AccountSID, Source: auth.SourceSandbox, NoneNeeded: "the built-in sandbox has none"}, nil
			},
			Unchecked: "provided by the built-in sandbox",
		},
		New: func(env *Env, prof *config.Profile) (provider.SIPAccounts, error) {
			return sandboxProvider(env.Factory, prof, env.Debug)
		}})
}

// sandboxBaseURL is nominal: in-process requests never leave the process.
const sandboxBaseURL = "http://localhost"

// sandboxProvider opens the sandbox database in the state directory and
// talks to it through the Twilio client: in-process by default, or over HTTP
// when the profile (or SIPCTL_API_URL) points at a `sipctl sandbox serve`.
func sandboxProvider(f *cmdutil.Factory, p *config.Profile, debug io.Writer) (provider.SIPAccounts, error) {
	dir, err := config.EnsureStateDir()
	if err != nil {
		return nil, fmt.Errorf("creating the state directory: %w", err)
	}
	sb, err := sandbox.Open(dir)
	if err != nil {
		return nil, err
	}
	onClose(sb)
	sid, token := sb.Account()
	rt, base, where := sb.RoundTripper(), sandboxBaseURL, "in-process"
	if p.APIURL != "" {
		// The API clients' pooled transport, which keeps a connection per
		// request in flight; http.DefaultTransport keeps two, so a bulk
		// run against a serve dialed anew for most requests.
		rt, base, where = httpsafe.Pooled(), p.APIURL, p.APIURL
	}
	rt = &noteFirst{base: rt, note: func() {
		if !f.Globals.QuietNotes() {
			fmt.Fprintf(f.IOStreams.ErrOut, "note: working against the local sandbox (%s); `sipctl sandbox status`\n", where)
		}
	}}
	c, err := newClientOver(rt, base, config.ProviderSandbox, sid, token, debug)
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*twilio.Client); ok {
		return sandboxAccounts{Client: tc, stateDir: dir}, nil
	}
	return c, nil
}

// sandboxNote is the note that the sandbox answers, printed once per
// process, when the first request is about to be sent: never before a
// refused flag or file, and once however many clients a run makes.
var sandboxNote sync.Once

// noteFirst prints the sandbox note before the first request.
type noteFirst struct {
	base http.RoundTripper
	note func()
}

func (n *noteFirst) RoundTrip(r *http.Request) (*http.Response, error) {
	sandboxNote.Do(n.note)
	return n.base.RoundTrip(r)
}
