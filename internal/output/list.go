package output

import (
	"fmt"
	"io"
	"iter"

	"github.com/sipctl/sipctl/internal/iostreams"
)

// Column says how one field of T appears in a table.
type Column[T any] struct {
	Header string
	Value  func(T) Cell
	// Keep: the cells are never shortened (a name the next command takes);
	// USERNAME, DOMAIN and RUN columns always are kept.
	Keep bool
}

// progressEvery is how often listing progress is redrawn on a terminal.
const progressEvery = 500

// PrintList prints every item of seq: JSON (streamed as an array, or
// collected when --jq needs the whole document), TSV rows as they arrive in a
// pipe, or a table on a terminal. It returns how many items it printed and
// the first error, after printing what came before it.
func PrintList[T any](ios *iostreams.IOStreams, exp *Exporter, seq iter.Seq2[T, error], cols []Column[T]) (int, error) {
	if exp != nil && exp.Limit > 0 {
		seq = Limit(seq, exp.Limit)
	}
	progress := func(n int) {
		if ios.ProgressEnabled() && n%progressEvery == 0 {
			fmt.Fprintf(ios.ErrOut, "\rfetched %d…", n)
		}
	}
	endProgress := func(n int) {
		if ios.ProgressEnabled() && n >= progressEvery {
			fmt.Fprint(ios.ErrOut, "\r\033[K")
		}
	}

	if exp.Enabled() {
		if exp.query != nil {
			var items []T
			for it, err := range seq {
				if err != nil {
					endProgress(len(items))
					return 0, err
				}
				items = append(items, it)
				progress(len(items))
			}
			endProgress(len(items))
			if items == nil {
				items = []T{}
			}
			return len(items), exp.Write(ios.Out, items)
		}
		return streamJSON(ios.Out, exp, seq, progress, endProgress)
	}

	headers := make([]string, len(cols))
	for i, c := range cols {
		headers[i] = c.Header
	}
	t := NewTableFor(ios, headers...)
	t.SetWide(exp != nil && exp.Wide)
	for _, c := range cols {
		if c.Keep {
			t.Keep(c.Header)
		}
	}
	n := 0
	for it, err := range seq {
		if err != nil {
			endProgress(n)
			t.Render()
			return n, err
		}
		cells := make([]Cell, len(cols))
		for i, c := range cols {
			cells[i] = c.Value(it)
		}
		t.Row(cells...)
		n++
		progress(n)
	}
	endProgress(n)
	return n, t.Render()
}

// streamJSON writes a JSON array one element at a time, so listing thousands
// of items holds one page, not all of them.
func streamJSON[T any](w io.Writer, exp *Exporter, seq iter.Seq2[T, error], progress, endProgress func(int)) (int, error) {
	n := 0
	for it, err := range seq {
		if err != nil {
			endProgress(n)
			if n > 0 {
				io.WriteString(w, "\n]\n")
			}
			return n, err
		}
		v, err := toGeneric(it)
		if err == nil {
			v, err = exp.selectFields(v)
		}
		if err != nil {
			return n, err
		}
		b, err := marshalIndent(v, "  ")
		if err != nil {
			return n, err
		}
		if n == 0 {
			io.WriteString(w, "[\n  ")
		} else {
			io.WriteString(w, ",\n  ")
		}
		w.Write(b)
		n++
		progress(n)
	}
	endProgress(n)
	if n == 0 {
		_, err := io.WriteString(w, "[]\n")
		return 0, err
	}
	_, err := io.WriteString(w, "\n]\n")
	return n, err
}

// WriteElement writes v as one element of a streamed JSON array (selected
// fields, indented as streamJSON does, no trailing newline), for commands
// that stream their own array.
func (e *Exporter) WriteElement(w io.Writer, v any) error {
	g, err := toGeneric(v)
	if err == nil {
		g, err = e.selectFields(g)
	}
	if err != nil {
		return err
	}
	b, err := marshalIndent(g, "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Field is one labelled value of a single object.
type Field struct {
	Label string
	Value Cell
}

// PrintObject prints one object: JSON through the exporter, "Label: value"
// lines on a terminal, or "label<TAB>value" lines in a pipe.
func PrintObject(ios *iostreams.IOStreams, exp *Exporter, v any, fields []Field) error {
	if exp.Enabled() {
		return exp.Write(ios.Out, v)
	}
	tty := ios.IsStdoutTTY()
	t := NewTable(ios.Out, TableStyle{TTY: false}, "")
	if tty {
		width := 0
		for _, f := range fields {
			width = max(width, len(f.Label))
		}
		for _, f := range fields {
			fmt.Fprintf(ios.Out, "%-*s %s\n", width+1, f.Label+":", f.Value.render(true, t.now))
		}
		return nil
	}
	for _, f := range fields {
		t.Row(Text(f.Label), f.Value)
	}
	return nil
}

// NewTableFor is NewTable styled for the command's stdout.
func NewTableFor(ios *iostreams.IOStreams, headers ...string) *Table {
	return NewTable(ios.Out, TableStyle{TTY: ios.IsStdoutTTY(), Color: ios.ColorEnabled(), Width: ios.TerminalWidth(), Notes: ios.ErrOut}, headers...)
}

// PrintDetail prints one object and, below it, a table of what it holds (a
// list's credentials, an ACL's addresses). With --json, v — which should
// carry the children itself — is printed as is.
func PrintDetail[C any](ios *iostreams.IOStreams, exp *Exporter, v any, fields []Field, children []C, cols []Column[C]) error {
	if exp.Enabled() {
		return exp.Write(ios.Out, v)
	}
	if err := PrintObject(ios, exp, v, fields); err != nil {
		return err
	}
	if len(children) == 0 {
		return nil
	}
	fmt.Fprintln(ios.Out)
	_, err := PrintList(ios, exp, All(children), cols)
	return err
}

// All iterates over a slice as PrintList expects.
func All[T any](items []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, it := range items {
			if !yield(it, nil) {
				return
			}
		}
	}
}

// Limit stops seq after n items (an error counts as one).
func Limit[T any](seq iter.Seq2[T, error], n int) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		if n <= 0 {
			return
		}
		i := 0
		for it, err := range seq {
			if !yield(it, err) {
				return
			}
			if i++; i >= n {
				return
			}
		}
	}
}
