package output

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/dustin/go-humanize"
)

// Cell is one value in a table: text, or a time shown relative on a
// terminal ("3 hours ago") and as RFC 3339 in a pipe.
type Cell struct {
	text   string
	time   time.Time
	isTime bool
}

// Text is a plain cell.
func Text(s string) Cell { return Cell{text: s} }

// Time is a time cell; the zero time prints as empty.
func Time(t time.Time) Cell { return Cell{time: t, isTime: true} }

// Bool is "yes"/"no" on a terminal and "true"/"false" in a pipe.
func Bool(b bool) Cell {
	if b {
		return Cell{text: "true"}
	}
	return Cell{text: "false"}
}

func (c Cell) render(tty bool, now time.Time) string {
	if c.isTime {
		if c.time.IsZero() {
			return ""
		}
		if tty {
			return humanize.RelTime(c.time, now, "ago", "from now")
		}
		return c.time.UTC().Format(time.RFC3339)
	}
	if tty {
		switch c.text {
		case "true":
			return "yes"
		case "false":
			return "no"
		}
	}
	return Escape(c.text) // names others chose must not drive the terminal or forge a row
}

// Table collects rows and prints them: a styled, width-fitted table on a
// terminal; header-less TSV in a pipe, in the column order given.
type Table struct {
	w       io.Writer
	tty     bool
	color   bool
	width   int
	wide    bool
	notes   io.Writer
	headers []string
	keep    map[int]bool
	rows    [][]string
	now     time.Time
}

// TableStyle is what a Table needs to know about where it prints.
type TableStyle struct {
	TTY   bool
	Color bool
	// Width is the terminal's; 0 prints every cell whole.
	Width int
	// Wide prints every cell whole (--wide) and, when the table is wider
	// than Width, says so on Notes.
	Wide  bool
	Notes io.Writer
}

// NewTable starts a table with the given column headers.
func NewTable(w io.Writer, st TableStyle, headers ...string) *Table {
	t := &Table{w: w, tty: st.TTY, color: st.Color, width: st.Width, wide: st.Wide, notes: st.Notes, headers: headers, now: time.Now(), keep: map[int]bool{}}
	for i, h := range headers {
		if identifierHeaders[strings.ToUpper(h)] {
			t.keep[i] = true
		}
	}
	return t
}

// identifierHeaders head columns whose cells a user types into the next
// command (or must copy whole): they are never shortened, and the other
// columns give way first.
var identifierHeaders = map[string]bool{"PASSWORD": true, "USERNAME": true, "DOMAIN": true, "RUN": true, "RUN ID": true}

// Keep marks more columns, by header, as never shortened (a profile's NAME,
// which `profile use` takes).
func (t *Table) Keep(headers ...string) *Table {
	for i, h := range t.headers {
		for _, k := range headers {
			if h == k {
				t.keep[i] = true
			}
		}
	}
	return t
}

// SetWide is TableStyle.Wide, for a table already made.
func (t *Table) SetWide(wide bool) *Table { t.wide = wide; return t }

// Row adds a row; in a pipe it is written at once, so long lists stream.
func (t *Table) Row(cells ...Cell) {
	row := make([]string, len(cells))
	for i, c := range cells {
		row[i] = c.render(t.tty, t.now)
	}
	if !t.tty {
		for i := range row {
			row[i] = tsvEscape(row[i])
		}
		fmt.Fprintln(t.w, strings.Join(row, "\t"))
		return
	}
	t.rows = append(t.rows, row)
}

// Len is the number of rows added.
func (t *Table) Len() int { return len(t.rows) }

