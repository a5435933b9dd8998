package sip

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Outcome is what a registrar made of the probe's credentials.
type Outcome string

const (
	Accepted Outcome = "accepted"  // a 2xx final answer
	Rejected Outcome = "rejected"  // any other final answer (403, 404, a second 401...)
	NoAnswer Outcome = "no-answer" // nothing final before the timeout, or unreachable
)

// CheckOptions describe one REGISTER probe.
type CheckOptions struct {
	Username string
	Password string
	Domain   string
	// Registrar is host:port; empty looks up DNS SRV (_sip._udp, _sip._tcp or
	// _sips._tcp by transport), then the domain's A/AAAA records.
	Registrar string
	// Transport is udp (default), tcp or tls.
	Transport string
	// Timeout bounds the whole probe, DNS included; default 5s.
	Timeout time.Duration
	// Register adds a 60-second binding for this host instead of the default
	// query REGISTER, which has no Contact and changes nothing.
	Register bool
	// TLSConfig overrides the TLS client configuration (tests pass their own
	// roots); nil verifies the registrar against the system roots.
	TLSConfig *tls.Config
	// Resolver overrides DNS; nil uses net.DefaultResolver.
	Resolver *net.Resolver
}

// CheckResult is the probe's report. The password never appears in it.
type CheckResult struct {
	Outcome    Outcome       `json:"outcome"`
	StatusCode int           `json:"status_code,omitempty"`
	Reason     string        `json:"reason,omitempty"`
	RTT        time.Duration `json:"rtt"`
	Bindings   []Binding     `json:"bindings"`
	Registrar  string        `json:"registrar"`
	Transport  string        `json:"transport"`
}

// registerExpires is the binding lifetime --register asks for: long enough to
// see it listed, short enough not to linger.
const registerExpires = 60

// Check sends a REGISTER for Username@Domain with digest authentication and
// reports whether the registrar accepted the credentials. It returns an error
// only for unusable options; every network outcome is in the CheckResult.
func Check(ctx context.Context, o CheckOptions) (CheckResult, error) {
	if o.Username == "" || o.Domain == "" {
		return CheckResult{}, errors.New("sip check: username and domain are required")
	}
	if o.Transport == "" {
		o.Transport = "udp"
	}
	o.Transport = strings.ToLower(o.Transport)
	switch o.Transport {
	case "udp", "tcp", "tls":
	default:
		return CheckResult{}, fmt.Errorf("sip check: unsupported transport %q (want udp, tcp or tls)", o.Transport)
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()

	result := CheckResult{Transport: o.Transport, Bindings: []Binding{}}
	registrar := o.Registrar
	if registrar == "" {
		var err error
		registrar, err = resolveRegistrar(ctx, o.Resolver, o.Domain, o.Transport)
		if err != nil {
			result.Outcome = NoAnswer
			result.Reason = err.Error()
			return result, nil
		}
	} else if _, _, err := net.SplitHostPort(registrar); err != nil {
		return CheckResult{}, fmt.Errorf("sip check: registrar %q is not host:port", registrar)
	}
	result.Registrar = registrar

	tlsConf := o.TLSConfig
	if tlsConf == nil && o.Transport == "tls" {
		host, _, _ := net.SplitHostPort(registrar)
		tlsConf = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	quiet := slog.New(slog.DiscardHandler)
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent("sipctl"),
		sipgo.WithUserAgenTLSConfig(tlsConf),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quiet)),
	)
	if err != nil {
		return CheckResult{}, fmt.Errorf("sip check: user agent: %w", err)
	}
	defer ua.Close()
	client, err := sipgo.NewClient(ua, sipgo.WithClientLogger(quiet))
	if err != nil {
		return CheckResult{}, fmt.Errorf("sip check: client: %w", err)
	}

	req, err := newProbeRequest(o, registrar)
	if err != nil {
		return CheckResult{}, err
	}

	start := time.Now()
	res, err := client.Do(ctx, req)
	if err == nil && (res.StatusCode == sip.StatusUnauthorized || res.StatusCode == sip.StatusProxyAuthRequired) {
		start = time.Now()
		res, err = client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: o.Username, Password: o.Password})
	}
	result.RTT = time.Since(start)
	if err != nil {
		result.RTT = 0
		result.Outcome = NoAnswer
		result.Reason = noAnswerReason(ctx, err, registrar, o.Timeout)
		return result, nil
	}
	result.StatusCode = res.StatusCode
	result.Reason = res.Reason
	if !res.IsSuccess() {
		result.Outcome = Rejected
		return result, nil
	}
	result.Outcome = Accepted
	result.Bindings = bindingsFrom(res)
	return result, nil
}

