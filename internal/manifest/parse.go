package manifest

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/provider"
	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong with a file, at a place in it.
type Problem struct {
	Pos Pos
	Msg string
}

// Problems is every problem found in a file; a file with any is not used.
type Problems struct {
	Source string
	List   []Problem
}

func (p *Problems) Error() string {
	lines := make([]string, len(p.List))
	for i, pr := range p.List {
		lines[i] = p.Format(pr)
	}
	return strings.Join(lines, "\n")
}

// Format is "FILE:LINE:COLUMN: message", as compilers write it.
func (p *Problems) Format(pr Problem) string {
	if pr.Pos.Line == 0 {
		return fmt.Sprintf("%s: %s", p.Source, pr.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", p.Source, pr.Pos.Line, pr.Pos.Column, pr.Msg)
}

func (p *Problems) add(n *yaml.Node, format string, args ...any) {
	var pos Pos
	if n != nil {
		pos = Pos{n.Line, n.Column}
	}
	p.addAt(pos, format, args...)
}

func (p *Problems) addAt(pos Pos, format string, args ...any) {
	p.List = append(p.List, Problem{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (p *Problems) sorted() error {
	if len(p.List) == 0 {
		return nil
	}
	sort.SliceStable(p.List, func(i, j int) bool {
		a, b := p.List[i].Pos, p.List[j].Pos
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return p
}

// secretKey says a key would hold a secret. Passwords never live in files:
// new accounts get generated passwords into the handover.
func secretKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range []string{"password", "passwd", "secret", "token", "ha1"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// Parse reads a manifest. Every structural problem (malformed YAML, an
// unknown key, a value of the wrong kind, a password, a duplicate key) is
// returned at once as *Problems, each with its line and column.
func Parse(source string, r io.Reader) (*File, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", source, err)
	}
	f, probs := parse(source, data)
	if err := probs.sorted(); err != nil {
		return nil, err
	}
	return f, nil
}

// parse returns what it could read (nil when the YAML itself is malformed)
// and the problems found.
func parse(source string, data []byte) (*File, *Problems) {
	probs := &Problems{Source: source}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		probs.addAt(yamlErrorPos(data, err), "%s", yamlErrorMsg(err))
		return nil, probs
	}
	if pos, ok := secondDocument(data); ok {
		probs.addAt(pos, "a second YAML document starts here: a manifest is one document, so nothing was read; put each in a file of its own")
		return nil, probs
	}
	f := &File{Source: source}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		probs.addAt(Pos{}, "the file is empty; it needs at least `domains:` or `ip_acls:`")
		return nil, probs
	}
	p := &parser{probs: probs}
	p.secrets(doc.Content[0])
	p.file(doc.Content[0], f)
	return f, probs
}

// secondDocument finds a second non-empty document after a `---`, which
// yaml.Unmarshal would silently ignore.
func secondDocument(data []byte) (Pos, bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for i := 0; ; i++ {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			return Pos{}, false // io.EOF, or an error Unmarshal reported already
		}
		if i == 0 || len(n.Content) == 0 {
			continue
		}
		line := n.Content[0].Line
		// Point at the separator, the line a reader looks for.
		lines := strings.Split(string(data), "\n")
		for l := min(line, len(lines)); l >= 1; l-- {
			if strings.HasPrefix(lines[l-1], "---") {
				return Pos{Line: l, Column: 1}, true
			}
		}
		return Pos{Line: line, Column: n.Content[0].Column}, true
	}
}

type parser struct{ probs *Problems }

// secrets walks the whole document for keys that would hold a secret, so a
// password is reported as such wherever it is, even under an unknown key.
func (p *parser) secrets(n *yaml.Node) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if secretKey(k.Value) {
				p.probs.add(k, "%q: passwords and secrets never live in files; sipctl generates each new account's password into the handover", k.Value)
			}
			p.secrets(n.Content[i+1])
		}
	case yaml.SequenceNode, yaml.DocumentNode:
		for _, c := range n.Content {
			p.secrets(c)
		}
	}
}

// fields checks n is a mapping with only known keys, reporting unknown and
// duplicate ones, and returns the value of each known key.
func (p *parser) fields(n *yaml.Node, what string, known ...string) map[string]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		p.probs.add(n, "%s must be a mapping of %s", what, strings.Join(known, ", "))
		return nil
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if secretKey(k.Value) {
			continue // reported by secrets
		}
		if !contains(known, k.Value) {
			p.probs.add(k, "unknown key %q in %s; expected one of: %s", k.Value, what, strings.Join(known, ", "))
			continue
		}
		if _, dup := out[k.Value]; dup {
			p.probs.add(k, "%q is given twice in %s", k.Value, what)
			continue
		}
		out[k.Value] = v
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p *parser) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.probs.add(n, "%s must be a string", what)
		return "", false
	}
	if n.Value == "" {
		p.probs.add(n, "%s is empty", what)
		return "", false
	}
	return n.Value, true
}

