// Package serve is `sipctl provision serve`.
package serve

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provision"
	"github.com/spf13/cobra"
)

// ServeOptions are the command's inputs.
type ServeOptions struct {
	IO       *iostreams.IOStreams
	StateDir func() (string, error)

	Dir          string
	Addr         string
	TLSCert      string
	TLSKey       string
	InsecureHTTP bool

	// Ready, when set, is called with the bound address once serving.
	Ready func(addr string)
}

// NewCmdServe is `provision serve`.
func NewCmdServe(f *cmdutil.Factory, runF func(*ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{IO: f.IOStreams, StateDir: config.EnsureStateDir}
	cmd := &cobra.Command{
		Use:   "serve [--dir DIR] [--addr HOST:PORT]",
		Short: "Serve provisioning files to phones over HTTPS, each device only its own",
		Long: `Serve the files ` + "`sipctl provision render`" + ` wrote to the phones that request them, over HTTPS.

Each device authenticates with the credential ` + "`sipctl provision credentials create MAC|ID`" + ` made
(HTTP Basic over TLS, or Digest with MD5 or SHA-256 for phones that want it) and gets only its own
files: 401 without valid credentials, 403 for another device's file, 404 for a file no device
has. There are no listings; a path with "..", a slash, a backslash or any %-escape is refused.
The server refuses to start when the directory or a file in it is readable by group or others.

Every request is logged on stderr, and every fetch in DIR/.sipctl/fetch.log (time, device, file,
its SHA-256, the remote address; never the content): ` + "`sipctl devices list`" + ` shows each device's
last fetch from it.

Without --tls-cert and --tls-key, a self-signed certificate is made once and kept in the state
directory; its SHA-256 fingerprint is printed at every start for pinning. --insecure-http serves
plain HTTP for labs (Digest only; a warning at every start).`,
		Example: `  sipctl provision serve --dir ./prov --addr 0.0.0.0:8443
  sipctl provision serve --dir ./prov --addr 127.0.0.1:8080 --insecure-http`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (opts.TLSCert == "") != (opts.TLSKey == "") {
				return cmdutil.FlagErrorf("--tls-cert and --tls-key go together")
			}
			if opts.InsecureHTTP && opts.TLSCert != "" {
				return cmdutil.FlagErrorf("--insecure-http serves without TLS: drop --tls-cert and --tls-key")
			}
			if _, _, err := net.SplitHostPort(opts.Addr); err != nil {
				return cmdutil.FlagErrorf("--addr %q: expected host:port, e.g. 0.0.0.0:8443", opts.Addr)
			}
			if runF != nil {
				return runF(opts)
			}
			ctx, stop := signal.NotifyContext(contextOf(cmd), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return ServeRun(ctx, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Dir, "dir", "", "Serve the provisioning files in `directory` (default: the state directory's provision/)")
	fl.StringVar(&opts.Addr, "addr", "127.0.0.1:8443", "Listen on `host:port` (0.0.0.0:8443 for phones on the network)")
	fl.StringVar(&opts.TLSCert, "tls-cert", "", "TLS certificate `file` (PEM; default: a self-signed one kept in the state directory)")
	fl.StringVar(&opts.TLSKey, "tls-key", "", "TLS private key `file` (PEM)")
	fl.BoolVar(&opts.InsecureHTTP, "insecure-http", false, "Serve plain HTTP (labs only: passwords cross the network readable)")
	return cmd
}

func contextOf(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// ServeRun serves until ctx ends.
func ServeRun(ctx context.Context, opts *ServeOptions) error {
	state, err := opts.StateDir()
	if err != nil {
		return fmt.Errorf("creating the state directory: %w", err)
	}
	if opts.Dir == "" {
		opts.Dir = provision.DefaultDir(state)
	}
	srv, err := provision.NewServer(provision.ServerOptions{Dir: opts.Dir, CredentialsPath: provision.CredentialsPath(state),
		Log: opts.IO.ErrOut, PlainHTTP: opts.InsecureHTTP})
	if err != nil {
		return cmdutil.WithHint(fmt.Errorf("refusing to serve %s: %w", opts.Dir, err), "provisioning files hold passwords: only their owner may read them")
	}
	defer srv.Close()
	var cert tls.Certificate
	if !opts.InsecureHTTP {
		if opts.TLSCert != "" {
			cert, err = tls.LoadX509KeyPair(opts.TLSCert, opts.TLSKey)
			if err != nil {
				return fmt.Errorf("--tls-cert/--tls-key: %w", err)
			}
		} else {
			host, _, _ := net.SplitHostPort(opts.Addr)
			var made bool
			cert, made, err = provision.SelfSigned(state, []string{host}, time.Now())
			if err != nil {
				return err
			}
			if made {
				fmt.Fprintf(opts.IO.ErrOut, "Made a self-signed certificate: %s\n", provision.CertPath(state))
			}
		}
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return cmdutil.WithHint(fmt.Errorf("cannot listen on %s: %w", opts.Addr, unwrapOp(err)), "pick another port with --addr (port 0 picks a free one)")
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	addr := ln.Addr().String()
	abs, _ := filepath.Abs(opts.Dir)
	if opts.InsecureHTTP {
		fmt.Fprintf(opts.IO.ErrOut, "warning: serving plain HTTP (--insecure-http): phones' passwords cross the network readable; use it in a lab only\n")
		fmt.Fprintf(opts.IO.ErrOut, "Provisioning %s on http://%s/ (Digest authentication)\n", abs, addr)
	} else {
		hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, hs.TLSConfig)
		fmt.Fprintf(opts.IO.ErrOut, "Provisioning %s on https://%s/\n", abs, addr)
		fmt.Fprintf(opts.IO.ErrOut, "Certificate SHA-256 fingerprint %s\n", provision.Fingerprint(cert))
	}
	fmt.Fprintln(opts.IO.ErrOut, "Press Ctrl-C to stop.")
	if opts.Ready != nil {
		opts.Ready(addr)
	}
	errc := make(chan error, 1)
	go func() {
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	shutdownCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	hs.Shutdown(shutdownCtx)
	return err
}

func unwrapOp(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}
