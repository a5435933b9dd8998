package output

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/lipgloss/table"
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
	headers []string
	rows    [][]string
	now     time.Time
}

// TableStyle is what a Table needs to know about where it prints.
type TableStyle struct {
	TTY   bool
	Color bool
	Width int
}

// NewTable starts a table with the given column headers.
func NewTable(w io.Writer, st TableStyle, headers ...string) *Table {
	return &Table{w: w, tty: st.TTY, color: st.Color, width: st.Width, headers: headers, now: time.Now()}
}

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

// Render prints a terminal table (a no-op in a pipe, where rows already went out).
func (t *Table) Render() error {
	if !t.tty || len(t.rows) == 0 {
		return nil
	}
	header := lipgloss.NewStyle().Bold(true)
	if t.color {
		header = header.Foreground(lipgloss.Color("12"))
	}
	cell := lipgloss.NewStyle().PaddingRight(2)
	tbl := table.New().
		Border(lipgloss.HiddenBorder()).
		BorderTop(false).BorderBottom(false).BorderLeft(false).BorderRight(false).
		BorderColumn(false).BorderHeader(false).
		Headers(t.headers...).
		Rows(t.rows...).
		StyleFunc(func(row, col int) lipgloss.Style {
			if row == table.HeaderRow {
				return header.PaddingRight(2)
			}
			return cell
		})
	if t.width > 0 && tableWidth(t.headers, t.rows) > t.width {
		tbl = tbl.Width(t.width)
	}
	out := tbl.Render()
	if !t.color {
		out = stripANSI(out)
	}
	var b strings.Builder
	for _, line := range strings.Split(out, "\n") {
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(t.w, b.String())
	return err
}

func tableWidth(headers []string, rows [][]string) int {
	widths := make([]int, len(headers))
	for i, h := range headers {
		widths[i] = lipgloss.Width(h)
	}
	for _, r := range rows {
		for i, c := range r {
			if i < len(widths) {
				widths[i] = max(widths[i], lipgloss.Width(c))
			}
		}
	}
	total := 0
	for _, w := range widths {
		total += w + 2
	}
	return total
}

// tsvEscape keeps one record per line and one field per tab.
func tsvEscape(s string) string {
	return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s)
}

func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
