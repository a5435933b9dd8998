package provision

import (
	"bufio"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// ServerOptions configure the provisioning server.
type ServerOptions struct {
	Dir             string
	CredentialsPath string
	// Log gets one line per request (never content, never a credential).
	Log io.Writer
	// PlainHTTP: the server runs without TLS (--insecure-http), so Basic
	// is refused (it would send the password in the clear) and only
	// Digest is offered.
	PlainHTTP bool
	Now       func() time.Time
}

// Server serves each device its own files: 401 without valid credentials,
// 404 for a file no device has (or anything that is not a plain file name),
// 403 for another device's file. There are no listings.
type Server struct {
	opts     ServerOptions
	nonceKey []byte

	mu       sync.Mutex
	idx      *Index
	owners   map[string]string // lower-case file name -> device
	names    map[string]string // lower-case file name -> file name
	idxStamp stamp
	creds    *Credentials
	crStamp  stamp

	logMu sync.Mutex
	fetch *os.File
}

type stamp struct {
	mod  time.Time
	size int64
}

// CheckModes refuses a directory, or any file in it, that group or others
// can read: provisioning files hold passwords.
func CheckModes(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s is open to group or others (mode %04o); run `chmod 700 %s`", dir, st.Mode().Perm(), dir)
	}
	var bad []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode().Perm()&0o077 != 0 {
			bad = append(bad, fmt.Sprintf("%s (%04o)", p, info.Mode().Perm()))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		return fmt.Errorf("files readable by group or others: %s; provisioning files hold passwords: run `chmod -R go= %s`", strings.Join(bad, ", "), dir)
	}
	return nil
}