// Render prints a terminal table (a no-op in a pipe, where rows already went
// out). A column empty in every row is left out. The table fits the
// terminal's width: identifier columns (USERNAME, DOMAIN, RUN, PASSWORD
// and those given to Keep) are never shortened; the widest of the others
// shrink first, a cell too long for its column is shortened with an
// ellipsis (a single token, such as a SID, keeps its beginning and its end:
// CR916ec…57cea; text keeps its beginning), and a header is never cut
// inside a word. When even that is too wide, the rightmost other columns
// are left out, and a note says so. Nothing wraps. With Wide every cell is
// whole, and a note says how wide the terminal would have to be.
func (t *Table) Render() error {
	if !t.tty || len(t.rows) == 0 {
		return nil
	}
	// The columns shown: those with a value in some row.
	var cols []int
	for i := range t.headers {
		for _, r := range t.rows {
			if i < len(r) && r[i] != "" {
				cols = append(cols, i)
				break
			}
		}
	}
	pick := func(cells []string) []string {
		out := make([]string, len(cols))
		for j, i := range cols {
			if i < len(cells) {
				out[j] = cells[i]
			}
		}
		return out
	}
	headers := pick(t.headers)
	rows := make([][]string, len(t.rows))
	for k, r := range t.rows {
		rows[k] = pick(r)
	}
	keep := make([]bool, len(cols))
	for j, i := range cols {
		keep[j] = t.keep[i]
	}
	width := t.width
	if t.wide {
		width = 0
	}
	widths := fitWidths(headers, rows, keep, width)
	hidden := 0
	for width > 0 && tableWidth(widths) > width {
		drop := -1
		for j := len(widths) - 1; j >= 0; j-- {
			if !keep[j] {
				drop = j
				break
			}
		}
		if drop < 0 || len(widths) == 1 {
			break // identifiers alone: they stay whole, and the line wraps
		}
		headers = slices.Delete(headers, drop, drop+1)
		keep = slices.Delete(keep, drop, drop+1)
		for k := range rows {
			rows[k] = slices.Delete(rows[k], drop, drop+1)
		}
		hidden++
		widths = fitWidths(headers, rows, keep, width)
	}
	header := lipgloss.NewStyle().Bold(true)
	if t.color {
		header = header.Foreground(lipgloss.Color("12"))
	}
	var b strings.Builder
	line := func(cells []string, style func(string) string) {
		var l strings.Builder
		for i, w := range widths {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			pad := w - ansi.StringWidth(c)
			if i > 0 {
				l.WriteString(colGap)
			}
			l.WriteString(style(c))
			if i < len(widths)-1 && pad > 0 {
				l.WriteString(strings.Repeat(" ", pad))
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " "))
		b.WriteByte('\n')
	}
	heads := make([]string, len(headers))
	for i, h := range headers {
		heads[i] = fitHeader(h, widths[i])
	}
	line(heads, func(s string) string {
		if !t.color {
			return s
		}
		return header.Render(s)
	})
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			if i < len(widths) && !keep[i] {
				c = fitCell(c, widths[i])
			}
			cells[i] = c
		}
		line(cells, func(s string) string { return s })
	}
	if _, err := io.WriteString(t.w, b.String()); err != nil {
		return err
	}
	if t.notes != nil {
		switch need := tableWidth(widths); {
		case hidden > 0:
			fmt.Fprintf(t.notes, "note: %d column(s) left out to fit %d columns; --wide, --json or a pipe shows them all\n", hidden, t.width)
		case t.wide && t.width > 0 && need > t.width:
			fmt.Fprintf(t.notes, "note: the table is %d columns wide and the terminal %d: lines wrap; widen the terminal to %d, or use --json or a pipe\n", need, t.width, need)
		}
	}
	return nil
}

// colGap separates columns.
const colGap = "  "

func tableWidth(widths []int) int {
	sum := len(colGap) * max(len(widths)-1, 0)
	for _, w := range widths {
		sum += w
	}
	return sum
}

// fitWidths gives each column its natural width, then, while the table is
// wider than width, takes one cell from the widest column that can still
// give one. A kept column is never narrowed; another never goes below its
// header's longest word (headers are not cut mid-word) nor below minCell.
func fitWidths(headers []string, rows [][]string, keep []bool, width int) []int {
	n := len(headers)
	widths := make([]int, n)
	mins := make([]int, n)
	for i, h := range headers {
		widths[i] = ansi.StringWidth(h)
		for _, word := range strings.Fields(h) {
			mins[i] = max(mins[i], ansi.StringWidth(word))
		}
	}
	for _, r := range rows {
		for i, c := range r {
			if i < n {
				widths[i] = max(widths[i], ansi.StringWidth(c))
			}
		}
	}
	for i := range mins {
		mins[i] = max(mins[i], min(widths[i], minCell))
		if i < len(keep) && keep[i] {
			mins[i] = widths[i]
		}
	}
	if width <= 0 {
		return widths
	}
	for over := tableWidth(widths) - width; over > 0; over-- {
		widest := -1
		for i, w := range widths {
			if w > mins[i] && (widest < 0 || w > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break // as narrow as it can be without cutting words
		}
		widths[widest]--
	}
	return widths
}

// minCell is the narrowest a column shrinks to for its cells: enough for an
// identifier's prefix, an ellipsis and its suffix.
const minCell = 5

const ellipsis = "…"

// fitCell shortens s to width w: a single token (no spaces) keeps its head and
// tail around an ellipsis, so SIDs and domain names stay recognisable; text
// with spaces keeps its head.
func fitCell(s string, w int) string {
	sw := ansi.StringWidth(s)
	if sw <= w {
		return s
	}
	if w <= 1 {
		return ansi.Truncate(s, w, "")
	}
	if strings.ContainsRune(s, ' ') || w < 4 {
		return ansi.Truncate(s, w, ellipsis)
	}
	tail := (w-1)/2 - 1
	if tail < 1 {
		tail = 1
	}
	head := w - 1 - tail
	return ansi.Truncate(s, head, "") + ellipsis + ansi.TruncateLeft(s, sw-tail, "")
}

// fitHeader keeps the whole words of h that fit in w, marking dropped words
// with an ellipsis when there is room for it.
func fitHeader(h string, w int) string {
	if ansi.StringWidth(h) <= w {
		return h
	}
	words := strings.Fields(h)
	out := ""
	for _, word := range words {
		next := word
		if out != "" {
			next = out + " " + word
		}
		if ansi.StringWidth(next) > w {
			break
		}
		out = next
	}
	if ansi.StringWidth(out)+1 <= w {
		out += ellipsis
	}
	return out
}

// tsvEscape keeps one record per line and one field per tab.
func tsvEscape(s string) string {
	return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s)
}
