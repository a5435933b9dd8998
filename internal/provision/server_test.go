package provision

import (
	"bufio"
	"crypto/md5"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/devices"
	"github.com/sipctl/sipctl/internal/rotate"
)

// served renders two phones and serves them over real TLS with the
// self-signed certificate; each phone has its own credential.
type served struct {
	dir, state string
	url        string
	client     *http.Client // trusts the self-signed certificate
	log        *syncBuf
	devs       []devices.Device
	pw         map[string]string
}

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuf) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func serveFleet(t testing.TB, n int, plain bool) *served {
	t.Helper()
	base := t.TempDir()
	s := &served{dir: filepath.Join(base, "prov"), state: filepath.Join(base, "state"), log: &syncBuf{}, pw: map[string]string{}}
	devs, recs := fleet(n)
	s.devs = devs
	if _, err := WriteAll(s.dir, devs, accountsOf(recs, Registrar{Host: "127.0.0.1", Port: 5070}), time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, d := range devs {
		pw := "cred-" + d.MAC
		s.pw[d.MAC] = pw
		if err := SetCredential(CredentialsPath(s.state), d.MAC, NewCredential(d.MAC, pw, time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := NewServer(ServerOptions{Dir: s.dir, CredentialsPath: CredentialsPath(s.state), Log: s.log, PlainHTTP: plain})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	var hs *httptest.Server
	if plain {
		hs = httptest.NewServer(srv)
		s.client = hs.Client()
	} else {
		cert, made, err := SelfSigned(s.state, nil, time.Now())
		if err != nil || !made {
			t.Fatal(made, err)
		}
		hs = httptest.NewUnstartedServer(srv)
		hs.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		hs.StartTLS()
		pool := x509.NewCertPool()
		pem, _ := os.ReadFile(CertPath(s.state))
		pool.AppendCertsFromPEM(pem)
		s.client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, MaxIdleConnsPerHost: 64}}
	}
	t.Cleanup(hs.Close)
	s.url = hs.URL
	return s
}

func (s *served) get(t testing.TB, path, user, pw string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.url+path, nil)
	if user != "" {
		req.SetBasicAuth(user, pw)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestServeEachDeviceOnlyItsOwnFiles(t *testing.T) {
	s := serveFleet(t, 2, false)
	a, b := s.devs[0].MAC, s.devs[1].MAC
	if code, _ := s.get(t, "/"+a+".cfg", "", ""); code != 401 {
		t.Errorf("without credentials: %d", code)
	}
	if code, _ := s.get(t, "/"+a+".cfg", a, "wrong"); code != 401 {
		t.Errorf("wrong password: %d", code)
	}
	code, body := s.get(t, "/"+a+".cfg", a, s.pw[a])
	if code != 200 || !strings.Contains(body, "account.1.user_name = u00000") {
		t.Fatalf("own file: %d %q", code, body)
	}
	// Phones spell the MAC in upper case too.
	if code, _ := s.get(t, "/"+strings.ToUpper(a)+".cfg", a, s.pw[a]); code != 200 {
		t.Errorf("upper-case name: %d", code)
	}
	if code, _ := s.get(t, "/"+b+".cfg", a, s.pw[a]); code != 403 {
		t.Errorf("another device's file: %d", code)
	}
	if code, _ := s.get(t, "/ffffffffffff.cfg", a, s.pw[a]); code != 404 {
		t.Errorf("unknown file: %d", code)
	}
	if code, _ := s.get(t, "/", a, s.pw[a]); code != 404 {
		t.Errorf("listing: %d", code)
	}
	for _, p := range []string{"/.sipctl/index.json", "/../" + a + ".cfg", "/%2e%2e/" + a + ".cfg", "/..%2f.sipctl%2findex.json",
		"/%2E%2E%5C" + a + ".cfg", "/x/../" + a + ".cfg", "/" + a + "%2ecfg", "/.sipctl%2ffetch.log"} {
		if code, body := s.get(t, p, a, s.pw[a]); code != 404 {
			t.Errorf("%s: %d %q", p, code, body)
		}
	}
	// One fetch log line per fetch: the two successful GETs.
	fetches := readLines(t, FetchLogPath(s.dir))
	if len(fetches) != 2 {
		t.Fatalf("fetch log:\n%s", strings.Join(fetches, "\n"))
	}
	data, _ := os.ReadFile(filepath.Join(s.dir, a+".cfg"))
	sum := sha256.Sum256(data)
	if !strings.Contains(fetches[0], `"device":"`+a+`"`) || !strings.Contains(fetches[0], hex.EncodeToString(sum[:])) ||
		!strings.Contains(fetches[0], `"remote":"127.0.0.1:`) || strings.Contains(fetches[0], "pw-") {
		t.Errorf("fetch line: %s", fetches[0])
	}
	f, err := ReadFetches(s.dir)
	if err != nil || f[a][a+".cfg"].SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("%+v %v", f, err)
	}
	if strings.Contains(s.log.String(), "pw-") || strings.Contains(s.log.String(), s.pw[a]) {
		t.Error("the request log holds a secret")
	}
}

func readLines(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// A client that does not trust the certificate gets no file; one pinned to
// it does.
func TestServeTLS(t *testing.T) {
	s := serveFleet(t, 1, false)
	_, err := http.Get(s.url + "/" + s.devs[0].MAC + ".cfg")
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("an untrusting client: %v", err)
	}
	plain := strings.Replace(s.url, "https://", "http://", 1)
	resp, err := http.Get(plain + "/")
	if err == nil {
		if resp.StatusCode == 200 {
			t.Error("plain HTTP answered 200 on the TLS port")
		}
		resp.Body.Close()
	}
}

// Digest (RFC 7616) with MD5 and SHA-256, as phones do it.
func TestServeDigest(t *testing.T) {
	for _, plain := range []bool{false, true} {
		s := serveFleet(t, 1, plain)
		a := s.devs[0].MAC
		for _, alg := range []string{"MD5", "SHA-256"} {
			path := "/" + a + ".cfg"
			resp, err := s.client.Get(s.url + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			var chal string
			for _, h := range resp.Header.Values("WWW-Authenticate") {
				if strings.Contains(h, "algorithm="+alg) {
					chal = h
				}
				if plain && strings.HasPrefix(h, "Basic") {
					t.Error("Basic offered over plain HTTP")
				}
			}
			p := parseDigest(strings.TrimPrefix(chal, "Digest "))
			hash := func(s string) string {
				if alg == "MD5" {
					x := md5.Sum([]byte(s))
					return hex.EncodeToString(x[:])
				}
				x := sha256.Sum256([]byte(s))
				return hex.EncodeToString(x[:])
			}
			ha1 := hash(a + ":" + p["realm"] + ":" + s.pw[a])
			ha2 := hash("GET:" + path)
			response := hash(strings.Join([]string{ha1, p["nonce"], "00000001", "abcdef", "auth", ha2}, ":"))
			req, _ := http.NewRequest("GET", s.url+path, nil)
			req.Header.Set("Authorization", fmt.Sprintf(`Digest username=%q, realm=%q, nonce=%q, uri=%q, algorithm=%s, response=%q, qop=auth, nc=00000001, cnonce="abcdef"`,
				a, p["realm"], p["nonce"], path, alg, response))
			resp, err = s.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("plain=%v %s digest: %d", plain, alg, resp.StatusCode)
			}
		}
		if plain {
			if code, _ := s.get(t, "/"+a+".cfg", a, s.pw[a]); code != 401 {
				t.Errorf("Basic over plain HTTP: %d", code)
			}
		}
	}
}

func TestServeRefusesLooseModes(t *testing.T) {
	s := serveFleet(t, 1, false)
	os.Chmod(filepath.Join(s.dir, s.devs[0].MAC+".cfg"), 0o644)
	_, err := NewServer(ServerOptions{Dir: s.dir, CredentialsPath: CredentialsPath(s.state)})
	if err == nil || !strings.Contains(err.Error(), "readable by group or others") {
		t.Fatalf("err = %v", err)
	}
}

// BenchmarkServeFetches is authenticated fetches over TLS on loopback with
// kept-alive connections, 16 clients at once; the bound is 2,000
// a second (fetches/s).
func BenchmarkServeFetches(b *testing.B) {
	s := serveFleet(b, 64, false)
	var n atomic.Int64
	b.SetParallelism(8)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(n.Add(1)) % len(s.devs)
			mac := s.devs[i].MAC
			if code, _ := s.get(b, "/"+mac+".cfg", mac, s.pw[mac]); code != 200 {
				b.Fatalf("%d", code)
			}
		}
	})
	b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "fetches/s")
}

var _ = rotate.Record{}
