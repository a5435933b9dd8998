// Package serve is `sipctl sandbox serve`.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/spf13/cobra"
)

// ServeOptions are the inputs of `sandbox serve`.
type ServeOptions struct {
	IO       *iostreams.IOStreams
	StateDir func() (string, error)

	HTTPAddr  string
	SIPAddr   string
	ListenAny bool

	Latency        time.Duration
	MaxConcurrency int
	FailRate       float64
	// Background starts the serve as a process of its own and returns once
	// it serves (--background).
	Background bool
	// PlivoRateLimit is --plivo-rate-limit.
	PlivoRateLimit bool

	// Ready, when set, is called with the bound addresses once serving
	// (tests use it to learn the ports picked for :0).
	Ready func(httpAddr, sipAddr string)
}

// NewCmdServe is `sandbox serve`.
func NewCmdServe(f *cmdutil.Factory, runF func(*ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{IO: f.IOStreams, StateDir: config.EnsureStateDir}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the sandbox's API over HTTP and its SIP registrar",
		Long: `Serve the sandbox's API over HTTP and run a SIP registrar for the accounts it
holds. The API has a Twilio face (at the root), a Telnyx face (under /v2: point a
Telnyx profile or library at it with the key ` + "`sandbox status --json`" + ` shows) and a
Plivo face, over the same accounts. Other sipctl commands share the same database,
so an account created with ` + "`sipctl accounts create`" + ` can register at once.
--background returns once it serves, printing its addresses and process.

The registrar authenticates REGISTER with digest (realm = the SIP domain name)
against credential lists mapped to the domain for registrations, on a domain
with SIP registration enabled.

Both listeners refuse addresses other than loopback unless --listen-any is given:
the sandbox's account token is a test secret, not protection.`,
		Example: `  sipctl sandbox serve
  sipctl sandbox serve --background --http-addr 127.0.0.1:0 --sip-addr 127.0.0.1:0
  sipctl sandbox serve --http-addr 127.0.0.1:0 --sip-addr 127.0.0.1:5070
  sipctl sandbox serve --latency 150ms --max-concurrency 100 --fail-rate 0.01`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOptions(opts); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			if opts.Background {
				return backgroundRun(opts)
			}
			ctx, stop := signal.NotifyContext(contextOf(cmd), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return ServeRun(ctx, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.HTTPAddr, "http-addr", "127.0.0.1:8080", "Serve the API on `host:port`")
	fl.StringVar(&opts.SIPAddr, "sip-addr", "127.0.0.1:5060", "Run the SIP registrar on `host:port` (UDP and TCP); empty disables it")
	fl.BoolVar(&opts.ListenAny, "listen-any", false, "Allow addresses other than loopback")
	fl.DurationVar(&opts.Latency, "latency", 0, "Every API answer takes at least `duration`, the server's own work included, as a distant API's does")
	fl.IntVar(&opts.MaxConcurrency, "max-concurrency", 0, "Answer 429 (code 20429) beyond `n` requests in progress; 0 is unbounded")
	fl.Float64Var(&opts.FailRate, "fail-rate", 0, "Answer this `fraction` (0 to 1) of API requests with a 500")
	fl.BoolVar(&opts.Background, "background", false, "Run in the background: return once serving, printing the addresses and the process to stop")
	fl.BoolVar(&opts.PlivoRateLimit, "plivo-rate-limit", false, "Answer 429 on the Plivo face beyond Plivo's documented 300 requests per 5 seconds per account")
	return cmd
}

func contextOf(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

func checkOptions(o *ServeOptions) error {
	if o.FailRate < 0 || o.FailRate > 1 {
		return cmdutil.FlagErrorf("--fail-rate must be between 0 and 1, not %v", o.FailRate)
	}
	if o.MaxConcurrency < 0 {
		return cmdutil.FlagErrorf("--max-concurrency must be 0 (unbounded) or more, not %d", o.MaxConcurrency)
	}
	if o.Latency < 0 {
		return cmdutil.FlagErrorf("--latency must not be negative")
	}
	for _, a := range []struct{ flag, addr string }{{"--http-addr", o.HTTPAddr}, {"--sip-addr", o.SIPAddr}} {
		if a.flag == "--sip-addr" && a.addr == "" {
			continue
		}
		host, _, err := net.SplitHostPort(a.addr)
		if err != nil {
			return cmdutil.FlagErrorf("%s %q: expected host:port, e.g. 127.0.0.1:8080", a.flag, a.addr)
		}
		if !o.ListenAny && !isLoopback(host) {
			return cmdutil.FlagErrorf("%s %q is not a loopback address: the sandbox is for local use; pass --listen-any to serve other hosts", a.flag, a.addr)
		}
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ServeRun serves until ctx ends.
func ServeRun(ctx context.Context, opts *ServeOptions) error {
	dir, err := opts.StateDir()
	if err != nil {
		return fmt.Errorf("creating the state directory: %w", err)
	}
	sb, err := sandbox.OpenServer(dir)
	if err != nil {
		return err
	}
	defer sb.Close()

	ln, err := net.Listen("tcp", opts.HTTPAddr)
	if err != nil {
		return cmdutil.WithHint(fmt.Errorf("cannot serve the API on %s: %w", opts.HTTPAddr, unwrapOp(err)),
			"pick another port with --http-addr (port 0 picks a free one)")
	}
	// The Telnyx face reports registration status from the registrar's
	// bindings once the registrar runs.
	var registrar atomic.Pointer[sip.Registrar]
	bindings := func(domain, user string) []sip.Binding {
		if r := registrar.Load(); r != nil {
			return r.Bindings(domain, user)
		}
		return nil
	}
	srv := &http.Server{
		Handler: sb.HandlerWith(sandbox.HandlerOptions{Latency: opts.Latency, MaxConcurrency: opts.MaxConcurrency,
			FailRate: opts.FailRate, Bindings: bindings, PlivoRateLimit: opts.PlivoRateLimit}),
		ReadHeaderTimeout: 10 * time.Second,
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 3)
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("API server: %w", err)
		}
	}()

	sipAddr := ""
	if opts.SIPAddr != "" {
		logger := slog.New(slog.NewTextHandler(opts.IO.ErrOut, &slog.HandlerOptions{Level: slog.LevelWarn}))
		// Other sipctl processes read the bindings from the state
		// directory: registration status, and where `devices resync`
		// sends its NOTIFY.
		bw := sandbox.NewBindingsWriter(dir, 200*time.Millisecond)
		defer bw.Close()
		onChange := func(domain, user string) {
			r := registrar.Load()
			if r == nil {
				return
			}
			now := time.Now()
			var stored []sandbox.StoredBinding
			for _, b := range r.Bindings(domain, user) {
				stored = append(stored, sandbox.StoredBinding{Contact: b.Contact, Expires: now.Add(time.Duration(b.Expires) * time.Second),
					Updated: b.Updated, UserAgent: b.UserAgent, Source: b.Source, Transport: b.Transport})
			}
			bw.Set(sandbox.AoR(user, domain), stored)
		}
		reg, err := sip.NewRegistrar(sb, sip.RegistrarOptions{Logger: logger, OnChange: onChange})
		if err != nil {
			srv.Close()
			return err
		}
		defer reg.Close()
		registrar.Store(reg)
		udp, tcp, err := reg.ListenUDPAndTCP(opts.SIPAddr)
		if err != nil {
			srv.Close()
			return cmdutil.WithHint(fmt.Errorf("cannot run the SIP registrar on %s: %w", opts.SIPAddr, unwrapOp(err)),
				"pick another port with --sip-addr, or --sip-addr '' to serve the API only")
		}
		sipAddr = udp.Addr().String()
		for _, l := range []*sip.Listener{udp, tcp} {
			go func() {
				if err := l.Serve(ctx); err != nil {
					errc <- fmt.Errorf("SIP registrar (%s): %w", l.Network(), err)
				}
			}()
		}
	}

	httpAddr := ln.Addr().String()
	rec := sandbox.ServeRecord{PID: os.Getpid(), HTTPAddr: httpAddr, SIPAddr: sipAddr, Started: time.Now().UTC()}
	if err := sandbox.WriteServeRecord(dir, rec); err != nil {
		srv.Close()
		return err
	}
	defer sandbox.RemoveServeRecord(dir, rec)

	sid, _ := sb.Account()
	fmt.Fprintf(opts.IO.ErrOut, "Sandbox API on http://%s (account %s; `sipctl sandbox status --json` shows the token)\n", httpAddr, sid)
	if sipAddr != "" {
		fmt.Fprintf(opts.IO.ErrOut, "SIP registrar on %s (UDP and TCP)\n", sipAddr)
	}
	fmt.Fprintln(opts.IO.ErrOut, "Press Ctrl-C to stop.")
	if opts.Ready != nil {
		opts.Ready(httpAddr, sipAddr)
	}

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	cancel()
	shutdownCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	srv.Shutdown(shutdownCtx)
	return runErr
}

// unwrapOp keeps the reason ("address already in use") and drops the
// repeated "listen tcp ADDR:" prefix.
func unwrapOp(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}
