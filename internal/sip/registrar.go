package sip

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// RegistrarOptions tune the registrar. Zero values take the defaults noted.
type RegistrarOptions struct {
	// Logger receives operational messages; nil discards them. Passwords
	// never reach the registrar, and digest responses are never logged.
	Logger *slog.Logger
	// UserAgent is the Server header value; default "sipctl-sandbox".
	UserAgent string
	// NonceTTL is how long a challenge nonce stays fresh; default 5m.
	NonceTTL time.Duration
	// DefaultExpires applies when a Contact has no expiry; default 3600s.
	DefaultExpires time.Duration
	// MinExpires: shorter non-zero expiries get 423; default 60s.
	MinExpires time.Duration
	// MaxExpires caps expiries; default 7200s.
	MaxExpires time.Duration
	// MaxBindingsPerAoR bounds the contacts one account may hold; default 10.
	MaxBindingsPerAoR int
	// MaxConcurrent bounds REGISTERs handled at once; more get 503. Default 64.
	MaxConcurrent int
	// LookupTimeout bounds one CredentialStore lookup; default 2s.
	LookupTimeout time.Duration
	// MaxConnections bounds open TCP/TLS connections per listener; default 256.
	MaxConnections int
	// IdleTimeout closes TCP/TLS connections silent this long; default 2m.
	IdleTimeout time.Duration
	// TLSConfig is required for the "tls" network.
	TLSConfig *tls.Config
	// Now is the clock; tests replace it.
	Now func() time.Time
	// OnChange, when set, is called after a REGISTER changed the bindings
	// of user@domain (Bindings then lists them); the sandbox keeps them
	// for its registration status.
	OnChange func(domain, user string)
}

func (o *RegistrarOptions) setDefaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.UserAgent == "" {
		o.UserAgent = "sipctl-sandbox"
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.NonceTTL, 5*time.Minute)
	def(&o.DefaultExpires, time.Hour)
	def(&o.MinExpires, time.Minute)
	def(&o.MaxExpires, 2*time.Hour)
	def(&o.LookupTimeout, 2*time.Second)
	def(&o.IdleTimeout, 2*time.Minute)
	if o.MaxBindingsPerAoR <= 0 {
		o.MaxBindingsPerAoR = 10
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = 64
	}
	if o.MaxConnections <= 0 {
		o.MaxConnections = 256
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Registrar is a SIP registrar (RFC 3261 section 10) that authenticates
// REGISTER with digest (MD5, qop=auth, realm = the domain name) against a
// CredentialStore and keeps bindings in memory.
type Registrar struct {
	store  CredentialStore
	opts   RegistrarOptions
	log    *slog.Logger
	nonces *nonceSigner
	table  *bindingTable
	ua     *sipgo.UserAgent
	srv    *sipgo.Server
	sem    chan struct{}

	stop      chan struct{}
	closeOnce sync.Once
}

// NewRegistrar builds a registrar; serve it with Serve or Listen. Close it
// when done.
func NewRegistrar(store CredentialStore, opts RegistrarOptions) (*Registrar, error) {
	if store == nil {
		return nil, errors.New("sip: NewRegistrar needs a CredentialStore")
	}
	opts.setDefaults()
	nonces, err := newNonceSigner(opts.NonceTTL)
	if err != nil {
		return nil, fmt.Errorf("sip: nonce key: %w", err)
	}
	log := opts.Logger.With("component", "sip-registrar")
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent(opts.UserAgent),
		sipgo.WithUserAgenTLSConfig(opts.TLSConfig),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(log)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(log)),
	)
	if err != nil {
		return nil, fmt.Errorf("sip: user agent: %w", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(log))
	if err != nil {
		ua.Close()
		return nil, fmt.Errorf("sip: server: %w", err)
	}
	r := &Registrar{
		store:  store,
		opts:   opts,
		log:    log,
		nonces: nonces,
		table:  newBindingTable(),
		ua:     ua,
		srv:    srv,
		sem:    make(chan struct{}, opts.MaxConcurrent),
		stop:   make(chan struct{}),
	}
	srv.OnRegister(r.onRegister)
	srv.OnOptions(r.onOptions)
	go r.janitor()
	return r, nil
}

// Close stops the registrar's background work and its SIP stack. Listeners
// stop when their Serve context ends.
func (r *Registrar) Close() error {
	r.closeOnce.Do(func() { close(r.stop) })
	return r.ua.Close()
}

// Bindings lists the current contacts of user@domain.
func (r *Registrar) Bindings(domain, user string) []Binding {
	return r.table.list(aorKey(domain, user), r.opts.Now())
}

func (r *Registrar) janitor() {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			r.table.pruneAll(r.opts.Now())
		}
	}
}

func (r *Registrar) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	res := sip.NewResponseFromRequest(req, sip.StatusOK, "OK", nil)
	res.AppendHeader(sip.NewHeader("Allow", "REGISTER, OPTIONS"))
	r.respond(tx, res)
}

