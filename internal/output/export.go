// Package output prints what commands return: tables for people (lipgloss on
// a terminal), tab-separated rows for programs (in a pipe), and JSON with
// field selection and jq filtering for both.
package output

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/itchyny/gojq"
)

// Exporter holds the --json and --jq choices of one command.
type Exporter struct {
	// JSON is set by --json (all fields) or --json=a,b (Fields).
	JSON   bool
	Fields []string
	// JQ is a jq expression applied to the JSON output (implies JSON).
	JQ    string
	query *gojq.Code
	// ctx stops a --jq evaluation (SIGINT/SIGTERM); nil is Background.
	ctx context.Context
	// Known are the field names the command can print, when it declared
	// them: --json=name is then checked before any request.
	Known []string
	// Limit, when positive, is the most items a list prints (--limit);
	// listing stops there, so no further pages are fetched.
	Limit int
	// Wide prints a terminal table's cells whole (--wide).
	Wide bool
}

// JQTimeout bounds one --jq evaluation (SIPCTL_JQ_TIMEOUT overrides it): an
// expression such as `def f: f; f` never ends by itself.
var JQTimeout = 10 * time.Second

// JQMaxMemory bounds how much the heap may grow while a --jq expression
// runs: `[limit(1e8; repeat(1))]` would otherwise take every byte there is.
var JQMaxMemory uint64 = 1 << 30

// SetContext makes --jq evaluation stop when ctx is done.
func (e *Exporter) SetContext(ctx context.Context) { e.ctx = ctx }

// Enabled reports whether the command should print JSON.
func (e *Exporter) Enabled() bool { return e != nil && (e.JSON || e.JQ != "") }

// Prepare parses the jq expression and field list, so a bad one is a usage
// error before any request is made.
func (e *Exporter) Prepare(raw string, set bool) error {
	if set {
		e.JSON = true
		if raw != "" && raw != "*" {
			for _, f := range strings.Split(raw, ",") {
				if f = strings.TrimSpace(f); f != "" {
					e.Fields = append(e.Fields, f)
				}
			}
		}
		if len(e.Known) > 0 {
			if err := e.CheckFields(e.Known); err != nil {
				return err
			}
		}
	}
	if e.JQ != "" {
		q, err := gojq.Parse(e.JQ)
		if err != nil {
			return fmt.Errorf("invalid --jq expression: %v", err)
		}
		code, err := gojq.Compile(q)
		if err != nil {
			return fmt.Errorf("invalid --jq expression: %v", err)
		}
		e.query = code
	}
	return nil
}

// CheckFields refuses a selected field that is not among known, naming
// the ones that are: for a command whose output has another shape in one
// mode (a dry run), checked once the mode is known.
func (e *Exporter) CheckFields(known []string) error {
	for _, f := range e.Fields {
		if !slices.Contains(known, f) {
			return fmt.Errorf("unknown JSON field %q; available fields: %s", f, strings.Join(known, ", "))
		}
	}
	return nil
}

// Write prints v (a struct, a map or a slice of them) as JSON, keeping only
// the selected fields and applying --jq.
func (e *Exporter) Write(w io.Writer, v any) error {
	data, err := toGeneric(v)
	if err != nil {
		return err
	}
	if data, err = e.selectFields(data); err != nil {
		return err
	}
	return e.emit(w, data)
}

func (e *Exporter) emit(w io.Writer, data any) error {
	if e.query == nil {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(data)
	}
	parent := e.ctx
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithTimeoutCause(parent, JQTimeout, errJQTime)
	defer cancel()
	ctx, stopWatch := watchMemory(ctx, JQMaxMemory)
	defer stopWatch()
	iter := e.query.RunWithContext(ctx, data)
	for {
		v, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, isErr := v.(error); isErr {
			var halt *gojq.HaltError
			if errors.As(err, &halt) && halt.Value() == nil {
				return nil
			}
			if ctx.Err() != nil {
				if parent.Err() != nil {
					return parent.Err() // interrupted: "cancelled"
				}
				return context.Cause(ctx)
			}
			return fmt.Errorf("--jq: %v", err)
		}
		// Like jq -r: strings print raw, everything else as compact JSON.
		if s, isStr := v.(string); isStr {
			fmt.Fprintln(w, s)
			continue
		}
		b, err := gojq.Marshal(v)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\n", b)
	}
}

func toGeneric(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return normaliseNumbers(out), nil
}

// normaliseNumbers turns json.Number into int or float64, which gojq needs.
func normaliseNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, val := range x {
			x[k] = normaliseNumbers(val)
		}
	case []any:
		for i := range x {
			x[i] = normaliseNumbers(x[i])
		}
	}
	return v
}

func (e *Exporter) selectFields(v any) (any, error) {
	if len(e.Fields) == 0 {
		return v, nil
	}
	switch x := v.(type) {
	case []any:
		for i := range x {
			m, err := e.selectFields(x[i])
			if err != nil {
				return nil, err
			}
			x[i] = m
		}
		return x, nil
	case map[string]any:
		out := make(map[string]any, len(e.Fields))
		for _, f := range e.Fields {
			val, ok := x[f]
			if !ok && slices.Contains(e.Known, f) {
				// A declared field left out as empty (omitempty) is null.
				out[f] = nil
				continue
			}
			if !ok {
				return nil, fmt.Errorf("unknown JSON field %q; available fields: %s", f, strings.Join(sortedKeys(x), ", "))
			}
			out[f] = val
		}
		return out, nil
	}
	return v, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func marshalIndent(v any, indent string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent(indent, "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
