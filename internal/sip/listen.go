package sip

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Listener is one bound registrar socket. Binding happens in Listen so the
// caller learns the real address (port 0 picks a free port) before serving.
type Listener struct {
	r       *Registrar
	network string
	packet  net.PacketConn
	stream  net.Listener
}

// Network is "udp", "tcp" or "tls".
func (l *Listener) Network() string { return l.network }

// Addr is the bound address.
func (l *Listener) Addr() net.Addr {
	if l.packet != nil {
		return l.packet.LocalAddr()
	}
	return l.stream.Addr()
}

// Close releases the socket; Serve then returns.
func (l *Listener) Close() error {
	if l.packet != nil {
		return l.packet.Close()
	}
	return l.stream.Close()
}

// Listen binds network ("udp", "tcp" or "tls", which needs
// RegistrarOptions.TLSConfig) on addr.
func (r *Registrar) Listen(network, addr string) (*Listener, error) {
	network = strings.ToLower(network)
	l := &Listener{r: r, network: network}
	switch network {
	case "udp":
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, fmt.Errorf("sip registrar: listen udp %s: %w", addr, err)
		}
		l.packet = pc
	case "tcp", "tls":
		if network == "tls" && r.opts.TLSConfig == nil {
			return nil, errors.New("sip registrar: the tls network needs RegistrarOptions.TLSConfig")
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("sip registrar: listen %s %s: %w", network, addr, err)
		}
		l.stream = &boundedListener{Listener: ln, slots: make(chan struct{}, r.opts.MaxConnections), idle: r.opts.IdleTimeout}
	default:
		return nil, fmt.Errorf("sip registrar: unsupported network %q (want udp, tcp or tls)", network)
	}
	return l, nil
}

// ListenUDPAndTCP binds UDP and TCP on the same port, as SIP servers usually
// do. With port 0 it retries a few times in case the TCP side of the port
// the kernel picked for UDP is taken.
func (r *Registrar) ListenUDPAndTCP(addr string) (udp, tcp *Listener, err error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("sip registrar: address %q: %w", addr, err)
	}
	for attempt := 0; attempt < 10; attempt++ {
		udp, err = r.Listen("udp", addr)
		if err != nil {
			return nil, nil, err
		}
		p := strconv.Itoa(udp.Addr().(*net.UDPAddr).Port)
		tcp, err = r.Listen("tcp", net.JoinHostPort(host, p))
		if err == nil {
			return udp, tcp, nil
		}
		udp.Close()
		if port != "0" {
			return nil, nil, err
		}
	}
	return nil, nil, err
}

// Serve answers SIP on l until ctx ends, then closes it. It returns nil
// after ctx ends, else the error that stopped the socket.
func (l *Listener) Serve(ctx context.Context) error {
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			l.Close()
		case <-done:
		}
	}()
	var err error
	switch l.network {
	case "udp":
		err = l.r.srv.ServeUDP(l.packet)
	case "tcp":
		err = l.r.srv.ServeTCP(l.stream)
	case "tls":
		err = l.r.srv.ServeTLS(tls.NewListener(l.stream, l.r.opts.TLSConfig))
	}
	if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Serve binds network on addr and answers SIP until ctx ends.
func (r *Registrar) Serve(ctx context.Context, network, addr string) error {
	l, err := r.Listen(network, addr)
	if err != nil {
		return err
	}
	return l.Serve(ctx)
}

// boundedListener caps open connections and closes idle ones, since sipgo
// keeps a goroutine and buffer per TCP connection for as long as the peer
// wants.
type boundedListener struct {
	net.Listener
	slots chan struct{}
	idle  time.Duration
}

func (b *boundedListener) Accept() (net.Conn, error) {
	for {
		c, err := b.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case b.slots <- struct{}{}:
			return &idleConn{Conn: c, idle: b.idle, release: func() { <-b.slots }}, nil
		default:
			c.Close()
		}
	}
}

type idleConn struct {
	net.Conn
	idle    time.Duration
	once    sync.Once
	release func()
}

func (c *idleConn) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(c.idle))
	return c.Conn.Read(p)
}

func (c *idleConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
