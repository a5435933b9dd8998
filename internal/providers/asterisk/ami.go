package asterisk

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The Asterisk Manager Interface (manager.conf) as documented: on connect
// the server sends one banner line ("Asterisk Call Manager/9.0.0"); after
// that, every message either way is "Key: Value" lines ended by an empty
// line, with CRLF. An action carries an ActionID; its Response echoes it,
// and a list action's events carry it too, ending with an event whose
// EventList is "Complete". Unrelated events may arrive at any time.

// AMIOptions say where the AMI is and who logs in.
type AMIOptions struct {
	Addr   string // HOST:PORT, usually 127.0.0.1:5038
	User   string // manager.conf section
	Secret string
	// Timeout bounds one connection or action (default 10s).
	Timeout time.Duration
	// AuthCache names the sorcery memory cache of auth objects that
	// SorceryMemoryCacheExpireObject expires after a password change
	// (default res_pjsip/auth; "-": auths are not cached, send nothing).
	AuthCache string
}

// AMIMessage is one message: its keys as sent, read case-insensitively.
type AMIMessage map[string]string

// Get is the value of key, whatever its case.
func (m AMIMessage) Get(key string) string {
	if v, ok := m[key]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return ""
}

// AMIError is an action the AMI answered with Response: Error.
type AMIError struct {
	Action, Message string
}

func (e *AMIError) Error() string { return fmt.Sprintf("AMI %s: %s", e.Action, e.Message) }

// ErrAMIAuth is a Login the AMI refused (a wrong user or secret).
var ErrAMIAuth = errors.New("the AMI refused the login")

// AMI is one logged-in manager session. It is safe for concurrent use: one
// action at a time.
type AMI struct {
	o      AMIOptions
	mu     sync.Mutex
	conn   net.Conn
	r      *bufio.Reader
	banner string
	seq    atomic.Int64
}

// DialAMI connects, reads the banner and logs in.
func DialAMI(ctx context.Context, o AMIOptions) (*AMI, error) {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	d := net.Dialer{Timeout: o.Timeout}
	conn, err := d.DialContext(ctx, "tcp", o.Addr)
	if err != nil {
		return nil, &UnreachableError{What: "AMI", Target: o.Addr, Err: err}
	}
	a := &AMI{o: o, conn: conn, r: bufio.NewReader(conn)}
	a.deadline(ctx)
	line, err := a.r.ReadString('\n')
	if err != nil {
		conn.Close()
		return nil, a.lost(err)
	}
	a.banner = strings.TrimSpace(line)
	if !strings.HasPrefix(a.banner, "Asterisk Call Manager/") {
		conn.Close()
		return nil, fmt.Errorf("%s is not an Asterisk Manager Interface (it said %q)", o.Addr, short(a.banner))
	}
	res, err := a.action(ctx, "Login", [][2]string{{"Username", o.User}, {"Secret", o.Secret}})
	if err != nil {
		conn.Close()
		var ae *AMIError
		if errors.As(err, &ae) {
			return nil, fmt.Errorf("%w as %s at %s: %s", ErrAMIAuth, o.User, o.Addr, ae.Message)
		}
		return nil, err
	}
	_ = res
	return a, nil
}

// Banner is the server's greeting ("Asterisk Call Manager/9.0.0").
func (a *AMI) Banner() string { return a.banner }

// Close logs off and closes the connection.
func (a *AMI) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.conn == nil {
		return nil
	}
	a.conn.SetDeadline(time.Now().Add(time.Second))
	fmt.Fprintf(a.conn, "Action: Logoff\r\nActionID: %d\r\n\r\n", a.seq.Add(1))
	err := a.conn.Close()
	a.conn = nil
	return err
}

func (a *AMI) deadline(ctx context.Context) {
	dl := time.Now().Add(a.o.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	a.conn.SetDeadline(dl)
}

func (a *AMI) lost(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = errors.New("the connection was closed")
	}
	return &UnreachableError{What: "AMI", Target: a.o.Addr, Err: err}
}

