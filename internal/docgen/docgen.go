// Package docgen writes the generated command reference (docs/reference,
// Markdown; docs/man, man pages) and shell completions (completions/) from
// the command tree, and the JSON Schema of the manifest format
// (docs/schema). Its test fails when the committed files are stale;
// `make docs` regenerates them.
package docgen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/cmd/root"
	"github.com/sipctl/sipctl/internal/factory"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/manifest"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// manDate is fixed so regenerating changes nothing unless the commands do.
var manDate = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// Root builds the command tree as users see it, without touching any
// configuration, keyring or network.
func Root() *cobra.Command {
	ios, _, _, _ := iostreams.Test()
	cmd := root.NewCmdRoot(factory.New(ios))
	disableAutoGenTag(cmd)
	return cmd
}

func disableAutoGenTag(c *cobra.Command) {
	c.DisableAutoGenTag = true
	for _, sub := range c.Commands() {
		disableAutoGenTag(sub)
	}
}

// Generate writes everything under repo (the module root).
func Generate(repo string) error {
	cmd := Root()
	refDir := filepath.Join(repo, "docs", "reference")
	manDir := filepath.Join(repo, "docs", "man")
	compDir := filepath.Join(repo, "completions")
	schemaDir := filepath.Join(repo, "docs", "schema")
	for _, d := range []string{refDir, manDir, compDir, schemaDir} {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := doc.GenMarkdownTree(cmd, refDir); err != nil {
		return fmt.Errorf("markdown reference: %w", err)
	}
	header := &doc.GenManHeader{Title: "SIPCTL", Section: "1", Source: "sipctl", Manual: "sipctl manual", Date: &manDate}
	if err := doc.GenManTree(cmd, header, manDir); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	// Help topics (`sipctl help environment`) are commands without a run
	// function, which the tree generators skip: each gets its page too.
	for _, c := range cmd.Commands() {
		if !c.IsAdditionalHelpTopicCommand() {
			continue
		}
		if err := os.WriteFile(filepath.Join(manDir, "sipctl-"+c.Name()+".1"), topicMan(c), 0o644); err != nil {
			return fmt.Errorf("man page of %s: %w", c.Name(), err)
		}
		if err := os.WriteFile(filepath.Join(refDir, "sipctl_"+c.Name()+".md"), topicMarkdown(c), 0o644); err != nil {
			return fmt.Errorf("reference of %s: %w", c.Name(), err)
		}
	}
	schema, err := manifest.Schema()
	if err != nil {
		return fmt.Errorf("manifest schema: %w", err)
	}
	if err := os.WriteFile(filepath.Join(schemaDir, "sipctl.schema.json"), schema, 0o644); err != nil {
		return err
	}
	completions := map[string]func(*bytes.Buffer) error{
		"sipctl.bash": func(b *bytes.Buffer) error { return cmd.GenBashCompletionV2(b, true) },
		"_sipctl":     func(b *bytes.Buffer) error { return cmd.GenZshCompletion(b) },
		"sipctl.fish": func(b *bytes.Buffer) error { return cmd.GenFishCompletion(b, true) },
		"sipctl.ps1":  func(b *bytes.Buffer) error { return cmd.GenPowerShellCompletionWithDesc(b) },
	}
	for name, gen := range completions {
		var b bytes.Buffer
		if err := gen(&b); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(compDir, name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// topicMan is a help topic's man page: its text as written (no-fill), since
// its columns and examples are laid out by hand.
func topicMan(c *cobra.Command) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, ".nh\n.TH \"SIPCTL\" \"1\" \"%s\" \"sipctl\" \"sipctl manual\"\n\n", manDate.Format("Jan 2006"))
	fmt.Fprintf(&b, ".SH NAME\nsipctl-%s \\- %s\n\n", c.Name(), roff(c.Short))
	fmt.Fprintf(&b, ".SH SYNOPSIS\n\\fBsipctl help %s\\fP\n\n", c.Name())
	b.WriteString(".SH DESCRIPTION\n.nf\n")
	for _, line := range strings.Split(strings.TrimRight(c.Long, "\n"), "\n") {
		line = roff(line)
		if strings.HasPrefix(line, ".") || strings.HasPrefix(line, "'") {
			line = "\\&" + line
		}
		b.WriteString(line + "\n")
	}
	b.WriteString(".fi\n\n.SH SEE ALSO\n\\fBsipctl(1)\\fP\n")
	return b.Bytes()
}

func roff(s string) string { return strings.ReplaceAll(s, `\`, `\e`) }

// topicMarkdown is a help topic's reference page.
func topicMarkdown(c *cobra.Command) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "## sipctl help %s\n\n%s\n\n```\n%s\n```\n\n### SEE ALSO\n\n* [sipctl](sipctl.md)\t - %s\n",
		c.Name(), c.Short, strings.TrimRight(c.Long, "\n"), c.Root().Short)
	return b.Bytes()
}