func (r *Registrar) onRegister(req *sip.Request, tx sip.ServerTransaction) {
	defer func() {
		// A handler panic would take the whole sandbox down with it; drop
		// the request instead.
		if v := recover(); v != nil {
			r.log.Error("REGISTER handler panic; request dropped", "panic", fmt.Sprint(v))
		}
	}()
	select {
	case r.sem <- struct{}{}:
		defer func() { <-r.sem }()
	default:
		if res := newResponse(req, sip.StatusServiceUnavailable, "Service Unavailable"); res != nil {
			res.AppendHeader(sip.NewHeader("Retry-After", "5"))
			r.respond(tx, res)
		}
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.opts.LookupTimeout)
	defer cancel()
	if res := r.handleRegister(ctx, req); res != nil {
		r.respond(tx, res)
	}
}

func (r *Registrar) respond(tx sip.ServerTransaction, res *sip.Response) {
	res.AppendHeader(sip.NewHeader("Server", r.opts.UserAgent))
	if err := tx.Respond(res); err != nil {
		r.log.Warn("sending response failed", "status", res.StatusCode, "error", err)
	}
}

// newResponse builds a response, or returns nil when the request lacks what
// a response must echo (such a request is dropped).
func newResponse(req *sip.Request, code int, reason string) *sip.Response {
	if req.Via() == nil || req.From() == nil || req.To() == nil || req.CallID() == nil || req.CSeq() == nil {
		return nil
	}
	return sip.NewResponseFromRequest(req, code, reason, nil)
}

// handleRegister decides the response to one REGISTER; nil means drop it.
// It holds the whole parsing and authorisation path, so it is what the fuzz
// test drives.
func (r *Registrar) handleRegister(ctx context.Context, req *sip.Request) *sip.Response {
	if req.SipVersion != "SIP/2.0" || newResponse(req, 100, "") == nil {
		return nil
	}
	if req.Method != sip.REGISTER {
		return newResponse(req, sip.StatusMethodNotAllowed, "Method Not Allowed")
	}
	to := req.To()
	domain := strings.ToLower(to.Address.Host)
	user := to.Address.User
	if domain == "" || user == "" {
		return newResponse(req, sip.StatusBadRequest, "Bad Request (To needs user@domain)")
	}

	ha1, err := r.store.LookupHA1(ctx, domain, user)
	switch {
	case errors.Is(err, ErrUnknownDomain):
		return newResponse(req, sip.StatusNotFound, "Not Found (unknown domain)")
	case errors.Is(err, ErrUnknownUser):
		return newResponse(req, sip.StatusNotFound, "Not Found (unknown user)")
	case err != nil:
		r.log.Error("credential lookup failed", "domain", domain, "user", user, "error", err)
		return newResponse(req, sip.StatusInternalServerError, "Server Internal Error")
	}
	ha1 = strings.ToLower(ha1)
	if b, err := hex.DecodeString(ha1); err != nil || len(b) != 16 {
		r.log.Error("credential store returned a malformed HA1", "domain", domain, "user", user)
		return newResponse(req, sip.StatusInternalServerError, "Server Internal Error")
	}

	now := r.opts.Now()
	authz := req.GetHeader("Authorization")
	if authz == nil {
		return r.challenge(req, domain, false, now)
	}
	cred, err := digest.ParseCredentials(authz.Value())
	if err != nil {
		return newResponse(req, sip.StatusBadRequest, "Bad Request (malformed Authorization)")
	}
	if !strings.EqualFold(cred.Realm, domain) || cred.QOP != "auth" ||
		(cred.Algorithm != "" && !strings.EqualFold(cred.Algorithm, "MD5")) || cred.Userhash {
		// Answer what we can verify: a fresh challenge with our terms.
		return r.challenge(req, domain, false, now)
	}
	if cred.Username != user {
		return newResponse(req, sip.StatusForbidden, "Forbidden (Authorization username does not match To)")
	}
	valid, expired := r.nonces.check(cred.Nonce, domain, now)
	if !valid {
		return r.challenge(req, domain, false, now)
	}
	if cred.Cnonce == "" || cred.Nc <= 0 {
		return newResponse(req, sip.StatusBadRequest, "Bad Request (qop=auth needs cnonce and nc)")
	}
	want, err := digest.Digest(&digest.Challenge{
		Realm:     cred.Realm,
		Nonce:     cred.Nonce,
		Algorithm: cred.Algorithm,
		QOP:       []string{"auth"},
	}, digest.Options{
		Method:   req.Method.String(),
		URI:      cred.URI,
		Username: cred.Username,
		A1:       ha1,
		Cnonce:   cred.Cnonce,
		Count:    cred.Nc,
	})
	if err != nil {
		return newResponse(req, sip.StatusBadRequest, "Bad Request (unusable Authorization)")
	}
	if subtle.ConstantTimeCompare([]byte(want.Response), []byte(strings.ToLower(cred.Response))) != 1 {
		return newResponse(req, sip.StatusForbidden, "Forbidden")
	}
	if expired {
		// Right password, old nonce: let the client retry silently.
		return r.challenge(req, domain, true, now)
	}
	return r.updateBindings(req, domain, user, now)
}