func (p *parser) seq(n *yaml.Node, what string) []*yaml.Node {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil // `accounts:` with nothing under it
	}
	if n.Kind != yaml.SequenceNode {
		p.probs.add(n, "%s must be a list", what)
		return nil
	}
	return n.Content
}

func (p *parser) file(n *yaml.Node, f *File) {
	fs := p.fields(n, "the file", "provider", "policy", "domains", "ip_acls", "devices")
	if fs == nil {
		return
	}
	if v, ok := fs["policy"]; ok {
		if s, ok := p.str(v, "policy"); ok {
			if _, err := password.Parse(s); err != nil {
				p.probs.add(v, "policy: %v", err)
			}
			f.Policy = s
		}
	}
	if v, ok := fs["provider"]; ok {
		if s, ok := p.str(v, "provider"); ok {
			f.Provider, f.providerPos, f.hasProvider = s, Pos{v.Line, v.Column}, true
		}
	}
	if v, ok := fs["domains"]; ok {
		for _, d := range p.seq(v, "domains") {
			p.domain(d, f)
		}
	}
	if v, ok := fs["ip_acls"]; ok {
		for _, a := range p.seq(v, "ip_acls") {
			p.ipacl(a, f)
		}
	}
	if v, ok := fs["devices"]; ok {
		for _, d := range p.seq(v, "devices") {
			p.device(d, f)
		}
	}
}

func (p *parser) domain(n *yaml.Node, f *File) {
	fs := p.fields(n, "a domain", "name", "accounts", "ip_acls", "twilio")
	if fs == nil {
		return
	}
	d := Domain{Pos: Pos{n.Line, n.Column}}
	if v, ok := fs["name"]; ok {
		d.Name, _ = p.str(v, "a domain's name")
		d.Pos = Pos{v.Line, v.Column}
	} else {
		p.probs.add(n, "a domain needs a name")
	}
	if v, ok := fs["accounts"]; ok {
		d.AccountsGiven = true
		for _, a := range p.seq(v, "accounts") {
			if acc, ok := p.account(a); ok {
				d.Accounts = append(d.Accounts, acc)
			}
		}
	}
	if v, ok := fs["ip_acls"]; ok {
		d.IPACLsGiven = true
		for _, a := range p.seq(v, "a domain's ip_acls") {
			if s, ok := p.str(a, "an IP ACL name"); ok {
				d.IPACLs = append(d.IPACLs, s)
				d.aclPos = append(d.aclPos, Pos{a.Line, a.Column})
			}
		}
	}
	if v, ok := fs["twilio"]; ok {
		tf := p.fields(v, "a domain's twilio settings", "credential_list")
		if c, ok := tf["credential_list"]; ok {
			if s, ok := p.str(c, "credential_list"); ok {
				d.Twilio = &TwilioDomain{CredentialList: s}
			}
		}
	}
	f.Domains = append(f.Domains, d)
}