func newProbeRequest(o CheckOptions, registrar string) (*sip.Request, error) {
	aor := sip.Uri{Scheme: "sip", User: o.Username, Host: o.Domain}
	req := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: "sip", Host: o.Domain})
	from := &sip.FromHeader{Address: aor, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(16))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: aor, Params: sip.NewParams()})
	if o.Register {
		host, err := localHost(registrar)
		if err != nil {
			return nil, fmt.Errorf("sip check: local address towards %s: %w", registrar, err)
		}
		contact := &sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: o.Username, Host: host, UriParams: sip.NewParams()}}
		contact.Address.UriParams.Add("transport", o.Transport)
		req.AppendHeader(contact)
		req.AppendHeader(sip.NewHeader("Expires", strconv.Itoa(registerExpires)))
	}
	req.SetTransport(strings.ToUpper(o.Transport))
	req.SetDestination(registrar)
	return req, nil
}

// localHost is the address this host uses to reach registrar; a UDP "dial"
// picks the route without sending anything.
func localHost(registrar string) (string, error) {
	c, err := net.Dial("udp", registrar)
	if err != nil {
		return "", err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).IP.String(), nil
}

func noAnswerReason(ctx context.Context, err error, registrar string, timeout time.Duration) string {
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
		return fmt.Sprintf("no answer from %s within %s", registrar, timeout)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return fmt.Sprintf("cannot reach %s: %v", registrar, opErr.Err)
	}
	return fmt.Sprintf("no answer from %s: %v", registrar, err)
}

func bindingsFrom(res *sip.Response) []Binding {
	headerExpires := -1
	if h := res.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Value())); err == nil {
			headerExpires = n
		}
	}
	out := []Binding{}
	for _, h := range res.GetHeaders("Contact") {
		c, ok := h.(*sip.ContactHeader)
		if !ok || c.Address.Wildcard {
			continue
		}
		exp := headerExpires
		if v, ok := c.Params.Get("expires"); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				exp = n
			}
		}
		out = append(out, Binding{Contact: c.Address.String(), Expires: exp})
	}
	return out
}

// resolveRegistrar finds domain's registrar: SRV for the transport (RFC 3263),
// else the domain itself on the transport's default port.
func resolveRegistrar(ctx context.Context, r *net.Resolver, domain, transport string) (string, error) {
	port := "5060"
	service, proto := "sip", transport
	if transport == "tls" {
		port, service, proto = "5061", "sips", "tcp"
	}
	if net.ParseIP(domain) != nil {
		return net.JoinHostPort(domain, port), nil
	}
	if _, srvs, err := r.LookupSRV(ctx, service, proto, domain); err == nil {
		for _, s := range srvs {
			if s.Target != "." && s.Target != "" {
				return net.JoinHostPort(strings.TrimSuffix(s.Target, "."), strconv.Itoa(int(s.Port))), nil
			}
		}
	}
	if _, err := r.LookupHost(ctx, domain); err != nil {
		return "", fmt.Errorf("no SIP registrar found for %s (no _%s._%s SRV or address record); pass --registrar host:port", domain, service, proto)
	}
	return net.JoinHostPort(domain, port), nil
}