func (r *Registrar) challenge(req *sip.Request, realm string, stale bool, now time.Time) *sip.Response {
	res := newResponse(req, sip.StatusUnauthorized, "Unauthorized")
	if res == nil {
		return nil
	}
	chal := digest.Challenge{
		Realm:     realm,
		Nonce:     r.nonces.issue(realm, now),
		Algorithm: "MD5",
		QOP:       []string{"auth"},
		Stale:     stale,
	}
	res.AppendHeader(sip.NewHeader("WWW-Authenticate", chal.String()))
	return res
}

// updateBindings applies an authenticated REGISTER (RFC 3261 10.3 steps 6-8).
func (r *Registrar) updateBindings(req *sip.Request, domain, user string, now time.Time) *sip.Response {
	headerExpires := time.Duration(-1)
	if h := req.GetHeader("Expires"); h != nil {
		n, err := strconv.ParseUint(strings.TrimSpace(h.Value()), 10, 32)
		if err != nil {
			return newResponse(req, sip.StatusBadRequest, "Bad Request (malformed Expires)")
		}
		headerExpires = time.Duration(n) * time.Second
	}

	var (
		updates   []bindingUpdate
		removeAll bool
		contacts  = req.GetHeaders("Contact")
	)
	for _, h := range contacts {
		c, ok := h.(*sip.ContactHeader)
		if !ok {
			return newResponse(req, sip.StatusBadRequest, "Bad Request (malformed Contact)")
		}
		if c.Address.Wildcard {
			if len(contacts) != 1 || headerExpires != 0 {
				return newResponse(req, sip.StatusBadRequest, "Bad Request (Contact: * needs Expires: 0 and no other Contact)")
			}
			removeAll = true
			break
		}
		exp := headerExpires
		if v, ok := c.Params.Get("expires"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
			if err != nil {
				return newResponse(req, sip.StatusBadRequest, "Bad Request (malformed Contact expires)")
			}
			exp = time.Duration(n) * time.Second
		}
		if exp < 0 {
			exp = r.opts.DefaultExpires
		}
		if exp > 0 && exp < r.opts.MinExpires {
			res := newResponse(req, 423, "Interval Too Brief")
			res.AppendHeader(sip.NewHeader("Min-Expires", strconv.Itoa(int(r.opts.MinExpires/time.Second))))
			return res
		}
		exp = min(exp, r.opts.MaxExpires)
		if c.Address.Host == "" {
			return newResponse(req, sip.StatusBadRequest, "Bad Request (Contact without host)")
		}
		u := bindingUpdate{contact: c.Address.String(), expires: exp, source: req.Source(), transport: strings.ToLower(req.Transport())}
		if h := req.GetHeader("User-Agent"); h != nil {
			u.userAgent = h.Value()
		}
		updates = append(updates, u)
	}

	aor := aorKey(domain, user)
	var (
		bindings []Binding
		err      error
	)
	if len(updates) == 0 && !removeAll {
		// No Contact: a query, which changes nothing.
		bindings = r.table.list(aor, now)
	} else {
		bindings, err = r.table.apply(aor, string(*req.CallID()), req.CSeq().SeqNo, removeAll, updates, r.opts.MaxBindingsPerAoR, now)
	}
	switch {
	case errors.Is(err, errOutOfOrder):
		return newResponse(req, sip.StatusInternalServerError, "Server Internal Error (out-of-order REGISTER)")
	case errors.Is(err, errTooManyBindings):
		return newResponse(req, sip.StatusForbidden, fmt.Sprintf("Forbidden (more than %d bindings)", r.opts.MaxBindingsPerAoR))
	case err != nil:
		return newResponse(req, sip.StatusInternalServerError, "Server Internal Error")
	}

	if r.opts.OnChange != nil && (len(updates) > 0 || removeAll) {
		r.opts.OnChange(domain, user)
	}
	res := newResponse(req, sip.StatusOK, "OK")
	for _, b := range bindings {
		var uri sip.Uri
		if err := sip.ParseUri(b.Contact, &uri); err != nil {
			continue
		}
		ch := &sip.ContactHeader{Address: uri, Params: sip.NewParams()}
		ch.Params.Add("expires", strconv.Itoa(b.Expires))
		res.AppendHeader(ch)
	}
	res.AppendHeader(sip.NewHeader("Date", now.UTC().Format(time.RFC1123)))
	return res
}
