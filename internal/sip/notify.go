package sip

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// NotifyOptions say where an unsolicited NOTIFY goes: the contact a phone
// registered (its Request-URI), for user@domain, with the vendor's event
// (check-sync, resync; see Asterisk's pjsip_notify.conf).
type NotifyOptions struct {
	Contact string
	User    string
	Domain  string
	Event   string
	// Destination, when set, is the host:port to send to instead of the
	// contact's own (the address the REGISTER came from, for a phone
	// behind NAT).
	Destination string
	// Transport is udp or tcp; default: the contact's transport parameter,
	// else udp.
	Transport string
	Timeout   time.Duration
}

// NotifyResult is the phone's answer.
type NotifyResult struct {
	Outcome    Outcome `json:"outcome"`
	StatusCode int     `json:"status_code,omitempty"`
	Reason     string  `json:"reason,omitempty"`
}

// Notify sends one NOTIFY and waits for the final answer (a phone answers
// 200 and then fetches its provisioning file).
func Notify(ctx context.Context, o NotifyOptions) (NotifyResult, error) {
	var uri sip.Uri
	if err := sip.ParseUri(o.Contact, &uri); err != nil {
		return NotifyResult{}, fmt.Errorf("contact %q: %w", o.Contact, err)
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	transport := strings.ToLower(o.Transport)
	if transport == "" {
		if t, ok := uri.UriParams.Get("transport"); ok {
			transport = strings.ToLower(t)
		}
	}
	if transport == "" {
		transport = "udp"
	}
	if transport != "udp" && transport != "tcp" {
		return NotifyResult{}, fmt.Errorf("contact %s: transport %q (sipctl sends NOTIFY over udp or tcp)", o.Contact, transport)
	}
	dest := o.Destination
	if dest == "" {
		port := uri.Port
		if port == 0 {
			port = 5060
		}
		dest = net.JoinHostPort(uri.Host, fmt.Sprint(port))
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	quiet := slog.New(slog.DiscardHandler)
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("sipctl"),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quiet)))
	if err != nil {
		return NotifyResult{}, err
	}
	defer ua.Close()
	copts := []sipgo.ClientOption{sipgo.WithClientLogger(quiet)}
	if host, err := localHost(dest); err == nil {
		// The phone answers to the Via's host: the address that reaches it.
		copts = append(copts, sipgo.WithClientHostname(host))
	}
	client, err := sipgo.NewClient(ua, copts...)
	if err != nil {
		return NotifyResult{}, err
	}
	req := sip.NewRequest(sip.NOTIFY, uri)
	from := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: "sipctl", Host: o.Domain}, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(16))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: o.User, Host: o.Domain}, Params: sip.NewParams()})
	if host, err := localHost(dest); err == nil {
		req.AppendHeader(&sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "sipctl", Host: host}})
	}
	req.AppendHeader(sip.NewHeader("Event", o.Event))
	req.AppendHeader(sip.NewHeader("Subscription-State", "terminated"))
	req.SetTransport(strings.ToUpper(transport))
	req.SetDestination(dest)
	res, err := client.Do(ctx, req)
	if err != nil {
		return NotifyResult{Outcome: NoAnswer, Reason: noAnswerReason(ctx, err, dest, o.Timeout)}, nil
	}
	out := NotifyResult{StatusCode: res.StatusCode, Reason: res.Reason, Outcome: Accepted}
	if !res.IsSuccess() {
		out.Outcome = Rejected
	}
	return out, nil
}