// NewServer checks the directory's modes and opens the fetch log.
func NewServer(opts ServerOptions) (*Server, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if err := CheckModes(opts.Dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(opts.Dir, MetaDir), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(FetchLogPath(opts.Dir), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	rand.Read(key)
	s := &Server{opts: opts, nonceKey: key, fetch: f}
	if _, _, err := s.state(); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the fetch log.
func (s *Server) Close() error { return s.fetch.Close() }

// FetchLogPath is the fetch log of a provisioning directory.
func FetchLogPath(dir string) string { return filepath.Join(dir, MetaDir, "fetch.log") }

// state is the index and credentials, re-read when their files change (a
// render or `credentials create` while serving takes effect at once).
func (s *Server) state() (map[string]string, *Credentials, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ip := filepath.Join(s.opts.Dir, MetaDir, "index.json")
	if st, err := os.Stat(ip); err == nil || s.idx == nil {
		var now stamp
		if err == nil {
			now = stamp{st.ModTime(), st.Size()}
		}
		if s.idx == nil || now != s.idxStamp {
			idx, err := ReadIndex(s.opts.Dir)
			if err != nil {
				return nil, nil, err
			}
			s.idx, s.idxStamp = idx, now
			s.owners, s.names = map[string]string{}, map[string]string{}
			for _, d := range idx.Devices {
				for _, f := range d.Files {
					s.owners[strings.ToLower(f.Name)] = d.Name
					s.names[strings.ToLower(f.Name)] = f.Name
				}
			}
		}
	}
	var now stamp
	if st, err := os.Stat(s.opts.CredentialsPath); err == nil {
		now = stamp{st.ModTime(), st.Size()}
		if st.Mode().Perm()&0o077 != 0 {
			return nil, nil, fmt.Errorf("%s is readable by group or others; run `chmod 600 %s`", s.opts.CredentialsPath, s.opts.CredentialsPath)
		}
	}
	if s.creds == nil || now != s.crStamp {
		c, err := ReadCredentials(s.opts.CredentialsPath)
		if err != nil {
			return nil, nil, err
		}
		s.creds, s.crStamp = c, now
	}
	return s.owners, s.creds, nil
}

// Fetch is one line of the fetch log.
type Fetch struct {
	Time   time.Time `json:"time"`
	Device string    `json:"device"`
	File   string    `json:"file"`
	SHA256 string    `json:"sha256"`
	Remote string    `json:"remote"`
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	status, device, file := s.serve(w, r)
	fmt.Fprintf(s.opts.Log, "%s %d %s %s device=%s remote=%s\n", s.opts.Now().UTC().Format(time.RFC3339), status, r.Method, logPath(r), orDash(device), r.RemoteAddr)
	_ = file
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// logPath is the request path for the log, cut short and without control
// characters (it is a stranger's input).
func logPath(r *http.Request) string {
	p := r.URL.EscapedPath()
	if len(p) > 80 {
		p = p[:80] + "…"
	}
	return strings.Map(func(c rune) rune {
		if c < 0x20 || c == 0x7f {
			return '?'
		}
		return c
	}, p)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) (int, string, string) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return http.StatusMethodNotAllowed, "", ""
	}
	owners, creds, err := s.state()
	if err != nil {
		http.Error(w, "server error", http.StatusInternalServerError)
		fmt.Fprintf(s.opts.Log, "error: %v\n", err)
		return http.StatusInternalServerError, "", ""
	}
	user, ok := s.authenticate(r, creds)
	if !ok {
		s.challenge(w)
		return http.StatusUnauthorized, "", ""
	}
	name, ok := fileName(r)
	if !ok {
		http.NotFound(w, r)
		return http.StatusNotFound, user, ""
	}
	owner, known := owners[strings.ToLower(name)]
	if !known {
		http.NotFound(w, r)
		return http.StatusNotFound, user, name
	}
	if owner != user && user != SharedUser {
		http.Error(w, "forbidden", http.StatusForbidden)
		return http.StatusForbidden, user, name
	}
	s.mu.Lock()
	real := s.names[strings.ToLower(name)]
	s.mu.Unlock()
	f, err := os.Open(filepath.Join(s.opts.Dir, real))
	if err != nil {
		http.NotFound(w, r)
		return http.StatusNotFound, user, name
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o077 != 0 {
		// A file loosened while serving is not handed out.
		http.Error(w, "server error", http.StatusInternalServerError)
		return http.StatusInternalServerError, user, name
	}
	data, err := io.ReadAll(f)
	if err != nil {
		http.Error(w, "server error", http.StatusInternalServerError)
		return http.StatusInternalServerError, user, name
	}
	sum := sha256.Sum256(data)
	w.Header().Set("Content-Type", contentType(real))
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(data)
	}
	s.logFetch(Fetch{Time: s.opts.Now().UTC(), Device: owner, File: real, SHA256: hex.EncodeToString(sum[:]), Remote: r.RemoteAddr})
	return http.StatusOK, user, name
}

func (s *Server) logFetch(f Fetch) {
	line, _ := json.Marshal(f)
	line = append(line, '\n')
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if _, err := s.fetch.Write(line); err != nil {
		fmt.Fprintf(s.opts.Log, "error: writing the fetch log: %v\n", err)
	}
}

func contentType(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xml":
		return "application/xml"
	}
	return "text/plain; charset=utf-8"
}

// fileName is the one file name a request names: a single path segment,
// not hidden, with no escapes at all (so %2e%2e, %2f and %5c never become
// a path), no backslash and no "..".
func fileName(r *http.Request) (string, bool) {
	raw := r.URL.EscapedPath()
	if strings.Contains(r.RequestURI, "%") || strings.ContainsAny(raw, "%\\") {
		return "", false
	}
	name, ok := strings.CutPrefix(raw, "/")
	if !ok || name == "" || strings.Contains(name, "/") || strings.HasPrefix(name, ".") || strings.Contains(name, "..") {
		return "", false
	}
	return name, true
}

func (s *Server) challenge(w http.ResponseWriter) {
	nonce := s.nonce(s.opts.Now())
	for _, alg := range []string{"SHA-256", "MD5"} {
		w.Header().Add("WWW-Authenticate", fmt.Sprintf(`Digest realm=%q, qop="auth", algorithm=%s, nonce=%q`, Realm, alg, nonce))
	}
	if !s.opts.PlainHTTP {
		w.Header().Add("WWW-Authenticate", fmt.Sprintf(`Basic realm=%q, charset="UTF-8"`, Realm))
	}
	http.Error(w, "authentication required", http.StatusUnauthorized)
}

// nonce is a timestamp and its HMAC: stateless, and refused after
// nonceLife.
func (s *Server) nonce(t time.Time) string {
	b := make([]byte, 8, 8+16)
	binary.BigEndian.PutUint64(b, uint64(t.Unix()))
	m := hmac.New(sha256.New, s.nonceKey)
	m.Write(b)
	b = append(b, m.Sum(nil)[:16]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

const nonceLife = 10 * time.Minute

func (s *Server) nonceValid(n string) bool {
	b, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil || len(b) != 24 {
		return false
	}
	m := hmac.New(sha256.New, s.nonceKey)
	m.Write(b[:8])
	if !hmac.Equal(m.Sum(nil)[:16], b[8:]) {
		return false
	}
	age := s.opts.Now().Sub(time.Unix(int64(binary.BigEndian.Uint64(b[:8])), 0))
	return age >= -time.Minute && age <= nonceLife
}

func (s *Server) authenticate(r *http.Request, creds *Credentials) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, rest, _ := strings.Cut(h, " ")
	switch strings.ToLower(scheme) {
	case "basic":
		if s.opts.PlainHTTP {
			return "", false
		}
		user, pass, ok := r.BasicAuth()
		if !ok {
			return "", false
		}
		c, known := creds.Users[user]
		if !known {
			return "", false
		}
		got := HA1("SHA-256", user, pass)
		return user, subtle.ConstantTimeCompare([]byte(got), []byte(c.HA1SHA256)) == 1
	case "digest":
		p := parseDigest(rest)
		user := p["username"]
		c, known := creds.Users[user]
		if !known || p["realm"] != Realm || !s.nonceValid(p["nonce"]) || p["uri"] != r.RequestURI {
			return "", false
		}
		alg := p["algorithm"]
		var ha1 string
		var hash func(string) string
		switch strings.ToUpper(alg) {
		case "", "MD5":
			ha1, hash = c.HA1MD5, func(s string) string { x := md5.Sum([]byte(s)); return hex.EncodeToString(x[:]) }
		case "SHA-256":
			ha1, hash = c.HA1SHA256, func(s string) string { x := sha256.Sum256([]byte(s)); return hex.EncodeToString(x[:]) }
		default:
			return "", false
		}
		ha2 := hash(r.Method + ":" + p["uri"])
		var want string
		switch p["qop"] {
		case "auth":
			want = hash(strings.Join([]string{ha1, p["nonce"], p["nc"], p["cnonce"], "auth", ha2}, ":"))
		case "":
			want = hash(ha1 + ":" + p["nonce"] + ":" + ha2)
		default:
			return "", false
		}
		return user, subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(p["response"]))) == 1
	}
	return "", false
}

// parseDigest reads the comma-separated name=value (or name="value")
// parameters of a Digest Authorization header.
func parseDigest(s string) map[string]string {
	out := map[string]string{}
	for s = strings.TrimSpace(s); s != ""; {
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			break
		}
		name := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimSpace(s[eq+1:])
		var val string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
			}
			val = b.String()
			s = s[min(i+1, len(s)):]
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			val = strings.TrimSpace(s[:end])
			s = s[end:]
		}
		out[name] = val
		s = strings.TrimLeft(strings.TrimSpace(s), ",")
		s = strings.TrimSpace(s)
	}
	return out
}

// ReadFetches reads a fetch log: each device's latest fetch of each file.
func ReadFetches(dir string) (map[string]map[string]Fetch, error) {
	f, err := os.Open(FetchLogPath(dir))
	if errors.Is(err, os.ErrNotExist) {
		return map[string]map[string]Fetch{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]map[string]Fetch{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var fe Fetch
		if json.Unmarshal(sc.Bytes(), &fe) != nil {
			continue // a line cut short by a crash
		}
		if out[fe.Device] == nil {
			out[fe.Device] = map[string]Fetch{}
		}
		out[fe.Device][fe.File] = fe
	}
	return out, sc.Err()
}