func (p *parser) account(n *yaml.Node) (Account, bool) {
	a := Account{Pos: Pos{n.Line, n.Column}}
	if n.Kind == yaml.ScalarNode {
		s, ok := p.str(n, "an account")
		a.Username = s
		return a, ok
	}
	fs := p.fields(n, "an account", "username", "ttl", "telnyx")
	if fs == nil {
		return a, false
	}
	v, ok := fs["username"]
	if !ok {
		p.probs.add(n, "an account needs a username")
		return a, false
	}
	if a.Username, ok = p.str(v, "username"); !ok {
		return a, false
	}
	a.Pos = Pos{v.Line, v.Column}
	if v, ok := fs["ttl"]; ok {
		if s, ok := p.str(v, "ttl"); ok {
			ttl, err := provider.ParseTTL(s)
			if err != nil {
				p.probs.add(v, "ttl: %v", err)
			}
			a.TTL = ttl
		}
	}
	if v, ok := fs["telnyx"]; ok {
		tf := p.fields(v, "an account's telnyx settings", "connection_name", "channel_limit", "caller_id", "outbound_voice_profile_id")
		t := &TelnyxAccount{Pos: Pos{v.Line, v.Column}}
		if c, ok := tf["connection_name"]; ok {
			t.ConnectionName, _ = p.str(c, "connection_name")
		}
		if c, ok := tf["channel_limit"]; ok {
			n, err := strconv.Atoi(c.Value)
			if c.Kind != yaml.ScalarNode || err != nil || n < 1 {
				p.probs.add(c, "channel_limit must be a whole number of 1 or more")
			}
			t.ChannelLimit = n
		}
		if c, ok := tf["caller_id"]; ok {
			t.CallerID, _ = p.str(c, "caller_id")
		}
		if c, ok := tf["outbound_voice_profile_id"]; ok {
			t.OutboundVoiceProfileID, _ = p.str(c, "outbound_voice_profile_id")
		}
		a.Telnyx = t
	}
	return a, true
}

func (p *parser) ipacl(n *yaml.Node, f *File) {
	fs := p.fields(n, "an IP ACL", "name", "addresses", "allow_wide")
	if fs == nil {
		return
	}
	acl := IPACL{Pos: Pos{n.Line, n.Column}}
	if v, ok := fs["name"]; ok {
		acl.Name, _ = p.str(v, "an IP ACL's name")
		acl.Pos = Pos{v.Line, v.Column}
	} else {
		p.probs.add(n, "an IP ACL needs a name")
	}
	if v, ok := fs["allow_wide"]; ok {
		if v.Kind != yaml.ScalarNode || (v.Value != "true" && v.Value != "false") {
			p.probs.add(v, "allow_wide must be true or false")
		}
		acl.AllowWide = v.Value == "true"
	}
	if v, ok := fs["addresses"]; ok {
		acl.AddressesGiven = true
		for _, a := range p.seq(v, "addresses") {
			name := ""
			if a.Kind == yaml.MappingNode {
				af := p.fields(a, "an address", "address", "name")
				av, ok := af["address"]
				if !ok {
					p.probs.add(a, "an address given as a mapping needs address:")
					continue
				}
				if nv, ok := af["name"]; ok {
					if name, ok = p.str(nv, "an address's name"); ok && len(name) > 255 {
						p.probs.add(nv, "an address's name is %d characters: at most 255", len(name))
					}
				}
				a = av
			}
			s, ok := p.str(a, "an address")
			if !ok {
				continue
			}
			addr, err := ParseAddress(s, acl.AllowWide)
			if err != nil {
				p.probs.add(a, "%v", err)
				continue
			}
			addr.Pos = Pos{a.Line, a.Column}
			addr.Name = name
			acl.Addresses = append(acl.Addresses, addr)
		}
	}
	f.IPACLs = append(f.IPACLs, acl)
}

// yamlErrorPos finds where a document stops being YAML. yaml.v3's messages
// name the line where the enclosing construct began, or no line at all,
// and never a column; the first line at which a prefix of the document
// fails to parse is where the reader must look (found by bisection), at
// its first non-blank column.
func yamlErrorPos(data []byte, err error) Pos {
	lines := strings.SplitAfter(string(data), "\n")
	fails := func(k int) bool {
		var n yaml.Node
		return yaml.Unmarshal([]byte(strings.Join(lines[:k], "")), &n) != nil
	}
	lo, hi := 1, len(lines) // fails(hi) holds: the whole document fails
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	line := lines[hi-1]
	col := len(line) - len(strings.TrimLeft(line, " \t")) + 1
	return Pos{Line: hi, Column: col}
}

// yamlErrorMsg drops yaml.v3's prefix and its line number (often that of
// the enclosing construct, which misleads).
func yamlErrorMsg(err error) string {
	m := strings.TrimPrefix(err.Error(), "yaml: ")
	if strings.HasPrefix(m, "line ") {
		if j := strings.Index(m, ": "); j > 0 {
			m = m[j+2:]
		}
	}
	return "malformed YAML: " + m
}