// read reads one message.
func (a *AMI) read() (AMIMessage, error) {
	m := AMIMessage{}
	for {
		line, err := a.r.ReadString('\n')
		if err != nil {
			return nil, a.lost(err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if len(m) == 0 {
				continue // stray blank lines between messages
			}
			return m, nil
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue // a command's raw output line; not used here
		}
		m[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
}

// Action sends an action and returns its response; for a list action
// (the response says EventList: start) it also returns the events up to the
// one that completes the list.
func (a *AMI) Action(ctx context.Context, name string, fields ...[2]string) (AMIMessage, []AMIMessage, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.conn == nil {
		return nil, nil, a.lost(errors.New("the session is closed"))
	}
	a.deadline(ctx)
	res, err := a.action(ctx, name, fields)
	if err != nil {
		return nil, nil, err
	}
	if !strings.EqualFold(res.Get("EventList"), "start") {
		return res, nil, nil
	}
	id := res.Get("ActionID")
	var events []AMIMessage
	for {
		m, err := a.read()
		if err != nil {
			return nil, nil, err
		}
		if m.Get("ActionID") != id || m.Get("Event") == "" {
			continue
		}
		if strings.EqualFold(m.Get("EventList"), "Complete") {
			return res, events, nil
		}
		events = append(events, m)
	}
}

// action writes one action and reads until its response (the caller holds
// mu, or owns a during DialAMI).
func (a *AMI) action(ctx context.Context, name string, fields [][2]string) (AMIMessage, error) {
	id := strconv.FormatInt(a.seq.Add(1), 10)
	var b strings.Builder
	b.WriteString("Action: " + name + "\r\nActionID: " + id + "\r\n")
	for _, f := range fields {
		if strings.ContainsAny(f[0]+f[1], "\r\n") {
			return nil, fmt.Errorf("AMI %s: a value has a line break", name)
		}
		b.WriteString(f[0] + ": " + f[1] + "\r\n")
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(a.conn, b.String()); err != nil {
		return nil, a.lost(err)
	}
	for {
		m, err := a.read()
		if err != nil {
			return nil, err
		}
		if m.Get("Response") == "" || m.Get("ActionID") != id {
			continue // an event, or an answer to someone else
		}
		if strings.EqualFold(m.Get("Response"), "Error") {
			return nil, &AMIError{Action: name, Message: m.Get("Message")}
		}
		return m, nil
	}
}

// session returns the client's AMI session, dialling it on first use.
func (c *Client) session(ctx context.Context) (*AMI, error) {
	c.amiMu.Lock()
	defer c.amiMu.Unlock()
	if c.amiConn != nil {
		return c.amiConn, nil
	}
	a, err := DialAMI(ctx, *c.ami)
	if err != nil {
		return nil, err
	}
	c.amiConn = a
	return a, nil
}

// amiAction runs an action, dialling again once when the session was lost.
func (c *Client) amiAction(ctx context.Context, name string, fields ...[2]string) (AMIMessage, []AMIMessage, error) {
	for attempt := 0; ; attempt++ {
		a, err := c.session(ctx)
		if err != nil {
			return nil, nil, err
		}
		res, events, err := a.Action(ctx, name, fields...)
		var ue *UnreachableError
		if errors.As(err, &ue) {
			c.amiMu.Lock()
			if c.amiConn == a {
				c.amiConn = nil
			}
			c.amiMu.Unlock()
			a.Close()
			if attempt == 0 {
				continue
			}
		}
		return res, events, err
	}
}

// PingAMI logs in (when not yet) and returns the banner.
func (c *Client) PingAMI(ctx context.Context) (string, error) {
	if c.ami == nil {
		return "", nil
	}
	a, err := c.session(ctx)
	if err != nil {
		return "", err
	}
	return a.Banner(), nil
}

// expireCached asks Asterisk to drop its cached copies of the auths just
// written, so the new passwords apply at once: SorceryMemoryCacheExpireObject
// for each, or, where the cache holds the whole backend
// (full_backend_cache, which refuses single expiries), one
// SorceryMemoryCachePopulate that reloads it. Without AMI (or when this
// fails, which is a warning: the database is already right) Asterisk uses
// the new password when the cache entry expires (sorcery.conf's
// expire/object_lifetime_maximum), or at once when auths are not cached.
func (c *Client) expireCached(ctx context.Context, auths []string) {
	if c.ami == nil || c.ami.AuthCache == "-" {
		return
	}
	cache := c.ami.AuthCache
	if cache == "" {
		cache = DefaultAuthCache
	}
	for _, id := range auths {
		if id == "" {
			continue
		}
		_, _, err := c.amiAction(ctx, "SorceryMemoryCacheExpireObject", [2]string{"Cache", cache}, [2]string{"Object", id})
		var ae *AMIError
		if errors.As(err, &ae) {
			_, _, err = c.amiAction(ctx, "SorceryMemoryCachePopulate", [2]string{"Cache", cache})
			if err == nil {
				return // the whole cache was reloaded from the database
			}
		}
		if err != nil {
			c.warn("warning: auth %s was written but Asterisk's cache %s was not expired (%v); the new password applies when the cached copy expires (set the cache's name with `sipctl profile set ami_auth_cache NAME`, or - when auths are not cached)", id, cache, err)
			return
		}
	}
}

// DefaultAuthCache is the name Asterisk gives a memory cache of PJSIP auths
// declared without a name (auth/cache=memory_cache in sorcery.conf).
const DefaultAuthCache = "res_pjsip/auth"
